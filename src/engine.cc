#include "src/engine.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace offhook {
namespace {

// epoll tags of the two eventfds; every other tag is a CallLeg* (never 0 or 1).
constexpr uint64_t kStopTag = 0;
constexpr uint64_t kTickTag = 1;
constexpr uint64_t kRtcpBit = 1;  // CallLeg objects are aligned, so the low bit of their address is free
static_assert(alignof(CallLeg) > 1);

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& config) {
  if (config.clock == nullptr) return Error{Errc::invalid_argument, "EngineConfig.clock is required"};
  if (config.tick_ms == 0 || config.tick_ms > 100) return Error{Errc::invalid_argument, "tick_ms must be 1..100"};
  std::unique_ptr<Engine> engine(new Engine());
  engine->clock_ = config.clock;
  engine->tick_us_ = config.tick_ms * 1000u;
  // The kernel table is resolved once here, never on the media thread.
  dsp::Target target = dsp::best_target();
  if (config.simd) {
    if (!dsp::target_supported(*config.simd)) {
      return Error{Errc::not_supported, std::string("SIMD target '") + dsp::target_name(*config.simd) +
                                            "' is not supported by this CPU or build"};
    }
    target = *config.simd;
  }
  engine->kernels_ = &dsp::kernels_for(target);
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

Status Engine::start() {
  if (running()) return Error{Errc::invalid_argument, "engine already running"};
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
  uint64_t next_us = clock_->now_us();
  while (!stopping_.load(std::memory_order_acquire)) {
    clock_->sleep_until(next_us);
    if (stopping_.load(std::memory_order_acquire)) break;
    const uint64_t now_us = clock_->now_us();
    if (now_us > next_us + tick_us_) ++media_stats_.late_ticks;
    for (size_t i = 0; i < attachments_.size(); ++i) {
      Attachment& a = attachments_[i];
      a.source->read(capture_frames_[i]);
      a.leg->tick(now_us, capture_frames_[i], playout_frames_[i]);
      a.sink->write(playout_frames_[i]);
    }
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
      } else if (tag & kRtcpBit) {
        reinterpret_cast<CallLeg*>(tag & ~kRtcpBit)->on_rtcp_readable(clock_->now_us());
      } else {
        reinterpret_cast<CallLeg*>(tag)->on_readable(clock_->now_us());
      }
    }
  }
}

}  // namespace offhook
