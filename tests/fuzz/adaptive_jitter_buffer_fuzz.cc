// Fuzz target for AdaptiveJitterBuffer: a byte stream of operations (insert with a sequence step,
// timestamp step, arrival step, payload size and SSRC flip; pull after a time step) never crashes,
// never holds more than `capacity` packets, never plays a packet twice in a row of the same
// stream, and never returns a payload larger than the limit or with foreign bytes.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/adaptive_jitter_buffer.hpp"

using namespace offhook::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  AdaptiveJitterBuffer::Config config;
  config.capacity = 1u << (2 + data[0] % 7);
  config.max_payload_bytes = 64;
  config.fixed = (data[1] & 1) != 0;
  config.nominal_delay_ms = data[2] % 200;
  auto jb = AdaptiveJitterBuffer::create(config);
  if (!jb) std::abort();
  std::vector<uint8_t> payload(100, 0x5a);
  uint64_t now_us = 1'000'000;
  uint64_t arrival_us = now_us;
  uint16_t seq = 0;
  uint32_t ts = 0;
  uint32_t ssrc = 1;
  int64_t last_played = INT64_MIN;
  uint64_t resyncs = 0;
  for (size_t i = 3; i + 3 < size; i += 4) {
    const uint8_t op = data[i];
    if (op & 1) {
      seq = static_cast<uint16_t>(seq + static_cast<int8_t>(data[i + 1]));
      ts += static_cast<uint32_t>(static_cast<int8_t>(data[i + 2])) * 160u;
      if (op & 2) ts ^= 0x80000000u;   // now and then an absurd timestamp
      if (op & 4) seq ^= 0x4000;       // or a sequence jump
      if ((op & 0xf8) == 0xf8) ++ssrc; // or a new source
      arrival_us += (op >> 3) * 1000u;
      const size_t bytes = data[i + 3] % 80;
      (void)jb->insert(ssrc, SeqNum(seq), ts, std::span(payload).first(bytes), arrival_us);
    } else {
      now_us += uint64_t{data[i + 1]} * 500;
      if (arrival_us < now_us) arrival_us = now_us;
      const JbDecision& d = jb->pull(now_us);
      if (jb->stats().resyncs != resyncs) {
        resyncs = jb->stats().resyncs;
        last_played = INT64_MIN;
      }
      for (int k = 0; k < d.count; ++k) {
        const auto p = d.payloads[static_cast<size_t>(k)];
        if (p.size() > config.max_payload_bytes) std::abort();
        if (!p.empty() && p[0] != 0x5a) std::abort();
        if (d.seqs[static_cast<size_t>(k)] <= last_played) std::abort();
        last_played = d.seqs[static_cast<size_t>(k)];
      }
    }
    if (jb->buffered_packets() > config.capacity) std::abort();
  }
  return 0;
}
