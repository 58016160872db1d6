// The public facade (include/offhook/engine.hpp, call.hpp) over the internal engine: one mutex
// serialises every control-thread call; the media and network threads never take it (they only see
// the internal Engine's lock-free command ring and the legs). Not [rt].
//
// Bridge wiring is computed, not patched: rewire() derives the wanted connections from the state
// of the device, the tone, music on hold and every call (held, conference or transfer partners) and
// applies the difference, so hold, resume, conference, transfer and hangup cannot leave a stale
// connection behind.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "offhook/engine.hpp"
#include "rtp/emodel.hpp"
#include "rtp/srtp_session.hpp"
#include "sim/profiles.hpp"
#include "src/call_leg.hpp"
#include "src/engine.hpp"
#include "src/pcm_player.hpp"
#include "src/sdp_negotiation.hpp"
#include "src/tone_source.hpp"
#include "src/udp_socket.hpp"
#include "src/wav_device.hpp"
#ifdef OFFHOOK_HAVE_ALSA
#include "src/alsa/alsa_device.hpp"
#endif

namespace offhook::api {

const char* call_state_name(CallState state) noexcept {
  switch (state) {
    case CallState::idle: return "idle";
    case CallState::offering: return "offering";
    case CallState::active: return "active";
    case CallState::held: return "held";
    case CallState::ended: return "ended";
  }
  return "?";
}

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

dsp::CallProgressTone to_internal(Tone tone) {
  switch (tone) {
    case Tone::dial: return dsp::CallProgressTone::dial;
    case Tone::ringback: return dsp::CallProgressTone::ringback;
    case Tone::busy: return dsp::CallProgressTone::busy;
    case Tone::congestion: return dsp::CallProgressTone::congestion;
    case Tone::call_waiting: return dsp::CallProgressTone::call_waiting;
    case Tone::confirmation: return dsp::CallProgressTone::confirmation;
  }
  return dsp::CallProgressTone::ringback;
}

Error prefixed(uint32_t id, Error e) {
  e.message = "call " + std::to_string(id) + ": " + e.message;
  return e;
}

constexpr uint16_t kBridgePorts = 32;

}  // namespace

namespace detail {

struct CallSlot {
  std::unique_ptr<Call> handle;
  SdpSession sdp{0};
  LocalMedia local;
  std::optional<RtpSocketPair> sockets;  // bound for the first offer/answer, then moved into the leg
  std::unique_ptr<CallLeg> leg;
  std::optional<EnginePort> port;
  CallState state = CallState::idle;
  bool local_hold = false;
  bool hears_device = true;         // false after a bridged transfer
  std::vector<uint32_t> partners;   // conference / transfer links (call ids)
  std::string codec;
  bool remote_hold = false;
  SocketAddress remote;                  // where the leg sends (before latching)
  std::vector<uint8_t> remote_key;       // the peer's SRTP key||salt, to notice a re-key
  CallLegStats last{};                   // the final snapshot after hangup
  uint64_t rx_seen = 0;                  // RTP timeout: packets received at the last look
  uint64_t rx_changed_us = 0;            //   when that count last moved (or media was re-negotiated)
  bool timed_out = false;                //   reported; cleared when packets arrive again
};

struct EngineImpl {
  enum class Phase : uint8_t { created, running, stopped };

  mutable std::mutex mutex;
  EngineOptions options;
  MonotonicClock clock;
  std::optional<sim::NetworkConfig> network;
  std::vector<rtp::SrtpSuite> suites;
  Phase phase = Phase::created;
  // Devices (chosen before start) and what feeds the bridge.
  std::unique_ptr<AudioSource> mic;
  std::unique_ptr<AudioSink> speaker;
  WavFileSink* wav_sink = nullptr;  // in `speaker`: finished at stop()
  std::optional<EnginePort> device_port;
  std::unique_ptr<ToneSource> tone;
  EnginePort tone_port = 0;
  std::vector<std::unique_ptr<PcmPlayer>> music;  // the last is current; older ones stay until stop
  std::optional<EnginePort> music_port;
  std::vector<std::unique_ptr<CallSlot>> calls;   // call id = index + 1
  std::set<std::pair<EnginePort, EnginePort>> edges;  // (from, to) connections made
  std::deque<Event> events;
  uint64_t legs_created = 0;
  // Last: destroyed first, while everything its ports point at still exists.
  std::unique_ptr<offhook::Engine> engine;

