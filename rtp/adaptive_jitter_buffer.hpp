// AdaptiveJitterBuffer: the packet-level playout decisions of one RTP stream. Each pull() decides
// what the next output frame (`frame_ms` of audio) is: play one packet, shrink (accelerate: the
// media of two packets in one frame), stretch (preemptive expand of the audio just played),
// conceal (expected media missing) or silence (DTX / comfort noise, nothing to play).
//
// Thread: the media thread owns it. create() allocates every slot, payload buffer and histogram;
// insert(), pull(), reset() and stats() are [rt]: noexcept, no allocation, no locks, bounded loops.
// jbsim drives it with simulated time, one pull() per 20 ms frame; the engine drives it per frame
// with real decoded audio and applies the decision with dsp/tsm (WSOLA) and its concealment.
//
// Target delay (how long after the fastest observed arrival a packet is played):
// - relative delay of each packet: arrival - media time (rtp_ts / rate), minus its minimum over a
//   sliding window of arrival time (`min_window_ms`): sender/receiver clock drift and route changes
//   move that minimum, so they are absorbed and a delay step down is followed at once;
// - the target is the `quantile` of these delays in a histogram with exponential forgetting
//   (`forget_per_packet`): one late packet raises it at once (quick to grow), old spikes fade away
//   slowly (careful to shrink), clamped to [min_delay_ms, max_delay_ms];
// - the buffer delay moves towards the target by stretch (+1 frame) and shrink (-1 frame, only
//   when two contiguous packets are buffered, so nothing is dropped), and freely at talkspurt
//   starts (DTX: the media timestamp jumps over the silence, the silence is re-timed).
// Loss handling: a missing packet is concealed when its turn comes; when it arrives before a newer
// packet was played it is still played (the schedule slips, shrink catches up), so a delay stall
// costs delay, not packets. Packets behind the play point are `late`; duplicates are dropped.
// Discontinuities (SSRC change, sequence jump beyond the window, media timestamp jumping far from
// the arrival clock) flush and resynchronise on the new packet instead of stalling.
// Fixed mode (`fixed`): the target is `nominal_delay_ms` after the first packet and never moves;
// a packet whose slot has passed is dropped as late instead of slipping the schedule.
// Limitation: one packet carries one frame (ptime == frame_ms); other packetisations come with the
// engine integration.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "rtp/seq.hpp"

namespace offhook::rtp {

enum class JbInsertStatus : uint8_t {
  ok,
  duplicate,   // already buffered or already played: dropped
  too_late,    // behind the play point: dropped (counted as late)
  too_large,   // payload larger than max_payload_bytes: dropped
  resync,      // discontinuity: buffer flushed, playout restarts on this packet
};

enum class JbAction : uint8_t {
  idle,     // nothing received yet since the (re)start: output silence, not part of the stream
  play,     // packet `seqs[0]`
  shrink,   // the media of `count` contiguous packets `seqs[0..count)` in one frame (accelerate)
  stretch,  // one extra frame made from the audio just played (preemptive expand); no packet
  conceal,  // expected media missing: packet loss concealment
  silence,  // nothing to play (DTX gap, stream stopped): comfort noise
};

struct JbDecision {
  static constexpr int kMaxPackets = 2;
  JbAction action = JbAction::idle;
  uint8_t count = 0;                                   // packets consumed (play 1, shrink 2)
  std::array<int64_t, kMaxPackets> seqs{};             // extended (unwrapped) sequence numbers
  std::array<uint32_t, kMaxPackets> timestamps{};      // RTP timestamps as received
  std::array<std::span<const uint8_t>, kMaxPackets> payloads;  // valid until the next insert()/pull()
  // conceal: the packet due right after the missing frame, when it is already here (its in-band
  // FEC, e.g. Opus LBRR, can rebuild the missing frame); it stays buffered and plays next. Empty
  // otherwise. Valid until the next insert()/pull().
  std::span<const uint8_t> next_payload;
};

// Lifetime statistics in the spirit of WebRTC NetEq's. Counters only grow (reset() keeps them).
struct JbStats {
  uint64_t packets_received = 0;   // insert() calls
  uint64_t packets_stored = 0;
  uint64_t packets_played = 0;     // through play or shrink
  uint64_t packets_late = 0;       // arrived behind the play point
  uint64_t packets_duplicate = 0;
  uint64_t packets_too_large = 0;
  uint64_t packets_discarded = 0;  // flushed by a resync or skipped while buffered
  uint64_t resyncs = 0;
  uint64_t frames = 0;             // pull() calls that were part of the stream (not idle)
  uint64_t frames_played = 0;
  uint64_t frames_concealed = 0;
  uint64_t concealment_events = 0; // runs of consecutive concealed frames
  uint64_t frames_silence = 0;
  uint64_t frames_stretched = 0;   // preemptive expand
  uint64_t frames_shrunk = 0;      // accelerate
  uint64_t waiting_sum_us = 0;     // play time - arrival time, over played packets
  uint64_t waiting_max_us = 0;
  uint32_t current_delay_ms = 0;   // the playout delay above the fastest path, now
  uint32_t target_delay_ms = 0;    // the preferred delay, now
  std::array<uint32_t, 64> waiting_hist{};  // 10 ms buckets of waiting time (last: 630 ms+)

