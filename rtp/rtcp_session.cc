#include "rtp/rtcp_session.hpp"

#include "rtp/rtcp_xr.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace offhook::rtp {

namespace {
constexpr double kCompensation = 2.71828 - 1.5;  // RFC 3550 §A.7: e - 3/2
constexpr double kUdpIpOverheadBytes = 28;        // §6.2: sizes include UDP and IPv4 headers
}  // namespace

Result<RtcpSession> RtcpSession::create(const RtcpSessionConfig& config) {
  if (config.cname.empty() || config.cname.size() > 255) {
    return Error{Errc::invalid_argument, "RTCP CNAME must be 1..255 bytes"};
  }
  if (config.session_bandwidth_bps == 0 || !(config.rtcp_fraction > 0 && config.rtcp_fraction <= 1)) {
    return Error{Errc::invalid_argument, "RTCP bandwidth must be positive"};
  }
  if (config.max_remote_sources == 0 || config.max_remote_sources > 32) {
    return Error{Errc::invalid_argument,
                 "max_remote_sources must be 1..32, got " + std::to_string(config.max_remote_sources)};
  }
  return RtcpSession(config);
}

RtcpSession::RtcpSession(const RtcpSessionConfig& config) noexcept
    : config_(config), rng_state_(config.random_seed ^ 0x9e3779b97f4a7c15ull) {
  cname_size_ = config.cname.size();
  std::memcpy(cname_.data(), config.cname.data(), cname_size_);
  config_.cname = {};  // do not keep a view of the caller's string
  // §A.7 initialisation: the size of the first report we would send (RR with one block + SDES).
  avg_rtcp_size_bytes_ = kUdpIpOverheadBytes + 32 + ((4 + 4 + 2 + cname_size_ + 1 + 3) & ~size_t{3});
}

double RtcpSession::next_random() noexcept {
  // splitmix64: small, deterministic, good enough for timer dithering.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t RtcpSession::deterministic_interval_us() const noexcept {
  // RFC 3550 §6.3.1 / §A.7 rtcp_interval() before the random factor and compensation.
  double tmin_s = config_.min_interval_ms / 1000.0;
  if (config_.reduced_minimum) {
    tmin_s = std::min(tmin_s, 360.0 / (config_.session_bandwidth_bps / 1000.0));
  }
  if (initial_) tmin_s /= 2;
  const double rtcp_bw = config_.session_bandwidth_bps / 8.0 * config_.rtcp_fraction;  // bytes/s
  const double members = stats_.members;
  const double senders = stats_.senders;
  double n = members;
  double c = avg_rtcp_size_bytes_ / rtcp_bw;
  if (senders <= members * 0.25) {  // §6.3.1: senders get a quarter of the RTCP bandwidth
    if (we_sent_) {
      c = avg_rtcp_size_bytes_ / (0.25 * rtcp_bw);
      n = senders;
    } else {
      c = avg_rtcp_size_bytes_ / (0.75 * rtcp_bw);
      n = members - senders;
    }
  }
  const double t_s = std::max(n * c, tmin_s);
  return static_cast<uint64_t>(t_s * 1e6);
}

uint64_t RtcpSession::randomized_interval_us() noexcept {
  // §6.3.1: uniform in [0.5, 1.5] times the interval, divided by e - 3/2 (§A.7 compensation for
  // timer reconsideration converging below the intended average).
  const double factor = (0.5 + next_random()) / kCompensation;
  return static_cast<uint64_t>(static_cast<double>(deterministic_interval_us()) * factor);
}

void RtcpSession::start(uint64_t now_us) noexcept {
  initial_ = true;
  tp_us_ = now_us;
  tn_us_ = now_us + randomized_interval_us();
}

void RtcpSession::expire_members(uint64_t now_us) noexcept {
  // §6.3.5: Td is the deterministic interval with Tmin = 5 s, without the initial halving.
  const bool initial = initial_;
  initial_ = false;
  const uint64_t td_us = std::max<uint64_t>(deterministic_interval_us(), 5'000'000);
  initial_ = initial;
  for (uint32_t i = 0; i < config_.max_remote_sources; ++i) {
    Member& m = members_[i];
    if (!m.used) continue;
    if (now_us - m.last_rtcp_us > 5 * td_us) {
      remove_member(m.ssrc, now_us);
    } else if (m.sender && now_us - m.last_sr_arrival_us > 2 * td_us) {
      m.sender = false;
      if (stats_.senders > 0) --stats_.senders;
    }
  }
}

