#include "dsp/tone/tone_generator.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>

namespace offhook::dsp {

namespace {
constexpr float kMinLevelDbm0 = -90.0f;
constexpr uint32_t kRenormaliseMask = 255;  // renormalise the phasors every 256 samples

void set_step(double freq_hz, uint32_t rate_hz, double& step_re, double& step_im) noexcept {
  const double w = 2.0 * std::numbers::pi * freq_hz / rate_hz;
  step_re = std::cos(w);
  step_im = std::sin(w);
}
}  // namespace

float dbm0_to_amplitude(float level_dbm0) noexcept {
  return 32767.0f * std::pow(10.0f, (level_dbm0 - kFullScaleSineDbm0) / 20.0f);
}

float amplitude_to_dbm0(float amplitude) noexcept {
  if (amplitude <= 0.0f) return -200.0f;
  return kFullScaleSineDbm0 + 20.0f * std::log10(amplitude / 32767.0f);
}

const char* tone_spec_status_name(ToneSpecStatus status) noexcept {
  switch (status) {
    case ToneSpecStatus::ok: return "ok";
    case ToneSpecStatus::no_components: return "no components";
    case ToneSpecStatus::bad_frequency: return "bad frequency";
    case ToneSpecStatus::bad_level: return "bad level";
    case ToneSpecStatus::bad_modulation: return "bad modulation";
    case ToneSpecStatus::bad_cadence: return "bad cadence";
    case ToneSpecStatus::syntax: return "syntax";
  }
  return "?";
}

ToneSpecStatus validate(const ToneSpec& spec, uint32_t rate_hz) noexcept {
  if (spec.component_count == 0 || spec.component_count > ToneSpec::kMaxComponents) {
    return ToneSpecStatus::no_components;
  }
  const float nyquist_hz = static_cast<float>(rate_hz) / 2.0f;
  float peak_sum = 0.0f;
  for (size_t i = 0; i < spec.component_count; ++i) {
    const ToneComponent& c = spec.components[i];
    if (!(c.freq_hz > 0.0f) || !(c.freq_hz < nyquist_hz)) return ToneSpecStatus::bad_frequency;
    if (!(c.level_dbm0 <= kFullScaleSineDbm0) || !(c.level_dbm0 >= kMinLevelDbm0)) {
      return ToneSpecStatus::bad_level;
    }
    peak_sum += dbm0_to_amplitude(c.level_dbm0);
  }
  if (peak_sum > 32767.5f) return ToneSpecStatus::bad_level;
  if (!(spec.am_hz >= 0.0f) || !(spec.am_hz < nyquist_hz) || !(spec.am_depth >= 0.0f) ||
      !(spec.am_depth <= 1.0f)) {
    return ToneSpecStatus::bad_modulation;
  }
  if (spec.cadence_count > ToneSpec::kMaxCadence) return ToneSpecStatus::bad_cadence;
  if (spec.cadence_count > 0) {
    uint32_t on_ms = 0;
    for (size_t i = 0; i < spec.cadence_count; i += 2) on_ms += spec.cadence_ms[i];
    if (on_ms == 0) return ToneSpecStatus::bad_cadence;
  }
  return ToneSpecStatus::ok;
}

namespace {
// Reads a number at the front of `text` and removes it; false if there is none.
template <class T>
bool take_number(std::string_view& text, T& value) noexcept {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return false;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return true;
}
bool take_char(std::string_view& text, char c) noexcept {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}
}  // namespace

ToneSpecStatus parse_tone_spec(std::string_view text, uint32_t rate_hz, ToneSpec& out) noexcept {
  out = ToneSpec{};
  float level_dbm0 = -10.0f;
  do {
    if (out.component_count == ToneSpec::kMaxComponents) return ToneSpecStatus::syntax;
    if (!take_number(text, out.components[out.component_count].freq_hz)) return ToneSpecStatus::syntax;
    ++out.component_count;
  } while (take_char(text, '+'));
  if (take_char(text, 'x')) {
    if (!take_number(text, out.am_hz)) return ToneSpecStatus::syntax;
    out.am_depth = 1.0f;
  }
  if (take_char(text, '@') && !take_number(text, level_dbm0)) return ToneSpecStatus::syntax;
  for (size_t i = 0; i < out.component_count; ++i) out.components[i].level_dbm0 = level_dbm0;
  if (take_char(text, '/')) {
    do {
      if (out.cadence_count == ToneSpec::kMaxCadence) return ToneSpecStatus::syntax;
      if (!take_number(text, out.cadence_ms[out.cadence_count])) return ToneSpecStatus::syntax;
      ++out.cadence_count;
    } while (take_char(text, ','));
  }
  if (take_char(text, '!')) out.repeat = false;
  if (!text.empty()) return ToneSpecStatus::syntax;
  return validate(out, rate_hz);
}

Result<ToneGenerator> ToneGenerator::create(uint32_t rate_hz) {
  if (rate_hz != 8000 && rate_hz != 16000 && rate_hz != 32000 && rate_hz != 48000) {
    return Error{Errc::invalid_argument,
                 "tone generator: unsupported rate " + std::to_string(rate_hz) + " Hz"};
  }
  return ToneGenerator(rate_hz);
}

ToneSpecStatus ToneGenerator::set_tone(const ToneSpec& spec) noexcept {
  const ToneSpecStatus status = validate(spec, rate_hz_);
  if (status != ToneSpecStatus::ok) {
    stop();
    return status;
  }
  osc_count_ = spec.component_count;
  for (size_t i = 0; i < osc_count_; ++i) {
    Rotator& r = osc_[i];
    r.re = 1.0;  // cosine phase 0: every tone starts at a known phase
    r.im = 0.0;
    set_step(spec.components[i].freq_hz, rate_hz_, r.step_re, r.step_im);
    r.amplitude = dbm0_to_amplitude(spec.components[i].level_dbm0);
  }
  am_ = Rotator{};
  am_depth_ = spec.am_hz > 0.0f ? spec.am_depth : 0.0;
  am_norm_ = 1.0 / (1.0 + am_depth_);
  if (am_depth_ > 0.0) set_step(spec.am_hz, rate_hz_, am_.step_re, am_.step_im);
  segment_count_ = spec.cadence_count;
  for (size_t i = 0; i < segment_count_; ++i) {
    segment_samples_[i] = static_cast<uint32_t>(spec.cadence_ms[i]) * (rate_hz_ / 1000);
  }
  segment_ = 0;
  segment_pos_ = 0;
  sample_count_ = 0;
  ramp_samples_ = kRampMs * (rate_hz_ / 1000);
  repeat_ = spec.repeat;
  active_ = true;
  return ToneSpecStatus::ok;
}

void ToneGenerator::stop() noexcept {
  active_ = false;
  osc_count_ = 0;
}

void ToneGenerator::renormalise() noexcept {
  auto fix = [](Rotator& r) {
    const double g = 1.5 - 0.5 * (r.re * r.re + r.im * r.im);  // one Newton step towards |z| = 1
    r.re *= g;
    r.im *= g;
  };
  for (size_t i = 0; i < osc_count_; ++i) fix(osc_[i]);
  fix(am_);
}

// [rt]
void ToneGenerator::generate(std::span<int16_t> out) noexcept {
  size_t i = 0;
  while (i < out.size()) {
    if (!active_) {
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(i), out.end(), int16_t{0});
      return;
    }
    // Samples until the current segment ends (continuous: until the buffer ends).
    const bool continuous = segment_count_ == 0;
    const uint32_t seg_len = continuous ? 0 : segment_samples_[segment_];
    const size_t run = continuous ? out.size() - i
                                  : std::min<size_t>(out.size() - i, seg_len - segment_pos_);
    const bool on = continuous || (segment_ % 2 == 0);
    for (size_t k = 0; k < run; ++k, ++i) {
      double sum = 0.0;
      for (size_t c = 0; c < osc_count_; ++c) {
        Rotator& r = osc_[c];
        sum += r.amplitude * r.re;
        const double re = r.re * r.step_re - r.im * r.step_im;
        r.im = r.re * r.step_im + r.im * r.step_re;
        r.re = re;
      }
      if (am_depth_ > 0.0) {
        sum *= (1.0 + am_depth_ * am_.re) * am_norm_;
        const double re = am_.re * am_.step_re - am_.im * am_.step_im;
        am_.im = am_.re * am_.step_im + am_.im * am_.step_re;
        am_.re = re;
      }
      double env = on ? 1.0 : 0.0;
      if (on && ramp_samples_ > 0) {
        const uint32_t from_start = segment_pos_ + 1;
        const uint32_t to_end = continuous ? ramp_samples_ : seg_len - segment_pos_;
        const uint32_t edge = std::min(from_start, to_end);
        if (edge < ramp_samples_) env = static_cast<double>(edge) / ramp_samples_;
      }
      const double v = std::clamp(sum * env, -32768.0, 32767.0);
      out[i] = static_cast<int16_t>(std::lrint(v));
      ++segment_pos_;
      if (continuous && segment_pos_ >= ramp_samples_) segment_pos_ = ramp_samples_;  // ramped in
      if ((++sample_count_ & kRenormaliseMask) == 0) renormalise();
    }
    if (!continuous && segment_pos_ >= seg_len) {
      segment_pos_ = 0;
      ++segment_;
      if (segment_ >= segment_count_) {
        if (repeat_) {
          segment_ = 0;
        } else {
          stop();
        }
      }
    }
  }
}

}  // namespace offhook::dsp
