// WAV file devices (libsndfile).
//
// WavFileSource reads the whole file into memory when it is opened, so read() on the media thread
// is a copy [rt]. WavFileSink hands frames to a writer thread through an SPSC ring, so write() is
// [rt]; the file is written as "<path>.partial" and renamed to `path` only by finish(), so a failed
// or interrupted run never leaves a file that looks complete.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "core/spsc_ring.hpp"
#include "src/device.hpp"

namespace offhook {

class WavFileSource final : public AudioSource {
 public:
  // Accepts mono PCM WAV (any integer or float sample format libsndfile reads) at 8, 16, 32 or
  // 48 kHz. Anything else is Errc::not_supported naming what was found.
  static Result<std::unique_ptr<WavFileSource>> open(const std::string& path);

  uint32_t rate_hz() const noexcept override { return rate_hz_; }
  bool read(AudioFrame& frame) noexcept override;

  const std::vector<int16_t>& samples() const noexcept { return samples_; }
  uint64_t duration_ms() const noexcept { return samples_.size() * 1000u / rate_hz_; }

 private:
  WavFileSource(std::vector<int16_t> samples, uint32_t rate_hz) : samples_(std::move(samples)), rate_hz_(rate_hz) {}
  std::vector<int16_t> samples_;
  uint32_t rate_hz_;
  size_t position_ = 0;
};

class WavFileSink final : public AudioSink {
 public:
  // Creates "<path>.partial" (16-bit mono PCM at `rate_hz`) and starts the writer thread.
  static Result<std::unique_ptr<WavFileSink>> create(const std::string& path, uint32_t rate_hz);
  ~WavFileSink() override;  // without finish(): stops and removes the partial file

  uint32_t rate_hz() const noexcept override { return rate_hz_; }
  void write(const AudioFrame& frame) noexcept override;

  // Stops the writer after it has drained every frame, closes the file and renames it to its final
  // name. Call once, after the media thread has stopped writing.
  Status finish();

  uint64_t frames_dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  WavFileSink(std::string path, uint32_t rate_hz, void* file);
  void writer_loop();
  void stop_writer();

  std::string path_;
  uint32_t rate_hz_;
  void* file_;  // SNDFILE*, kept opaque so libsndfile stays out of this header
  std::unique_ptr<SpscRing<AudioFrame, 512>> ring_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> write_failed_{false};
  std::thread writer_;
};

}  // namespace offhook
