// srtp_bench: SRTP protect and unprotect of one 172-byte RTP packet (12-byte header + 160 bytes of
// PCMU) for each suite, through offhook's SrtpSession and through the raw libsrtp calls with the
// same policy, in the same run. Prints "ratio <suite> <op> offhook/raw = N.NNx" (1.00x: no wrapper
// cost). Debian's libsrtp2 uses NSS for AES, which dominates both. Run a Release (-O3) build.
#include <benchmark/benchmark.h>
#include <srtp2/srtp.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "rtp/rtp_packet.hpp"
#include "rtp/srtp_session.hpp"

namespace {

using namespace offhook::rtp;

constexpr SrtpSuite kSuites[] = {SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32,
                                 SrtpSuite::aead_aes_128_gcm, SrtpSuite::aes_256_cm_hmac_sha1_80};

// A 172-byte PCMU packet with sequence number `seq` in a buffer with room for the trailer.
size_t make_packet(uint16_t seq, std::array<uint8_t, 512>& buf) {
  std::array<uint8_t, 160> payload{};
  payload.fill(0xd5);
  RtpHeaderFields f{.payload_type = 0, .sequence = SeqNum(seq), .timestamp = 160u * seq, .ssrc = 0x5eed};
  return build_rtp(f, payload, buf);
}

void set_raw_policy(SrtpSuite suite, srtp_crypto_policy_t& p) {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p); break;
    case SrtpSuite::aes_cm_128_hmac_sha1_32: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p); break;
    case SrtpSuite::aead_aes_128_gcm: srtp_crypto_policy_set_aes_gcm_128_16_auth(&p); break;
    case SrtpSuite::aes_256_cm_hmac_sha1_80: srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p); break;
  }
}

srtp_t raw_session(SrtpSuite suite, const SrtpKey& key, srtp_ssrc_type_t direction) {
  std::array<uint8_t, SrtpKey::kMaxBytes> copy{};
  std::memcpy(copy.data(), key.bytes().data(), key.bytes().size());
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  set_raw_policy(suite, policy.rtp);
  set_raw_policy(suite, policy.rtcp);
  policy.ssrc.type = direction;
  policy.key = copy.data();
  policy.window_size = SrtpSession::kReplayWindowPackets;
  srtp_t s = nullptr;
  srtp_create(&s, &policy);
  return s;
}

// Protect then unprotect a fresh packet per iteration (fresh sequence numbers: replay protection).
void BM_srtp_offhook(benchmark::State& state, SrtpSuite suite) {
  auto key = SrtpKey::random(suite);
  auto tx = SrtpSession::create(suite, *key, *key);
  auto rx = SrtpSession::create(suite, *key, *key);
  std::array<uint8_t, 512> buf{};
  uint16_t seq = 1;
  for (auto _ : state) {
    size_t len = make_packet(seq++, buf);
    if ((*tx)->protect_rtp(buf, len) != SrtpStatus::ok || (*rx)->unprotect_rtp(buf, len) != SrtpStatus::ok) {
      state.SkipWithError("SRTP failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
}

void BM_srtp_raw(benchmark::State& state, SrtpSuite suite) {
  auto key = SrtpKey::random(suite);
  (void)SrtpSession::create(suite, *key, *key);  // srtp_init() through the same path
  srtp_t tx = raw_session(suite, *key, ssrc_any_outbound);
  srtp_t rx = raw_session(suite, *key, ssrc_any_inbound);
  std::array<uint8_t, 512> buf{};
  uint16_t seq = 1;
  for (auto _ : state) {
    int len = static_cast<int>(make_packet(seq++, buf));
    if (srtp_protect(tx, buf.data(), &len) != srtp_err_status_ok || srtp_unprotect(rx, buf.data(), &len) != srtp_err_status_ok) {
      state.SkipWithError("SRTP failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  srtp_dealloc(tx);
  srtp_dealloc(rx);
}

class Recorder : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (!r.error_occurred) times[r.benchmark_name()] = r.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times;
};

}  // namespace

int main(int argc, char** argv) {
  for (SrtpSuite suite : kSuites) {
    const std::string name = suite_name(suite);
    benchmark::RegisterBenchmark(("BM_srtp_protect_unprotect/" + name + "/offhook").c_str(), BM_srtp_offhook, suite);
    benchmark::RegisterBenchmark(("BM_srtp_protect_unprotect/" + name + "/raw").c_str(), BM_srtp_raw, suite);
  }
  benchmark::Initialize(&argc, argv);
  Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  std::printf("summary (CPU time per packet, protect + unprotect, same run):\n");
  for (SrtpSuite suite : kSuites) {
    const std::string base = std::string("BM_srtp_protect_unprotect/") + suite_name(suite);
    const auto ours = recorder.times.find(base + "/offhook");
    const auto raw = recorder.times.find(base + "/raw");
    if (ours == recorder.times.end() || raw == recorder.times.end()) continue;
    std::printf("ratio %s offhook/raw = %.2fx (%.0f ns vs %.0f ns)\n", suite_name(suite), ours->second / raw->second,
                ours->second, raw->second);
  }
  benchmark::Shutdown();
  return 0;
}
