// Engine: one phone's media engine. It owns a network thread (epoll over the legs' sockets) and a
// media thread ticking every 10 ms from the injected Clock, and runs the legs attached to it.
// After each tick the media thread signals an eventfd (one non-blocking write); the network thread
// then protects and sends the packets the tick produced.
//
// Two ways to run audio through it:
//  - attach(leg, source, sink) before start(): the leg reads its own source and writes its own sink
//    (a one-call tool, a test). Attachments stay until stop().
//  - bridge ports, before or while running: add_leg(), add_device(), add_source(), add_sink() each
//    open a port of the engine's conference bridge (src/bridge.hpp) and connect()/disconnect() wire
//    who hears whom. Hold, transfer, a three-way conference, ring-back and music on hold are
//    re-wirings. Every tick the media thread reads the sources and the legs' playout into the
//    bridge, mixes (each port hears the mix of the ports connected to it, never itself), then feeds
//    the legs' encoders and the sinks, so the bridge adds no latency.
//
// Control thread (one at a time; the calls below take a control-side mutex that the media and
// network threads never touch): create(), attach(), add_*(), remove(), connect(), play_tone(),
// start(), stop(). While running, port changes travel to the media thread through a lock-free
// command ring and are applied at the start of its next tick; remove() waits until both threads
// have let go of the port, so its leg and devices can be destroyed as soon as it returns.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dsp/echo/echo_canceller.hpp"
#include "dsp/kernels.hpp"
#include "dsp/preprocess/preprocessor.hpp"
#include "core/spsc_ring.hpp"
#include "dsp/tone/call_progress.hpp"
#include "src/bridge.hpp"
#include "src/call_leg.hpp"
#include "src/device.hpp"
#include "src/tone_source.hpp"

namespace offhook {

// Test and profiling hook: called on the media thread as it starts and just before it exits (so
// a probe can count what happens on that thread in between). Not [rt] itself.
class MediaThreadObserver {
 public:
  virtual ~MediaThreadObserver() = default;
  virtual void on_media_thread_start() = 0;
  virtual void on_media_thread_stop() = 0;
  // Around each tick's work, after the sleep (a simulated clock's sleep takes a mutex by design).
  virtual void on_tick_begin() {}
  virtual void on_tick_end() {}
};

struct EngineConfig {
  Clock* clock = nullptr;                 // required; outlives the engine
  std::optional<dsp::Target> simd;        // default: the best target this CPU supports
  uint32_t tick_ms = 10;
  uint32_t bridge_rate_hz = 16000;        // every bridge port (device, leg, tone) runs at this rate
  uint16_t max_ports = 16;                // bridge ports, 1..Bridge::kMaxPorts
  MediaThreadObserver* observer = nullptr;  // optional; outlives the engine
};

// A port of the engine's bridge: the handle add_*() returns.
using EnginePort = uint16_t;

// The capture pipeline of a device port (a handset or speakerphone): the microphone's 10 ms goes
// through the echo canceller (reference: what the port's sink played, delay found by the canceller
// itself), then noise suppression / AGC / VAD (speexdsp's preprocessor), before the bridge.
struct DeviceProcessing {
  bool echo_cancellation = false;
  uint32_t echo_tail_ms = 200;
  bool noise_suppression = false;
  bool agc = false;
  bool vad = false;  // the verdict is kept per port (Engine::device_voice)
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

  // Bridge ports, before or after start(). The objects must stay alive until remove() returns (or
  // the engine is destroyed). Rates must equal EngineConfig::bridge_rate_hz (a leg's device rate:
  // CallLegConfig::device_rate_hz; the leg resamples to its codec).
  Result<EnginePort> add_leg(CallLeg& leg);
  Result<EnginePort> add_device(AudioSource& source, AudioSink& sink,  // a handset: talks and hears
                                const DeviceProcessing& processing = {});
  // Any thread: the VAD's last verdict on a device port with DeviceProcessing::vad (false otherwise).
  bool device_voice(EnginePort port) const noexcept;
  Result<EnginePort> add_source(AudioSource& source);  // talks only: a microphone, music on hold, a tone
  Result<EnginePort> add_sink(AudioSink& sink);        // hears only: a recorder, a loudspeaker
  Result<EnginePort> add_tone(ToneSource& tone);       // a source that play_tone()/stop_tone() drive
  // After it returns neither thread touches the port's objects again.
  Status remove(EnginePort port);
  // `to` hears `from` (one way) with `gain`; _both: each hears the other.
  Status connect(EnginePort from, EnginePort to, float gain = 1.0f);
  Status disconnect(EnginePort from, EnginePort to);
  Status connect_both(EnginePort a, EnginePort b);
  Status disconnect_both(EnginePort a, EnginePort b);
  // Starts (from the beginning of its cadence) or stops a tone port's tone on the media thread.
  Status play_tone(EnginePort tone_port, dsp::CallProgressTone kind);
  Status stop_tone(EnginePort tone_port);
  uint32_t bridge_rate_hz() const noexcept { return bridge_rate_hz_; }