  double waiting_mean_ms() const noexcept;
  double waiting_p95_ms() const noexcept;   // from the 10 ms histogram (bucket upper edge)
  double concealed_samples_ratio() const noexcept;  // concealed frames over stream frames
  double accelerate_rate() const noexcept;          // shrunk frames over stream frames
  double expand_rate() const noexcept;              // stretched frames over stream frames
};

class AdaptiveJitterBuffer {
 public:
  struct Config {
    uint32_t clock_rate_hz = 8000;
    uint32_t frame_ms = 20;            // one pull() = one output frame
    uint32_t min_delay_ms = 0;
    uint32_t max_delay_ms = 2000;
    uint32_t nominal_delay_ms = 40;    // the start value (and the delay in fixed mode)
    bool fixed = false;
    uint32_t capacity = 256;           // slots; a power of two in 4..16384
    uint32_t max_payload_bytes = 1500;
    double quantile = 0.93;            // of relative arrival delay the target covers
    double forget_per_packet = 0.998;  // histogram forgetting factor (0.998: ~10 s at 50 pkt/s)
    uint32_t min_window_ms = 4000;     // sliding window of the minimum relative delay
    uint32_t shrink_margin_ms = 5;     // shrink only while the delay stays this far above target
    uint32_t shrink_hold_ms = 0;       // no shrink for this long after the schedule slipped
    uint32_t resync_jump_ms = 30000;   // media time vs arrival time mismatch that forces a resync
  };

  static Result<AdaptiveJitterBuffer> create(const Config& config);

  // [rt] `arrival_us`: local receive time on the same clock as pull()'s `now_us`. A new `ssrc`
  // resynchronises.
  JbInsertStatus insert(uint32_t ssrc, SeqNum seq, uint32_t rtp_ts, std::span<const uint8_t> payload,
                        uint64_t arrival_us) noexcept;
  // [rt] The decision for the output frame starting at `now_us` (called once per frame).
  const JbDecision& pull(uint64_t now_us) noexcept;
  // [rt] Drops every packet and waits for the next one as at the start. Statistics and the
  // delay histogram are kept.
  void reset() noexcept;

  const JbStats& stats() const noexcept { return stats_; }
  size_t buffered_packets() const noexcept { return count_; }
  uint32_t target_delay_ms() const noexcept;
  const Config& config() const noexcept { return config_; }

 private:
  static constexpr int kHistBuckets = 512;
  static constexpr int64_t kHistBucketUs = 2000;
  static constexpr int kMinRing = 8;
  static constexpr int kMaxConcealFrames = 5;  // then silence (comfort noise)

  enum class SlotState : uint8_t { empty, filled, played };
  struct Slot {
    SlotState state = SlotState::empty;
    int64_t seq = 0;        // extended
    int64_t media_us = 0;   // extended timestamp as time
    uint32_t timestamp = 0;
    uint32_t size = 0;
    uint64_t arrival_us = 0;
  };

  explicit AdaptiveJitterBuffer(const Config& config);
  Slot& slot(int64_t seq) noexcept { return slots_[static_cast<size_t>(seq) & mask_]; }
  uint8_t* slot_bytes(int64_t seq) noexcept {
    return payloads_.data() + (static_cast<size_t>(seq) & mask_) * config_.max_payload_bytes;
  }
  void restart() noexcept;
  void observe_delay(int64_t rel_us, uint64_t arrival_us) noexcept;
  void add_to_histogram(int64_t delay_us) noexcept;
  Slot* lowest_from(int64_t seq) noexcept;
  void consume(Slot& s, int index, uint64_t now_us) noexcept;
  int64_t target_us() const noexcept;
  const JbDecision& emit_missing(uint64_t now_us) noexcept;

  Config config_;
  size_t mask_;
  int64_t frame_us_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> payloads_;  // capacity * max_payload_bytes

  // Stream state since the last (re)start.
  bool started_ = false;   // a packet has been stored since the (re)start
  bool have_ssrc_ = false;
  uint32_t ssrc_ = 0;
  SeqUnwrapper seq_unwrap_;
  TimestampUnwrapper ts_unwrap_;
  int64_t first_ts_ = 0;
  int64_t newest_seq_ = 0;
  int64_t next_seq_ = 0;       // the lowest sequence number still playable
  bool have_last_ = false;     // a packet was played since the (re)start
  int64_t last_seq_ = 0;
  int64_t last_media_us_ = 0;
  uint64_t last_arrival_us_ = 0;
  int64_t last_arrival_media_us_ = 0;
  int64_t offset_us_ = 0;      // play time - media time of the current schedule
  int64_t slipped_at_us_ = INT64_MIN / 2;  // when the schedule last slipped (a late packet played)
  JbAction last_action_ = JbAction::idle;
  int conceal_run_ = 0;
  size_t count_ = 0;

  // Delay estimator (kept across restarts: the network is the same).
  bool have_min_ = false;
  std::array<int64_t, kMinRing> min_ring_{};
  int min_pos_ = 0;
  uint64_t min_slot_start_us_ = 0;
  int64_t min_rel_us_ = 0;
  std::vector<double> hist_;
  double hist_total_ = 0;
  double hist_weight_ = 1;
  int q_index_ = 0;
  double q_below_ = 0;       // mass of buckets below q_index_

  JbDecision decision_;
  JbStats stats_;
};

}  // namespace offhook::rtp
