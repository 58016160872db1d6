// Fuzz target for FixedJitterBuffer: a byte stream of operations (insert with a sequence offset,
// arrival step and payload size; pull after a time step) never crashes, never holds more than
// `capacity` packets and never returns a payload larger than the limit.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/jitter_buffer.hpp"

using namespace offhook::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const FixedJitterBuffer::Config config{.clock_rate_hz = 8000, .delay_ms = static_cast<uint32_t>(data[0] % 101),
                                         .capacity = 1u << (1 + data[1] % 6), .max_payload_bytes = 64};
  auto jb = FixedJitterBuffer::create(config);
  if (!jb) std::abort();
  std::vector<uint8_t> payload(80, 0x5a);
  uint64_t now_us = 0;
  uint16_t seq = 0;
  for (size_t i = 2; i + 2 < size; i += 3) {
    const uint8_t op = data[i];
    if (op & 1) {
      seq = static_cast<uint16_t>(seq + static_cast<int8_t>(data[i + 1]));
      if (op & 2) seq = static_cast<uint16_t>(seq ^ 0x8000);  // now and then a wild jump
      const size_t bytes = data[i + 2] % 70;
      (void)jb->insert(SeqNum(seq), uint32_t{seq} * 160, std::span(payload).first(bytes), now_us);
    } else {
      now_us += uint64_t{data[i + 1]} * 500;
      const auto got = jb->pull(now_us);
      if (got.payload.size() > config.max_payload_bytes) std::abort();
      if (got.kind == FixedJitterBuffer::Pulled::Kind::packet && !got.payload.empty() && got.payload[0] != 0x5a)
        std::abort();
    }
    if (jb->buffered_packets() > config.capacity) std::abort();
  }
  return 0;
}
