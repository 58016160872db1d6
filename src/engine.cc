#include "src/engine.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace offhook {
namespace {

// epoll tags of the two eventfds; every other tag is a CallLeg* (never 0 or 1).
constexpr uint64_t kStopTag = 0;
constexpr uint64_t kTickTag = 1;
constexpr uint64_t kRtcpBit = 1;  // CallLeg objects are aligned, so the low bit of their address is free
static_assert(alignof(CallLeg) > 1);
// Bridge-port legs are tagged by port number with the top bit set (never a user-space address), so
// an event still queued for a removed port finds an empty slot instead of a dangling pointer.
constexpr uint64_t kPortBit = uint64_t{1} << 63;

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& config) {
  if (config.clock == nullptr) return Error{Errc::invalid_argument, "EngineConfig.clock is required"};
  if (config.tick_ms == 0 || config.tick_ms > 100) return Error{Errc::invalid_argument, "tick_ms must be 1..100"};
  std::unique_ptr<Engine> engine(new Engine());
  engine->clock_ = config.clock;
  engine->observer_ = config.observer;
  engine->tick_us_ = config.tick_ms * 1000u;
  // The kernel table is resolved once here, never on the media thread. OFFHOOK_SIMD naming a target
  // this build or CPU lacks is an error now rather than an illegal instruction later.
  auto best = dsp::checked_best_target();
  if (!best && !config.simd) return std::move(best).error();
  dsp::Target target = best ? *best : dsp::Target::scalar;
  if (config.simd) {
    if (!dsp::target_supported(*config.simd)) {
      return Error{Errc::not_supported, std::string("SIMD target '") + dsp::target_name(*config.simd) +
                                            "' is not supported by this CPU or build"};
    }
    target = *config.simd;
  }
  engine->kernels_ = &dsp::kernels_for(target);
  if (config.max_ports == 0 || config.max_ports > Bridge::kMaxPorts) {
    return Error{Errc::invalid_argument, "max_ports must be 1.." + std::to_string(Bridge::kMaxPorts)};
  }
  auto bridge = Bridge::create(BridgeConfig{.rate_hz = config.bridge_rate_hz, .max_ports = config.max_ports},
                               *engine->kernels_);
  if (!bridge) return std::move(bridge).error();
  engine->bridge_ = std::move(*bridge);
  engine->bridge_rate_hz_ = config.bridge_rate_hz;
  engine->media_ports_.assign(config.max_ports, MediaPort{});
  engine->port_used_.assign(config.max_ports, 0);
  engine->port_leg_.assign(config.max_ports, nullptr);
  engine->port_dsp_.resize(config.max_ports);
  engine->commands_ = std::make_unique<SpscRing<Command, kCommandRing>>();
  engine->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  engine->stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  engine->tick_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (engine->epoll_fd_ < 0 || engine->stop_fd_ < 0 || engine->tick_fd_ < 0) {
    return Error{Errc::io_error, std::string("epoll/eventfd: ") + std::strerror(errno)};
  }
  for (auto [fd, tag] : {std::pair{engine->stop_fd_, kStopTag}, std::pair{engine->tick_fd_, kTickTag}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (epoll_ctl(engine->epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return Error{Errc::io_error, std::string("epoll_ctl: ") + std::strerror(errno)};
    }
  }
  return engine;
}

Engine::~Engine() {
  stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  if (tick_fd_ >= 0) close(tick_fd_);
}

Status Engine::attach(CallLeg& leg, AudioSource& source, AudioSink& sink) {
  if (running()) return Error{Errc::invalid_argument, "attach() after start()"};
  const uint32_t rate = leg.device_rate_hz();
  if (source.rate_hz() != rate || sink.rate_hz() != rate) {
    return Error{Errc::not_supported, "device rate " + std::to_string(source.rate_hz()) + "/" +
                                          std::to_string(sink.rate_hz()) + " Hz does not match the leg's device rate " +
                                          std::to_string(rate) + " Hz (CallLegConfig::device_rate_hz)"};
  }
  // Tags: the leg's address for its RTP socket, the same with the low bit set for its RTCP socket.
  for (auto [fd, tag] : {std::pair{leg.socket_fd(), reinterpret_cast<uint64_t>(&leg)},
                         std::pair{leg.rtcp_socket_fd(), reinterpret_cast<uint64_t>(&leg) | kRtcpBit}}) {
    if (fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return Error{Errc::io_error, std::string("epoll_ctl: ") + std::strerror(errno)};
    }
  }
  attachments_.push_back({&leg, &source, &sink});
  return ok();
}

Result<EnginePort> Engine::add_leg(CallLeg& leg) { return add_port(&leg, nullptr, nullptr, nullptr); }
Result<EnginePort> Engine::add_device(AudioSource& source, AudioSink& sink, const DeviceProcessing& processing) {
  std::unique_ptr<DeviceDsp> dsp;
  if (processing.echo_cancellation || processing.noise_suppression || processing.agc || processing.vad) {
    dsp = std::make_unique<DeviceDsp>();
    dsp->far.assign(samples_in_ms(bridge_rate_hz_, 10), 0);
    if (processing.echo_cancellation) {
      auto aec = dsp::EchoCanceller::create({.rate_hz = bridge_rate_hz_, .tail_ms = processing.echo_tail_ms});
      if (!aec) return std::move(aec).error();
      dsp->aec = std::move(*aec);
    }
    if (processing.noise_suppression || processing.agc || processing.vad) {
      auto pre = dsp::Preprocessor::create({.rate_hz = bridge_rate_hz_, .noise_suppression = processing.noise_suppression,
                                            .agc = processing.agc, .vad = processing.vad});
      if (!pre) return std::move(pre).error();
      dsp->pre = std::move(*pre);
    }
  }
  return add_port(nullptr, &source, &sink, nullptr, std::move(dsp));
}

bool Engine::device_voice(EnginePort port) const noexcept {
  // port_dsp_ only changes under control_mutex_ in add/remove; reading the flag is lock-free.
  return port < port_dsp_.size() && port_dsp_[port] && port_dsp_[port]->voice.load(std::memory_order_relaxed);
}
Result<EnginePort> Engine::add_source(AudioSource& source) { return add_port(nullptr, &source, nullptr, nullptr); }
Result<EnginePort> Engine::add_sink(AudioSink& sink) { return add_port(nullptr, nullptr, &sink, nullptr); }
Result<EnginePort> Engine::add_tone(ToneSource& tone) { return add_port(nullptr, &tone, nullptr, &tone); }

Result<EnginePort> Engine::add_port(CallLeg* leg, AudioSource* source, AudioSink* sink, ToneSource* tone,
                                    std::unique_ptr<DeviceDsp> dsp) {
  const uint32_t rate = leg != nullptr ? leg->device_rate_hz() : source != nullptr ? source->rate_hz() : sink->rate_hz();
  if (rate != bridge_rate_hz_ || (source && source->rate_hz() != rate) || (sink && sink->rate_hz() != rate)) {
    return Error{Errc::not_supported, "port rate " + std::to_string(rate) + " Hz differs from the bridge rate " +
                                          std::to_string(bridge_rate_hz_) + " Hz (EngineConfig::bridge_rate_hz)"};
  }
  std::lock_guard lock(control_mutex_);
  EnginePort port = 0;
  while (port < port_used_.size() && port_used_[port]) ++port;
  if (port == port_used_.size()) {
    return Error{Errc::resource_exhausted, "all " + std::to_string(port_used_.size()) + " bridge ports are in use"};
  }
  if (leg != nullptr) {
    // The network thread sees the leg from now on; its socket events carry the port number.
    network_legs_[port].store(leg, std::memory_order_release);
    for (auto [fd, rtcp] : {std::pair{leg->socket_fd(), uint64_t{0}}, std::pair{leg->rtcp_socket_fd(), kRtcpBit}}) {
      if (fd < 0) continue;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kPortBit | (uint64_t{port} << 1) | rtcp;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        const std::string why = std::strerror(errno);
        network_legs_[port].store(nullptr, std::memory_order_release);
        if (leg->socket_fd() >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, leg->socket_fd(), nullptr);
        return Error{Errc::io_error, "epoll_ctl: " + why};
      }
    }
  }
  Command open{.op = Command::Op::open, .a = port, .leg = leg, .source = source, .sink = sink, .tone = tone,
               .dsp = dsp.get()};
  if (auto s = post(open); !s) {
    network_legs_[port].store(nullptr, std::memory_order_release);
    return std::move(s).error();
  }
  port_used_[port] = 1;
  port_leg_[port] = leg;
  port_dsp_[port] = std::move(dsp);
  return port;
}

Status Engine::check_port(EnginePort port) const {
  if (port >= port_used_.size() || !port_used_[port]) {
    return Error{Errc::invalid_argument, "no open bridge port " + std::to_string(port)};
  }
  return ok();
}

Status Engine::remove(EnginePort port) {
  std::lock_guard lock(control_mutex_);
  if (auto s = check_port(port); !s) return s;
  if (CallLeg* leg = port_leg_[port]) {
    for (int fd : {leg->socket_fd(), leg->rtcp_socket_fd()}) {
      if (fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    }
    network_legs_[port].store(nullptr, std::memory_order_release);
  }
  if (auto s = post(Command{.op = Command::Op::close, .a = port}); !s) return s;
  wait_for_threads(commands_posted_);
  port_used_[port] = 0;
  port_leg_[port] = nullptr;
  port_dsp_[port].reset();
  return ok();
}

Status Engine::connect(EnginePort from, EnginePort to, float gain) {
  std::lock_guard lock(control_mutex_);
  if (auto s = check_port(from); !s) return s;
  if (auto s = check_port(to); !s) return s;
  if (from == to) return Error{Errc::invalid_argument, "a port cannot hear itself"};
  return post(Command{.op = Command::Op::connect, .a = from, .b = to, .gain = gain});
}

Status Engine::disconnect(EnginePort from, EnginePort to) {
  std::lock_guard lock(control_mutex_);
  if (auto s = check_port(from); !s) return s;
  if (auto s = check_port(to); !s) return s;
  return post(Command{.op = Command::Op::disconnect, .a = from, .b = to});
}

Status Engine::connect_both(EnginePort a, EnginePort b) {
  if (auto s = connect(a, b); !s) return s;
  return connect(b, a);
}

Status Engine::disconnect_both(EnginePort a, EnginePort b) {
  if (auto s = disconnect(a, b); !s) return s;
  return disconnect(b, a);
}

Status Engine::play_tone(EnginePort tone_port, dsp::CallProgressTone kind) {
  std::lock_guard lock(control_mutex_);
  if (auto s = check_port(tone_port); !s) return s;
  return post(Command{.op = Command::Op::tone_play, .a = tone_port, .tone_kind = kind});
}

Status Engine::stop_tone(EnginePort tone_port) {
  std::lock_guard lock(control_mutex_);
  if (auto s = check_port(tone_port); !s) return s;
  return post(Command{.op = Command::Op::tone_stop, .a = tone_port});
}

// Control thread, holding control_mutex_. Stopped: applied at once (no other thread runs).
Status Engine::post(const Command& command) {
  if (!running()) {
    drain_commands();  // anything left from a previous run first, in order
    apply(command);
    ++commands_posted_;
    commands_applied_.store(commands_posted_, std::memory_order_release);
    return ok();
  }
  for (int attempt = 0; !commands_->try_push(command); ++attempt) {
    if (attempt == 200) return Error{Errc::resource_exhausted, "engine command queue full (media thread stalled?)"};
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ++commands_posted_;
  return ok();
}

// Control thread: returns once the media thread applied everything up to `command_seq` and the
// network thread finished the loop iteration it was in (so it holds no pointer it read before).
void Engine::wait_for_threads(uint64_t command_seq) {
  if (!running()) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (commands_applied_.load(std::memory_order_acquire) < command_seq && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  const uint64_t epoch = network_epoch_.load(std::memory_order_acquire);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(tick_fd_, &one, sizeof one);  // wakes the network thread
  while (network_epoch_.load(std::memory_order_acquire) < epoch + 2 && std::chrono::steady_clock::now() < deadline) {
    [[maybe_unused]] ssize_t again = write(tick_fd_, &one, sizeof one);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

// [rt]
void Engine::drain_commands() noexcept {
  uint64_t applied = 0;
  while (Command* c = commands_->front()) {
    apply(*c);
    commands_->pop();
    ++applied;
  }
  if (applied) commands_applied_.fetch_add(applied, std::memory_order_release);
}

// [rt] The bridge's methods are [rt]; nothing here allocates.
void Engine::apply(const Command& c) noexcept {
  MediaPort& port = media_ports_[c.a];
  switch (c.op) {
    case Command::Op::open: {
      const std::optional<PortId> bridge_port = bridge_->open_port();
      if (!bridge_port) return;  // cannot happen: the bridge has as many ports as the engine
      port = MediaPort{.dsp = c.dsp, .open = true, .bridge_port = *bridge_port, .leg = c.leg, .source = c.source,
                       .sink = c.sink, .tone = c.tone};
      return;
    }
    case Command::Op::close:
      if (port.open) bridge_->close_port(port.bridge_port);
      port = MediaPort{};
      return;
    case Command::Op::connect:
      if (port.open && media_ports_[c.b].open) bridge_->connect(port.bridge_port, media_ports_[c.b].bridge_port, c.gain);
      return;
    case Command::Op::disconnect:
      if (port.open && media_ports_[c.b].open) bridge_->disconnect(port.bridge_port, media_ports_[c.b].bridge_port);
      return;
    case Command::Op::tone_play:
      if (port.tone) (void)port.tone->play(c.tone_kind);
      return;
    case Command::Op::tone_stop:
      if (port.tone) port.tone->stop();
      return;
  }
}

// [rt] One bridge tick: inputs (sources, legs' playout), mix, outputs (legs' capture, sinks).
void Engine::run_bridge(uint64_t now_us) noexcept {
  const size_t frame = bridge_->frame_samples();
  bool any = false;
  for (MediaPort& p : media_ports_) {
    if (!p.open) continue;
    any = true;
    std::span<int16_t> in = bridge_->input(p.bridge_port);
    if (p.leg == nullptr && p.source == nullptr) {
      std::fill(in.begin(), in.end(), int16_t{0});
      continue;
    }
    if (p.leg != nullptr) {
      p.leg->tick_playout(now_us, port_frame_);
    } else {
      p.source->read(port_frame_);
      if (p.dsp != nullptr) process_capture(*p.dsp);
    }
    const std::span<const int16_t> got = port_frame_.samples();
    const size_t n = std::min(got.size(), in.size());
    std::copy_n(got.begin(), n, in.begin());
    std::fill(in.begin() + static_cast<ptrdiff_t>(n), in.end(), int16_t{0});
  }
  if (!any) return;
  bridge_->mix();
  for (MediaPort& p : media_ports_) {
    if (!p.open || (p.leg == nullptr && p.sink == nullptr)) continue;
    port_frame_.reset(bridge_rate_hz_, 1, static_cast<uint16_t>(frame));
    port_frame_.timestamp_us = now_us;
    const std::span<const int16_t> out = bridge_->output(p.bridge_port);
    std::copy_n(out.begin(), std::min(out.size(), port_frame_.size()), port_frame_.data.begin());
    if (p.leg != nullptr) p.leg->tick_capture(now_us, port_frame_);
    if (p.sink != nullptr) p.sink->write(port_frame_);
    if (p.dsp != nullptr) std::copy_n(port_frame_.data.begin(), std::min(p.dsp->far.size(), port_frame_.size()), p.dsp->far.begin());
  }
}

// [rt] Microphone -> echo canceller (reference: what the sink played) -> preprocessor, in place.
void Engine::process_capture(DeviceDsp& dsp) noexcept {
  const std::span<int16_t> mic = port_frame_.samples();
  if (mic.size() != dsp.far.size()) return;  // a source of another size: left as it is
  if (dsp.aec) dsp.aec->process(dsp.far, mic, mic);
  if (dsp.pre) dsp.voice.store(dsp.pre->process(mic).voice, std::memory_order_relaxed);
}

Status Engine::start() {
  std::lock_guard lock(control_mutex_);
  if (running()) return Error{Errc::invalid_argument, "engine already running"};
  drain_commands();
  // Everything the media thread touches is sized now.
  capture_frames_.assign(attachments_.size(), AudioFrame{});
  playout_frames_.assign(attachments_.size(), AudioFrame{});
  stopping_.store(false);
  running_.store(true, std::memory_order_release);
  network_thread_ = std::thread([this] { network_loop(); });
  media_thread_ = std::thread([this] { media_loop(); });
  return ok();
}

void Engine::stop() {
  std::lock_guard lock(control_mutex_);
  if (!running()) return;
  stopping_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof one);
  clock_->wake();
  if (media_thread_.joinable()) media_thread_.join();
  if (network_thread_.joinable()) network_thread_.join();
  running_.store(false, std::memory_order_release);
}

// [rt] after start: no allocation, no lock, no logging. Sleeping until the next tick is the only wait.
void Engine::media_loop() noexcept {
  if (observer_ != nullptr) observer_->on_media_thread_start();
  media_loop_ticks();
  if (observer_ != nullptr) observer_->on_media_thread_stop();
}

void Engine::media_loop_ticks() noexcept {
  uint64_t next_us = clock_->now_us();
  while (!stopping_.load(std::memory_order_acquire)) {
    clock_->sleep_until(next_us);
    if (stopping_.load(std::memory_order_acquire)) break;
    if (observer_ != nullptr) observer_->on_tick_begin();
    const uint64_t now_us = clock_->now_us();
    if (now_us > next_us + tick_us_) ++media_stats_.late_ticks;
    for (size_t i = 0; i < attachments_.size(); ++i) {
      Attachment& a = attachments_[i];
      a.source->read(capture_frames_[i]);
      a.leg->tick(now_us, capture_frames_[i], playout_frames_[i]);
      a.sink->write(playout_frames_[i]);
    }
    drain_commands();
    run_bridge(now_us);
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t signalled = write(tick_fd_, &one, sizeof one);  // never blocks
    ++media_stats_.ticks;
    next_us += tick_us_;
    // After a long stall (a suspended process, an overloaded machine), do not burst to catch up:
    // resume from now and count it.
    if (clock_->now_us() > next_us + 10 * static_cast<uint64_t>(tick_us_)) {
      next_us = clock_->now_us() + tick_us_;
      ++media_stats_.resyncs;
    }
    published_.store(media_stats_);
    if (observer_ != nullptr) observer_->on_tick_end();
  }
}

// [rt] after start: epoll_wait blocks only this thread, which has nothing else to do.
void Engine::network_loop() noexcept {
  epoll_event events[32];
  while (!stopping_.load(std::memory_order_acquire)) {
    const int n = epoll_wait(epoll_fd_, events, 32, -1);
    if (n < 0) continue;  // EINTR
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kStopTag) return;
      if (tag == kTickTag) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t got = read(tick_fd_, &count, sizeof count);
        const uint64_t now_us = clock_->now_us();
        for (Attachment& a : attachments_) a.leg->on_network_tick(now_us);
        for (auto& slot : network_legs_) {
          if (CallLeg* leg = slot.load(std::memory_order_acquire)) leg->on_network_tick(now_us);
        }
      } else if (tag & kPortBit) {
        CallLeg* leg = network_legs_[(tag & ~kPortBit) >> 1].load(std::memory_order_acquire);
        if (leg == nullptr) continue;  // removed while the event was queued
        if (tag & kRtcpBit) {
          leg->on_rtcp_readable(clock_->now_us());
        } else {
          leg->on_readable(clock_->now_us());
        }
      } else if (tag & kRtcpBit) {
        reinterpret_cast<CallLeg*>(tag & ~kRtcpBit)->on_rtcp_readable(clock_->now_us());
      } else {
        reinterpret_cast<CallLeg*>(tag)->on_readable(clock_->now_us());
      }
    }
    network_epoch_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace offhook
