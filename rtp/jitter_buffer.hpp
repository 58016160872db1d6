// FixedJitterBuffer: a first, fixed-delay jitter buffer for one RTP stream. Packets are held until
// the first one has waited `delay_ms`; from then on each pull() plays the next sequence number,
// reporting gaps as `missing` so the decoder conceals them. A later, adaptive buffer replaces it.
//
// Thread: the media thread owns it. create() allocates every slot and payload buffer; insert(),
// pull() and stats() are [rt]: noexcept, no allocation, no locks, bounded loops.
//
// Sequence handling (all modulo 2^16, see rtp/seq.hpp):
// - duplicates are dropped (a stored packet, or one already played that still sits in its slot);
// - reordering within `capacity` packets ahead of the play point is absorbed;
// - a packet behind the play point (already played or concealed) is `too_late`;
// - a packet `capacity` or more ahead of the play point, or far behind it (more than `capacity`),
//   is a discontinuity (sender restart, long outage): the buffer is flushed and restarts on that
//   packet with the fixed delay again (`overflow`), instead of stalling;
// - after the buffer has stayed empty for `delay_ms` worth of pulls, pull() returns `empty` and
//   the buffer waits for the next packet as at the start: a stream that stops and restarts
//   (silence, hold) gets the fixed delay again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "rtp/seq.hpp"

namespace offhook::rtp {

enum class InsertStatus : uint8_t {
  ok,
  duplicate,  // already buffered or already played: dropped
  too_late,   // its turn has passed (played or concealed): dropped
  too_large,  // payload larger than max_payload_bytes: dropped
  overflow,   // outside the window: buffer flushed, this packet stored and playout restarted
};

struct JitterBufferStats {
  uint64_t inserted = 0;    // stored (ok or overflow)
  uint64_t duplicates = 0;
  uint64_t late = 0;
  uint64_t too_large = 0;
  uint64_t overflows = 0;   // flushes caused by out-of-window packets
  uint64_t flushed = 0;     // packets discarded by those flushes
  uint64_t played = 0;
  uint64_t missing = 0;     // pulls that returned `missing` (concealed)
  uint64_t resyncs = 0;     // returns to waiting after the buffer ran empty
  uint64_t delay_sum_us = 0;  // sum over played packets of (pull time - arrival time)
  uint32_t max_delay_ms = 0;

  double mean_delay_ms() const noexcept {
    return played ? static_cast<double>(delay_sum_us) / 1000.0 / static_cast<double>(played) : 0.0;
  }
};

class FixedJitterBuffer {
 public:
  struct Config {
    uint32_t clock_rate_hz = 8000;
    uint32_t delay_ms = 60;
    uint32_t capacity = 64;  // slots; a power of two, 2..32768
    uint32_t max_payload_bytes = 1500;
  };

  struct Pulled {
    enum class Kind : uint8_t {
      not_ready,  // waiting for the first packet's delay to elapse
      packet,     // `seq`, `timestamp`, `payload`, `marker` are valid
      missing,    // `seq` did not arrive in time: conceal it
      empty,      // nothing buffered (before the first packet, or after the stream stopped)
    };
    Kind kind = Kind::empty;
    SeqNum seq{};
    uint32_t timestamp = 0;              // 0 for `missing`
    std::span<const uint8_t> payload;    // valid until the next pull()
  };

  static Result<FixedJitterBuffer> create(const Config& config);

  // [rt] `arrival_us` is the local receive time on the same clock as pull()'s `now_us`.
  InsertStatus insert(SeqNum seq, uint32_t rtp_ts, std::span<const uint8_t> payload,
                      uint64_t arrival_us) noexcept;
  // [rt] Called by the media thread each time it needs the next packet's audio.
  Pulled pull(uint64_t now_us) noexcept;
  // [rt] Drops everything and waits for the next packet as at the start. Statistics are kept.
  void reset() noexcept;
  // [rt] The payload of the packet that pull() will return next, if it is already buffered (else
  // empty); valid until the next insert() or pull(). After a `missing`, this is the packet that may
  // carry the lost one's in-band FEC (Opus LBRR).
  std::span<const uint8_t> peek_next() noexcept {
    Slot& s = slot(next_);
    if (s.state != SlotState::filled || s.seq != next_) return {};
    return {slot_bytes(next_), s.size};
  }

  const JitterBufferStats& stats() const noexcept { return stats_; }
  size_t buffered_packets() const noexcept { return count_; }
  const Config& config() const noexcept { return config_; }

 private:
  enum class SlotState : uint8_t { empty, filled, played };
  struct Slot {
    SlotState state = SlotState::empty;
    SeqNum seq{};
    uint32_t timestamp = 0;
    uint32_t size = 0;
    uint64_t arrival_us = 0;
  };
  enum class Phase : uint8_t { waiting, playing };

  explicit FixedJitterBuffer(const Config& config);
  Slot& slot(SeqNum seq) noexcept { return slots_[seq.value() & mask_]; }
  uint8_t* slot_bytes(SeqNum seq) noexcept {
    return payloads_.data() + size_t{seq.value() & mask_} * config_.max_payload_bytes;
  }
  void store(SeqNum seq, uint32_t rtp_ts, std::span<const uint8_t> payload, uint64_t arrival_us) noexcept;
  void flush() noexcept;
  void restart_on(SeqNum seq, uint64_t arrival_us) noexcept;
  InsertStatus behind_floor(SeqNum seq) noexcept;  // a packet whose turn has passed

  Config config_;
  uint32_t mask_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> payloads_;  // capacity * max_payload_bytes
  std::vector<uint8_t> out_;       // the last played payload, so slots can be reused at once

  Phase phase_ = Phase::waiting;
  bool anchored_ = false;    // waiting: a packet has set start_us_; playing: always true
  SeqNum next_;              // the sequence number pull() plays next (lowest stored, if waiting)
  SeqNum newest_;            // newest sequence number stored since the last (re)start
  bool have_floor_ = false;  // floor_ is meaningful: the stream played up to it, then ran empty
  SeqNum floor_;             // first sequence number concealed in the empty run before a resync
  uint64_t start_us_ = 0;    // when playout (re)starts: first packet's arrival + delay
  bool empty_since_valid_ = false;
  uint64_t empty_since_us_ = 0;
  SeqNum empty_since_seq_;   // next_ when the buffer ran empty
  size_t count_ = 0;
  JitterBufferStats stats_;
};

}  // namespace offhook::rtp