bool RtcpSession::on_timer(uint64_t now_us) noexcept {
  if (now_us < tn_us_) return false;
  expire_members(now_us);
  // §6.3.6 / §A.7 OnExpire: recompute with the current member count; send only if the new
  // interval, counted from the last transmission, has also elapsed.
  const uint64_t t = randomized_interval_us();
  if (tp_us_ + t <= now_us) return true;
  tn_us_ = tp_us_ + t;
  return false;
}

uint64_t RtcpSession::ntp_at(uint64_t now_us) const noexcept {
  const uint64_t seconds = now_us / 1'000'000;
  const uint64_t frac = ((now_us % 1'000'000) << 32) / 1'000'000;
  return config_.ntp_at_time_zero + (seconds << 32) + frac;
}

RtcpSession::Member* RtcpSession::find_member(uint32_t ssrc) noexcept {
  for (uint32_t i = 0; i < config_.max_remote_sources; ++i) {
    if (members_[i].used && members_[i].ssrc == ssrc) return &members_[i];
  }
  return nullptr;
}

RtcpSession::Member* RtcpSession::find_or_add_member(uint32_t ssrc) noexcept {
  if (ssrc == config_.local_ssrc) return nullptr;
  if (Member* m = find_member(ssrc)) return m;
  for (uint32_t i = 0; i < config_.max_remote_sources; ++i) {
    if (!members_[i].used) {
      members_[i] = Member{.ssrc = ssrc, .used = true};
      ++stats_.members;
      return &members_[i];
    }
  }
  return nullptr;  // table full: the source is not counted (documented limit)
}

void RtcpSession::remove_member(uint32_t ssrc, uint64_t now_us) noexcept {
  Member* m = find_member(ssrc);
  if (m == nullptr) return;
  if (m->sender && stats_.senders > 0) --stats_.senders;
  *m = Member{};
  --stats_.members;
  // §6.3.4 reverse reconsideration: pull the timers in when the group shrinks.
  if (stats_.members < pmembers_ && tn_us_ > now_us) {
    const double ratio = static_cast<double>(stats_.members) / pmembers_;
    tn_us_ = now_us + static_cast<uint64_t>(ratio * static_cast<double>(tn_us_ - now_us));
    if (now_us > tp_us_) tp_us_ = now_us - static_cast<uint64_t>(ratio * static_cast<double>(now_us - tp_us_));
    pmembers_ = stats_.members;
  }
}

