// ToneGenerator: phase-continuous multi-frequency tones with cadences, for call-progress tones
// (dial, ring-back, busy, ...; tables in call_progress.hpp), DTMF (dtmf_generator.hpp) and custom
// tones. A ToneSpec is plain data: up to kMaxComponents sine components, each with a frequency and a
// level in dBm0, optionally amplitude-modulated as a whole (E.180 writes "425x25": 425 Hz modulated
// by 25 Hz), and a cadence of alternating on/off durations that plays once or repeats.
//
// Levels: 0 dBm0 is the G.711 reference, so a full-scale 16-bit sine is +3.14 dBm0 (ITU-T G.711,
// as spandsp's DBM0_MAX_SINE_POWER). Each on segment ramps in and out over kRampMs to avoid clicks.
//
// Threads: create() anywhere (off the media thread). set_tone(), stop() and generate() are [rt]:
// noexcept, no allocation, bounded work; one thread drives one instance.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace offhook::dsp {

inline constexpr float kFullScaleSineDbm0 = 3.14f;  // G.711: digital full-scale sine in dBm0

// Peak amplitude (16-bit linear) of a sine at `level_dbm0`.
float dbm0_to_amplitude(float level_dbm0) noexcept;
// Level in dBm0 of a sine whose peak amplitude is `amplitude` (16-bit linear).
float amplitude_to_dbm0(float amplitude) noexcept;

struct ToneComponent {
  float freq_hz = 0.0f;
  float level_dbm0 = -10.0f;
};

struct ToneSpec {
  static constexpr size_t kMaxComponents = 4;
  static constexpr size_t kMaxCadence = 8;

  std::array<ToneComponent, kMaxComponents> components{};
  uint8_t component_count = 0;  // 0: no tone (a table entry that the country does not define)
  // Amplitude modulation of the sum: gain (1 + depth * cos(2 pi am_hz t)) / (1 + depth), so the
  // peak stays at the components' levels. am_hz == 0: none.
  float am_hz = 0.0f;
  float am_depth = 0.0f;  // 0..1
  // Alternating durations, starting with "on": on, off, on, off, ... An odd count ends with an on
  // segment followed by silence when not repeating. cadence_count == 0: continuous tone.
  std::array<uint16_t, kMaxCadence> cadence_ms{};
  uint8_t cadence_count = 0;
  bool repeat = true;  // false: play the cadence once, then silence (and active() turns false)
};

enum class ToneSpecStatus : uint8_t {
  ok,
  no_components,      // component_count == 0 or > kMaxComponents
  bad_frequency,      // <= 0 or >= rate / 2
  bad_level,          // above +3.14 dBm0 or below -90 dBm0, or the sum could exceed full scale
  bad_modulation,     // am_hz < 0, >= rate / 2, or depth outside 0..1
  bad_cadence,        // cadence_count > kMaxCadence, or a cadence of only zero durations
  syntax,             // parse_tone_spec(): the text does not follow the grammar
};
const char* tone_spec_status_name(ToneSpecStatus status) noexcept;

// Checks `spec` for a generator at `rate_hz`. [rt]
ToneSpecStatus validate(const ToneSpec& spec, uint32_t rate_hz) noexcept;

// Parses a custom tone from text (configuration files, the CLI), then validates it for `rate_hz`:
//   FREQ[+FREQ...][xMOD][@LEVEL][/MS,MS,...][!]
// FREQ: up to 4 frequencies in Hz joined by '+'; xMOD: 100 % amplitude modulation at MOD Hz (E.180's
// "425x25"); @LEVEL: dBm0 of each component (default -10); /MS,...: the on/off cadence (default
// continuous); a trailing '!' plays the cadence once. Examples: "350+440@-13", "425/1000,4000",
// "400x16@-10/1000,2000", "950+1400+1800@-20/330,30,330,30,330,1000!". On failure `out` is
// unspecified. [rt]: no allocation.
ToneSpecStatus parse_tone_spec(std::string_view text, uint32_t rate_hz, ToneSpec& out) noexcept;

class ToneGenerator {
 public:
  static constexpr uint32_t kRampMs = 2;  // linear ramp at each on-segment edge (ends inside it)

  // `rate_hz`: 8000, 16000, 32000 or 48000; Errc::invalid_argument otherwise.
  static Result<ToneGenerator> create(uint32_t rate_hz);

  // [rt] Starts `spec` from the beginning of its cadence, replacing any tone playing. Returns the
  // validation status; on anything but ok the generator is left silent.
  ToneSpecStatus set_tone(const ToneSpec& spec) noexcept;
  // [rt] Silence from the next sample.
  void stop() noexcept;
  // [rt] Writes the next `out.size()` samples (silence when idle). Chunk sizes do not matter: the
  // output of one call of N samples equals that of any split of N into several calls.
  void generate(std::span<int16_t> out) noexcept;

  // True while a tone plays (a repeating cadence stays active until stop()).
  bool active() const noexcept { return active_; }
  uint32_t rate_hz() const noexcept { return rate_hz_; }

 private:
  explicit ToneGenerator(uint32_t rate_hz) noexcept : rate_hz_(rate_hz) {}
  void renormalise() noexcept;

  struct Rotator {  // a complex phasor rotated by a fixed step each sample
    double re = 1.0, im = 0.0;
    double step_re = 1.0, step_im = 0.0;
    double amplitude = 0.0;
  };

  uint32_t rate_hz_;
  std::array<Rotator, ToneSpec::kMaxComponents> osc_{};
  Rotator am_{};
  size_t osc_count_ = 0;
  double am_depth_ = 0.0;
  double am_norm_ = 1.0;
  std::array<uint32_t, ToneSpec::kMaxCadence> segment_samples_{};
  size_t segment_count_ = 0;  // 0: continuous
  size_t segment_ = 0;        // index into segment_samples_
  uint32_t segment_pos_ = 0;  // samples into the current segment
  uint32_t sample_count_ = 0;  // since set_tone(), wrapping; paces renormalise()
  uint32_t ramp_samples_ = 0;
  bool repeat_ = true;
  bool active_ = false;
};

}  // namespace offhook::dsp