  ~EngineImpl() { stop(); }

  Status check_running_or_created() const {
    if (phase == Phase::stopped) return Error{Errc::invalid_argument, "the engine has stopped"};
    return ok();
  }

  Result<CallSlot*> live(uint32_t id) {
    if (phase == Phase::stopped) return prefixed(id, Error{Errc::invalid_argument, "the engine has stopped"});
    if (id == 0 || id > calls.size()) return Error{Errc::not_found, "no call " + std::to_string(id)};
    CallSlot* slot = calls[id - 1].get();
    if (slot->state == CallState::ended) return prefixed(id, Error{Errc::invalid_argument, "the call has ended"});
    return slot;
  }

  Status check_mine(const Call* call) const {
    if (call == nullptr || call->engine_ != this) return Error{Errc::invalid_argument, "not a call of this engine"};
    return ok();
  }

  // --- bridge wiring -------------------------------------------------------------------------

  Status rewire() {
    std::set<std::pair<EnginePort, EnginePort>> want;
    if (device_port) want.insert({tone_port, *device_port});
    for (const auto& c : calls) {
      if (!c->port || c->state == CallState::ended) continue;
      const EnginePort p = *c->port;
      if (c->local_hold) {
        if (music_port) want.insert({*music_port, p});
        continue;
      }
      if (device_port && c->hears_device) {
        want.insert({*device_port, p});
        want.insert({p, *device_port});
      }
      for (uint32_t other_id : c->partners) {
        const CallSlot& other = *calls[other_id - 1];
        if (other.port && !other.local_hold && other.state != CallState::ended) want.insert({*other.port, p});
      }
    }
    Status result = ok();
    for (auto it = edges.begin(); it != edges.end();) {
      if (want.count(*it) == 0) {
        if (auto s = engine->disconnect(it->first, it->second); !s && result) result = s;
        it = edges.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& e : want) {
      if (edges.count(e) != 0) continue;
      if (auto s = engine->connect(e.first, e.second); !s) {
        if (result) result = s;
        continue;
      }
      edges.insert(e);
    }
    return result;
  }

  void forget_port(EnginePort port) {
    for (auto it = edges.begin(); it != edges.end();) {
      it = (it->first == port || it->second == port) ? edges.erase(it) : std::next(it);
    }
  }

  // --- engine ----------------------------------------------------------------------------------

  Status choose_devices(std::unique_ptr<AudioSource> source, std::unique_ptr<AudioSink> sink, WavFileSink* wav) {
    if (phase != Phase::created) {
      return Error{Errc::invalid_argument, "devices are chosen before start()"};
    }
    mic = std::move(source);
    speaker = std::move(sink);
    wav_sink = wav;
    return ok();
  }

  Status start() {
    if (phase == Phase::running) return Error{Errc::invalid_argument, "the engine is already running"};
    if (auto s = check_running_or_created(); !s) return s;
    if (!mic) {
      mic = std::make_unique<NullSource>(options.audio_rate_hz);
      speaker = std::make_unique<NullSink>(options.audio_rate_hz);
    }
    auto port = engine->add_device(*mic, *speaker);
    if (!port) return std::move(port).error();
    device_port = *port;
    if (auto s = rewire(); !s) return s;
    if (auto s = engine->start(); !s) return s;
    phase = Phase::running;
    return ok();
  }

  void stop() {
    if (phase == Phase::stopped || !engine) return;
    for (auto& c : calls) {
      if (c->state != CallState::ended) end(*c);
    }
    engine->stop();
    if (wav_sink != nullptr) (void)wav_sink->finish();
    wav_sink = nullptr;
#ifdef OFFHOOK_HAVE_ALSA
    if (auto* capture = dynamic_cast<AlsaCapture*>(mic.get())) capture->finish();
    if (auto* playback = dynamic_cast<AlsaPlayback*>(speaker.get())) playback->finish();
#endif
    phase = Phase::stopped;
  }

  Status set_hold_music(const std::string& path) {
    if (auto s = check_running_or_created(); !s) return s;
    auto player = PcmPlayer::open(path, options.audio_rate_hz, PlayMode::loop);
    if (!player) return std::move(player).error();
    if (music_port) {
      forget_port(*music_port);
      if (auto s = engine->remove(*music_port); !s) return s;
      music_port.reset();
    }
    auto port = engine->add_source(**player);
    if (!port) return std::move(port).error();
    music.push_back(std::move(*player));
    music_port = *port;
    return rewire();
  }

  // --- calls -----------------------------------------------------------------------------------

  Result<Call*> create_call() {
    if (auto s = check_running_or_created(); !s) return std::move(s).error();
    auto slot = std::make_unique<CallSlot>();
    const auto id = static_cast<uint32_t>(calls.size() + 1);
    slot->handle.reset(new Call(this, id));
    Call* call = slot->handle.get();
    calls.push_back(std::move(slot));
    return call;
  }

  LocalMedia local_media(uint16_t port) const {
    LocalMedia m;
    m.address = options.local_ip;
    m.port = port;
    m.codecs = options.codecs;
    m.ptime_ms = options.ptime_ms;
    m.srtp = options.srtp == SrtpMode::off ? SrtpPolicy::off
             : options.srtp == SrtpMode::mandatory ? SrtpPolicy::mandatory
                                                   : SrtpPolicy::optional;
    if (!suites.empty()) m.suites = suites;
    return m;
  }

  Status ensure_sockets(CallSlot& c) {
    if (c.leg || c.sockets) return ok();
    auto ip = SocketAddress::from_ip(options.local_ip, 0);
    if (!ip) return std::move(ip).error();
    // A pair without rtcp-mux: the odd port serves RTCP if the peer does not accept a=rtcp-mux.
    auto pair = bind_rtp_pair(*ip, options.rtp_port_min, options.rtp_port_max, /*rtcp_mux=*/false);
    if (!pair) return std::move(pair).error();
    c.local = local_media(pair->rtp.local_address().port());
    c.sockets.emplace(std::move(*pair));
    return ok();
  }

  Status start_media(CallSlot& c, uint32_t id, const Negotiated& n) {
    CallLegConfig config;
    if (auto s = apply(n, config); !s) return s;
    config.device_rate_hz = options.audio_rate_hz;
    config.jitter_buffer =
        options.jitter_buffer == JitterBufferMode::adaptive ? offhook::JitterBufferMode::adaptive : offhook::JitterBufferMode::fixed;
    config.jitter_delay_ms = options.jitter_delay_ms;
    config.local = c.sockets->rtp.local_address();
    if (network) config.impairment = Impairment{.loss_pct = 0, .seed = options.seed * 1000 + ++legs_created, .network = *network};
    UdpSocket rtcp = n.rtcp_mux ? UdpSocket{} : std::move(c.sockets->rtcp);
    auto leg = CallLeg::create(config, engine->kernels(), std::move(c.sockets->rtp), std::move(rtcp));
    c.sockets.reset();
    if (!leg) return std::move(leg).error();
    (*leg)->set_remote(n.remote_rtp);
    auto port = engine->add_leg(**leg);
    if (!port) return std::move(port).error();
    c.leg = std::move(*leg);
    c.port = *port;
    c.codec = n.codec;
    c.remote = n.remote_rtp;
    c.remote_key.clear();
    if (n.srtp) c.remote_key.assign(n.srtp->remote_key.bytes().begin(), n.srtp->remote_key.bytes().end());
    c.state = c.local_hold ? CallState::held : CallState::active;
    c.rx_changed_us = clock.now_us();
    events.push_back(Event{.kind = Event::Kind::media_started, .call_id = id});
    return rewire();
  }

  // A new offer/answer outcome for the call: creates the RTP session the first time, otherwise
  // updates direction, address and key of the running one (re-INVITE, INVITE with Replaces).
  Status apply_negotiated(CallSlot& c, uint32_t id, const Negotiated& n) {
    c.remote_hold = n.remote_hold;
    if (!c.leg) return start_media(c, id, n);
    if (!same_name(n.codec, c.leg->codec().name())) {
      return Error{Errc::not_supported,
                   "changing the codec of a running call (" + c.codec + " -> " + n.codec + ") is not supported"};
    }
    std::vector<uint8_t> key;
    if (n.srtp) key.assign(n.srtp->remote_key.bytes().begin(), n.srtp->remote_key.bytes().end());
    const bool moved = !n.remote_hold && !(n.remote_rtp == c.remote);
    if (moved || (n.srtp && key != c.remote_key)) {
      std::optional<rtp::SrtpKey> new_key;
      if (n.srtp) new_key = n.srtp->remote_key.clone();
      const SocketAddress target = moved ? n.remote_rtp : c.remote;
      if (auto s = c.leg->retarget(target, std::move(new_key)); !s) return s;
      c.remote = target;
      c.remote_key = std::move(key);
    }
    c.leg->set_direction(n.direction);
    c.rx_changed_us = clock.now_us();
    c.timed_out = false;
    return ok();
  }

  Result<std::string> create_offer(uint32_t id) {
    auto slot = live(id);
    if (!slot) return std::move(slot).error();
    CallSlot& c = **slot;
    if (auto s = ensure_sockets(c); !s) return prefixed(id, std::move(s).error());
    c.local.direction = c.local_hold ? MediaDirection::sendonly : MediaDirection::sendrecv;
    auto offer = c.sdp.create_offer(c.local);
    if (!offer) return prefixed(id, std::move(offer).error());
    if (c.state == CallState::idle) c.state = CallState::offering;
    return offer;
  }

  Result<std::string> receive_offer(uint32_t id, std::string_view text) {
    auto slot = live(id);
    if (!slot) return std::move(slot).error();
    CallSlot& c = **slot;
    if (auto s = ensure_sockets(c); !s) return prefixed(id, std::move(s).error());
    c.local.direction = c.local_hold ? MediaDirection::sendonly : MediaDirection::sendrecv;
    auto answer = c.sdp.receive_offer(text, c.local);
    if (!answer) return prefixed(id, std::move(answer).error());
    if (answer->negotiated.rejected) return std::move(answer->sdp);  // m=audio 0: no media change
    if (auto s = apply_negotiated(c, id, answer->negotiated); !s) return prefixed(id, std::move(s).error());
    return std::move(answer->sdp);
  }

  Status receive_answer(uint32_t id, std::string_view text) {
    auto slot = live(id);
    if (!slot) return std::move(slot).error();
    CallSlot& c = **slot;
    if (!c.sdp.offer_pending()) {
      return prefixed(id, Error{Errc::invalid_argument, "an answer without an offer (call create_offer() first)"});
    }
    auto n = c.sdp.receive_answer(text);
    if (!n) return prefixed(id, std::move(n).error());
    if (n->rejected) {
      if (!c.leg && c.state == CallState::offering) c.state = CallState::idle;
      return prefixed(id, Error{Errc::not_supported, "the answer rejected the stream: " + n->reason});
    }
    if (auto s = apply_negotiated(c, id, *n); !s) return prefixed(id, std::move(s).error());
    return ok();
  }

  void unlink(uint32_t id) {
    CallSlot& c = *calls[id - 1];
    for (uint32_t other : c.partners) {
      auto& p = calls[other - 1]->partners;
      p.erase(std::remove(p.begin(), p.end(), id), p.end());
    }
    c.partners.clear();
  }

  Result<std::string> hold(uint32_t id, bool on) {
    auto slot = live(id);
    if (!slot) return std::move(slot).error();
    CallSlot& c = **slot;
    if (!c.leg) return prefixed(id, Error{Errc::invalid_argument, "the call has no media yet"});
    if (c.local_hold == on) {
      return prefixed(id, Error{Errc::invalid_argument, on ? "the call is already on hold" : "the call is not on hold"});
    }
    c.local_hold = on;
    c.state = on ? CallState::held : CallState::active;
    if (on) unlink(id);
    (void)rewire();
    return create_offer(id);
  }

  bool send_dtmf(uint32_t id, char key, uint32_t duration_ms) {
    auto slot = live(id);
    if (!slot || !(*slot)->leg || phase != Phase::running) return false;
    return (*slot)->leg->send_dtmf(key, duration_ms);
  }

  void end(CallSlot& c) {
    const uint32_t id = c.handle->id();
    unlink(id);
    if (c.port) {
      forget_port(*c.port);
      (void)engine->remove(*c.port);
      c.port.reset();
    }
    if (c.leg) c.last = c.leg->stats();
    c.leg.reset();
    c.sockets.reset();
    c.state = CallState::ended;
    (void)rewire();
  }

  Status hangup(uint32_t id) {
    auto slot = live(id);
    if (!slot) return std::move(slot).error();
    end(**slot);
    return ok();
  }

  Status link(Call& a, Call& b, bool hear_device) {
    if (auto s = check_mine(&a); !s) return s;
    if (auto s = check_mine(&b); !s) return s;
    if (a.id() == b.id()) return Error{Errc::invalid_argument, "a call cannot be joined with itself"};
    for (const Call* call : {&a, &b}) {
      auto slot = live(call->id());
      if (!slot) return std::move(slot).error();
      if (!(*slot)->leg) return prefixed(call->id(), Error{Errc::invalid_argument, "the call has no media yet"});
      if ((*slot)->local_hold) return prefixed(call->id(), Error{Errc::invalid_argument, "the call is on hold; resume it first"});
    }
    CallSlot& sa = *calls[a.id() - 1];
    CallSlot& sb = *calls[b.id() - 1];
    if (std::find(sa.partners.begin(), sa.partners.end(), b.id()) == sa.partners.end()) {
      sa.partners.push_back(b.id());
      sb.partners.push_back(a.id());
    }
    sa.hears_device = hear_device;
    sb.hears_device = hear_device;
    return rewire();
  }

  CallStats stats(uint32_t id) const {
    CallStats out;
    if (id == 0 || id > calls.size()) return out;
    const CallSlot& c = *calls[id - 1];
    if (c.codec.empty()) return out;
    const CallLegStats st = c.leg ? c.leg->stats() : c.last;
    std::strncpy(out.codec, c.codec.c_str(), sizeof out.codec - 1);
    out.packets_sent = st.packets_sent;
    out.packets_received = st.packets_received;
    out.packets_lost = st.packets_lost;
    const uint64_t expected = st.packets_received + st.packets_lost;
    out.loss_pct = expected ? 100.0 * static_cast<double>(st.packets_lost) / static_cast<double>(expected) : 0;
    out.jitter_ms = st.jitter_ms;
    out.jb_delay_ms = st.jb_delay_mean_ms;
    out.frames_concealed = st.frames_concealed;
    out.rtt_ms = st.rtt_ms;
    out.dtmf_sent = st.dtmf_sent;
    out.dtmf_received = st.dtmf_received;
    out.remote_hold = c.remote_hold;
    // G.107 E-model: loss includes packets discarded as late; delay = half the RTT + buffer + a
    // packet time (the same estimate as `offhook demo`).
    rtp::EModelInput in;
    if (const rtp::CodecImpairment* ci = rtp::find_codec_impairment(c.codec)) {
      in.ie = ci->ie;
      in.bpl = ci->bpl;
    }
    const uint64_t played_or_lost = expected + st.jb_late;
    in.packet_loss_percent =
        played_or_lost ? 100.0 * static_cast<double>(st.packets_lost + st.jb_late) / static_cast<double>(played_or_lost) : 0;
    in.one_way_delay_ms = (st.rtt_ms > 0 ? st.rtt_ms / 2 : 0) + st.jb_delay_mean_ms + options.ptime_ms;
    out.mos = rtp::evaluate_emodel(in).mos_cq;
    return out;
  }

  void check_rtp_timeout(CallSlot& c, uint64_t now_us) {
    const CallLegStats st = c.leg->stats();
    const MediaDirection d = c.leg->direction();
    if (st.packets_received != c.rx_seen) {
      c.rx_seen = st.packets_received;
      c.rx_changed_us = now_us;
      c.timed_out = false;
      return;
    }
    const bool expects_media = d == MediaDirection::sendrecv || d == MediaDirection::recvonly;
    if (!expects_media || c.timed_out || options.rtp_timeout_ms == 0) return;
    if (now_us - c.rx_changed_us >= uint64_t{options.rtp_timeout_ms} * 1000) {
      c.timed_out = true;
      events.push_back(Event{.kind = Event::Kind::rtp_timeout, .call_id = c.handle->id()});
    }
  }

  bool poll_event(Event& out) {
    if (events.empty()) {
      const uint64_t now_us = clock.now_us();
      for (const auto& c : calls) {
        if (!c->leg) continue;
        if (phase == Phase::running) check_rtp_timeout(*c, now_us);
        CallEvent e;
        while (c->leg->poll_event(e)) {
          if (e.kind != CallEvent::Kind::dtmf_end) continue;
          events.push_back(Event{.kind = Event::Kind::dtmf, .call_id = c->handle->id(), .key = e.key,
                                 .duration_ms = e.duration_ms});
        }
      }
    }
    if (events.empty()) return false;
    out = events.front();
    events.pop_front();
    return true;
  }
};

}  // namespace detail

// --- Engine ----------------------------------------------------------------------------------------

Engine::Engine(std::unique_ptr<detail::EngineImpl> impl) noexcept : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(const EngineOptions& options) {
  auto impl = std::make_unique<detail::EngineImpl>();
  impl->options = options;
  const uint32_t rate = options.audio_rate_hz;
  if (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000) {
    return Error{Errc::invalid_argument, "audio_rate_hz must be 8000, 16000, 32000 or 48000, not " + std::to_string(rate)};
  }
  if (options.codecs.empty()) return Error{Errc::invalid_argument, "codecs: at least one codec is needed"};
  for (const std::string& name : options.codecs) {
    const auto names = supported_codec_names();
    if (std::none_of(names.begin(), names.end(), [&](std::string_view n) { return same_name(n, name); })) {
      return Error{Errc::not_supported, "unknown codec '" + name + "'"};
    }
  }
  for (const std::string& name : options.srtp_suites) {
    auto suite = rtp::parse_srtp_suite(name);
    if (!suite) return std::move(suite).error();
    impl->suites.push_back(*suite);
  }
  if (options.ptime_ms == 0 || options.ptime_ms % 10 != 0 || options.ptime_ms > 120) {
    return Error{Errc::invalid_argument, "ptime_ms must be a multiple of 10 in 10..120"};
  }
  if (options.rtp_port_min > options.rtp_port_max) {
    return Error{Errc::invalid_argument, "rtp_port_min is above rtp_port_max"};
  }
  if (auto ip = SocketAddress::from_ip(options.local_ip, 0); !ip) return std::move(ip).error();
  if (!options.network_profile.empty()) {
    auto net = sim::network_profile(options.network_profile);
    if (!net) return std::move(net).error();
    impl->network = *net;
  }
  auto tone = ToneSource::create(rate, options.country);
  if (!tone) return std::move(tone).error();
  impl->tone = std::move(*tone);
  auto engine = offhook::Engine::create({.clock = &impl->clock, .bridge_rate_hz = rate, .max_ports = kBridgePorts});
  if (!engine) return std::move(engine).error();
  impl->engine = std::move(*engine);
  auto tone_port = impl->engine->add_tone(*impl->tone);
  if (!tone_port) return std::move(tone_port).error();
  impl->tone_port = *tone_port;
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Status Engine::use_wav_devices(const std::string& in_path, const std::string& out_path) {
  std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->check_running_or_created(); !s) return s;
  if (impl_->phase != detail::EngineImpl::Phase::created) return Error{Errc::invalid_argument, "devices are chosen before start()"};
  const uint32_t rate = impl_->options.audio_rate_hz;
  std::unique_ptr<AudioSource> in = std::make_unique<NullSource>(rate);
  std::unique_ptr<AudioSink> out = std::make_unique<NullSink>(rate);
  WavFileSink* wav = nullptr;
  if (!in_path.empty()) {
    auto player = PcmPlayer::open(in_path, rate, PlayMode::once);
    if (!player) return std::move(player).error();
    in = std::move(*player);
  }
  if (!out_path.empty()) {
    auto sink = WavFileSink::create(out_path, rate);
    if (!sink) return std::move(sink).error();
    wav = sink->get();
    out = std::move(*sink);
  }
  return impl_->choose_devices(std::move(in), std::move(out), wav);
}

Status Engine::use_null_device() {
  std::lock_guard lock(impl_->mutex);
  const uint32_t rate = impl_->options.audio_rate_hz;
  return impl_->choose_devices(std::make_unique<NullSource>(rate), std::make_unique<NullSink>(rate), nullptr);
}

Status Engine::use_alsa_device(const std::string& capture, const std::string& playback) {
  std::lock_guard lock(impl_->mutex);
#ifdef OFFHOOK_HAVE_ALSA
  if (impl_->phase != detail::EngineImpl::Phase::created) return Error{Errc::invalid_argument, "devices are chosen before start()"};
  const uint32_t rate = impl_->options.audio_rate_hz;
  auto in = AlsaCapture::create(AlsaConfig{.device = capture, .rate_hz = rate});
  if (!in) return std::move(in).error();
  auto out = AlsaPlayback::create(AlsaConfig{.device = playback, .rate_hz = rate});
  if (!out) return std::move(out).error();
  return impl_->choose_devices(std::move(*in), std::move(*out), nullptr);
#else
  return Error{Errc::not_supported, "ALSA devices '" + capture + "'/'" + playback + "': built without ALSA (OFFHOOK_ALSA=OFF)"};
#endif
}

Status Engine::start() {
  std::lock_guard lock(impl_->mutex);
  return impl_->start();
}

void Engine::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stop();
}

