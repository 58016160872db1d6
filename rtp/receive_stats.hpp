// Per-source reception statistics of RFC 3550 Appendix A: sequence validation with probation
// (A.1), extended highest sequence, expected and lost packets, fraction lost (A.3), and
// interarrival jitter (A.8). Plus SendStats, the sender's packet and octet counts (§6.4.1).
//
// Thread: whichever thread sees received packets in order of arrival (the network thread after
// SRTP unprotect, or the media thread when it drains the receive ring). update() and the getters
// are [rt]: noexcept, no allocation. Readers on other threads get a copy through the owner's
// seqlock/double buffer; this class has no synchronisation of its own.
#pragma once

#include <cstdint>

#include "rtp/seq.hpp"

namespace offhook::rtp {

enum class SeqVerdict : uint8_t {
  valid,      // counted in the statistics
  probation,  // a new source that has not yet sent kMinSequential packets in sequence
  invalid,    // a jump of more than kMaxDropout ahead or kMaxMisorder behind; a second packet
              // continuing from it restarts the source (the sender restarted) and is `valid`
};

// What one RTCP reception report block carries (RFC 3550 §6.4.1).
struct ReceptionReport {
  uint8_t fraction_lost = 0;     // lost since the previous report, 8-bit fixed point, clamped >= 0
  int32_t cumulative_lost = 0;   // clamped to the 24-bit signed field
  uint32_t extended_highest_seq = 0;
  uint32_t jitter_rtp_units = 0;
};

class ReceiveStats {
 public:
  // RFC 3550 §A.1 constants.
  static constexpr uint32_t kMinSequential = 2;
  static constexpr uint32_t kMaxDropout = 3000;
  static constexpr uint32_t kMaxMisorder = 100;

  // [rt] `rtp_ts` is the packet's RTP timestamp, `arrival_rtp_units` the local arrival time
  // converted to the same clock (rate and wrap as RTP timestamps, any origin).
  SeqVerdict update(SeqNum seq, uint32_t rtp_ts, uint32_t arrival_rtp_units) noexcept;

  // Snapshot getters. [rt]
  bool has_source() const noexcept { return initialized_; }
  uint64_t packets_received() const noexcept { return received_; }  // valid ones, duplicates too
  uint32_t extended_highest_seq() const noexcept { return cycles_ + max_seq_; }  // RFC 3550 §A.3
  uint64_t packets_expected() const noexcept;
  int64_t cumulative_lost() const noexcept;  // negative when duplicates outnumber losses
  // RFC 3550 §A.8: estimate scaled by 16 (4 fractional bits) and in whole RTP units.
  uint32_t jitter_q4() const noexcept { return jitter_q4_; }
  uint32_t jitter_rtp_units() const noexcept { return jitter_q4_ >> 4; }

  // [rt] The report block for now; starts the next fraction-lost interval (RFC 3550 §A.3).
  ReceptionReport make_report() noexcept;

 private:
  void init_seq(uint16_t seq) noexcept;

  bool initialized_ = false;
  uint16_t max_seq_ = 0;      // highest seq number seen
  uint32_t cycles_ = 0;       // shifted count of seq number cycles
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = 0;      // last 'bad' seq number + 1
  uint32_t probation_ = 0;
  uint64_t received_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  bool have_transit_ = false;
  uint32_t transit_ = 0;      // relative transit time of the previous packet
  uint32_t jitter_q4_ = 0;
};

struct SendStats {
  uint64_t packets = 0;
  uint64_t payload_octets = 0;  // RFC 3550 §6.4.1: payload only, no header or padding

  // [rt]
  void on_sent(size_t payload_bytes) noexcept {
    ++packets;
    payload_octets += payload_bytes;
  }
  // RFC 3550 §6.4.1: the SR fields are 32-bit counts that wrap.
  uint32_t sr_packet_count() const noexcept { return static_cast<uint32_t>(packets); }
  uint32_t sr_octet_count() const noexcept { return static_cast<uint32_t>(payload_octets); }
};

}  // namespace offhook::rtp
