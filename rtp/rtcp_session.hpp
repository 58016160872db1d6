// One RTP session's RTCP logic (RFC 3550 §6): when to send (the §6.3 interval with randomisation
// and the "timer reconsideration" of §6.3.6/§A.7), what to send (SR or RR built from ReceiveStats
// and SendStats, SDES CNAME, optional XR blocks, BYE), and what received reports say (round-trip
// time from LSR/DLSR, §6.4.1, or from RFC 3611 RRTR/DLRR; the peer's view of our stream).
//
// Time is injected: every call takes `now_us` on the caller's monotonic clock, and NTP timestamps
// are derived from it with the reference given in Config (no wall-clock read here). Transport is
// not here: with rtcp-mux (RFC 5761) the caller demultiplexes with looks_like_rtcp() and passes
// RTCP datagrams to on_rtcp(); with a separate RTCP port it passes everything from that port.
//
// Thread: the one thread that owns the session (network or media thread). Every method after
// create() is [rt]: noexcept, no allocation; the member table is sized at creation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "rtp/receive_stats.hpp"
#include "rtp/rtcp_packet.hpp"

namespace offhook::rtp {

struct RtcpSessionConfig {
  uint32_t local_ssrc = 0;
  std::string_view cname;               // 1..255 bytes, copied
  uint32_t session_bandwidth_bps = 64'000 + 16'000;  // RTP bandwidth incl. IP/UDP/RTP headers
  double rtcp_fraction = 0.05;          // §6.2: 5% of the session bandwidth
  uint32_t min_interval_ms = 5000;      // §6.2 Tmin
  bool reduced_minimum = false;         // §6.2: Tmin = 360 / session bandwidth in kbit/s
  uint64_t random_seed = 1;             // interval randomisation (§6.3.1); fixed in tests
  // NTP time (RFC 3550 §4, 32.32 s since 1900) at now_us == 0, for SR timestamps, LSR and DLSR.
  uint64_t ntp_at_time_zero = 0;
  uint32_t max_remote_sources = 4;      // member table size (a phone call has one)
};

// One remote source the caller receives from, for the report blocks.
struct ReceiveSource {
  uint32_t ssrc = 0;
  ReceiveStats* stats = nullptr;
};

struct RtcpSessionStats {
  uint64_t reports_sent = 0;
  uint64_t packets_received = 0;       // compound packets accepted
  uint64_t packets_rejected = 0;       // failed parse_rtcp_compound or a typed parser
  uint64_t rtt_samples = 0;
  uint32_t rtt_last_us = 0;            // last RTT from LSR/DLSR (valid when rtt_samples > 0)
  uint32_t rtt_min_us = 0;
  uint32_t rtt_max_us = 0;
  // The peer's last report block about our stream.
  bool have_remote_report = false;
  ReportBlock remote_report{};
  uint32_t members = 1;                // including us
  uint32_t senders = 0;                // including us if we sent recently
};

class RtcpSession {
 public:
  static Result<RtcpSession> create(const RtcpSessionConfig& config);

  // [rt] Schedules the first report (§6.3.2: half the minimum interval). Call once.
  void start(uint64_t now_us) noexcept;
  // [rt] The time the next report is due (the timer the caller sets).
  uint64_t next_report_us() const noexcept { return tn_us_; }
  // [rt] §A.7 OnExpire with timer reconsideration: true when a report should be sent now (the
  // caller then calls build_report()); false when the timer was moved to next_report_us().
  // Also applies §6.3.5 timeouts: a source silent in RTCP for 5 deterministic intervals leaves
  // the member table, and one without an SR for 2 intervals stops counting as a sender.
  bool on_timer(uint64_t now_us) noexcept;

  struct ReportInputs {
    const SendStats* sent = nullptr;     // our RTP stream; nullptr if we send no RTP
    uint32_t rtp_timestamp_now = 0;      // RTP timestamp corresponding to now_us (SR §6.4.1)
    std::span<const ReceiveSource> sources{};
    std::span<const uint8_t> xr_blocks{};  // encoded XR blocks to append (rtcp_xr.hpp), or empty
    bool bye = false;                    // append a BYE (leaving the session)
    // RFC 3611 §4.4/§4.5: add an XR packet with our Receiver Reference Time and DLRR echoes of
    // the peers' RRTRs, so RTT is measured also when a side sends no RTP (no SR).
    bool xr_reference_time = false;
  };
  // [rt] Builds SR (if we sent RTP since the previous report) or RR, SDES CNAME, optional XR and
  // BYE into `out`, and updates the averages of §6.3.3. Returns the bytes written, 0 when `out` is
  // too small. One report block per source with a valid source (at most 31).
  size_t build_report(uint64_t now_us, const ReportInputs& in, std::span<uint8_t> out) noexcept;

  // [rt] Handles one received RTCP datagram (after SRTCP unprotect). Returns its parse status.
  RtcpStatus on_rtcp(std::span<const uint8_t> datagram, uint64_t now_us) noexcept;

  // [rt] NTP timestamp for `now_us`.
  uint64_t ntp_at(uint64_t now_us) const noexcept;

  // [rt] The deterministic interval (§6.3.1 before randomisation), in µs; for tests and tools.
  uint64_t deterministic_interval_us() const noexcept;

  const RtcpSessionStats& stats() const noexcept { return stats_; }

 private:
  struct Member {
    uint32_t ssrc = 0;
    bool used = false;
    bool sender = false;
    uint32_t last_sr_middle = 0;      // LSR we echo
    uint64_t last_sr_arrival_us = 0;  // for DLSR
    bool have_sr = false;
    uint64_t last_rtcp_us = 0;        // §6.3.5 member timeout
    bool have_rr = false;             // RFC 3611 RRTR received
    uint32_t last_rr_middle = 0;
    uint64_t last_rr_arrival_us = 0;
  };

  explicit RtcpSession(const RtcpSessionConfig& config) noexcept;
  uint64_t randomized_interval_us() noexcept;
  Member* find_member(uint32_t ssrc) noexcept;
  Member* find_or_add_member(uint32_t ssrc) noexcept;
  void remove_member(uint32_t ssrc, uint64_t now_us) noexcept;
  void expire_members(uint64_t now_us) noexcept;
  void add_rtt_sample(uint32_t last, uint32_t delay, uint64_t now_us) noexcept;
  void on_xr(const XrView& xr, uint64_t now_us) noexcept;
  double next_random() noexcept;  // uniform in [0, 1)

  RtcpSessionConfig config_;
  std::array<char, 255> cname_{};
  size_t cname_size_ = 0;
  std::array<Member, 32> members_{};  // first max_remote_sources entries used
  uint64_t rng_state_;
  uint64_t tp_us_ = 0;  // last transmission
  uint64_t tn_us_ = 0;  // next scheduled
  uint32_t pmembers_ = 1;
  double avg_rtcp_size_bytes_ = 0;
  bool initial_ = true;
  bool we_sent_ = false;
  uint64_t last_sent_packets_ = 0;
  RtcpSessionStats stats_{};
};

}  // namespace offhook::rtp
