// rtcp_bench: per RTCP report (SR with one report block + SDES CNAME, 76 bytes) build and parse,
// and per RTP packet (12-byte header + 160-byte payload) build and parse, against oRTP in the
// same run. oRTP has no public SR/RR builder (its session builds reports internally), so the RTCP
// comparison is parse-only: both walk the compound packet and read the sender info, the report
// block and the CNAME; oRTP reuses one preallocated mblk_t (rtcp_rewind), so neither allocates.
// oRTP's RTP path allocates an mblk_t per packet by design (rtp_session_create_packet); that cost
// is part of what we replace. Prints "ratio <what> ortp/offhook = N.NNx" at the end.
// Run a Release (-O3) build.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <ortp/ortp.h>

#include "rtp/rtcp_packet.hpp"
#include "rtp/rtp_packet.hpp"

namespace {

using namespace offhook::rtp;

constexpr uint32_t kSsrc = 0x12345678;
const ReportBlock kBlock{.ssrc = 0xdeadbeef, .fraction_lost = 12, .cumulative_lost = 40,
                         .extended_highest_seq = 70000, .jitter = 33, .last_sr = 0xa2b38000,
                         .delay_since_last_sr = 0x18000};
const SenderInfo kInfo{0xe9f1a2b380000000ull, 8000, 100, 16000};

size_t build_report(std::span<uint8_t> out) {
  RtcpWriter w(out);
  (void)w.add_sender_report(kSsrc, kInfo, std::span(&kBlock, 1));
  (void)w.add_sdes_cname(kSsrc, "user@host.example.org");
  return w.size();
}

// What both parsers extract: a checksum of the fields, so nothing is optimised away.
uint64_t parse_offhook(std::span<const uint8_t> bytes) {
  RtcpCompoundView v;
  if (parse_rtcp_compound(bytes, v) != RtcpStatus::ok) return 0;
  uint64_t sum = 0;
  for (size_t i = 0; i < v.packet_count; ++i) {
    ReportView r;
    SdesView s;
    if (parse_report(v.packets[i], r) == RtcpStatus::ok) {
      sum += r.sender.ntp_timestamp + r.sender.packet_count;
      for (size_t b = 0; b < r.block_count; ++b) {
        const ReportBlock blk = r.block(b);
        sum += blk.fraction_lost + static_cast<uint32_t>(blk.cumulative_lost) + blk.jitter + blk.last_sr;
      }
    } else if (parse_sdes(v.packets[i], s) == RtcpStatus::ok) {
      for (size_t c = 0; c < s.chunk_count; ++c) sum += s.chunks[c].cname.size();
    }
  }
  return sum;
}

void on_sdes_item(void* user, uint32_t, rtcp_sdes_type_t type, const char*, uint8_t len) {
  if (type == RTCP_SDES_CNAME) *static_cast<uint64_t*>(user) += len;
}

uint64_t parse_ortp(mblk_t* m) {
  uint64_t sum = 0;
  rtcp_rewind(m);
  do {
    if (rtcp_is_SR(m)) {
      const sender_info_t* si = rtcp_SR_get_sender_info(m);
      sum += sender_info_get_ntp_timestamp(si) + sender_info_get_packet_count(si);
      const report_block_t* rb = rtcp_SR_get_report_block(m, 0);
      if (rb != nullptr) {
        sum += report_block_get_fraction_lost(rb) + static_cast<uint32_t>(report_block_get_cum_packet_lost(rb)) +
               report_block_get_interarrival_jitter(rb) + report_block_get_last_SR_time(rb);
      }
    } else if (rtcp_is_SDES(m)) {
      rtcp_sdes_parse(m, on_sdes_item, &sum);
    }
  } while (rtcp_next_packet(m));
  return sum;
}

void BM_rtcp_build_parse_offhook(benchmark::State& state) {
  std::array<uint8_t, 256> buf{};
  for (auto _ : state) {
    const size_t n = build_report(buf);
    benchmark::DoNotOptimize(parse_offhook(std::span(buf.data(), n)));
  }
}
BENCHMARK(BM_rtcp_build_parse_offhook)->Name("rtcp_build_parse/offhook");

void BM_rtcp_parse_offhook(benchmark::State& state) {
  std::array<uint8_t, 256> buf{};
  const size_t n = build_report(buf);
  for (auto _ : state) {
    benchmark::DoNotOptimize(buf.data());
    benchmark::DoNotOptimize(parse_offhook(std::span(buf.data(), n)));
  }
}
BENCHMARK(BM_rtcp_parse_offhook)->Name("rtcp_parse/offhook");

void BM_rtcp_parse_ortp(benchmark::State& state) {
  std::array<uint8_t, 256> buf{};
  const size_t n = build_report(buf);
  mblk_t* m = rtp_session_create_packet_raw(buf.data(), n);
  if (parse_ortp(m) != parse_offhook(std::span(buf.data(), n))) state.SkipWithError("parsers disagree");
  for (auto _ : state) {
    benchmark::DoNotOptimize(m->b_rptr);
    benchmark::DoNotOptimize(parse_ortp(m));
  }
  freemsg(m);
}
BENCHMARK(BM_rtcp_parse_ortp)->Name("rtcp_parse/ortp");

constexpr size_t kPayload = 160;

void BM_rtp_build_parse_offhook(benchmark::State& state) {
  std::array<uint8_t, kPayload> payload{};
  std::array<uint8_t, 1500> buf{};
  uint16_t seq = 0;
  uint32_t ts = 0;
  for (auto _ : state) {
    const RtpHeaderFields f{.payload_type = 0, .sequence = SeqNum(seq++), .timestamp = ts += 160, .ssrc = kSsrc};
    const size_t n = build_rtp(f, payload, buf);
    RtpPacketView v;
    if (parse_rtp(std::span(buf.data(), n), v) != ParseStatus::ok) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(v.payload.data());
    benchmark::DoNotOptimize(v.sequence);
  }
}
BENCHMARK(BM_rtp_build_parse_offhook)->Name("rtp_build_parse/offhook");

void BM_rtp_build_parse_ortp(benchmark::State& state) {
  std::array<uint8_t, kPayload> payload{};
  RtpSession* session = rtp_session_new(RTP_SESSION_SENDONLY);
  rtp_session_set_payload_type(session, 0);
  uint16_t seq = 0;
  uint32_t ts = 0;
  for (auto _ : state) {
    mblk_t* m = rtp_session_create_packet(session, RTP_FIXED_HEADER_SIZE, payload.data(), kPayload);
    rtp_set_seqnumber(m, htons(seq++));
    rtp_set_timestamp(m, htonl(ts += 160));
    unsigned char* start = nullptr;
    const int len = rtp_get_payload(m, &start);
    benchmark::DoNotOptimize(start);
    benchmark::DoNotOptimize(len);
    benchmark::DoNotOptimize(rtp_get_seqnumber(m));
    freemsg(m);
  }
  rtp_session_destroy(session);
}
BENCHMARK(BM_rtp_build_parse_ortp)->Name("rtp_build_parse/ortp");

// The console output as usual, plus each benchmark's CPU time per iteration, in ns (CPU, not real
// time: the machines are shared and real time swings with the other load).
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      // Single runs, or the median when --benchmark_repetitions is given.
      if (run.run_type == Run::RT_Iteration && run.repetitions <= 1) {
        ns[run.benchmark_name()] = run.GetAdjustedCPUTime();
      } else if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        ns[run.run_name.str()] = run.GetAdjustedCPUTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

void print_ratio(const std::map<std::string, double>& ns, const std::string& what) {
  const auto slow = ns.find(what + "/ortp");
  const auto fast = ns.find(what + "/offhook");
  if (slow == ns.end() || fast == ns.end() || fast->second <= 0) return;
  std::printf("ratio %s ortp/offhook = %.2fx (CPU time)\n", what.c_str(), slow->second / fast->second);
}

}  // namespace

int main(int argc, char** argv) {
  ortp_init();
  ortp_set_log_level_mask(nullptr, 0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  print_ratio(reporter.ns, "rtcp_parse");
  print_ratio(reporter.ns, "rtp_build_parse");
  ortp_exit();
  return 0;
}
