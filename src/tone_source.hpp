// ToneSource: an AudioSource that plays call-progress tones (dial, ring-back, busy, ...) from a
// country's plan (dsp/tone/call_progress.hpp, after ITU-T E.180 Supplement 2) or a custom ToneSpec,
// through a phase-continuous dsp::ToneGenerator. Plug it into a Bridge port (or attach it as a leg's
// source) to play ring-back to the local device or a tone to a call.
//
// Threads: create() anywhere (off the media thread). play(), play_custom(), stop(), active() and
// read() are [rt] (noexcept, no allocation, bounded work) and belong to one thread, the media thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "dsp/tone/call_progress.hpp"
#include "dsp/tone/tone_generator.hpp"
#include "src/device.hpp"

namespace offhook {

class ToneSource final : public AudioSource {
 public:
  // `rate_hz`: 8000, 16000, 32000 or 48000. `country`: ISO 3166-1 alpha-2 code of a built-in plan
  // (any case). Errc::invalid_argument for a bad rate, Errc::not_found for an unknown country.
  static Result<std::unique_ptr<ToneSource>> create(uint32_t rate_hz, std::string_view country);

  // [rt] Starts the plan's `kind` from the beginning of its cadence, replacing any tone playing.
  // ToneSpecStatus::no_components when the country defines no such tone (the source is then silent).
  dsp::ToneSpecStatus play(dsp::CallProgressTone kind) noexcept;
  // [rt] Same with any tone; the status of validate(spec, rate_hz()). Silent unless ok.
  dsp::ToneSpecStatus play_custom(const dsp::ToneSpec& spec) noexcept;
  // [rt] Silence from the next sample.
  void stop() noexcept { generator_.stop(); }
  // [rt] True while a tone plays (a cadence played once ends by itself).
  bool active() const noexcept { return generator_.active(); }

  uint32_t rate_hz() const noexcept override { return generator_.rate_hz(); }
  // [rt] The next 10 ms of the tone (silence when stopped). Always true: a tone source never runs dry.
  bool read(AudioFrame& frame) noexcept override;

  const dsp::TonePlan& plan() const noexcept { return *plan_; }

 private:
  ToneSource(dsp::ToneGenerator generator, const dsp::TonePlan* plan) noexcept
      : generator_(generator), plan_(plan) {}
  dsp::ToneGenerator generator_;
  const dsp::TonePlan* plan_;
};

}  // namespace offhook
