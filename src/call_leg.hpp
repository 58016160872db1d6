// CallLeg: one RTP audio session (one codec, one socket, optional SRTP) between this phone and one
// remote party.
//
// Threads:
//  - control thread: create(), set_remote(), stats() (any time, a consistent snapshot);
//  - network thread: on_readable() receives, authenticates (SRTP), parses and validates packets and
//    hands them to the media thread through a lock-free SPSC ring; flush_tx() takes the RTP packets
//    the media thread built, protects them (SRTP) and sends them;
//  - media thread: tick() every 10 ms encodes what was captured into RTP packets for flush_tx(),
//    moves received packets into the jitter buffer and produces 10 ms for playback.
// All cryptography and every socket call happen on the network thread, so the media thread never
// enters libsrtp or its crypto backend (which may take locks). tick() is [rt]: everything it
// touches was allocated by create(). on_readable() and flush_tx() are [rt] too, except that libsrtp
// allocates its per-SSRC stream when the first packet of the peer's SSRC arrives.
//
// Unauthenticated or malformed packets are dropped on the network thread and counted per reason;
// they never reach the jitter buffer or the decoder.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "codecs/codec.hpp"
#include "core/audio_frame.hpp"
#include "core/pcm_fifo.hpp"
#include "core/result.hpp"
#include "core/seqlock.hpp"
#include "core/spsc_ring.hpp"
#include "dsp/kernels.hpp"
#include "dsp/resample/resampler.hpp"
#include "dsp/tsm/wsola.hpp"
#include "rtp/adaptive_jitter_buffer.hpp"
#include "rtp/jitter_buffer.hpp"
#include "rtp/receive_stats.hpp"
#include "rtp/rtcp_session.hpp"
#include "rtp/srtp_session.hpp"
#include "rtp/telephone_event.hpp"
#include "sim/network_sim.hpp"
#include "src/net_impairment.hpp"
#include "src/socket_address.hpp"
#include "src/udp_socket.hpp"