size_t RtcpSession::build_report(uint64_t now_us, const ReportInputs& in,
                                 std::span<uint8_t> out) noexcept {
  // §6.4: we are a sender if we sent RTP since the previous report.
  const bool sent_now = in.sent != nullptr && in.sent->packets != last_sent_packets_;
  if (sent_now != we_sent_) {
    if (sent_now) ++stats_.senders;
    else if (stats_.senders > 0) --stats_.senders;
    we_sent_ = sent_now;
  }
  if (in.sent != nullptr) last_sent_packets_ = in.sent->packets;

  std::array<ReportBlock, kRtcpMaxCount> blocks;
  size_t n = 0;
  for (const ReceiveSource& src : in.sources) {
    if (n == blocks.size()) break;
    if (src.stats == nullptr || !src.stats->has_source()) continue;
    const ReceptionReport r = src.stats->make_report();
    ReportBlock& b = blocks[n++];
    b = ReportBlock{.ssrc = src.ssrc, .fraction_lost = r.fraction_lost,
                    .cumulative_lost = r.cumulative_lost,
                    .extended_highest_seq = r.extended_highest_seq, .jitter = r.jitter_rtp_units};
    if (const Member* m = find_member(src.ssrc); m != nullptr && m->have_sr) {
      // §6.4.1: LSR echoes the SR; DLSR is the time since we received it, in 1/65536 s.
      b.last_sr = m->last_sr_middle;
      b.delay_since_last_sr = static_cast<uint32_t>(((now_us - m->last_sr_arrival_us) << 16) / 1'000'000);
    }
  }

  RtcpWriter w(out);
  bool ok;
  if (we_sent_) {
    const SenderInfo info{.ntp_timestamp = ntp_at(now_us), .rtp_timestamp = in.rtp_timestamp_now,
                          .packet_count = in.sent->sr_packet_count(),
                          .octet_count = in.sent->sr_octet_count()};
    ok = w.add_sender_report(config_.local_ssrc, info, std::span(blocks.data(), n));
  } else {
    ok = w.add_receiver_report(config_.local_ssrc, std::span(blocks.data(), n));
  }
  ok = ok && w.add_sdes_cname(config_.local_ssrc, std::string_view(cname_.data(), cname_size_));
  if (ok && in.xr_reference_time) {
    std::array<uint8_t, kXrRrtBlockBytes + 4 + kXrDlrrItemBytes * 32> xr;
    size_t xr_bytes = write_xr_receiver_reference_time(ntp_at(now_us), xr);
    std::array<XrDlrrItem, 32> items;
    size_t n_items = 0;
    for (uint32_t i = 0; i < config_.max_remote_sources; ++i) {
      const Member& m = members_[i];
      if (!m.used || !m.have_rr) continue;
      items[n_items++] = {m.ssrc, m.last_rr_middle,
                          static_cast<uint32_t>(((now_us - m.last_rr_arrival_us) << 16) / 1'000'000)};
    }
    if (n_items > 0) xr_bytes += write_xr_dlrr(std::span(items.data(), n_items), std::span(xr).subspan(xr_bytes));
    ok = w.add_xr(config_.local_ssrc, std::span(xr.data(), xr_bytes));
  }
  if (ok && !in.xr_blocks.empty()) ok = w.add_xr(config_.local_ssrc, in.xr_blocks);
  if (ok && in.bye) {
    const uint32_t self = config_.local_ssrc;
    ok = w.add_bye(std::span(&self, 1));
  }
  if (!ok) return 0;

  // §A.7 after sending: update the average size, then schedule the next report.
  avg_rtcp_size_bytes_ = (static_cast<double>(w.size()) + kUdpIpOverheadBytes) / 16.0 +
                         avg_rtcp_size_bytes_ * 15.0 / 16.0;
  initial_ = false;
  tp_us_ = now_us;
  tn_us_ = now_us + randomized_interval_us();
  pmembers_ = stats_.members;
  ++stats_.reports_sent;
  return w.size();
}

void RtcpSession::add_rtt_sample(uint32_t last, uint32_t delay, uint64_t now_us) noexcept {
  // RFC 3550 §6.4.1 (and RFC 3611 §4.5): RTT = A - LSR - DLSR in 1/65536 s (middle 32 bits of NTP).
  const uint32_t a = ntp_middle32(ntp_at(now_us));
  const uint32_t rtt = a - last - delay;
  if (rtt >= 0x80000000u) return;  // negative: clocks or a bogus report
  const auto rtt_us = static_cast<uint32_t>((uint64_t{rtt} * 1'000'000) >> 16);
  stats_.rtt_last_us = rtt_us;
  stats_.rtt_min_us = stats_.rtt_samples == 0 ? rtt_us : std::min(stats_.rtt_min_us, rtt_us);
  stats_.rtt_max_us = std::max(stats_.rtt_max_us, rtt_us);
  ++stats_.rtt_samples;
}

void RtcpSession::on_xr(const XrView& xr, uint64_t now_us) noexcept {
  Member* m = find_or_add_member(xr.ssrc);
  if (m != nullptr) m->last_rtcp_us = now_us;
  std::span<const uint8_t> rest = xr.blocks;
  XrBlockRef block;
  while (!rest.empty() && next_xr_block(rest, block) == RtcpStatus::ok) {
    uint64_t ntp = 0;
    XrDlrrView dlrr;
    if (m != nullptr && parse_xr_receiver_reference_time(block, ntp) == RtcpStatus::ok) {
      m->have_rr = true;
      m->last_rr_middle = ntp_middle32(ntp);
      m->last_rr_arrival_us = now_us;
    } else if (parse_xr_dlrr(block, dlrr) == RtcpStatus::ok) {
      for (size_t i = 0; i < dlrr.count(); ++i) {
        const XrDlrrItem item = dlrr.item(i);
        if (item.ssrc == config_.local_ssrc && item.last_rr != 0) {
          add_rtt_sample(item.last_rr, item.delay_since_last_rr, now_us);
        }
      }
    }
  }
}

