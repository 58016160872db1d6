// RTCP-XR report blocks (RFC 3611): Receiver Reference Time (BT=4, §4.4), DLRR (BT=5, §4.5), Statistics Summary
// (BT=6, §4.6) and VoIP Metrics (BT=7, §4.7), encoded and parsed; and the trackers that compute
// their values from what the receive path really did: BurstGapTracker follows the playout
// outcome of every packet (played, concealed because lost, or dropped because late) for the
// loss/discard rates and the burst/gap metrics of §4.7.2 and the E-model's BurstR;
// StatisticsSummaryTracker follows received packets for BT=6.
//
// Thread: the media thread (trackers, on each jitter-buffer outcome) and whichever thread builds
// or parses RTCP. Everything is [rt]: noexcept, no allocation.
//
// Wiring with FixedJitterBuffer: pull() `packet` -> on_received(); `missing` -> on_lost(); an
// insert() rejected as `late` -> on_late_arrival() (turns one loss into a discard, RFC 3611
// §4.7.1: discarded packets arrived too late to be played).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/emodel.hpp"
#include "rtp/rtcp_packet.hpp"

namespace offhook::rtp {

enum class XrBlockType : uint8_t {
  receiver_reference_time = 4,
  dlrr = 5,
  statistics_summary = 6,
  voip_metrics = 7,
};

inline constexpr size_t kXrRrtBlockBytes = 12;
inline constexpr size_t kXrDlrrItemBytes = 12;
inline constexpr size_t kXrStatisticsSummaryBlockBytes = 40;
inline constexpr size_t kXrVoipMetricsBlockBytes = 36;
inline constexpr uint8_t kXrUnavailable = 127;  // §4.7: "127 indicates this parameter is unavailable"

// §4.5 DLRR sub-block: the echo of one receiver's RRTR, for RTT without sending RTP.
struct XrDlrrItem {
  uint32_t ssrc = 0;
  uint32_t last_rr = 0;              // middle 32 bits of the RRTR's NTP timestamp
  uint32_t delay_since_last_rr = 0;  // 1/65536 s
};
struct XrDlrrView {
  std::span<const uint8_t> item_bytes;  // 12 bytes per item
  size_t count() const noexcept { return item_bytes.size() / kXrDlrrItemBytes; }
  XrDlrrItem item(size_t index) const noexcept;  // `index` < count()
};

// §4.6. The flags say which groups are present; absent groups are zero on the wire.
struct XrStatisticsSummary {
  uint32_t ssrc = 0;
  bool has_loss = false;       // L
  bool has_duplicates = false; // D
  bool has_jitter = false;     // J
  uint8_t ttl_or_hop = 0;      // ToH: 0 none, 1 IPv4 TTL, 2 IPv6 hop limit
  uint16_t begin_seq = 0;
  uint16_t end_seq = 0;        // one past the last sequence number covered (§4.6)
  uint32_t lost_packets = 0;
  uint32_t dup_packets = 0;
  uint32_t min_jitter = 0, max_jitter = 0, mean_jitter = 0, dev_jitter = 0;  // RTP units
  uint8_t min_ttl = 0, max_ttl = 0, mean_ttl = 0, dev_ttl = 0;
};

// §4.7, field by field. Levels in dBm0 (signed), 127 = unavailable.
struct XrVoipMetrics {
  uint32_t ssrc = 0;
  uint8_t loss_rate = 0;        // fraction of packets lost, 1/256
  uint8_t discard_rate = 0;     // fraction discarded (late), 1/256
  uint8_t burst_density = 0;    // fraction lost/discarded within bursts, 1/256
  uint8_t gap_density = 0;      // fraction lost/discarded within gaps, 1/256
  uint16_t burst_duration_ms = 0;
  uint16_t gap_duration_ms = 0;
  uint16_t round_trip_delay_ms = 0;
  uint16_t end_system_delay_ms = 0;
  int8_t signal_level_dbm0 = kXrUnavailable;
  int8_t noise_level_dbm0 = kXrUnavailable;
  uint8_t rerl_db = kXrUnavailable;
  uint8_t gmin = 16;
  uint8_t r_factor = kXrUnavailable;
  uint8_t ext_r_factor = kXrUnavailable;
  uint8_t mos_lq = kXrUnavailable;  // MOS * 10
  uint8_t mos_cq = kXrUnavailable;  // MOS * 10
  uint8_t rx_config = 0;            // PLC (2 bits), JBA (2 bits), JB rate (4 bits)
  uint16_t jb_nominal_ms = 0;
  uint16_t jb_maximum_ms = 0;
  uint16_t jb_abs_max_ms = 0;
};

// §4.7.6 receiver configuration byte.
enum class XrPlc : uint8_t { unspecified = 0, disabled = 1, enhanced = 2, standard = 3 };
enum class XrJitterBufferKind : uint8_t { unknown = 0, non_adaptive = 2, adaptive = 3 };
constexpr uint8_t xr_rx_config(XrPlc plc, XrJitterBufferKind jba, uint8_t jb_rate) noexcept {
  return static_cast<uint8_t>((static_cast<uint8_t>(plc) << 6) | (static_cast<uint8_t>(jba) << 4) |
                              (jb_rate & 0x0f));
}

// Writers: return the bytes written (the sizes above), or 0 when `out` is too small.
size_t write_xr_receiver_reference_time(uint64_t ntp_timestamp, std::span<uint8_t> out) noexcept;
// 4 + 12 * items.size() bytes (at most 5461 items).
size_t write_xr_dlrr(std::span<const XrDlrrItem> items, std::span<uint8_t> out) noexcept;
size_t write_xr_statistics_summary(const XrStatisticsSummary& s, std::span<uint8_t> out) noexcept;
size_t write_xr_voip_metrics(const XrVoipMetrics& m, std::span<uint8_t> out) noexcept;

// Parsers for one block from next_xr_block(): wrong_type for another BT, bad_length unless the
// contents have exactly the size the RFC gives.
RtcpStatus parse_xr_receiver_reference_time(const XrBlockRef& block, uint64_t& ntp_timestamp) noexcept;
RtcpStatus parse_xr_dlrr(const XrBlockRef& block, XrDlrrView& out) noexcept;  // contents: 12 * n bytes
RtcpStatus parse_xr_statistics_summary(const XrBlockRef& block, XrStatisticsSummary& out) noexcept;
RtcpStatus parse_xr_voip_metrics(const XrBlockRef& block, XrVoipMetrics& out) noexcept;

// RFC 3611 §4.7.2 burst/gap classification with threshold Gmin: a burst is the longest run that
// starts and ends with a lost or discarded packet and has fewer than Gmin received packets
// between consecutive losses; everything else is gap. A "burst" with a single loss is counted as
// gap (an isolated loss), as in the reference algorithm of RFC 3611's companion (Gmin = 16).
// Also counts loss-state transitions for the E-model's BurstR (G.107 §7.4: 1 / (p + q)).
class BurstGapTracker {
 public:
  explicit BurstGapTracker(uint8_t gmin = 16) noexcept : gmin_(gmin == 0 ? 1 : gmin) {}