bool Engine::running() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->phase == detail::EngineImpl::Phase::running;
}

Status Engine::play_tone(Tone tone) {
  std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->check_running_or_created(); !s) return s;
  return impl_->engine->play_tone(impl_->tone_port, to_internal(tone));
}

Status Engine::stop_tone() {
  std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->check_running_or_created(); !s) return s;
  return impl_->engine->stop_tone(impl_->tone_port);
}

Status Engine::set_hold_music(const std::string& wav_path) {
  std::lock_guard lock(impl_->mutex);
  return impl_->set_hold_music(wav_path);
}

Result<Call*> Engine::create_call() {
  std::lock_guard lock(impl_->mutex);
  return impl_->create_call();
}

Status Engine::end_call(Call* call) {
  std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->check_mine(call); !s) return s;
  return impl_->hangup(call->id());
}

Status Engine::conference(Call& a, Call& b) {
  std::lock_guard lock(impl_->mutex);
  return impl_->link(a, b, /*hear_device=*/true);
}

Status Engine::transfer(Call& a, Call& b) {
  std::lock_guard lock(impl_->mutex);
  return impl_->link(a, b, /*hear_device=*/false);
}

bool Engine::poll_event(Event& out) {
  std::lock_guard lock(impl_->mutex);
  return impl_->poll_event(out);
}

