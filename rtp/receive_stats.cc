#include "rtp/receive_stats.hpp"

#include <algorithm>

namespace offhook::rtp {
namespace {
constexpr uint32_t kSeqMod = 1u << 16;
}

void ReceiveStats::init_seq(uint16_t seq) noexcept {
  // RFC 3550 §A.1 init_seq()
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;  // so seq == bad_seq_ is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
  have_transit_ = false;
  jitter_q4_ = 0;
}

SeqVerdict ReceiveStats::update(SeqNum seq_num, uint32_t rtp_ts, uint32_t arrival_rtp_units) noexcept {
  const uint16_t seq = seq_num.value();
  if (!initialized_) {
    // RFC 3550 §A.1: a new source is in probation until kMinSequential packets in a row.
    init_seq(seq);
    max_seq_ = static_cast<uint16_t>(seq - 1);
    probation_ = kMinSequential;
    initialized_ = true;
  }
  // RFC 3550 §A.1 update_seq()
  const auto udelta = static_cast<uint16_t>(seq - max_seq_);
  if (probation_ > 0) {
    if (seq == static_cast<uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ > 0) return SeqVerdict::probation;
      init_seq(seq);
    } else {
      probation_ = kMinSequential - 1;
      max_seq_ = seq;
      return SeqVerdict::probation;
    }
  } else if (udelta < kMaxDropout) {
    // in order, with permissible gap
    if (seq < max_seq_) cycles_ += kSeqMod;  // wrapped
    max_seq_ = seq;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // the sequence number made a very large jump
    if (seq == bad_seq_) {
      // Two sequential packets: assume the other side restarted without telling us.
      init_seq(seq);
    } else {
      bad_seq_ = (uint32_t{seq} + 1) & (kSeqMod - 1);
      return SeqVerdict::invalid;
    }
  }
  // else: duplicate or reordered packet, counted below.
  ++received_;

  // RFC 3550 §A.8: D(i-1,i) from relative transit times, J += (|D| - J) / 16, kept scaled by 16.
  const uint32_t transit = arrival_rtp_units - rtp_ts;
  if (have_transit_) {
    const auto d_signed = static_cast<int32_t>(transit - transit_);
    const uint32_t d = d_signed < 0 ? 0u - static_cast<uint32_t>(d_signed) : static_cast<uint32_t>(d_signed);
    // J_q4 += |D| - J_q4 / 16 (rounded), the integer form of §A.8.
    jitter_q4_ += d - ((jitter_q4_ + 8) >> 4);
  }
  transit_ = transit;
  have_transit_ = true;
  return SeqVerdict::valid;
}

uint64_t ReceiveStats::packets_expected() const noexcept {
  if (!initialized_ || probation_ > 0) return 0;
  // RFC 3550 §A.3: expected = extended_max - base_seq + 1
  return uint64_t{extended_highest_seq()} + 1 - base_seq_;
}

int64_t ReceiveStats::cumulative_lost() const noexcept {
  return static_cast<int64_t>(packets_expected()) - static_cast<int64_t>(received_);
}

ReceptionReport ReceiveStats::make_report() noexcept {
  ReceptionReport r;
  const uint64_t expected = packets_expected();
  // RFC 3550 §6.4.1: cumulative lost is a signed 24-bit field; clamp rather than wrap.
  r.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(cumulative_lost(), -0x800000, 0x7fffff));
  r.extended_highest_seq = extended_highest_seq();
  r.jitter_rtp_units = jitter_rtp_units();
  // RFC 3550 §A.3: fraction over the interval since the previous report.
  const int64_t expected_interval = static_cast<int64_t>(expected - expected_prior_);
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  const int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0) {
    r.fraction_lost = static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  }
  return r;
}

}  // namespace offhook::rtp
