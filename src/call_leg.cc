#include "src/call_leg.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "rtp/rtp_packet.hpp"

namespace offhook {
namespace {

// When a leg needs its own RTCP port but was given none: the range many phones use by default.
constexpr uint16_t kDefaultPortMin = 16384;
constexpr uint16_t kDefaultPortMax = 32767;

// splitmix64: a small, seedable generator for the impairment (same seed, same dropped packets).
uint64_t next_random(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint32_t random_u32() {
  uint32_t v = 0;
  if (getrandom(&v, sizeof v, 0) != sizeof v) v = 0x5eed1234u;
  return v;
}

}  // namespace

// The leg's RTP socket (and RTCP socket without rtcp-mux) as the config asks: a fixed port, any
// free port, or an even/odd pair from a range.
static Result<RtpSocketPair> bind_sockets(const CallLegConfig& config) {
  if (config.port_min != 0 || config.port_max != 0 || (!config.rtcp_mux && config.local.port() == 0)) {
    // A range (or RTCP on its own port without a fixed port): an even RTP port and its odd neighbour.
    const uint16_t lo = config.port_min != 0 ? config.port_min : kDefaultPortMin;
    const uint16_t hi = config.port_max != 0 ? config.port_max : kDefaultPortMax;
    auto pair = bind_rtp_pair(config.local, lo, hi, config.rtcp_mux);
    if (!pair) return std::move(pair).error();
    return std::move(*pair);
  } else {
    auto socket = UdpSocket::bind(config.local);
    if (!socket) return std::move(socket).error();
    RtpSocketPair pair{std::move(*socket), UdpSocket{}};
    if (!config.rtcp_mux) {
      SocketAddress rtcp_address = config.local;
      rtcp_address.set_port(static_cast<uint16_t>(config.local.port() + 1));
      auto rtcp = UdpSocket::bind(rtcp_address);
      if (!rtcp) return std::move(rtcp).error();
      pair.rtcp = std::move(*rtcp);
    }
    return pair;
  }
}

Result<std::unique_ptr<CallLeg>> CallLeg::create(const CallLegConfig& config, const dsp::Kernels& kernels) {
  auto sockets = bind_sockets(config);
  if (!sockets) return std::move(sockets).error();
  return create(config, kernels, std::move(sockets->rtp), std::move(sockets->rtcp));
}

Result<std::unique_ptr<CallLeg>> CallLeg::create(const CallLegConfig& config, const dsp::Kernels& kernels,
                                                 UdpSocket rtp_socket, UdpSocket rtcp_socket) {
  std::unique_ptr<CallLeg> leg(new CallLeg());
  leg->kernels_ = &kernels;

  auto codec = create_codec(config.codec, kernels, config.codec_options);
  if (!codec) return std::move(codec).error();
  leg->codec_ = std::move(*codec);
  const Codec& c = *leg->codec_;

  const auto sizes = c.frame_sizes_ms();
  if (config.ptime_ms == 0 || config.ptime_ms % 10 != 0 ||
      std::find(sizes.begin(), sizes.end(), config.ptime_ms) == sizes.end()) {
    return Error{Errc::not_supported, "ptime " + std::to_string(config.ptime_ms) + " ms is not supported by " +
                                          std::string(c.name())};
  }
  if (config.payload_type) {
    if (*config.payload_type > 127) return Error{Errc::invalid_argument, "payload type above 127"};
    leg->payload_type_ = *config.payload_type;
  } else if (auto pt = c.static_payload_type()) {
    leg->payload_type_ = *pt;
  } else {
    return Error{Errc::invalid_argument, std::string(c.name()) + " has no static payload type; give one"};
  }

  if (rtp_socket.fd() < 0) return Error{Errc::invalid_argument, "CallLeg::create: the RTP socket is not bound"};
  if (!config.rtcp_mux && rtcp_socket.fd() < 0) {
    return Error{Errc::invalid_argument, "CallLeg::create: no RTCP socket without rtcp-mux"};
  }
  leg->socket_ = std::move(rtp_socket);
  if (!config.rtcp_mux) leg->rtcp_socket_ = std::move(rtcp_socket);
  if (config.dscp) {
    for (UdpSocket* socket : {&leg->socket_, &leg->rtcp_socket_}) {
      if (socket->fd() < 0) continue;
      if (auto s = socket->set_dscp(*config.dscp); !s) return std::move(s).error();
    }
  }
  leg->sending_ = config.direction == MediaDirection::sendrecv || config.direction == MediaDirection::sendonly;
  leg->playing_ = config.direction == MediaDirection::sendrecv || config.direction == MediaDirection::recvonly;
  leg->was_sending_ = leg->sending_.load();
  leg->latching_ = config.latching;
  leg->latch_after_packets_ = std::max<uint32_t>(1, config.latch_after_packets);
  if (config.impairment.loss_pct < 0 || config.impairment.loss_pct > 100) {
    return Error{Errc::invalid_argument, "loss must be 0..100 %"};
  }
  leg->loss_threshold_ = static_cast<uint64_t>(config.impairment.loss_pct / 100.0 * 18446744073709551615.0);
  leg->rng_state_ = config.impairment.seed;
  if (config.impairment.network) {
    auto path = NetImpairment::create(*config.impairment.network, config.impairment.seed);
    if (!path) return std::move(path).error();
    leg->path_.emplace(std::move(*path));
  }

  if (config.srtp) {
    auto session = rtp::SrtpSession::create(config.srtp->suite, config.srtp->local_key, config.srtp->remote_key);
    if (!session) return std::move(session).error();
    leg->srtp_ = std::move(*session);
    leg->local_key_.emplace(config.srtp->local_key.clone());
  }

  if (config.jitter_buffer == JitterBufferMode::fixed) {
    auto jb = rtp::FixedJitterBuffer::create(rtp::FixedJitterBuffer::Config{
        .clock_rate_hz = c.clock_rate_hz(), .delay_ms = config.jitter_delay_ms, .capacity = 64,
        .max_payload_bytes = kMaxPayloadBytes});
    if (!jb) return std::move(jb).error();
    leg->jitter_buffer_.emplace(std::move(*jb));
  } else {
    auto jb = rtp::AdaptiveJitterBuffer::create(rtp::AdaptiveJitterBuffer::Config{
        .clock_rate_hz = c.clock_rate_hz(), .frame_ms = config.ptime_ms, .min_delay_ms = config.jitter_min_delay_ms,
        .max_delay_ms = config.jitter_max_delay_ms, .nominal_delay_ms = config.jitter_delay_ms,
        .max_payload_bytes = kMaxPayloadBytes});
    if (!jb) return std::move(jb).error();
    leg->adaptive_jb_.emplace(std::move(*jb));
    const size_t frame = samples_in_ms(c.sample_rate_hz(), config.ptime_ms);
    auto wsola = dsp::Wsola::create(dsp::Wsola::Config{.rate_hz = c.sample_rate_hz(),
                                                       .max_input_samples = static_cast<uint32_t>(2 * frame)});
    if (!wsola) return std::move(wsola).error();
    leg->wsola_.emplace(std::move(*wsola));
    leg->shrink_scratch_.assign(2 * frame + samples_in_ms(c.sample_rate_hz(), 120), 0);
  }

  leg->ssrc_.store(config.ssrc != 0 ? config.ssrc : random_u32());
  leg->ssrc_rng_ = (uint64_t{random_u32()} << 32) | random_u32();
  leg->tx_sequence_ = static_cast<uint16_t>(random_u32());  // RFC 3550 §5.1: random initial values
  leg->tx_timestamp_ = random_u32();
  leg->samples_per_packet_ = static_cast<uint32_t>(samples_in_ms(c.sample_rate_hz(), config.ptime_ms)) * c.channels();
  leg->tx_pcm_.assign(leg->samples_per_packet_, 0);
  leg->tx_payload_.assign(kMaxPayloadBytes, 0);
  if (c.channels() != 1) return Error{Errc::not_supported, "stereo codecs need stereo devices (not supported yet)"};
  const uint32_t codec_rate = c.sample_rate_hz();
  leg->device_rate_hz_ = config.device_rate_hz != 0 ? config.device_rate_hz : codec_rate;
  if (leg->device_rate_hz_ % 100 != 0 || samples_in_ms(leg->device_rate_hz_, 10) > AudioFrame::kMaxSamples) {
    return Error{Errc::not_supported, "device rate " + std::to_string(leg->device_rate_hz_) + " Hz is not supported"};
  }
  if (leg->device_rate_hz_ != codec_rate) {
    auto up = dsp::Resampler::create(leg->device_rate_hz_, codec_rate, 1, config.resample_quality);
    if (!up) return std::move(up).error();
    auto down = dsp::Resampler::create(codec_rate, leg->device_rate_hz_, 1, config.resample_quality);
    if (!down) return std::move(down).error();
    leg->tx_resampler_ = std::move(*up);
    leg->rx_resampler_ = std::move(*down);
    leg->tx_resampled_.assign(leg->tx_resampler_->max_out_per_channel(samples_in_ms(leg->device_rate_hz_, 10)), 0);
    // A tick's leftover plus one resampled packet of up to 120 ms.
    leg->rx_device_pcm_ = PcmFifo(samples_in_ms(leg->device_rate_hz_, 10) +
                                  leg->rx_resampler_->max_out_per_channel(samples_in_ms(codec_rate, 120)));
  }
  // Decoded audio waiting to be played: up to one 10 ms tick left over plus the largest packet.
  leg->rx_codec_pcm_ = PcmFifo(samples_in_ms(codec_rate, 10) + samples_in_ms(codec_rate, 120));
  std::string cname = config.cname;
  if (cname.empty()) {  // RFC 7022: a random, per-session CNAME reveals nothing about the host
    char buf[32];
    std::snprintf(buf, sizeof buf, "offhook-%08x%08x", random_u32(), random_u32());
    cname = buf;
  }
  auto rtcp = rtp::RtcpSession::create(rtp::RtcpSessionConfig{
      .local_ssrc = leg->ssrc_.load(), .cname = cname,
      .min_interval_ms = config.rtcp_min_interval_ms,
      .random_seed = (uint64_t{random_u32()} << 32) | random_u32()});
  if (!rtcp) return std::move(rtcp).error();
  leg->rtcp_.emplace(std::move(*rtcp));
  leg->send_rtcp_ = config.send_rtcp;
  if (config.telephone_event_pt) {
    if (*config.telephone_event_pt > 127 || *config.telephone_event_pt == leg->payload_type_) {
      return Error{Errc::invalid_argument, "telephone-event payload type must be 0..127 and differ from the audio's"};
    }
    leg->telephone_event_pt_ = config.telephone_event_pt;
    auto sender = rtp::TelephoneEventSender::create({.clock_rate_hz = c.clock_rate_hz()});
    if (!sender) return std::move(sender).error();
    auto receiver = rtp::TelephoneEventReceiver::create({.clock_rate_hz = c.clock_rate_hz()});
    if (!receiver) return std::move(receiver).error();
    leg->dtmf_sender_.emplace(std::move(*sender));
    leg->dtmf_receiver_.emplace(std::move(*receiver));
  }
  leg->dtmf_commands_ = std::make_unique<SpscRing<DtmfCommand, 8>>();
  leg->events_ = std::make_unique<SpscRing<CallEvent, 32>>();
  leg->net_.rtt_ms = leg->net_.remote_loss_pct = leg->net_.remote_jitter_ms = -1;
  leg->net_published_.store(leg->net_);
  leg->rx_ring_ = std::make_unique<SpscRing<RxPacket, 64>>();
  leg->tx_ring_ = std::make_unique<SpscRing<TxPacket, 16>>();
  return leg;
}

CallLeg::~CallLeg() {
  delete pending_retarget_.exchange(nullptr);
  delete retired_retarget_.exchange(nullptr);
}

void CallLeg::set_direction(MediaDirection direction) noexcept {
  sending_.store(direction == MediaDirection::sendrecv || direction == MediaDirection::sendonly, std::memory_order_relaxed);
  playing_.store(direction == MediaDirection::sendrecv || direction == MediaDirection::recvonly, std::memory_order_relaxed);
}

MediaDirection CallLeg::direction() const noexcept {
  const bool send = sending_.load(std::memory_order_relaxed);
  const bool play = playing_.load(std::memory_order_relaxed);
  return send ? (play ? MediaDirection::sendrecv : MediaDirection::sendonly)
              : (play ? MediaDirection::recvonly : MediaDirection::inactive);
}

Status CallLeg::retarget(const SocketAddress& remote, std::optional<rtp::SrtpKey> remote_key) {
  if (!remote.is_valid()) return Error{Errc::invalid_argument, "retarget: invalid remote address"};
  if (remote_key && (!srtp_ || !local_key_ || remote_key->suite() != local_key_->suite())) {
    return Error{Errc::invalid_argument, "retarget: an SRTP key for a leg without SRTP or of another suite"};
  }
  delete retired_retarget_.exchange(nullptr, std::memory_order_acq_rel);
  auto* pending = new PendingRetarget{remote, std::move(remote_key)};
  PendingRetarget* expected = nullptr;
  if (!pending_retarget_.compare_exchange_strong(expected, pending, std::memory_order_acq_rel)) {
    delete pending;
    return Error{Errc::resource_exhausted, "retarget: the previous retarget has not been applied yet"};
  }
  return ok();
}

// Network thread: takes a pending retarget, if any. The used request goes back to the control
// thread, which frees it on its next retarget() or in the destructor.
void CallLeg::apply_retarget() noexcept {
  PendingRetarget* pending = pending_retarget_.exchange(nullptr, std::memory_order_acq_rel);
  if (pending == nullptr) return;
  remote_ = pending->remote;
  latch_candidate_ = SocketAddress{};
  latch_candidate_packets_ = 0;
  if (pending->remote_key && srtp_ && local_key_) (void)srtp_->rekey(*local_key_, *pending->remote_key);
  if (pending->remote_key) pending->remote_key->wipe();
  delete retired_retarget_.exchange(pending, std::memory_order_acq_rel);  // normally null: control freed it
  retargets_applied_.fetch_add(1, std::memory_order_release);
}

void CallLeg::on_readable(uint64_t now_us) noexcept {
  // Bounded: a flood cannot keep the network thread here forever; epoll reports the rest.
  for (int i = 0; i < 64; ++i) {
    size_t length = 0;
    SocketAddress from;
    const IoStatus io = socket_.receive(rx_buffer_, length, from);
    if (io == IoStatus::would_block) break;
    if (io != IoStatus::ok) {
      ++net_.dropped_malformed;
      continue;
    }
    const std::span<const uint8_t> datagram(rx_buffer_.data(), length);
    if (rtp::looks_like_rtcp(datagram)) {  // RFC 5761 demultiplexing
      receive_rtcp(rx_buffer_, length, now_us);
      continue;
    }
    if (srtp_) {
      const rtp::SrtpStatus s = srtp_->unprotect_rtp(rx_buffer_, length);
      if (s == rtp::SrtpStatus::replay) {
        ++net_.dropped_replay;
        continue;
      }
      if (s == rtp::SrtpStatus::bad_packet) {
        ++net_.dropped_malformed;
        continue;
      }
      if (s != rtp::SrtpStatus::ok) {
        ++net_.dropped_auth;
        continue;
      }
    }
    rtp::RtpPacketView packet;
    if (rtp::parse_rtp({rx_buffer_.data(), length}, packet) != rtp::ParseStatus::ok ||
        packet.payload.size() > kMaxPayloadBytes) {
      ++net_.dropped_malformed;
      continue;
    }
    const bool telephone_event = telephone_event_pt_ && packet.payload_type == *telephone_event_pt_;
    if (packet.payload_type != payload_type_ && !telephone_event) {
      ++net_.dropped_payload_type;
      continue;
    }
    if (!accept_source(from)) {
      ++net_.dropped_wrong_source;
      continue;
    }
    if (packet.ssrc == ssrc_.load(std::memory_order_relaxed)) {
      // RFC 3550 §8.2: the peer picked our SSRC. We move; the media thread picks the new value.
      ++net_.ssrc_collisions;
      ssrc_collision_.store(true, std::memory_order_release);
    }
    if (remote_ssrc_ != packet.ssrc) {
      // A new source (the peer restarted, or a re-INVITE moved the stream): statistics restart.
      if (remote_ssrc_) ++net_.ssrc_changes;
      remote_ssrc_ = packet.ssrc;
      receive_stats_ = rtp::ReceiveStats{};
    }
    // RFC 3550 §A.8: arrival time in RTP timestamp units of this stream's clock.
    const auto arrival_rtp = static_cast<uint32_t>(now_us * codec_->clock_rate_hz() / 1'000'000u);
    receive_stats_.update(packet.sequence, packet.timestamp, arrival_rtp);
    RxPacket rx;
    rx.arrival_us = now_us;
    rx.ssrc = packet.ssrc;
    rx.timestamp = packet.timestamp;
    rx.sequence = packet.sequence.value();
    rx.marker = packet.marker;
    rx.telephone_event = telephone_event;
    rx.payload_bytes = static_cast<uint16_t>(packet.payload.size());
    std::memcpy(rx.payload.data(), packet.payload.data(), packet.payload.size());
    if (rx_ring_->try_push(rx)) {
      ++net_.packets_received;
    } else {
      ++net_.dropped_ring_full;
    }
  }
  net_.packets_lost = static_cast<uint64_t>(std::max<int64_t>(0, receive_stats_.cumulative_lost()));
  net_.jitter_ms = receive_stats_.jitter_q4() / 16.0 * 1000.0 / codec_->clock_rate_hz();
  net_published_.store(net_);
}

void CallLeg::on_rtcp_readable(uint64_t now_us) noexcept {
  for (int i = 0; i < 16; ++i) {
    size_t length = 0;
    SocketAddress from;
    const IoStatus io = rtcp_socket_.receive(rx_buffer_, length, from);
    if (io == IoStatus::would_block) break;
    if (io == IoStatus::ok) {
      receive_rtcp(rx_buffer_, length, now_us);
    } else {
      ++net_.dropped_malformed;
    }
  }
  net_published_.store(net_);
}

// Authenticated (SRTCP) reports go to the RTCP session: RTT, the peer's view of our stream.
void CallLeg::receive_rtcp(std::span<uint8_t> buffer, size_t length, uint64_t now_us) noexcept {
  if (srtp_ && srtp_->unprotect_rtcp(buffer, length) != rtp::SrtpStatus::ok) {
    ++net_.dropped_auth;
    return;
  }
  ++net_.rtcp_received;
  if (rtcp_->on_rtcp(buffer.first(length), now_us) != rtp::RtcpStatus::ok) {
    ++net_.rtcp_rejected;
    return;
  }
  const rtp::RtcpSessionStats& rs = rtcp_->stats();
  if (rs.rtt_samples > 0) net_.rtt_ms = rs.rtt_last_us / 1000.0;
  if (rs.have_remote_report) {
    net_.remote_loss_pct = rs.remote_report.fraction_lost * 100.0 / 256.0;  // RFC 3550 §6.4.1: 8-bit fraction
    net_.remote_jitter_ms = rs.remote_report.jitter * 1000.0 / codec_->clock_rate_hz();
    remote_loss_pct_.store(static_cast<int>(net_.remote_loss_pct + 0.5), std::memory_order_relaxed);
  }
  net_published_.store(net_);
}

void CallLeg::on_network_tick(uint64_t now_us) noexcept {
  network_now_us_ = now_us;
  apply_retarget();
  flush_tx();
  if (!send_rtcp_ || !remote_.is_valid()) return;
  if (!rtcp_started_) {
    rtcp_->start(now_us);
    rtcp_started_ = true;
  }
  if (now_us >= rtcp_->next_report_us() && rtcp_->on_timer(now_us)) send_rtcp_report(now_us);
}

void CallLeg::send_rtcp_report(uint64_t now_us) noexcept {
  const rtp::ReceiveSource source{remote_ssrc_.value_or(0), &receive_stats_};
  rtp::RtcpSession::ReportInputs in;
  in.sent = send_stats_.packets > 0 ? &send_stats_ : nullptr;
  // RFC 3550 §6.4.1: the SR's RTP timestamp is "now" on the media clock, extrapolated from the last
  // packet sent.
  in.rtp_timestamp_now = last_tx_timestamp_ + static_cast<uint32_t>((now_us - last_tx_us_) * codec_->clock_rate_hz() / 1'000'000u);
  in.sources = remote_ssrc_ ? std::span<const rtp::ReceiveSource>(&source, 1) : std::span<const rtp::ReceiveSource>();
  size_t length = rtcp_->build_report(now_us, in, std::span<uint8_t>(rtcp_buffer_).first(rtcp_buffer_.size() - rtp::SrtpSession::kMaxTrailerBytes));
  if (length == 0 || (srtp_ && srtp_->protect_rtcp(rtcp_buffer_, length) != rtp::SrtpStatus::ok)) {
    ++net_.send_failures;
    return;
  }
  // rtcp-mux: to the RTP address; otherwise from and to the RTCP ports (RFC 3550 §11: RTP port + 1).
  SocketAddress to = remote_;
  UdpSocket* socket = &socket_;
  if (rtcp_socket_.fd() >= 0) {
    to.set_port(static_cast<uint16_t>(remote_.port() + 1));
    socket = &rtcp_socket_;
  }
  if (socket->send({rtcp_buffer_.data(), length}, to) == IoStatus::ok) {
    ++net_.rtcp_sent;
  } else {
    ++net_.send_failures;
  }
  net_published_.store(net_);
}

// Symmetric RTP latching (RFC 4961). Called only for packets that already passed SRTP
// authentication (when SRTP is on) and RTP validation.
bool CallLeg::accept_source(const SocketAddress& from) noexcept {
  if (from == remote_) {
    latch_candidate_packets_ = 0;
    return true;
  }
  if (!latching_) return !remote_.is_valid();
  if (srtp_) {  // authenticated: only the key holder can have sent it
    remote_ = from;
    ++net_.latches;
    return true;
  }
  if (from == latch_candidate_) {
    ++latch_candidate_packets_;
  } else {
    latch_candidate_ = from;
    latch_candidate_packets_ = 1;
  }
  if (latch_candidate_packets_ < latch_after_packets_ && remote_.is_valid()) return false;
  remote_ = from;
  latch_candidate_packets_ = 0;
  ++net_.latches;
  return true;
}

void CallLeg::tick_capture(uint64_t, const AudioFrame& capture) noexcept {
  // Send: at the codec's rate, accumulate capture until one packet's worth (ptime) is ready.
  const bool sending = sending_.load(std::memory_order_relaxed);
  if (!sending && was_sending_) {  // on hold: drop the partial packet; the next one starts a talkspurt
    tx_pcm_fill_ = 0;
    tx_first_ = true;
  }
  was_sending_ = sending;
  std::span<const int16_t> input = capture.samples();
  if (tx_resampler_ && sending) {
    const dsp::Resampler::Processed r = tx_resampler_->process(input, tx_resampled_);
    input = std::span<const int16_t>(tx_resampled_).first(r.out_per_channel);
  }
  for (size_t done = 0; sending && done < input.size();) {
    const size_t take = std::min(input.size() - done, tx_pcm_.size() - tx_pcm_fill_);
    std::copy_n(input.begin() + static_cast<ptrdiff_t>(done), take, tx_pcm_.begin() + static_cast<ptrdiff_t>(tx_pcm_fill_));
    done += take;
    tx_pcm_fill_ += take;
    if (tx_pcm_fill_ == tx_pcm_.size()) {
      send_packet(tx_pcm_.size());
      tx_pcm_fill_ = 0;
    }
  }

  // The loss rate the peer reports about our stream goes to the encoder (Opus adds FEC for it).
  if (const int loss = remote_loss_pct_.load(std::memory_order_relaxed); loss >= 0 && loss != encoder_loss_pct_) {
    codec_->set_packet_loss_pct(loss);
    encoder_loss_pct_ = loss;
  }
  if (ssrc_collision_.exchange(false, std::memory_order_acquire)) {
    uint32_t fresh = ssrc_.load(std::memory_order_relaxed);
    while (fresh == ssrc_.load(std::memory_order_relaxed) || fresh == 0) fresh = static_cast<uint32_t>(next_random(ssrc_rng_));
    ssrc_.store(fresh, std::memory_order_relaxed);
  }

  send_telephone_events();
}

void CallLeg::tick_playout(uint64_t now_us, AudioFrame& playout) noexcept {
  const bool playing = playing_.load(std::memory_order_relaxed);
  // Receive: everything the network thread validated goes into the jitter buffer; telephone-events
  // to their receiver, which reports each key press once.
  while (RxPacket* p = rx_ring_->front()) {
    if (p->telephone_event) {
      dtmf_receiver_->on_packet(p->marker, p->timestamp, {p->payload.data(), p->payload_bytes}, p->arrival_us);
      rx_ring_->pop();
      continue;
    }
    if (playout_ssrc_ != p->ssrc) {  // a new source: its sequence numbers start elsewhere
      if (playout_ssrc_ && jitter_buffer_) jitter_buffer_->reset();  // the adaptive buffer resyncs by itself
      playout_ssrc_ = p->ssrc;
    }
    const std::span<const uint8_t> payload(p->payload.data(), p->payload_bytes);
    if (playing && jitter_buffer_) jitter_buffer_->insert(rtp::SeqNum(p->sequence), p->timestamp, payload, p->arrival_us);
    if (playing && adaptive_jb_) adaptive_jb_->insert(p->ssrc, rtp::SeqNum(p->sequence), p->timestamp, payload, p->arrival_us);
    rx_ring_->pop();
  }
  if (dtmf_receiver_) {
    dtmf_receiver_->tick(now_us);
    rtp::TelephoneEventReceiver::Report report;
    while (dtmf_receiver_->pop(report)) {
      static constexpr char kKeys[] = "0123456789*#ABCD";
      if (report.event >= 16) continue;  // not a DTMF key (RFC 4733 §3.2 lists 0-15)
      CallEvent event;
      event.kind = report.kind == rtp::TelephoneEventReceiver::Report::Kind::begin ? CallEvent::Kind::dtmf_begin
                                                                                   : CallEvent::Kind::dtmf_end;
      event.key = kKeys[report.event];
      event.duration_ms = static_cast<uint32_t>(uint64_t{report.duration_units} * 1000u / codec_->clock_rate_hz());
      if (event.kind == CallEvent::Kind::dtmf_begin) ++media_.dtmf_received;
      (void)events_->try_push(event);  // a caller that never polls loses events, not the call
    }
  }
  if (playing) {
    fill_playout(now_us, playout);
  } else {
    playout.reset(device_rate_hz_, 1, static_cast<uint16_t>(samples_in_ms(device_rate_hz_, 10)));
  }

  if (jitter_buffer_) {
    const auto& jb = jitter_buffer_->stats();
    media_.jb_late = jb.late;
    media_.jb_duplicates = jb.duplicates;
    media_.jb_delay_mean_ms = jb.mean_delay_ms();
    media_.jb_delay_max_ms = jb.max_delay_ms;
  } else {
    const rtp::JbStats& jb = adaptive_jb_->stats();
    media_.jb_late = jb.packets_late;
    media_.jb_duplicates = jb.packets_duplicate;
    media_.jb_delay_mean_ms = jb.packets_played ? jb.waiting_sum_us / 1000.0 / static_cast<double>(jb.packets_played) : 0;
    media_.jb_delay_max_ms = jb.waiting_max_us / 1000.0;
    media_.jb_target_delay_ms = jb.target_delay_ms;
  }
  media_published_.store(media_);
}

void CallLeg::send_packet(size_t samples) noexcept {
  size_t written = 0;
  if (codec_->encode({tx_pcm_.data(), samples}, tx_payload_, written) != CodecStatus::ok) {
    ++media_.encode_failures;
    return;
  }
  const uint32_t timestamp = tx_timestamp_;
  tx_timestamp_ += static_cast<uint32_t>(samples / codec_->channels() * codec_->clock_rate_hz() / codec_->sample_rate_hz());
  if (written == 0 || (dtmf_sender_ && dtmf_sender_->busy())) {
    // DTX (G.729 Annex B, Opus), or a key press being sent as telephone-events instead of audio:
    // nothing to send. The timestamp runs on, the sequence number does not, and the next audio
    // packet starts a talkspurt (RFC 3551 §4.1 marker).
    tx_first_ = true;
    return;
  }
  queue_rtp(tx_first_, payload_type_, timestamp, {tx_payload_.data(), written});  // RFC 3551 §4.1 marker
  tx_first_ = false;
}

// [rt] RFC 4733 §2.5: a key press goes out as events that share the audio's SSRC, sequence numbers
// and clock; "now" in media time is the timestamp the next audio packet would carry.
void CallLeg::send_telephone_events() noexcept {
  if (!dtmf_sender_) return;
  if (!dtmf_sender_->busy()) {
    DtmfCommand command;
    if (!dtmf_commands_->try_pop(command)) return;
    if (dtmf_sender_->start(command.event, command.duration_ms, 10)) ++media_.dtmf_sent;  // -10 dBm0
  }
  rtp::TelephoneEventSender::Packet event;
  while (dtmf_sender_->poll(tx_timestamp_, event)) queue_rtp(event.marker, *telephone_event_pt_, event.timestamp, event.payload);
}

// [rt] Builds one RTP packet (leaving room for the SRTP trailer) for the network thread to send.
void CallLeg::queue_rtp(bool marker, uint8_t payload_type, uint32_t timestamp, std::span<const uint8_t> payload) noexcept {
  rtp::RtpHeaderFields header;
  header.marker = marker;
  header.payload_type = payload_type;
  header.sequence = rtp::SeqNum(tx_sequence_);
  header.timestamp = timestamp;
  header.ssrc = ssrc_.load(std::memory_order_relaxed);
  TxPacket packet;
  const size_t length = rtp::build_rtp(header, payload,
                                       std::span<uint8_t>(packet.bytes).first(packet.bytes.size() - rtp::SrtpSession::kMaxTrailerBytes));
  if (length == 0) {
    ++media_.encode_failures;
    return;
  }
  ++tx_sequence_;
  packet.length = static_cast<uint16_t>(length);
  packet.payload_bytes = static_cast<uint16_t>(payload.size());
  packet.timestamp = timestamp;
  if (!tx_ring_->try_push(packet)) ++media_.tx_ring_full;
}

bool CallLeg::send_dtmf(char key, uint32_t duration_ms) noexcept {
  const int event = rtp::dtmf_event_code(key);
  if (event < 0 || !dtmf_sender_ || duration_ms == 0) return false;
  return dtmf_commands_->try_push(DtmfCommand{static_cast<uint8_t>(event), duration_ms});
}

bool CallLeg::poll_event(CallEvent& out) noexcept { return events_->try_pop(out); }

void CallLeg::flush_tx() noexcept {
  while (TxPacket* packet = tx_ring_->front()) {
    std::copy_n(packet->bytes.begin(), packet->length, tx_buffer_.begin());
    size_t length = packet->length;
    const size_t payload_bytes = packet->payload_bytes;
    const uint32_t timestamp = packet->timestamp;
    tx_ring_->pop();
    if (loss_threshold_ != 0 && next_random(rng_state_) < loss_threshold_) {
      ++net_.impairment_drops;
      continue;
    }
    if (!remote_.is_valid() || (srtp_ && srtp_->protect_rtp(tx_buffer_, length) != rtp::SrtpStatus::ok)) {
      ++net_.send_failures;
      continue;
    }
    if (path_) {  // the simulated path decides: lost, or sent later by poll() below
      if (!path_->submit(network_now_us_, {tx_buffer_.data(), length})) ++net_.impairment_drops;
    } else if (socket_.send({tx_buffer_.data(), length}, remote_) != IoStatus::ok) {
      ++net_.send_failures;
      continue;
    }
    ++net_.packets_sent;
    net_.bytes_sent += length;
    send_stats_.on_sent(payload_bytes);
    last_tx_timestamp_ = timestamp;
    last_tx_us_ = network_now_us_;
  }
  if (path_ && remote_.is_valid()) {
    path_->poll(network_now_us_, [this](std::span<const uint8_t> datagram) {
      if (socket_.send(datagram, remote_) != IoStatus::ok) ++net_.send_failures;
    });
  }
  net_published_.store(net_);
}

// [rt] Appends one packet's worth of audio at the codec rate to rx_codec_pcm_: the next packet
// decoded, or concealment when it is missing or undecodable. False when there is nothing to play
// (before the first packet, or after the stream stopped).
bool CallLeg::decode_next(uint64_t now_us) noexcept {
  if (adaptive_jb_) return decode_next_adaptive(now_us);
  const std::span<int16_t> space = rx_codec_pcm_.space();
  const rtp::FixedJitterBuffer::Pulled pulled = jitter_buffer_->pull(now_us);
  if (pulled.kind == rtp::FixedJitterBuffer::Pulled::Kind::packet) {
    size_t decoded = 0;
    if (codec_->decode(pulled.payload, space, decoded) == CodecStatus::ok) {
      rx_codec_pcm_.commit(decoded * codec_->channels());
      ++media_.packets_played;
      return true;
    }
  } else if (pulled.kind != rtp::FixedJitterBuffer::Pulled::Kind::missing) {
    return false;
  }
  const std::span<int16_t> gap = space.first(std::min<size_t>(samples_per_packet_, space.size()));
  // A lost packet whose successor is already here: its in-band FEC rebuilds the loss (Opus LBRR)
  // before the codec has to conceal.
  const std::span<const uint8_t> next = codec_->has_fec() ? jitter_buffer_->peek_next() : std::span<const uint8_t>();
  size_t recovered = 0;
  if (!next.empty() && codec_->decode_fec(next, gap, recovered) == CodecStatus::ok) {
    rx_codec_pcm_.commit(gap.size());
    ++media_.frames_fec_recovered;
    return true;
  }
  codec_->conceal(gap);
  rx_codec_pcm_.commit(gap.size());
  ++media_.frames_concealed;
  return true;
}

// [rt] Decodes one payload into `out`; false (and nothing written) when it does not decode.
bool CallLeg::decode_into(std::span<const uint8_t> payload, std::span<int16_t> out, size_t& samples) noexcept {
  size_t per_channel = 0;
  if (codec_->decode(payload, out, per_channel) != CodecStatus::ok) return false;
  samples = per_channel * codec_->channels();
  return true;
}

// [rt] The adaptive buffer's decision for the next frame, turned into audio at the codec rate.
bool CallLeg::decode_next_adaptive(uint64_t now_us) noexcept {
  const rtp::JbDecision& d = adaptive_jb_->pull(now_us);
  const std::span<int16_t> space = rx_codec_pcm_.space();
  const std::span<int16_t> frame = space.first(std::min<size_t>(samples_per_packet_, space.size()));
  size_t samples = 0;
  switch (d.action) {
    case rtp::JbAction::idle:
      return false;
    case rtp::JbAction::play:
      if (decode_into(d.payloads[0], space, samples)) {
        rx_codec_pcm_.commit(samples);
        ++media_.packets_played;
        return true;
      }
      break;  // undecodable: conceal below
    case rtp::JbAction::shrink: {
      // Accelerate: two packets' audio into one frame, pitch-synchronously (WSOLA).
      size_t first = 0, second = 0;
      const std::span<int16_t> scratch(shrink_scratch_);
      if (d.count >= 2 && decode_into(d.payloads[0], scratch, first) &&
          decode_into(d.payloads[1], scratch.subspan(first), second) &&
          wsola_->shrink(scratch.first(first + second), frame) != 0) {
        rx_codec_pcm_.commit(frame.size());
        media_.packets_played += 2;
        ++media_.frames_shrunk;
        return true;
      }
      if (first > 0) {  // could not shrink: play the first packet as it is
        std::copy_n(scratch.begin(), std::min(first, space.size()), space.begin());
        rx_codec_pcm_.commit(std::min(first, space.size()));
        ++media_.packets_played;
        return true;
      }
      break;
    }
    case rtp::JbAction::stretch:
      // Preemptive expand: one extra frame continuing the audio just played. The codec's
      // concealment is exactly such a pitch-continuous extension.
      codec_->conceal(frame);
      rx_codec_pcm_.commit(frame.size());
      ++media_.frames_stretched;
      return true;
    case rtp::JbAction::silence:
      std::fill(frame.begin(), frame.end(), int16_t{0});
      rx_codec_pcm_.commit(frame.size());
      return true;
    case rtp::JbAction::conceal:
      // The next packet is already here and carries in-band FEC (Opus LBRR) for this one.
      if (size_t recovered = 0; !d.next_payload.empty() && codec_->has_fec() &&
                                codec_->decode_fec(d.next_payload, frame, recovered) == CodecStatus::ok) {
        rx_codec_pcm_.commit(frame.size());
        ++media_.frames_fec_recovered;
        return true;
      }
      break;
  }
  codec_->conceal(frame);
  rx_codec_pcm_.commit(frame.size());
  ++media_.frames_concealed;
  return true;
}

// [rt] 10 ms at the device rate: decoded (and resampled) audio, silence where there is none.
void CallLeg::fill_playout(uint64_t now_us, AudioFrame& playout) noexcept {
  playout.reset(device_rate_hz_, 1, static_cast<uint16_t>(samples_in_ms(device_rate_hz_, 10)));
  const size_t need = playout.size();
  PcmFifo* ready = &rx_codec_pcm_;
  if (!rx_resampler_) {
    while (rx_codec_pcm_.size() < need && decode_next(now_us)) {
    }
  } else {
    ready = &rx_device_pcm_;
    while (rx_device_pcm_.size() < need) {
      if (rx_codec_pcm_.size() == 0 && !decode_next(now_us)) break;
      const dsp::Resampler::Processed r = rx_resampler_->process(rx_codec_pcm_.data(), rx_device_pcm_.space());
      rx_codec_pcm_.consume(r.in_per_channel);
      rx_device_pcm_.commit(r.out_per_channel);
      if (r.in_per_channel == 0 && r.out_per_channel == 0) break;  // no room: never spin
    }
  }
  const size_t take = std::min(need, ready->size());
  std::copy_n(ready->data().begin(), take, playout.data.begin());
  ready->consume(take);
}

CallLegStats CallLeg::stats() const noexcept {
  const NetCounters rx = net_published_.load();
  const MediaCounters media = media_published_.load();
  CallLegStats s;
  s.packets_sent = rx.packets_sent;
  s.bytes_sent = rx.bytes_sent;
  s.send_failures = rx.send_failures + media.tx_ring_full + media.encode_failures;
  s.packets_received = rx.packets_received;
  s.packets_lost = rx.packets_lost;
  s.jitter_ms = rx.jitter_ms;
  s.dropped_malformed = rx.dropped_malformed;
  s.dropped_auth = rx.dropped_auth;
  s.dropped_replay = rx.dropped_replay;
  s.dropped_payload_type = rx.dropped_payload_type;
  s.dropped_ring_full = rx.dropped_ring_full;
  s.rtcp_received = rx.rtcp_received;
  s.dropped_wrong_source = rx.dropped_wrong_source;
  s.latches = rx.latches;
  s.impairment_drops = rx.impairment_drops;
  s.ssrc_changes = rx.ssrc_changes;
  s.ssrc_collisions = rx.ssrc_collisions;
  s.rtcp_sent = rx.rtcp_sent;
  s.rtcp_rejected = rx.rtcp_rejected;
  s.rtt_ms = rx.rtt_ms;
  s.remote_loss_pct = rx.remote_loss_pct;
  s.remote_jitter_ms = rx.remote_jitter_ms;
  s.packets_played = media.packets_played;
  s.frames_concealed = media.frames_concealed;
  s.jb_late = media.jb_late;
  s.jb_duplicates = media.jb_duplicates;
  s.jb_delay_mean_ms = media.jb_delay_mean_ms;
  s.jb_delay_max_ms = media.jb_delay_max_ms;
  s.frames_stretched = media.frames_stretched;
  s.dtmf_sent = media.dtmf_sent;
  s.frames_fec_recovered = media.frames_fec_recovered;
  s.dtmf_received = media.dtmf_received;
  s.frames_shrunk = media.frames_shrunk;
  s.jb_target_delay_ms = media.jb_target_delay_ms;
  return s;
}

}  // namespace offhook