namespace offhook {

struct SrtpConfig {
  rtp::SrtpSuite suite;
  rtp::SrtpKey local_key;   // protects what we send (our a=crypto line)
  rtp::SrtpKey remote_key;  // authenticates what we receive (the peer's a=crypto line)
};

// Deliberate damage on the send path, for hearing codecs and the jitter buffer under loss. Seeded:
// the same seed drops the same packets.
struct Impairment {
  double loss_pct = 0;  // independent (Bernoulli) loss of outgoing packets
  uint64_t seed = 1;
  // A whole network path (delay, jitter, spikes, burst loss, reordering, ...: sim/profiles.hpp names
  // some) applied to outgoing RTP after SRTP, on the network thread (NetImpairment). Packets are
  // released at the network thread's 10 ms ticks, so delays are quantised to the tick.
  std::optional<sim::NetworkConfig> network;
};

// SDP media direction (RFC 3264 §6.1) as the leg applies it: what it sends and what it plays.
enum class MediaDirection : uint8_t { sendrecv, sendonly, recvonly, inactive };

// Fixed: the first, fixed-delay buffer (`jitter_delay_ms`), what desk phones call "fixed jitter
// buffer". Adaptive: the delay follows the network (AdaptiveJitterBuffer), starting at
// `jitter_delay_ms` and moving between the min and max by time-stretching speech (WSOLA).
enum class JitterBufferMode : uint8_t { fixed, adaptive };

struct CallLegConfig {
  std::string codec = "PCMU";
  CodecOptions codec_options;           // Opus bitrate, FEC, DTX, ...; defaults are the codec's
  // The rate of the devices the leg reads capture from and writes playout to; 0 means the codec's
  // rate. When they differ, the leg resamples both ways (speexdsp, `resample_quality` 0..10).
  uint32_t device_rate_hz = 0;
  int resample_quality = 4;
  MediaDirection direction = MediaDirection::sendrecv;
  std::optional<uint8_t> payload_type;  // default: the codec's static payload type
  uint32_t ptime_ms = 20;
  SocketAddress local;                  // port 0 picks a free port (unless a port range is given)
  uint16_t port_min = 0;                // with port_max: bind an even RTP port in this range
  uint16_t port_max = 0;
  bool rtcp_mux = true;                 // false: also bind RTCP on RTP port + 1 (RFC 3550 §11)
  std::optional<uint8_t> dscp = 46;     // EF (RFC 3246); nullopt leaves the socket unmarked
  std::optional<SrtpConfig> srtp;       // nullopt: plain RTP/AVP; set: every packet must authenticate
  // Symmetric RTP (RFC 4961): follow the peer to the address its media really comes from (NAT).
  // With SRTP the first authenticated packet from a new address moves the leg; with plain RTP it
  // takes `latch_after_packets` consecutive valid packets from that address, so a stray or spoofed
  // packet cannot hijack the stream. Until then packets from other addresses are dropped.
  bool latching = true;
  uint32_t latch_after_packets = 3;
  JitterBufferMode jitter_buffer = JitterBufferMode::fixed;
  uint32_t jitter_delay_ms = 60;        // fixed mode: the delay; adaptive: where it starts
  uint32_t jitter_min_delay_ms = 0;     // adaptive bounds
  uint32_t jitter_max_delay_ms = 1000;
  uint32_t ssrc = 0;                    // 0: random
  std::string cname;                    // RTCP SDES CNAME (RFC 7022); empty: random per leg
  // RFC 4733 telephone-event payload type (SDP "telephone-event/8000"); nullopt: DTMF events are
  // neither sent nor understood. Their clock must be the codec's RTP clock (RFC 4733 §2.1).
  std::optional<uint8_t> telephone_event_pt = 101;
  uint32_t rtcp_min_interval_ms = 5000; // RFC 3550 §6.2 Tmin
  bool send_rtcp = true;                // false: receive and count RTCP, send none
  Impairment impairment;
};

// What a leg tells the caller, through CallLeg::poll_event() on the caller's thread.
struct CallEvent {
  enum class Kind : uint8_t { dtmf_begin, dtmf_end };
  Kind kind = Kind::dtmf_begin;
  char key = 0;               // '0'-'9', '*', '#', 'A'-'D'
  uint32_t duration_ms = 0;   // dtmf_end: how long the key was held
};

// Counters of one leg. Sent and received sides are published separately (media and network thread).
struct CallLegStats {
  // Sending (network thread).
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t send_failures = 0;  // socket full or error, or the send ring full: counted, never retried
  // Receiving (network thread).
  uint64_t packets_received = 0;  // authenticated, valid RTP of our payload type, handed to the media thread
  uint64_t packets_lost = 0;      // RFC 3550 §A.3 cumulative loss (expected - received)
  double jitter_ms = 0;           // RFC 3550 §A.8 interarrival jitter
  uint64_t dropped_malformed = 0;  // not RTP, truncated, oversized
  uint64_t dropped_auth = 0;      // SRTP authentication failures
  uint64_t dropped_replay = 0;
  uint64_t dropped_payload_type = 0;
  uint64_t dropped_ring_full = 0;
  uint64_t rtcp_received = 0;
  uint64_t dropped_wrong_source = 0;  // plain RTP from an address the leg has not latched to
  uint64_t latches = 0;               // times the remote address moved (symmetric RTP)
  uint64_t ssrc_changes = 0;          // the peer's SSRC changed (a new source: statistics restart)
  uint64_t ssrc_collisions = 0;       // the peer used our SSRC; we picked a new one (RFC 3550 §8.2)
  // RTCP (network thread).
  uint64_t rtcp_sent = 0;
  uint64_t rtcp_rejected = 0;         // authenticated but not valid RTCP
  double rtt_ms = -1;                 // last round-trip time from LSR/DLSR; -1 before the first
  double remote_loss_pct = -1;        // the peer's fraction lost about our stream; -1 before a report
  double remote_jitter_ms = -1;       // the peer's interarrival jitter about our stream
  uint64_t impairment_drops = 0;      // outgoing packets dropped on purpose (Impairment)
  // Playout (media thread).
  uint64_t packets_played = 0;
  uint64_t frames_concealed = 0;
  uint64_t jb_late = 0;
  uint64_t jb_duplicates = 0;
  uint64_t frames_fec_recovered = 0;  // lost packets rebuilt from the next one's in-band FEC (Opus)
  uint64_t dtmf_sent = 0;          // key presses sent as RFC 4733 events
  uint64_t dtmf_received = 0;      // key presses received (one per press, however many packets)
  uint64_t frames_stretched = 0;   // adaptive buffer: preemptive expand (delay grows by a frame)
  uint64_t frames_shrunk = 0;      // adaptive buffer: accelerate (two packets in one frame)
  double jb_target_delay_ms = 0;   // adaptive buffer: the delay it aims at now
  double jb_delay_mean_ms = 0;
  double jb_delay_max_ms = 0;
};

class CallLeg {
 public:
  static Result<std::unique_ptr<CallLeg>> create(const CallLegConfig& config, const dsp::Kernels& kernels);
  // With sockets bound beforehand (their port went into an SDP offer before the codec was agreed);
  // `rtcp` is an unbound UdpSocket with rtcp-mux. config.local, port_min/max are then ignored.
  static Result<std::unique_ptr<CallLeg>> create(const CallLegConfig& config, const dsp::Kernels& kernels,
                                                 UdpSocket rtp, UdpSocket rtcp);
  ~CallLeg();
  CallLeg(const CallLeg&) = delete;
  CallLeg& operator=(const CallLeg&) = delete;

