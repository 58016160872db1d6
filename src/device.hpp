// Audio devices as the media thread sees them: a source it reads 10 ms from each tick and a sink it
// writes 10 ms to. read() and write() are [rt]; creating and finishing a device is not.
//
// Devices: null (silence in, discard out, here), WAV files (wav_device.hpp), music/announcement
// clips (pcm_player.hpp), call-progress tones (tone_source.hpp) and, when built with ALSA, sound
// cards (alsa/alsa_device.hpp: their own I/O thread, drift absorbed by drift_compensator.hpp).
#pragma once

#include <cstdint>

#include "core/audio_frame.hpp"

namespace offhook {

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual uint32_t rate_hz() const noexcept = 0;
  // [rt] Fills `frame` with the next 10 ms (mono, rate_hz()). Returns false once the source is
  // exhausted; the frame is then silence.
  virtual bool read(AudioFrame& frame) noexcept = 0;
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual uint32_t rate_hz() const noexcept = 0;
  // [rt] Consumes 10 ms. Never blocks; a sink that cannot keep up counts what it dropped.
  virtual void write(const AudioFrame& frame) noexcept = 0;
};

class NullSource final : public AudioSource {
 public:
  explicit NullSource(uint32_t rate_hz) : rate_hz_(rate_hz) {}
  uint32_t rate_hz() const noexcept override { return rate_hz_; }
  bool read(AudioFrame& frame) noexcept override {
    frame.reset(rate_hz_, 1, static_cast<uint16_t>(samples_in_ms(rate_hz_, 10)));
    return true;  // silence forever
  }

 private:
  uint32_t rate_hz_;
};

class NullSink final : public AudioSink {
 public:
  explicit NullSink(uint32_t rate_hz) : rate_hz_(rate_hz) {}
  uint32_t rate_hz() const noexcept override { return rate_hz_; }
  void write(const AudioFrame&) noexcept override { ++frames_; }
  uint64_t frames() const noexcept { return frames_; }

 private:
  uint32_t rate_hz_;
  uint64_t frames_ = 0;
};

}  // namespace offhook
