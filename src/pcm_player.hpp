// PcmPlayer: an AudioSource for music on hold and announcements. The whole clip is loaded (and, if
// its rate differs from the player's, resampled with dsp::Resampler) when the player is created, so
// playback on the media thread is a copy. It plays looping (music on hold) or once (an announcement,
// then silence).
//
// Threads: open()/create() anywhere off the media thread (file I/O, allocation). read(), restart()
// and finished() are [rt] (noexcept, no allocation, bounded work) and belong to the media thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "src/device.hpp"

namespace offhook {

enum class PlayMode : uint8_t {
  loop,  // wraps around to the start forever
  once,  // then silence, and read() returns false
};

class PcmPlayer final : public AudioSource {
 public:
  // Loads a mono WAV (8, 16, 32 or 48 kHz; what WavFileSource accepts) and converts it to `rate_hz`
  // (8000, 16000, 32000 or 48000). Errors name the path: Errc::not_found for a missing or unreadable
  // file, Errc::bad_format / not_supported for a file that is not such a WAV or holds no samples,
  // Errc::invalid_argument for a bad rate.
  static Result<std::unique_ptr<PcmPlayer>> open(const std::string& path, uint32_t rate_hz,
                                                  PlayMode mode = PlayMode::loop);
  // Plays `samples` (mono, already at `rate_hz`). Errc::invalid_argument for a bad rate or no samples.
  static Result<std::unique_ptr<PcmPlayer>> create(std::vector<int16_t> samples, uint32_t rate_hz,
                                                    PlayMode mode = PlayMode::loop);

  uint32_t rate_hz() const noexcept override { return rate_hz_; }
  // [rt] The next 10 ms. A looping clip wraps (as many times as needed, however short it is). A clip
  // played once is zero-padded at its end; after that the frame is silence and read() returns false.
  bool read(AudioFrame& frame) noexcept override;
  // [rt] Plays from the start again (also after a clip played once has finished).
  void restart() noexcept { position_ = 0; }
  // [rt] True once a clip played once has been read to its end (never for a looping clip).
  bool finished() const noexcept { return mode_ == PlayMode::once && position_ >= samples_.size(); }

  PlayMode mode() const noexcept { return mode_; }
  const std::vector<int16_t>& samples() const noexcept { return samples_; }
  uint64_t duration_ms() const noexcept { return samples_.size() * 1000u / rate_hz_; }

 private:
  PcmPlayer(std::vector<int16_t> samples, uint32_t rate_hz, PlayMode mode) noexcept
      : samples_(std::move(samples)), rate_hz_(rate_hz), mode_(mode) {}
  std::vector<int16_t> samples_;
  uint32_t rate_hz_;
  PlayMode mode_;
  size_t position_ = 0;
};

}  // namespace offhook