  // Control thread, before the leg runs.
  void set_remote(const SocketAddress& remote) noexcept { remote_ = remote; }
  const SocketAddress& local_address() const noexcept { return socket_.local_address(); }
  int socket_fd() const noexcept { return socket_.fd(); }
  int rtcp_socket_fd() const noexcept { return rtcp_socket_.fd(); }  // < 0 with rtcp-mux
  // The peer's address as currently used (after latching). Network thread, or after stop().
  const SocketAddress& remote_address() const noexcept { return remote_; }
  const Codec& codec() const noexcept { return *codec_; }
  // Our SSRC; it changes if the peer turns out to use the same one (RFC 3550 §8.2). Any thread.
  uint32_t ssrc() const noexcept { return ssrc_.load(std::memory_order_relaxed); }

  // [rt] Network thread: drains the socket.
  void on_readable(uint64_t now_us) noexcept;
  // [rt] Network thread: drains the separate RTCP socket (no rtcp-mux).
  void on_rtcp_readable(uint64_t now_us) noexcept;
  // [rt] Network thread: protects and sends the packets tick() queued.
  void flush_tx() noexcept;
  // [rt] Network thread, after each media tick: flush_tx() and, when due, an RTCP report.
  void on_network_tick(uint64_t now_us) noexcept;

  // [rt] Media thread: `capture` is 10 ms mono at device_rate_hz(); `playout` receives 10 ms of it.
  // tick() = tick_capture() then tick_playout(). A bridge calls them apart: playout first (its mix
  // needs what every leg received), then capture with the mix, so a leg adds no tick of latency.
  void tick(uint64_t now_us, const AudioFrame& capture, AudioFrame& playout) noexcept {
    tick_capture(now_us, capture);
    tick_playout(now_us, playout);
  }
  void tick_capture(uint64_t now_us, const AudioFrame& capture) noexcept;  // [rt] encode and queue
  void tick_playout(uint64_t now_us, AudioFrame& playout) noexcept;        // [rt] receive and decode

  // Any thread: the SDP direction (hold = sendonly/inactive, RFC 3264 §8.4). Takes effect at the next
  // tick; sending resumes with a marker bit (a new talkspurt), playing resumes through the jitter
  // buffer's resynchronisation.
  void set_direction(MediaDirection direction) noexcept;
  MediaDirection direction() const noexcept;

  // Control thread: re-target the running leg to a new remote address, as a re-INVITE or a transfer
  // (INVITE with Replaces) does, optionally with the new peer's SRTP key (its a=crypto line). The
  // network thread applies it before its next packet. Our SSRC, sequence numbers and SRTP rollover
  // counter carry on (RFC 3711 §3.3.1: re-keying must not reset the ROC, a classic cause of one-way
  // audio after a transfer); the new peer's stream is a new source to the jitter buffer. Returns an
  // error if `remote_key` is given on a leg without SRTP or of another suite, or a previous retarget
  // is still pending. Not [rt] for the network thread when a key is given: libsrtp re-initialises
  // its session (srtp_update), which may allocate — a rare, signalled event.
  Status retarget(const SocketAddress& remote, std::optional<rtp::SrtpKey> remote_key = std::nullopt);
  uint64_t retargets_applied() const noexcept { return retargets_applied_.load(std::memory_order_acquire); }
  uint32_t device_rate_hz() const noexcept { return device_rate_hz_; }

