// Fuzz target for RFC 4733: parse_telephone_event() on the raw input, then the input read as a
// sequence of 9-byte records (flags, timestamp step, time step in 100 µs, 4-byte payload) driving a
// TelephoneEventReceiver. Invariants: no crash; reports strictly alternate begin/end and an end
// names the event of its begin (each key press reported exactly once).
#include <cstdint>
#include <cstdlib>

#include "rtp/telephone_event.hpp"

using namespace offhook::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  TelephoneEventPayload p;
  if (parse_telephone_event({data, size}, p) == TelephoneEventStatus::ok) {
    uint8_t out[4];
    if (write_telephone_event(p, out) != 4) std::abort();
    if (out[0] != data[0] || (out[1] & 0xbf) != (data[1] & 0xbf) || out[2] != data[2] || out[3] != data[3]) {
      std::abort();
    }
  }
  auto rx = TelephoneEventReceiver::create({.clock_rate_hz = 8000, .end_timeout_ms = 200});
  if (!rx.has_value()) std::abort();
  uint32_t ts = 0xfffff000u;
  uint64_t now_us = 0;
  bool open = false;
  uint8_t open_event = 0;
  for (size_t pos = 0; pos + 9 <= size; pos += 9) {
    const uint8_t* r = data + pos;
    // Flag bit 2: a step of 0xFFFF, the RFC 4733 §2.5.1.3 segment boundary; else a signed step.
    ts += (r[0] & 4) != 0 ? 0xffffu : static_cast<uint32_t>(static_cast<int16_t>((r[1] << 8) | r[2]));
    now_us += static_cast<uint64_t>((r[3] << 8) | r[4]) * 100;
    (void)rx->on_packet((r[0] & 1) != 0, ts, {r + 5, 4}, now_us);
    if ((r[0] & 2) != 0) rx->tick(now_us);
    TelephoneEventReceiver::Report rep;
    while (rx->pop(rep)) {
      if (rep.kind == TelephoneEventReceiver::Report::Kind::begin) {
        if (open) std::abort();
        open = true;
        open_event = rep.event;
      } else {
        if (!open || rep.event != open_event) std::abort();
        open = false;
      }
    }
  }
  return 0;
}
