#include "sim/jbsim.hpp"

#include <speex/speex_jitter.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <memory>

namespace offhook::sim {

namespace {

constexpr double kFrameMs = 20.0;
constexpr uint32_t kSamplesPerFrame = 160;  // 20 ms at 8 kHz, the traces' packetisation

uint64_t to_us(double ms) { return static_cast<uint64_t>(std::llround(ms * 1000.0)); }

struct SpeexDeleter {
  void operator()(JitterBuffer* jb) const { jitter_buffer_destroy(jb); }
};

// speexdsp's adaptive jitter buffer as its documentation prescribes: put() every packet as it
// arrives, then per frame get() (OK: play, MISSING: conceal, INSERTION: an extra frame) and tick().
Result<JbSimResult> run_speex(const std::vector<TracePacket>& got, double first_ms, double end_ms) {
  std::unique_ptr<JitterBuffer, SpeexDeleter> jb(jitter_buffer_init(static_cast<int>(kSamplesPerFrame)));
  if (!jb) return Error{Errc::internal, "jbsim: jitter_buffer_init failed"};
  JbSimResult result;
  // speexdsp works on 32-bit timestamps; give it the trace's timestamps relative to the first one
  // (unwrapped), so a 2^32 wrap cannot confuse the reference.
  int64_t ts_base = -1;
  int64_t last_ts = 0;
  int64_t unwrap_off = 0;
  size_t i = 0;
  int64_t max_played = -1;
  char out_buf[16];
  for (double tick = first_ms; tick <= end_ms + 1e-9; tick += kFrameMs) {
    const uint64_t tick_us = to_us(tick);
    for (; i < got.size() && to_us(*got[i].arrival_ms) <= tick_us; ++i) {
      const TracePacket& p = got[i];
      int64_t ts = p.rtp_ts;
      if (ts_base < 0) {
        ts_base = ts;
        last_ts = ts;
      }
      // wrap-aware relative timestamp (nearest to the last one seen)
      int64_t d = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(ts - last_ts)));
      unwrap_off += d;
      last_ts = ts;
      char data[4] = {0, 0, 0, 0};
      JitterBufferPacket pkt{};
      pkt.data = data;
      pkt.len = sizeof data;
      pkt.timestamp = static_cast<spx_uint32_t>(unwrap_off);
      pkt.span = kSamplesPerFrame;
      pkt.sequence = static_cast<spx_uint16_t>(p.seq & 0xffff);
      pkt.user_data = static_cast<spx_uint32_t>(p.seq);
      jitter_buffer_put(jb.get(), &pkt);
    }
    JitterBufferPacket out{};
    out.data = out_buf;
    out.len = sizeof out_buf;
    spx_int32_t offset = 0;
    const int rc = jitter_buffer_get(jb.get(), &out, static_cast<spx_int32_t>(kSamplesPerFrame), &offset);
    JbDecisionRow row;
    row.tick_ms = tick;
    if (rc == JITTER_BUFFER_OK && static_cast<int64_t>(out.user_data) > max_played) {
      row.action = rtp::JbAction::play;
      row.seqs[0] = out.user_data;
      row.count = 1;
      max_played = out.user_data;
    } else if (rc == JITTER_BUFFER_INSERTION) {
      row.action = rtp::JbAction::stretch;
    } else {
      row.action = rtp::JbAction::conceal;
    }
    result.rows.push_back(row);
    jitter_buffer_tick(jb.get());
  }
  return result;
}

Result<JbSimResult> run_offhook(const std::vector<TracePacket>& got, double first_ms, double end_ms,
                                const rtp::AdaptiveJitterBuffer::Config& config) {
  auto jb = rtp::AdaptiveJitterBuffer::create(config);
  if (!jb) return jb.error();
  JbSimResult result;
  int64_t seq_base = got.empty() ? 0 : got[0].seq - (got[0].seq & 0xffff);
  const uint8_t payload[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (double tick = first_ms; tick <= end_ms + 1e-9; tick += kFrameMs) {
    const uint64_t tick_us = to_us(tick);
    for (; i < got.size() && to_us(*got[i].arrival_ms) <= tick_us; ++i) {
      const TracePacket& p = got[i];
      const auto st = jb->insert(1, rtp::SeqNum(static_cast<uint16_t>(p.seq & 0xffff)), p.rtp_ts, payload,
                                 to_us(*p.arrival_ms));
      if (st == rtp::JbInsertStatus::resync) seq_base = p.seq - (p.seq & 0xffff);
    }
    const rtp::JbDecision& d = jb->pull(tick_us);
    JbDecisionRow row;
    row.tick_ms = tick;
    row.action = d.action == rtp::JbAction::idle ? rtp::JbAction::silence : d.action;
    row.count = d.count;
    for (int k = 0; k < d.count && k < 2; ++k) row.seqs[k] = d.seqs[static_cast<size_t>(k)] + seq_base;
    result.rows.push_back(row);
  }
  result.stats = jb->stats();
  return result;
}

}  // namespace

const char* action_name(rtp::JbAction action) noexcept {
  switch (action) {
    case rtp::JbAction::play: return "play";
    case rtp::JbAction::shrink: return "shrink";
    case rtp::JbAction::stretch: return "stretch";
    case rtp::JbAction::conceal: return "conceal";
    case rtp::JbAction::idle:
    case rtp::JbAction::silence: return "silence";
  }
  return "silence";
}

Result<JbSimResult> run_jbsim(const std::vector<TracePacket>& trace, const JbSimOptions& options) {
  const std::vector<TracePacket> got = arrivals(trace);
  if (got.empty()) return Error{Errc::invalid_argument, "jbsim: the trace has no received packet"};
  const double first_ms = *got.front().arrival_ms;
  const double end_ms = *got.back().arrival_ms + options.tail_ms;
  if (options.kind == JbKind::speex) return run_speex(got, first_ms, end_ms);
  return run_offhook(got, first_ms, end_ms, options.config);
}

std::string format_decisions(const std::vector<JbDecisionRow>& rows) {
  std::string out = "tick_ms,action,seq\n";
  char buf[96];
  for (const JbDecisionRow& r : rows) {
    if (r.count >= 2) {
      std::snprintf(buf, sizeof buf, "%.3f,%s,%" PRId64 ";%" PRId64 "\n", r.tick_ms, action_name(r.action), r.seqs[0],
                    r.seqs[1]);
    } else if (r.count == 1) {
      std::snprintf(buf, sizeof buf, "%.3f,%s,%" PRId64 "\n", r.tick_ms, action_name(r.action), r.seqs[0]);
    } else {
      std::snprintf(buf, sizeof buf, "%.3f,%s,\n", r.tick_ms, action_name(r.action));
    }
    out += buf;
  }
  return out;
}

}  // namespace offhook::sim
