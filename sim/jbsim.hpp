// jbsim: runs a packet-arrival trace through a jitter buffer in simulated time and records one
// playout decision per 20 ms output frame, in the decisions CSV of the shared development data
// (header `tick_ms,action,seq`; actions play | conceal | stretch | shrink | silence).
//
// Ticks start at the first arrival and continue until at least the last arrival + 2000 ms; a
// packet is inserted before the tick at which tick_ms >= arrival_ms. The buffer sees seq & 0xffff,
// rtp_ts and the arrival time only (never send_ms). Control plane: allocates, not [rt].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "rtp/adaptive_jitter_buffer.hpp"
#include "sim/trace.hpp"

namespace offhook::sim {

enum class JbKind : uint8_t { offhook, speex };

struct JbDecisionRow {
  double tick_ms = 0;
  rtp::JbAction action = rtp::JbAction::silence;  // idle is written as silence
  int64_t seqs[2] = {0, 0};
  int count = 0;
};

struct JbSimResult {
  std::vector<JbDecisionRow> rows;
  rtp::JbStats stats;  // offhook only
};

struct JbSimOptions {
  JbKind kind = JbKind::offhook;
  rtp::AdaptiveJitterBuffer::Config config{};
  double tail_ms = 2000;
};

Result<JbSimResult> run_jbsim(const std::vector<TracePacket>& trace, const JbSimOptions& options);
std::string format_decisions(const std::vector<JbDecisionRow>& rows);
const char* action_name(rtp::JbAction action) noexcept;

}  // namespace offhook::sim