  // Caller's thread (one at a time): queues an RFC 4733 key press (0-9 * # A-D) for the media
  // thread, which sends it as telephone-events instead of audio for `duration_ms`. False when the
  // key is unknown, the leg has no telephone-event payload type, or 8 presses are already queued.
  bool send_dtmf(char key, uint32_t duration_ms = 100) noexcept;
  // Caller's thread (one at a time): the next event (a received key press begins, ends), if any.
  bool poll_event(CallEvent& out) noexcept;

  // Any thread.
  CallLegStats stats() const noexcept;
  // [rt] Media thread only: packets played so far (lets a sink start recording with the stream).
  uint64_t packets_played_on_media_thread() const noexcept { return media_.packets_played; }

 private:
  CallLeg() = default;
  bool accept_source(const SocketAddress& from) noexcept;
  void receive_rtcp(std::span<uint8_t> buffer, size_t length, uint64_t now_us) noexcept;
  void send_rtcp_report(uint64_t now_us) noexcept;
  void send_packet(size_t samples) noexcept;
  void fill_playout(uint64_t now_us, AudioFrame& playout) noexcept;
  bool decode_next(uint64_t now_us) noexcept;
  bool decode_next_adaptive(uint64_t now_us) noexcept;
  bool decode_into(std::span<const uint8_t> payload, std::span<int16_t> out, size_t& samples) noexcept;
  void send_telephone_events() noexcept;
  void queue_rtp(bool marker, uint8_t payload_type, uint32_t timestamp, std::span<const uint8_t> payload) noexcept;

  // A validated packet on its way from the network thread to the media thread.
  static constexpr size_t kMaxPayloadBytes = 1280;
  static constexpr size_t kMaxDatagramBytes = 1500;
  struct RxPacket {
    uint64_t arrival_us;
    uint32_t ssrc;
    uint32_t timestamp;
    uint16_t sequence;
    uint16_t payload_bytes;
    bool marker;
    bool telephone_event;  // RFC 4733, not audio
    std::array<uint8_t, kMaxPayloadBytes> payload;
  };
  // An RTP packet built by the media thread, protected and sent by the network thread.
  struct TxPacket {
    uint16_t length;
    uint16_t payload_bytes;
    uint32_t timestamp;
    std::array<uint8_t, kMaxDatagramBytes> bytes;
  };
  struct NetCounters {  // published by the network thread
    uint64_t packets_sent, bytes_sent, send_failures, packets_received, packets_lost, dropped_malformed,
        dropped_auth, dropped_replay, dropped_payload_type, dropped_ring_full, rtcp_received, dropped_wrong_source,
        latches, impairment_drops, ssrc_changes, ssrc_collisions, rtcp_sent, rtcp_rejected;
    double jitter_ms, rtt_ms, remote_loss_pct, remote_jitter_ms;
  };
  struct MediaCounters {  // published by the media thread
    uint64_t tx_ring_full, encode_failures, packets_played, frames_concealed, jb_late, jb_duplicates,
        frames_stretched, frames_shrunk, dtmf_sent, dtmf_received, frames_fec_recovered;
    double jb_delay_mean_ms, jb_delay_max_ms, jb_target_delay_ms;
  };

