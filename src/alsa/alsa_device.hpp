// ALSA capture and playback devices (libasound), behind the AudioSource/AudioSink interfaces the
// media thread uses. Built when OFFHOOK_ALSA is on (OFFHOOK_HAVE_ALSA=1); see docs/devices.md.
//
// Threads:
//  - control thread: create() opens and configures the PCM (blocking mode, S16 interleaved mono,
//    the rate exactly; ALSA's plug layer may convert) and starts the device's I/O thread;
//    stats()/state() may be polled from any thread; finish()/the destructor stop it.
//  - the device's I/O thread: blocking snd_pcm_readi/writei of one period at a time. It recovers
//    xruns (-EPIPE) and suspends (-ESTRPIPE) with snd_pcm_recover and counts them; -ENODEV, a
//    failed recovery, or errors that persist mark the device lost and end the thread. It is paced
//    by the device, and also by the ring (it sleeps half a period when the ring has no room or no
//    data), so an unpaced plugin (file, null) runs at the media thread's pace instead of spinning.
//  - media thread: read()/write() are [rt]: they only move samples through a lock-free PcmRing and
//    the DriftCompensator (and read the monotonic clock through the vDSO). A lost device keeps
//    working for them: read() gives silence, write() discards.
//
// Clock drift: the card's crystal and the engine's clock differ by up to a few hundred ppm. The
// consumer side of each ring runs a DriftCompensator (media thread for capture, I/O thread for
// playback) that resamples by 1 +- a few hundred ppm to hold the ring at its target fill.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "src/alsa/pcm_ring.hpp"
#include "src/device.hpp"
#include "src/drift_compensator.hpp"

namespace offhook {

struct AlsaConfig {
  std::string device = "default";  // an ALSA PCM name: "default", "hw:0,0", "plughw:1", a plugin
  uint32_t rate_hz = 48000;        // 8000..48000; mono frames of 10 ms must fit an AudioFrame
  uint32_t period_ms = 10;         // one blocking readi/writei
  uint32_t buffer_periods = 4;     // the device's own buffer
  uint16_t channels = 1;           // mono only for now
  bool drift_compensation = true;  // false: samples pass bit-exact (ring fill may drift)
  // Ring fill the compensator holds, in ms; 0 picks period + 10 ms + 5 ms of scheduling margin.
  uint32_t target_ms = 0;
};

enum class DeviceState : uint8_t {
  running,     // moving audio
  recovering,  // inside snd_pcm_recover after an xrun or suspend
  lost,        // unplugged or failing: the I/O thread has stopped; recreate the device
  stopped,     // finish() was called
};
const char* device_state_name(DeviceState state) noexcept;

struct AlsaStats {
  DeviceState state = DeviceState::running;
  uint64_t frames = 0;          // samples moved to/from the device
  uint64_t xruns = 0;           // -EPIPE recovered
  uint64_t suspends = 0;        // -ESTRPIPE recovered
  uint64_t ring_underruns = 0;  // the consumer found too little (silence was produced)
  uint64_t ring_overruns = 0;   // the producer found no room (samples were dropped)
  int last_error = 0;           // last negative errno from ALSA, 0 if none
  double correction_ppm = 0;    // what the drift compensator is correcting
};

// Shared by capture and playback: the PCM, the I/O thread and the counters.
class AlsaStream {
 public:
  virtual ~AlsaStream();
  AlsaStream(const AlsaStream&) = delete;
  AlsaStream& operator=(const AlsaStream&) = delete;

  // Any thread.
  DeviceState state() const noexcept { return state_.load(std::memory_order_acquire); }
  AlsaStats stats() const noexcept;
  const AlsaConfig& config() const noexcept { return config_; }
  size_t period_frames() const noexcept { return period_frames_; }

  // Test hook, any thread: the I/O thread treats `negative_errno` as if its next readi/writei had
  // returned it (exercises the xrun, suspend and device-loss paths without hardware).
  void inject_error_for_test(int negative_errno) noexcept {
    injected_.store(negative_errno, std::memory_order_release);
  }

