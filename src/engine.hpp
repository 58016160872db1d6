// Engine: one phone's media engine. It owns a network thread (epoll over the legs' sockets) and a
// media thread ticking every 10 ms from the injected Clock, and runs the legs attached to it.
// After each tick the media thread signals an eventfd (one non-blocking write); the network thread
// then protects and sends the packets the tick produced.
//
// Control thread: create(), attach(), start(), stop(). In this first version legs are attached
// before start() and stay until stop(), so the threads share no mutable lists and need no locks;
// adding and removing legs while running comes with the command queue of the public API.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dsp/kernels.hpp"
#include "src/call_leg.hpp"
#include "src/device.hpp"

namespace offhook {

struct EngineConfig {
  Clock* clock = nullptr;                 // required; outlives the engine
  std::optional<dsp::Target> simd;        // default: the best target this CPU supports
  uint32_t tick_ms = 10;
};

struct EngineStats {
  uint64_t ticks = 0;
  uint64_t late_ticks = 0;   // ticks that started more than one tick late
  uint64_t resyncs = 0;      // the media thread fell so far behind that it skipped ahead
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(const EngineConfig& config);
  ~Engine();  // stops the threads if running
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The kernel table chosen at creation; legs are created with it.
  const dsp::Kernels& kernels() const noexcept { return *kernels_; }

  // Before start(): the leg reads 10 ms from `source` and writes 10 ms to `sink` each tick. All three
  // must outlive the engine's run (until stop() returns). Rates must match the leg's codec.
  Status attach(CallLeg& leg, AudioSource& source, AudioSink& sink);

  Status start();
  void stop();  // idempotent; joins both threads
  bool running() const noexcept { return running_.load(std::memory_order_acquire); }

  EngineStats stats() const noexcept { return published_.load(); }

 private:
  Engine() = default;
  void media_loop() noexcept;
  void network_loop() noexcept;

  struct Attachment {
    CallLeg* leg;
    AudioSource* source;
    AudioSink* sink;
  };

  Clock* clock_ = nullptr;
  const dsp::Kernels* kernels_ = nullptr;
  uint32_t tick_us_ = 10'000;
  std::vector<Attachment> attachments_;
  std::vector<AudioFrame> capture_frames_;
  std::vector<AudioFrame> playout_frames_;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the network thread at stop()
  int tick_fd_ = -1;  // eventfd the media thread signals after each tick: packets to send
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::thread media_thread_;
  std::thread network_thread_;
  EngineStats media_stats_;
  SeqLock<EngineStats> published_;
};

}  // namespace offhook
