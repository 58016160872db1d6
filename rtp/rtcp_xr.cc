#include "rtp/rtcp_xr.hpp"

#include <algorithm>
#include <cmath>

namespace offhook::rtp {

using detail::load16;
using detail::load32;
using detail::load64;
using detail::store16;
using detail::store32;
using detail::store64;

namespace {

void write_block_header(uint8_t* p, XrBlockType type, uint8_t type_specific, size_t total_bytes) noexcept {
  p[0] = static_cast<uint8_t>(type);
  p[1] = type_specific;
  store16(p + 2, static_cast<uint16_t>(total_bytes / 4 - 1));  // RFC 3611 §3: words minus one
}

RtcpStatus check(const XrBlockRef& b, XrBlockType type, size_t total_bytes) noexcept {
  if (b.block_type != static_cast<uint8_t>(type)) return RtcpStatus::wrong_type;
  if (b.contents.size() != total_bytes - 4) return RtcpStatus::bad_length;
  return RtcpStatus::ok;
}

uint8_t fraction256(uint64_t part, uint64_t whole) noexcept {
  if (whole == 0) return 0;
  return static_cast<uint8_t>(std::min<uint64_t>(255, part * 256 / whole));
}

uint16_t clamp16(uint64_t v) noexcept { return static_cast<uint16_t>(std::min<uint64_t>(v, 0xffff)); }

}  // namespace

size_t write_xr_receiver_reference_time(uint64_t ntp_timestamp, std::span<uint8_t> out) noexcept {
  if (out.size() < kXrRrtBlockBytes) return 0;
  write_block_header(out.data(), XrBlockType::receiver_reference_time, 0, kXrRrtBlockBytes);
  store64(out.data() + 4, ntp_timestamp);
  return kXrRrtBlockBytes;
}

XrDlrrItem XrDlrrView::item(size_t index) const noexcept {
  const uint8_t* p = item_bytes.data() + index * kXrDlrrItemBytes;
  return {load32(p), load32(p + 4), load32(p + 8)};
}

size_t write_xr_dlrr(std::span<const XrDlrrItem> items, std::span<uint8_t> out) noexcept {
  const size_t bytes = 4 + items.size() * kXrDlrrItemBytes;
  if (items.empty() || bytes > 4 * 65536 || out.size() < bytes) return 0;
  write_block_header(out.data(), XrBlockType::dlrr, 0, bytes);
  for (size_t i = 0; i < items.size(); ++i) {
    uint8_t* p = out.data() + 4 + i * kXrDlrrItemBytes;
    store32(p, items[i].ssrc);
    store32(p + 4, items[i].last_rr);
    store32(p + 8, items[i].delay_since_last_rr);
  }
  return bytes;
}

RtcpStatus parse_xr_dlrr(const XrBlockRef& block, XrDlrrView& out) noexcept {
  if (block.block_type != static_cast<uint8_t>(XrBlockType::dlrr)) return RtcpStatus::wrong_type;
  if (block.contents.size() % kXrDlrrItemBytes != 0) return RtcpStatus::bad_length;
  out.item_bytes = block.contents;
  return RtcpStatus::ok;
}

size_t write_xr_statistics_summary(const XrStatisticsSummary& s, std::span<uint8_t> out) noexcept {
  if (out.size() < kXrStatisticsSummaryBlockBytes || s.ttl_or_hop > 3) return 0;
  uint8_t* p = out.data();
  const auto flags = static_cast<uint8_t>((s.has_loss ? 0x80 : 0) | (s.has_duplicates ? 0x40 : 0) |
                                          (s.has_jitter ? 0x20 : 0) | (s.ttl_or_hop << 3));
  write_block_header(p, XrBlockType::statistics_summary, flags, kXrStatisticsSummaryBlockBytes);
  store32(p + 4, s.ssrc);
  store16(p + 8, s.begin_seq);
  store16(p + 10, s.end_seq);
  store32(p + 12, s.has_loss ? s.lost_packets : 0);
  store32(p + 16, s.has_duplicates ? s.dup_packets : 0);
  store32(p + 20, s.has_jitter ? s.min_jitter : 0);
  store32(p + 24, s.has_jitter ? s.max_jitter : 0);
  store32(p + 28, s.has_jitter ? s.mean_jitter : 0);
  store32(p + 32, s.has_jitter ? s.dev_jitter : 0);
  const bool ttl = s.ttl_or_hop != 0;
  p[36] = ttl ? s.min_ttl : 0;
  p[37] = ttl ? s.max_ttl : 0;
  p[38] = ttl ? s.mean_ttl : 0;
  p[39] = ttl ? s.dev_ttl : 0;
  return kXrStatisticsSummaryBlockBytes;
}

size_t write_xr_voip_metrics(const XrVoipMetrics& m, std::span<uint8_t> out) noexcept {
  if (out.size() < kXrVoipMetricsBlockBytes) return 0;
  uint8_t* p = out.data();
  write_block_header(p, XrBlockType::voip_metrics, 0, kXrVoipMetricsBlockBytes);
  store32(p + 4, m.ssrc);
  p[8] = m.loss_rate;
  p[9] = m.discard_rate;
  p[10] = m.burst_density;
  p[11] = m.gap_density;
  store16(p + 12, m.burst_duration_ms);
  store16(p + 14, m.gap_duration_ms);
  store16(p + 16, m.round_trip_delay_ms);
  store16(p + 18, m.end_system_delay_ms);
  p[20] = static_cast<uint8_t>(m.signal_level_dbm0);
  p[21] = static_cast<uint8_t>(m.noise_level_dbm0);
  p[22] = m.rerl_db;
  p[23] = m.gmin;
  p[24] = m.r_factor;
  p[25] = m.ext_r_factor;
  p[26] = m.mos_lq;
  p[27] = m.mos_cq;
  p[28] = m.rx_config;
  p[29] = 0;  // reserved
  store16(p + 30, m.jb_nominal_ms);
  store16(p + 32, m.jb_maximum_ms);
  store16(p + 34, m.jb_abs_max_ms);
  return kXrVoipMetricsBlockBytes;
}

RtcpStatus parse_xr_receiver_reference_time(const XrBlockRef& block, uint64_t& ntp_timestamp) noexcept {
  const RtcpStatus s = check(block, XrBlockType::receiver_reference_time, kXrRrtBlockBytes);
  if (s == RtcpStatus::ok) ntp_timestamp = load64(block.contents.data());
  return s;
}

RtcpStatus parse_xr_statistics_summary(const XrBlockRef& block, XrStatisticsSummary& out) noexcept {
  const RtcpStatus s = check(block, XrBlockType::statistics_summary, kXrStatisticsSummaryBlockBytes);
  if (s != RtcpStatus::ok) return s;
  const uint8_t* p = block.contents.data();
  out.has_loss = (block.type_specific & 0x80) != 0;
  out.has_duplicates = (block.type_specific & 0x40) != 0;
  out.has_jitter = (block.type_specific & 0x20) != 0;
  out.ttl_or_hop = (block.type_specific >> 3) & 0x03;
  out.ssrc = load32(p);
  out.begin_seq = load16(p + 4);
  out.end_seq = load16(p + 6);
  out.lost_packets = load32(p + 8);
  out.dup_packets = load32(p + 12);
  out.min_jitter = load32(p + 16);
  out.max_jitter = load32(p + 20);
  out.mean_jitter = load32(p + 24);
  out.dev_jitter = load32(p + 28);
  out.min_ttl = p[32];
  out.max_ttl = p[33];
  out.mean_ttl = p[34];
  out.dev_ttl = p[35];
  return s;
}

RtcpStatus parse_xr_voip_metrics(const XrBlockRef& block, XrVoipMetrics& out) noexcept {
  const RtcpStatus s = check(block, XrBlockType::voip_metrics, kXrVoipMetricsBlockBytes);
  if (s != RtcpStatus::ok) return s;
  const uint8_t* p = block.contents.data();
  out.ssrc = load32(p);
  out.loss_rate = p[4];
  out.discard_rate = p[5];
  out.burst_density = p[6];
  out.gap_density = p[7];
  out.burst_duration_ms = load16(p + 8);
  out.gap_duration_ms = load16(p + 10);
  out.round_trip_delay_ms = load16(p + 12);
  out.end_system_delay_ms = load16(p + 14);
  out.signal_level_dbm0 = static_cast<int8_t>(p[16]);
  out.noise_level_dbm0 = static_cast<int8_t>(p[17]);
  out.rerl_db = p[18];
  out.gmin = p[19];
  out.r_factor = p[20];
  out.ext_r_factor = p[21];
  out.mos_lq = p[22];
  out.mos_cq = p[23];
  out.rx_config = p[24];
  out.jb_nominal_ms = load16(p + 26);
  out.jb_maximum_ms = load16(p + 28);
  out.jb_abs_max_ms = load16(p + 30);
  return s;
}

// --- BurstGapTracker -------------------------------------------------------------------------

void BurstGapTracker::on_received() noexcept {
  ++received_;
  ++run_;
  if (have_prev_) {
    if (prev_lost_) {
      ++after_lost_;
      ++lost_to_found_;
    } else {
      ++after_found_;
    }
  }
  have_prev_ = true;
  prev_lost_ = false;
}

void BurstGapTracker::on_loss_event() noexcept {
  if (have_prev_) {
    if (prev_lost_) {
      ++after_lost_;
    } else {
      ++after_found_;
      ++found_to_lost_;
    }
  }
  have_prev_ = true;
  prev_lost_ = true;
  if (open_ && run_ < gmin_) {
    open_packets_ += run_ + 1;  // the received packets in between belong to the burst
    ++open_losses_;
  } else {
    if (open_) {
      if (open_losses_ >= 2) {
        burst_packets_ += open_packets_;
        burst_losses_ += open_losses_;
        ++bursts_;
      } else {
        gap_packets_ += open_packets_;
        gap_losses_ += open_losses_;
      }
    }
    gap_packets_ += run_;
    open_ = true;
    open_packets_ = 1;
    open_losses_ = 1;
  }
  run_ = 0;
}

void BurstGapTracker::on_lost() noexcept {
  ++lost_;
  on_loss_event();
}

void BurstGapTracker::on_discarded() noexcept {
  ++discarded_;
  on_loss_event();
}

void BurstGapTracker::on_late_arrival() noexcept {
  if (lost_ == 0) return;
  --lost_;
  ++discarded_;
}

BurstGapTracker::Snapshot BurstGapTracker::snapshot() const noexcept {
  Snapshot s{.received = received_, .lost = lost_, .discarded = discarded_,
             .burst_packets = burst_packets_, .burst_losses = burst_losses_, .bursts = bursts_,
             .gap_packets = gap_packets_ + run_, .gap_losses = gap_losses_};
  if (open_) {
    if (open_losses_ >= 2) {
      s.burst_packets += open_packets_;
      s.burst_losses += open_losses_;
      ++s.bursts;
    } else {
      s.gap_packets += open_packets_;
      s.gap_losses += open_losses_;
    }
  }
  // G.107 §7.4: BurstR = 1 / (p + q), p = P(found -> lost), q = P(lost -> found).
  if (after_found_ > 0 && after_lost_ > 0 && found_to_lost_ > 0) {
    const double p = static_cast<double>(found_to_lost_) / static_cast<double>(after_found_);
    const double q = static_cast<double>(lost_to_found_) / static_cast<double>(after_lost_);
    if (p + q > 0) s.burst_ratio = 1 / (p + q);
  }
  return s;
}

XrVoipMetrics compute_voip_metrics(const BurstGapTracker& tracker, const VoipMetricsInputs& in) noexcept {
  const BurstGapTracker::Snapshot s = tracker.snapshot();
  const uint64_t total = s.received + s.lost + s.discarded;
  XrVoipMetrics m;
  m.ssrc = in.ssrc;
  m.loss_rate = fraction256(s.lost, total);
  m.discard_rate = fraction256(s.discarded, total);
  m.burst_density = fraction256(s.burst_losses, s.burst_packets);
  m.gap_density = fraction256(s.gap_losses, s.gap_packets);
  if (s.bursts > 0) m.burst_duration_ms = clamp16(s.burst_packets * in.frame_ms / s.bursts);
  // Gaps lie before, between and after the bursts.
  m.gap_duration_ms = clamp16(s.gap_packets * in.frame_ms / (s.bursts + 1));
  m.round_trip_delay_ms = clamp16(in.round_trip_ms);
  m.end_system_delay_ms = clamp16(in.end_system_delay_ms);
  m.signal_level_dbm0 = in.signal_level_dbm0;
  m.noise_level_dbm0 = in.noise_level_dbm0;
  m.rerl_db = in.rerl_db;
  m.gmin = tracker.gmin();
  m.rx_config = xr_rx_config(in.plc, in.jb_kind, in.jb_rate);
  m.jb_nominal_ms = in.jb_nominal_ms;
  m.jb_maximum_ms = in.jb_maximum_ms;
  m.jb_abs_max_ms = in.jb_abs_max_ms;
  if (in.codec != nullptr) {
    const double ppl = total == 0 ? 0.0 : 100.0 * static_cast<double>(s.lost + s.discarded) / static_cast<double>(total);
    const EModelResult r = evaluate_emodel({.ie = in.codec->ie, .bpl = in.codec->bpl,
                                            .packet_loss_percent = ppl, .burst_ratio = s.burst_ratio,
                                            .one_way_delay_ms = in.round_trip_ms / 2.0 + in.end_system_delay_ms});
    m.r_factor = static_cast<uint8_t>(std::lround(r.r_conversational));
    m.mos_lq = static_cast<uint8_t>(std::lround(r.mos_lq * 10));
    m.mos_cq = static_cast<uint8_t>(std::lround(r.mos_cq * 10));
  }
  return m;
}

// --- StatisticsSummaryTracker ------------------------------------------------------------------

void StatisticsSummaryTracker::on_packet(uint32_t extended_seq, uint32_t jitter_rtp_units, bool duplicate) noexcept {
  if (duplicate) {
    ++dups_;
    return;
  }
  if (!any_) {
    any_ = true;
    first_ = last_ = extended_seq;
    min_j_ = max_j_ = jitter_rtp_units;
  }
  if (static_cast<int32_t>(extended_seq - first_) < 0) first_ = extended_seq;
  if (static_cast<int32_t>(extended_seq - last_) > 0) last_ = extended_seq;
  min_j_ = std::min(min_j_, jitter_rtp_units);
  max_j_ = std::max(max_j_, jitter_rtp_units);
  ++n_;
  const double x = jitter_rtp_units;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (x - mean_);
}

XrStatisticsSummary StatisticsSummaryTracker::take(uint32_t ssrc, uint32_t lost_packets) noexcept {
  XrStatisticsSummary s;
  s.ssrc = ssrc;
  if (any_) {
    s.has_loss = s.has_duplicates = s.has_jitter = true;
    s.begin_seq = static_cast<uint16_t>(first_);
    s.end_seq = static_cast<uint16_t>(last_ + 1);  // §4.6: end_seq is one past the last
    s.lost_packets = lost_packets;
    s.dup_packets = dups_;
    s.min_jitter = min_j_;
    s.max_jitter = max_j_;
    s.mean_jitter = static_cast<uint32_t>(std::lround(mean_));
    s.dev_jitter = static_cast<uint32_t>(std::lround(std::sqrt(n_ > 0 ? m2_ / static_cast<double>(n_) : 0.0)));
  }
  *this = StatisticsSummaryTracker{};
  return s;
}

}  // namespace offhook::rtp