 protected:
  AlsaStream(const AlsaConfig& config, void* pcm, size_t period_frames);
  void start_thread();
  void stop_thread() noexcept;  // joins; the PCM stays open
  // I/O thread: true to keep going, false when the device is lost.
  bool handle_error(long err) noexcept;
  int take_injected() noexcept { return injected_.exchange(0, std::memory_order_acq_rel); }
  void sleep_half_period() const noexcept;
  virtual void io_loop() noexcept = 0;

  AlsaConfig config_;
  void* pcm_;  // snd_pcm_t*, opaque so <alsa/asoundlib.h> stays out of this header
  size_t period_frames_;
  std::atomic<DeviceState> state_{DeviceState::running};
  std::atomic<bool> stop_{false};
  std::atomic<int> injected_{0};
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> xruns_{0};
  std::atomic<uint64_t> suspends_{0};
  std::atomic<uint64_t> ring_underruns_{0};
  std::atomic<uint64_t> ring_overruns_{0};
  std::atomic<int> last_error_{0};
  std::atomic<double> correction_ppm_{0.0};
  int consecutive_errors_ = 0;  // I/O thread only
  std::thread thread_;
};

class AlsaCapture final : public AudioSource, public AlsaStream {
 public:
  // Errc::not_found for an unknown or absent device, Errc::io_error for a busy one,
  // Errc::not_supported for a rate/format/period the device refuses, Errc::invalid_argument for a
  // bad config. Each message names the device and what was asked.
  static Result<std::unique_ptr<AlsaCapture>> create(const AlsaConfig& config);
  ~AlsaCapture() override;

  uint32_t rate_hz() const noexcept override { return config_.rate_hz; }
  // [rt] The next 10 ms, drift-compensated; silence while the ring primes, after an underrun, and
  // once the device is lost. Always true (a microphone is never exhausted).
  bool read(AudioFrame& frame) noexcept override;

  // Stops the I/O thread and closes nothing yet (the destructor closes). Control thread.
  void finish() noexcept;

 private:
  AlsaCapture(const AlsaConfig& config, void* pcm, size_t period_frames, std::unique_ptr<DriftCompensator> comp);
  void io_loop() noexcept override;

  PcmRing ring_;
  std::unique_ptr<DriftCompensator> comp_;  // media thread's
  std::vector<int16_t> media_in_;           // media thread's input scratch
  std::vector<int16_t> io_buffer_;          // I/O thread's period buffer
  size_t target_fill_;
};

class AlsaPlayback final : public AudioSink, public AlsaStream {
 public:
  // Errors as AlsaCapture::create.
  static Result<std::unique_ptr<AlsaPlayback>> create(const AlsaConfig& config);
  ~AlsaPlayback() override;  // stops without draining

  uint32_t rate_hz() const noexcept override { return config_.rate_hz; }
  // [rt] Queues 10 ms for the device; a frame that does not fit the ring (the device stalled or
  // is lost) is dropped and counted as a ring overrun.
  void write(const AudioFrame& frame) noexcept override;

  // Plays out what is queued (without drift compensation), drains the device and stops the I/O
  // thread. Call after the media thread has stopped writing. Control thread.
  void finish() noexcept;

 private:
  AlsaPlayback(const AlsaConfig& config, void* pcm, size_t period_frames, std::unique_ptr<DriftCompensator> comp);
  void io_loop() noexcept override;
  bool write_period(const int16_t* data, size_t frames) noexcept;  // I/O thread; false when lost

  PcmRing ring_;
  std::unique_ptr<DriftCompensator> comp_;  // I/O thread's
  std::vector<int16_t> io_in_;
  std::vector<int16_t> io_out_;
  std::atomic<bool> drain_{false};
  bool started_ = false;  // I/O thread: the device has been given real audio
};

}  // namespace offhook
