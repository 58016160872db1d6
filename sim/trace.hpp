// Packet-arrival traces: one row per RTP packet of one stream, in the CSV format of the shared
// development data (header `seq,rtp_ts,send_ms,arrival_ms`; empty arrival_ms = lost; received
// rows in arrival order, lost rows after them; duplicates are extra rows with the same seq).
//
// Control plane (tools, tests, the network simulator): allocates, not [rt].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace offhook::sim {

struct TracePacket {
  int64_t seq = 0;        // extended sequence number (never wraps); the wire carries seq & 0xffff
  uint32_t rtp_ts = 0;    // 32-bit RTP timestamp as on the wire
  double send_ms = 0;     // ground truth; a jitter buffer must not read it
  std::optional<double> arrival_ms;  // receiver clock; empty = lost
};

// Parses the CSV text. Rows that do not parse are an error naming the line.
Result<std::vector<TracePacket>> parse_trace(const std::string& text);
Result<std::vector<TracePacket>> read_trace(const std::string& path);

// Writes the canonical order: received rows by arrival (stable), then lost rows by seq.
std::string format_trace(const std::vector<TracePacket>& packets);
Result<bool> write_trace(const std::string& path, const std::vector<TracePacket>& packets);

// Received packets (duplicates included) sorted by arrival time, stable.
std::vector<TracePacket> arrivals(const std::vector<TracePacket>& packets);

}  // namespace offhook::sim