// --- Call ------------------------------------------------------------------------------------------

Result<std::string> Call::create_offer() {
  std::lock_guard lock(engine_->mutex);
  return engine_->create_offer(id_);
}

Result<std::string> Call::receive_offer(std::string_view offer_sdp) {
  std::lock_guard lock(engine_->mutex);
  return engine_->receive_offer(id_, offer_sdp);
}

Status Call::receive_answer(std::string_view answer_sdp) {
  std::lock_guard lock(engine_->mutex);
  return engine_->receive_answer(id_, answer_sdp);
}

Result<std::string> Call::hold() {
  std::lock_guard lock(engine_->mutex);
  return engine_->hold(id_, true);
}

Result<std::string> Call::resume() {
  std::lock_guard lock(engine_->mutex);
  return engine_->hold(id_, false);
}

bool Call::send_dtmf(char key, uint32_t duration_ms) {
  std::lock_guard lock(engine_->mutex);
  return engine_->send_dtmf(id_, key, duration_ms);
}

Status Call::hangup() {
  std::lock_guard lock(engine_->mutex);
  return engine_->hangup(id_);
}

CallState Call::state() const {
  std::lock_guard lock(engine_->mutex);
  return engine_->calls[id_ - 1]->state;
}

CallStats Call::stats() const {
  std::lock_guard lock(engine_->mutex);
  return engine_->stats(id_);
}

}  // namespace offhook::api
