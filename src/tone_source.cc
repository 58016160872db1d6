#include "src/tone_source.hpp"

#include <string>

namespace offhook {

Result<std::unique_ptr<ToneSource>> ToneSource::create(uint32_t rate_hz, std::string_view country) {
  const dsp::TonePlan* plan = dsp::find_tone_plan(country);
  if (plan == nullptr) {
    return Error{Errc::not_found, "no call-progress tone plan for country '" + std::string(country) + "'"};
  }
  auto generator = dsp::ToneGenerator::create(rate_hz);
  if (!generator) return std::move(generator).error();
  return std::unique_ptr<ToneSource>(new ToneSource(*generator, plan));
}

dsp::ToneSpecStatus ToneSource::play(dsp::CallProgressTone kind) noexcept {
  if (!plan_->has(kind)) {
    generator_.stop();
    return dsp::ToneSpecStatus::no_components;
  }
  return generator_.set_tone(plan_->tone(kind));
}

dsp::ToneSpecStatus ToneSource::play_custom(const dsp::ToneSpec& spec) noexcept { return generator_.set_tone(spec); }

bool ToneSource::read(AudioFrame& frame) noexcept {
  frame.reset(generator_.rate_hz(), 1, static_cast<uint16_t>(samples_in_ms(generator_.rate_hz(), 10)));
  generator_.generate(frame.samples());
  return true;
}

}  // namespace offhook