  Status start();
  void stop();  // idempotent; joins both threads
  bool running() const noexcept { return running_.load(std::memory_order_acquire); }

  EngineStats stats() const noexcept { return published_.load(); }

 private:
  Engine() = default;
  void media_loop() noexcept;
  void media_loop_ticks() noexcept;
  void network_loop() noexcept;

  // A device port's capture pipeline, owned by the control side, used by the media thread.
  struct DeviceDsp {
    std::unique_ptr<dsp::EchoCanceller> aec;
    std::unique_ptr<dsp::Preprocessor> pre;
    std::vector<int16_t> far;  // what the port's sink played last tick: the echo reference
    std::atomic<bool> voice{false};
  };
  // Control -> media thread.
  struct Command {
    enum class Op : uint8_t { open, close, connect, disconnect, tone_play, tone_stop } op;
    EnginePort a = 0, b = 0;
    float gain = 1.0f;
    CallLeg* leg = nullptr;
    AudioSource* source = nullptr;
    AudioSink* sink = nullptr;
    ToneSource* tone = nullptr;
    DeviceDsp* dsp = nullptr;
    dsp::CallProgressTone tone_kind{};
  };
  // What the media thread keeps per engine port.
  struct MediaPort {
    DeviceDsp* dsp = nullptr;
    bool open = false;
    PortId bridge_port = 0;
    CallLeg* leg = nullptr;
    AudioSource* source = nullptr;
    AudioSink* sink = nullptr;
    ToneSource* tone = nullptr;
  };
  Result<EnginePort> add_port(CallLeg* leg, AudioSource* source, AudioSink* sink, ToneSource* tone,
                              std::unique_ptr<DeviceDsp> dsp = nullptr);
  Status post(const Command& command);          // control thread, holding control_mutex_
  void apply(const Command& command) noexcept;  // [rt] media thread (or control thread when stopped)
  void drain_commands() noexcept;               // [rt]
  void run_bridge(uint64_t now_us) noexcept;    // [rt]
  void process_capture(DeviceDsp& dsp) noexcept;  // [rt]
  void wait_for_threads(uint64_t command_seq);  // control thread: both threads passed command_seq
  Status check_port(EnginePort port) const;

  static constexpr size_t kMaxEnginePorts = Bridge::kMaxPorts;
  static constexpr size_t kCommandRing = 256;
  std::mutex control_mutex_;                         // control thread(s) only
  std::vector<uint8_t> port_used_;                   // control thread's view of open ports
  std::vector<CallLeg*> port_leg_;                   // control thread: which ports are legs
  std::vector<std::unique_ptr<DeviceDsp>> port_dsp_; // control thread owns; media thread uses
  uint64_t commands_posted_ = 0;                     // control thread
  std::unique_ptr<SpscRing<Command, kCommandRing>> commands_;
  std::atomic<uint64_t> commands_applied_{0};        // media thread -> control thread
  std::atomic<uint64_t> network_epoch_{0};           // network thread: loop iterations
  std::array<std::atomic<CallLeg*>, kMaxEnginePorts> network_legs_{};  // the network thread's view
  std::unique_ptr<Bridge> bridge_;
  std::vector<MediaPort> media_ports_;
  AudioFrame port_frame_;
  uint32_t bridge_rate_hz_ = 16000;

  struct Attachment {
    CallLeg* leg;
    AudioSource* source;
    AudioSink* sink;
  };

  Clock* clock_ = nullptr;
  MediaThreadObserver* observer_ = nullptr;
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
