// RFC 4733 telephone-events (DTMF digits 0-9 * # A-D as events 0-15, and any other event code):
// the 4-byte payload (§2.3), a sender state machine (§2.5.1) and a receiver state machine
// (§2.5.2) that reports each key press exactly once as a `begin` and an `end`.
//
// Thread: the media thread (sender: once per tick with the stream's RTP timestamp; receiver: for
// each packet of the event payload type, and once per tick for timeouts). Everything after
// create() is [rt]: noexcept, no allocation, fixed-size state.
//
// The receiver identifies an event by its RTP timestamp (§2.5.2.1), never by sequence number, so
// it tolerates senders that reuse sequence numbers for the retransmitted end packets. It also
// accepts a first packet without the marker bit, ends an event whose end packets were all lost
// when a newer event starts or after `end_timeout_ms` of silence, and joins the segments of a
// long event (§2.5.1.3: each segment's timestamp advances by 0xFFFF), also across a 32-bit
// timestamp wrap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace offhook::rtp {

inline constexpr size_t kTelephoneEventBytes = 4;
inline constexpr uint8_t kMaxEventVolume = 63;  // §2.3.4: 0..63 -dBm0

// §2.3: event (8), E (1), R (1), volume (6), duration (16, in RTP timestamp units).
struct TelephoneEventPayload {
  uint8_t event = 0;
  bool end = false;
  uint8_t volume = 0;  // -dBm0
  uint16_t duration = 0;
};

enum class TelephoneEventStatus : uint8_t {
  ok,
  truncated,   // fewer than 4 bytes
  bad_length,  // more than 4 bytes (RFC 2198 redundancy is not supported here)
};

const char* telephone_event_status_name(TelephoneEventStatus status) noexcept;

// [rt] §2.3. Consumes exactly 4 bytes; the R bit is ignored as the RFC asks.
TelephoneEventStatus parse_telephone_event(std::span<const uint8_t> payload,
                                           TelephoneEventPayload& out) noexcept;
// [rt] Writes 4 bytes; returns 4, or 0 when `out` is too small or volume > 63.
size_t write_telephone_event(const TelephoneEventPayload& event, std::span<uint8_t> out) noexcept;

// Maps '0'..'9', '*', '#', 'A'..'D' (and a..d) to event codes 0..15 (§3.2); -1 otherwise.
int dtmf_event_code(char key) noexcept;

class TelephoneEventSender {
 public:
  struct Config {
    uint32_t clock_rate_hz = 8000;
    uint32_t packet_interval_ms = 50;  // §2.5.1.2: updates every 50 ms is the recommended default
    uint8_t end_packets = 3;           // §2.5.1.4: the final packet is sent three times
  };
  struct Packet {
    bool marker = false;      // §2.5.1.2: set on the first packet of an event only
    uint32_t timestamp = 0;   // the event (segment) start, the same for all its packets
    std::array<uint8_t, kTelephoneEventBytes> payload{};
  };

  static Result<TelephoneEventSender> create(const Config& config);

  // [rt] Starts an event at the next poll(): `duration_ms` > 0, `volume` 0..63 (-dBm0). Returns
  // false (and does nothing) while another event is still being sent, or on bad arguments.
  bool start(uint8_t event, uint32_t duration_ms, uint8_t volume) noexcept;
  // [rt] Call every tick with the stream's current RTP timestamp. Returns true and fills `out`
  // when a packet is due. The caller puts it in the RTP stream with the next sequence number (and
  // suppresses audio packets while busy()).
  bool poll(uint32_t rtp_now, Packet& out) noexcept;
  bool busy() const noexcept { return state_ != State::idle; }

 private:
  enum class State : uint8_t { idle, pending, sending, ending };
  explicit TelephoneEventSender(const Config& config) noexcept;

  Config config_;
  uint32_t interval_units_ = 0;
  State state_ = State::idle;
  uint8_t event_ = 0;
  uint8_t volume_ = 0;
  uint32_t total_units_ = 0;   // requested duration
  uint32_t start_ts_ = 0;
  uint32_t segment_offset_ = 0;  // units from start_ts_ to the current segment's timestamp
  uint32_t covered_units_ = 0;   // duration reported by the last packet, from start_ts_
  uint32_t next_due_ts_ = 0;
  uint8_t end_left_ = 0;
};

class TelephoneEventReceiver {
 public:
  struct Config {
    uint32_t clock_rate_hz = 8000;
    uint32_t end_timeout_ms = 500;  // no packet for this long ends the event
  };
  struct Report {
    enum class Kind : uint8_t { begin, end };
    Kind kind = Kind::begin;
    uint8_t event = 0;
    uint8_t volume = 0;
    uint32_t timestamp = 0;        // RTP timestamp of the event's first segment
    uint32_t duration_units = 0;   // end: total duration over all segments
    bool end_seen = false;         // end: an E packet arrived (false: timeout or superseded)
  };

  static Result<TelephoneEventReceiver> create(const Config& config);

  // [rt] One received RTP packet of the telephone-event payload type.
  TelephoneEventStatus on_packet(bool marker, uint32_t timestamp, std::span<const uint8_t> payload,
                                 uint64_t now_us) noexcept;
  // [rt] Ends an active event after `end_timeout_ms` without packets.
  void tick(uint64_t now_us) noexcept;
  // [rt] Next report, oldest first. The queue holds kQueueSize; older reports are dropped (and
  // counted) if the caller does not drain it.
  bool pop(Report& out) noexcept;
  uint64_t dropped_reports() const noexcept { return dropped_reports_; }
  bool active() const noexcept { return active_; }

  static constexpr size_t kQueueSize = 8;

 private:
  explicit TelephoneEventReceiver(const Config& config) noexcept;
  void begin(const TelephoneEventPayload& p, uint32_t timestamp, uint64_t now_us) noexcept;
  void finish(bool end_seen) noexcept;
  void push(const Report& r) noexcept;

  Config config_;
  bool active_ = false;
  uint8_t event_ = 0;
  uint8_t volume_ = 0;
  uint32_t first_ts_ = 0;     // first segment
  uint32_t segment_ts_ = 0;   // current segment
  uint32_t segment_base_ = 0; // units from first_ts_ to segment_ts_
  uint16_t duration_ = 0;     // in the current segment
  uint64_t last_packet_us_ = 0;
  bool have_ended_ = false;
  uint32_t ended_ts_ = 0;     // last segment timestamp of the most recently ended event
  std::array<Report, kQueueSize> queue_{};
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t dropped_reports_ = 0;
};

}  // namespace offhook::rtp