namespace {
RtcpStatus validate_packet(const RtcpPacketRef& p) noexcept {
  switch (p.packet_type) {
    case uint8_t(RtcpType::sr):
    case uint8_t(RtcpType::rr): {
      ReportView v;
      return parse_report(p, v);
    }
    case uint8_t(RtcpType::sdes): {
      SdesView v;
      return parse_sdes(p, v);
    }
    case uint8_t(RtcpType::bye): {
      ByeView v;
      return parse_bye(p, v);
    }
    case uint8_t(RtcpType::app): {
      AppView v;
      return parse_app(p, v);
    }
    case uint8_t(RtcpType::xr): {
      XrView v;
      return parse_xr(p, v);
    }
    default:
      return RtcpStatus::ok;
  }
}
}  // namespace

RtcpStatus RtcpSession::on_rtcp(std::span<const uint8_t> datagram, uint64_t now_us) noexcept {
  RtcpCompoundView view;
  RtcpStatus s = parse_rtcp_compound(datagram, view);
  if (s != RtcpStatus::ok) {
    ++stats_.packets_rejected;
    return s;
  }
  // Validate every packet before acting on any, so a malformed tail cannot half-apply a datagram.
  for (size_t i = 0; i < view.packet_count && s == RtcpStatus::ok; ++i) s = validate_packet(view.packets[i]);
  if (s != RtcpStatus::ok) {
    ++stats_.packets_rejected;
    return s;
  }
  for (size_t i = 0; i < view.packet_count && s == RtcpStatus::ok; ++i) {
    const RtcpPacketRef& p = view.packets[i];
    switch (p.packet_type) {
      case uint8_t(RtcpType::sr):
      case uint8_t(RtcpType::rr): {
        ReportView r;
        s = parse_report(p, r);
        if (s != RtcpStatus::ok) break;
        Member* sender_member = find_or_add_member(r.ssrc);
        if (sender_member != nullptr) sender_member->last_rtcp_us = now_us;
        if (Member* m = sender_member; m != nullptr && r.is_sender_report) {
          if (!m->sender) ++stats_.senders;
          m->sender = true;
          m->have_sr = true;
          m->last_sr_middle = ntp_middle32(r.sender.ntp_timestamp);
          m->last_sr_arrival_us = now_us;
        }
        for (size_t b = 0; b < r.block_count; ++b) {
          const ReportBlock blk = r.block(b);
          if (blk.ssrc != config_.local_ssrc) continue;
          stats_.have_remote_report = true;
          stats_.remote_report = blk;
          if (blk.last_sr == 0) continue;  // §6.4.1: no SR received yet
          add_rtt_sample(blk.last_sr, blk.delay_since_last_sr, now_us);
        }
        break;
      }
      case uint8_t(RtcpType::sdes): {
        SdesView v;
        s = parse_sdes(p, v);
        if (s != RtcpStatus::ok) break;
        for (size_t c = 0; c < v.chunk_count; ++c) {
          if (Member* m = find_or_add_member(v.chunks[c].ssrc)) m->last_rtcp_us = now_us;
        }
        break;
      }
      case uint8_t(RtcpType::bye): {
        ByeView v;
        s = parse_bye(p, v);
        if (s != RtcpStatus::ok) break;
        for (size_t k = 0; k < v.ssrc_count; ++k) remove_member(v.ssrc(k), now_us);
        break;
      }
      case uint8_t(RtcpType::xr): {
        XrView v;
        s = parse_xr(p, v);
        if (s == RtcpStatus::ok) on_xr(v, now_us);
        break;
      }
      default:
        break;  // APP is for the caller; §6.1: unknown types are ignored
    }
  }
  if (s != RtcpStatus::ok) {
    ++stats_.packets_rejected;
    return s;
  }
  ++stats_.packets_received;
  // §A.7 OnReceive: the average includes received packets.
  avg_rtcp_size_bytes_ = (static_cast<double>(datagram.size()) + kUdpIpOverheadBytes) / 16.0 +
                         avg_rtcp_size_bytes_ * 15.0 / 16.0;
  return RtcpStatus::ok;
}

}  // namespace offhook::rtp
