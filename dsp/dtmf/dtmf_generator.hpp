// DtmfGenerator: in-band DTMF (ITU-T Q.23 frequencies) for the key set of RFC 4733 §3.2 events
// 0-15: 0-9 * # A B C D. Keys are queued (up to kQueueSize) and played one after the other, each for
// `on_ms` at the configured low- and high-group levels, followed by `off_ms` of silence. Built on
// ToneGenerator, so tones are phase-continuous with 2 ms ramps and chunk-size independent.
//
// Threads: create() off the media thread; push(), play(), clear() and generate() are [rt] (noexcept,
// no allocation), one thread per instance.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hpp"
#include "dsp/tone/tone_generator.hpp"

namespace offhook::dsp {

// Q.23 frequencies of `key` (0-9 * # A-D, letters in either case). False for any other character.
bool dtmf_frequencies(char key, float& low_hz, float& high_hz) noexcept;
// RFC 4733 §3.2 event code of `key` (0-9 -> 0-9, '*' -> 10, '#' -> 11, A-D -> 12-15), or -1.
int dtmf_event_code(char key) noexcept;
// The key of RFC 4733 event code `code` (0-15), or '\0'.
char dtmf_key_from_event(int code) noexcept;

struct DtmfGeneratorConfig {
  uint32_t rate_hz = 8000;       // 8000, 16000, 32000, 48000
  uint32_t on_ms = 100;          // Q.24 receivers need >= 40 ms
  uint32_t off_ms = 100;         // and >= 40 ms between keys
  float low_level_dbm0 = -10.0f; // row tone
  float high_level_dbm0 = -8.0f; // column tone: 2 dB forward twist, as usual for telephones
};

class DtmfGenerator {
 public:
  static constexpr size_t kQueueSize = 64;

  // Errc::invalid_argument for an unsupported rate, on_ms == 0, or levels a 16-bit pair cannot hold.
  static Result<DtmfGenerator> create(const DtmfGeneratorConfig& config);

  // [rt] Queues `key` with the configured timing. False if `key` is not a DTMF key or the queue is
  // full (nothing queued then).
  bool push(char key) noexcept;
  // [rt] Queues every key of `keys`; returns how many were queued (stops at the first failure).
  size_t push(std::span<const char> keys) noexcept;
  // [rt] Drops the queue and stops the current key at once.
  void clear() noexcept;
  // [rt] Writes the next `out.size()` samples (silence when the queue is empty).
  void generate(std::span<int16_t> out) noexcept;

  // True while a key (or its trailing pause) plays or keys are queued.
  bool busy() const noexcept { return remaining_ > 0 || count_ > 0; }
  const DtmfGeneratorConfig& config() const noexcept { return config_; }

 private:
  DtmfGenerator(const DtmfGeneratorConfig& config, ToneGenerator tone) noexcept
      : config_(config), tone_(tone) {}
  void start_next() noexcept;

  DtmfGeneratorConfig config_;
  ToneGenerator tone_;
  std::array<char, kQueueSize> queue_{};
  size_t head_ = 0;
  size_t count_ = 0;
  size_t remaining_ = 0;  // samples left of the current key (tone and pause)
};

}  // namespace offhook::dsp