  const dsp::Kernels* kernels_ = nullptr;
  std::unique_ptr<Codec> codec_;
  std::unique_ptr<rtp::SrtpSession> srtp_;
  UdpSocket socket_;
  UdpSocket rtcp_socket_;
  SocketAddress remote_;
  bool latching_ = true;
  uint32_t latch_after_packets_ = 3;
  SocketAddress latch_candidate_;
  uint32_t latch_candidate_packets_ = 0;
  std::optional<NetImpairment> path_;  // network thread: Impairment::network
  uint64_t loss_threshold_ = 0;  // a packet is dropped when the next random number is below this
  uint64_t rng_state_ = 0;
  uint8_t payload_type_ = 0;
  std::atomic<bool> sending_{true};  // written by set_direction() (any thread), read by the media thread
  std::atomic<bool> playing_{true};
  bool was_sending_ = true;          // media thread: detects a resume (marker bit)
  struct PendingRetarget {
    SocketAddress remote;
    std::optional<rtp::SrtpKey> remote_key;
  };
  void apply_retarget() noexcept;    // network thread
  std::atomic<PendingRetarget*> pending_retarget_{nullptr};  // control -> network thread
  std::atomic<PendingRetarget*> retired_retarget_{nullptr};  // network -> control thread (freed there)
  std::atomic<uint64_t> retargets_applied_{0};
  std::optional<rtp::SrtpKey> local_key_;  // our key, kept for re-keying the receive side
  std::atomic<uint32_t> ssrc_{0};            // written by the media thread, read by any
  std::atomic<bool> ssrc_collision_{false};   // set by the network thread, handled by the media thread
  uint64_t ssrc_rng_ = 0;                     // media thread: picks a new SSRC after a collision
  std::optional<uint32_t> remote_ssrc_;       // network thread
  std::optional<uint32_t> playout_ssrc_;      // media thread
  uint32_t samples_per_packet_ = 0;

  // Network thread state.
  std::unique_ptr<SpscRing<RxPacket, 64>> rx_ring_;
  std::unique_ptr<SpscRing<TxPacket, 16>> tx_ring_;
  rtp::ReceiveStats receive_stats_;
  rtp::SendStats send_stats_;
  std::optional<rtp::RtcpSession> rtcp_;
  bool rtcp_started_ = false;
  bool send_rtcp_ = true;
  uint32_t last_tx_timestamp_ = 0;  // RTP timestamp and send time of the last packet, for the SR
  uint64_t last_tx_us_ = 0;
  uint64_t network_now_us_ = 0;     // the network thread's time at its current tick
  std::atomic<int> remote_loss_pct_{-1};  // network -> media thread: tells the encoder (Opus FEC)
  int encoder_loss_pct_ = -1;             // media thread: what the encoder was last told
  std::array<uint8_t, kMaxDatagramBytes> rtcp_buffer_{};
  NetCounters net_{};
  std::array<uint8_t, kMaxDatagramBytes> rx_buffer_{};
  std::array<uint8_t, kMaxDatagramBytes> tx_buffer_{};

  // Media thread state.
  std::optional<rtp::FixedJitterBuffer> jitter_buffer_;       // fixed mode
  std::optional<rtp::AdaptiveJitterBuffer> adaptive_jb_;     // adaptive mode
  std::optional<dsp::Wsola> wsola_;                           // adaptive mode: accelerate
  std::vector<int16_t> shrink_scratch_;                       // two frames decoded for one
  MediaCounters media_{};
  uint16_t tx_sequence_ = 0;
  uint32_t tx_timestamp_ = 0;
  bool tx_first_ = true;
  uint32_t device_rate_hz_ = 0;
  std::unique_ptr<dsp::Resampler> tx_resampler_;  // device -> codec rate; null when equal
  std::unique_ptr<dsp::Resampler> rx_resampler_;  // codec -> device rate
  std::vector<int16_t> tx_resampled_;             // one tick of capture at the codec rate
  std::vector<int16_t> tx_pcm_;                   // accumulates one packet of capture
  size_t tx_pcm_fill_ = 0;
  PcmFifo rx_codec_pcm_;   // decoded audio at the codec rate, not yet played (or resampled)
  PcmFifo rx_device_pcm_;  // resampled to the device rate, not yet played
  std::vector<uint8_t> tx_payload_;

  // RFC 4733 (media thread), with the rings to and from the caller's thread.
  struct DtmfCommand {
    uint8_t event;
    uint32_t duration_ms;
  };
  std::optional<uint8_t> telephone_event_pt_;
  std::optional<rtp::TelephoneEventSender> dtmf_sender_;
  std::optional<rtp::TelephoneEventReceiver> dtmf_receiver_;
  std::unique_ptr<SpscRing<DtmfCommand, 8>> dtmf_commands_;
  std::unique_ptr<SpscRing<CallEvent, 32>> events_;

  SeqLock<NetCounters> net_published_;
  SeqLock<MediaCounters> media_published_;
};

}  // namespace offhook