  void on_received() noexcept;   // [rt] played
  void on_lost() noexcept;       // [rt] concealed: the packet was not there in time
  void on_discarded() noexcept;  // [rt] arrived but dropped as late
  void on_late_arrival() noexcept;  // [rt] a packet already counted lost arrived late: now discarded

  struct Snapshot {
    uint64_t received = 0, lost = 0, discarded = 0;
    uint64_t burst_packets = 0, burst_losses = 0, bursts = 0;
    uint64_t gap_packets = 0, gap_losses = 0;
    double burst_ratio = 1;  // BurstR; 1 when not enough transitions were seen
  };
  // [rt] The state so far, with an open burst closed and the trailing received run as gap.
  Snapshot snapshot() const noexcept;
  uint8_t gmin() const noexcept { return gmin_; }

 private:
  void on_loss_event() noexcept;
  uint8_t gmin_;
  uint64_t received_ = 0, lost_ = 0, discarded_ = 0;
  bool open_ = false;              // a candidate burst is open
  uint64_t open_packets_ = 0, open_losses_ = 0;
  uint64_t run_ = 0;               // received since the last loss
  uint64_t burst_packets_ = 0, burst_losses_ = 0, bursts_ = 0;
  uint64_t gap_packets_ = 0, gap_losses_ = 0;
  bool have_prev_ = false, prev_lost_ = false;
  uint64_t after_found_ = 0, found_to_lost_ = 0, after_lost_ = 0, lost_to_found_ = 0;
};

struct VoipMetricsInputs {
  uint32_t ssrc = 0;                // the source reported on
  uint32_t frame_ms = 20;           // playout time of one packet
  uint32_t round_trip_ms = 0;       // from RtcpSessionStats (0: unknown)
  uint32_t end_system_delay_ms = 0; // jitter buffer + codec + device, both directions' halves
  int8_t signal_level_dbm0 = kXrUnavailable;
  int8_t noise_level_dbm0 = kXrUnavailable;
  uint8_t rerl_db = kXrUnavailable;
  XrPlc plc = XrPlc::standard;
  XrJitterBufferKind jb_kind = XrJitterBufferKind::non_adaptive;
  uint8_t jb_rate = 0;
  uint16_t jb_nominal_ms = 0, jb_maximum_ms = 0, jb_abs_max_ms = 0;
  const CodecImpairment* codec = nullptr;  // nullptr: R and MOS reported unavailable
};

// [rt] Fills a VoIP Metrics block from the tracker and the inputs; R, MOS-LQ and MOS-CQ from the
// E-model with Ppl = (lost + discarded) / total and Ta = round_trip / 2 + end_system_delay.
XrVoipMetrics compute_voip_metrics(const BurstGapTracker& tracker, const VoipMetricsInputs& in) noexcept;

// Follows received packets for BT=6: first/last extended sequence, duplicates, and jitter
// min/max/mean/standard deviation over the reporting interval. [rt]
class StatisticsSummaryTracker {
 public:
  // `extended_seq`: 32-bit extended sequence number; `jitter_rtp_units`: the current RFC 3550
  // estimate after this packet; `duplicate`: the packet was a duplicate.
  void on_packet(uint32_t extended_seq, uint32_t jitter_rtp_units, bool duplicate) noexcept;
  // [rt] The block for the interval so far (`lost` from the caller's ReceiveStats), then resets.
  XrStatisticsSummary take(uint32_t ssrc, uint32_t lost_packets) noexcept;

 private:
  bool any_ = false;
  uint32_t first_ = 0, last_ = 0, dups_ = 0;
  uint32_t min_j_ = 0, max_j_ = 0;
  uint64_t n_ = 0;
  double mean_ = 0, m2_ = 0;  // Welford
};

}  // namespace offhook::rtp
