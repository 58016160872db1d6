// ToneGenerator and the call-progress tone plans: validation, frequencies and levels (Goertzel over
// one second, so every integer frequency lies on a bin), cadence timing from the generated samples,
// chunk-size independence, amplitude modulation, and the plan tables themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dsp/tone/call_progress.hpp"
#include "dsp/tone/tone_generator.hpp"

namespace offhook::dsp {
namespace {

constexpr double kPi = std::numbers::pi;

// Peak amplitude of the `freq_hz` component of `x` (a whole number of Hz over exactly 1 s).
double component_amplitude(const std::vector<int16_t>& x, double freq_hz, double rate_hz) {
  const double w = 2.0 * kPi * freq_hz / rate_hz;
  const double coef = 2.0 * std::cos(w);
  double s1 = 0.0;
  double s2 = 0.0;
  for (int16_t v : x) {
    const double s0 = v + coef * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coef * s1 * s2;
  return 2.0 * std::sqrt(std::max(power, 0.0)) / static_cast<double>(x.size());
}

ToneSpec continuous(ToneSpec spec) {
  spec.cadence_count = 0;
  spec.repeat = true;
  return spec;
}

std::vector<int16_t> generate(const ToneSpec& spec, uint32_t rate_hz, size_t samples) {
  auto gen = ToneGenerator::create(rate_hz);
  EXPECT_TRUE(gen.has_value());
  EXPECT_EQ(gen->set_tone(spec), ToneSpecStatus::ok);
  std::vector<int16_t> out(samples);
  gen->generate(out);
  return out;
}

// Runs of "on" (not all zero) and "off" (exactly zero for >= 2 ms) in samples, starting with on.
std::vector<size_t> cadence_runs(const std::vector<int16_t>& x, uint32_t rate_hz) {
  const size_t min_gap = 2 * rate_hz / 1000;
  std::vector<size_t> runs;
  size_t i = 0;
  while (i < x.size() && x[i] == 0) ++i;
  size_t start = i;
  bool on = true;
  while (i < x.size()) {
    if (on) {
      // Find the next zero stretch of at least min_gap.
      size_t j = i;
      size_t last_nonzero = i;
      while (j < x.size()) {
        if (x[j] != 0) {
          last_nonzero = j;
        } else if (j - last_nonzero >= min_gap) {
          break;
        }
        ++j;
      }
      runs.push_back(last_nonzero + 1 - start);
      if (j >= x.size()) break;
      i = last_nonzero + 1;
      start = i;
      on = false;
    } else {
      while (i < x.size() && x[i] == 0) ++i;
      if (i >= x.size()) break;
      runs.push_back(i - start);
      start = i;
      on = true;
    }
  }
  return runs;
}

TEST(ToneLevels, Dbm0Conversions) {
  EXPECT_NEAR(dbm0_to_amplitude(3.14f), 32767.0f, 1.0f);
  EXPECT_NEAR(dbm0_to_amplitude(-16.86f), 3276.7f, 1.0f);  // 20 dB lower
  EXPECT_NEAR(amplitude_to_dbm0(dbm0_to_amplitude(-13.0f)), -13.0f, 1e-3f);
}

TEST(ToneGenerator, RejectsBadRatesAndSpecs) {
  EXPECT_FALSE(ToneGenerator::create(44100).has_value());
  EXPECT_FALSE(ToneGenerator::create(0).has_value());
  auto gen = ToneGenerator::create(8000);
  ASSERT_TRUE(gen.has_value());
  ToneSpec s{};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::no_components);
  s.component_count = 1;
  s.components[0] = {4000.0f, -10.0f};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_frequency);
  s.components[0] = {425.0f, 4.0f};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_level);
  s.components[0] = {425.0f, std::nanf("")};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_level);
  s.component_count = 2;  // two at 0 dBm0 would clip
  s.components[0] = {425.0f, 0.0f};
  s.components[1] = {525.0f, 0.0f};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_level);
  s.components[1] = {525.0f, -10.0f};
  s.components[0] = {425.0f, -10.0f};
  s.am_hz = 25.0f;
  s.am_depth = 1.5f;
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_modulation);
  s.am_depth = 0.5f;
  s.cadence_count = 2;  // all-zero on time
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::bad_cadence);
  EXPECT_FALSE(gen->active());
  s.cadence_ms = {100, 100};
  EXPECT_EQ(gen->set_tone(s), ToneSpecStatus::ok);
  EXPECT_TRUE(gen->active());
  s.cadence_count = 9;
  EXPECT_EQ(validate(s, 8000), ToneSpecStatus::bad_cadence);
  EXPECT_STREQ(tone_spec_status_name(ToneSpecStatus::bad_level), "bad level");
}

TEST(ToneGenerator, FrequenciesAndLevelsAtEveryRate) {
  for (uint32_t rate : {8000u, 16000u, 48000u}) {
    for (const TonePlan& plan : tone_plans()) {
      for (size_t t = 0; t < kCallProgressToneCount; ++t) {
        const ToneSpec& spec = plan.tones[t];
        if (spec.component_count == 0 || spec.am_hz > 0.0f) continue;
        SCOPED_TRACE(testing::Message() << plan.country << " " << call_progress_tone_name(static_cast<CallProgressTone>(t))
                                        << " at " << rate);
        const auto x = generate(continuous(spec), rate, rate);  // exactly 1 s
        for (size_t c = 0; c < spec.component_count; ++c) {
          const double a = component_amplitude(x, spec.components[c].freq_hz, rate);
          EXPECT_NEAR(amplitude_to_dbm0(static_cast<float>(a)), spec.components[c].level_dbm0, 0.1);
        }
        // Nothing 37 Hz beside the lowest component (no plan has components 37 Hz apart).
        const double off = component_amplitude(x, spec.components[0].freq_hz + 37.0f, rate);
        EXPECT_LT(amplitude_to_dbm0(static_cast<float>(off)), spec.components[0].level_dbm0 - 40.0f);
      }
    }
  }
}

TEST(ToneGenerator, SingleToneZeroCrossings) {
  for (uint32_t rate : {8000u, 48000u}) {
    ToneSpec s{};
    s.components[0] = {425.0f, -10.0f};
    s.component_count = 1;
    const auto x = generate(s, rate, rate);
    int crossings = 0;
    for (size_t i = 1; i < x.size(); ++i) crossings += (x[i - 1] < 0) != (x[i] < 0);
    EXPECT_NEAR(crossings / 2.0, 425.0, 1.0) << rate;
  }
}

TEST(ToneGenerator, CadenceTimingOfEveryPlan) {
  for (uint32_t rate : {8000u, 48000u}) {
    for (const TonePlan& plan : tone_plans()) {
      for (size_t t = 0; t < kCallProgressToneCount; ++t) {
        const ToneSpec& spec = plan.tones[t];
        if (spec.component_count == 0 || spec.cadence_count == 0) continue;
        SCOPED_TRACE(testing::Message() << plan.country << " " << call_progress_tone_name(static_cast<CallProgressTone>(t))
                                        << " at " << rate);
        uint32_t cycle_ms = 0;
        for (size_t i = 0; i < spec.cadence_count; ++i) cycle_ms += spec.cadence_ms[i];
        const size_t cycles = spec.repeat ? 2 : 1;
        // Generate the cycles plus a little, in 10 ms chunks like the media thread.
        auto gen = ToneGenerator::create(rate);
        ASSERT_TRUE(gen.has_value());
        ASSERT_EQ(gen->set_tone(spec), ToneSpecStatus::ok);
        std::vector<int16_t> x((cycles * cycle_ms + 50) * rate / 1000);
        for (size_t i = 0; i < x.size(); i += rate / 100) {
          gen->generate(std::span<int16_t>(x.data() + i, std::min<size_t>(rate / 100, x.size() - i)));
        }
        EXPECT_EQ(gen->active(), spec.repeat);
        const auto runs = cadence_runs(x, rate);
        // Expected: the cadence repeated `cycles` times; the trailing off run of the last cycle is
        // cut by the end of the buffer and not reported.
        std::vector<size_t> expected;
        for (size_t c = 0; c < cycles; ++c) {
          for (size_t i = 0; i < spec.cadence_count; ++i) {
            if (spec.cadence_ms[i] == 0) continue;
            expected.push_back(spec.cadence_ms[i] * rate / 1000);
          }
        }
        if (expected.size() % 2 == 0) expected.pop_back();
        ASSERT_GE(runs.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
          EXPECT_NEAR(static_cast<double>(runs[i]), static_cast<double>(expected[i]), rate / 1000.0) << "run " << i;
        }
      }
    }
  }
}

TEST(ToneGenerator, ChunkSizeDoesNotChangeOutput) {
  const TonePlan* plan = find_tone_plan("GB");
  ASSERT_NE(plan, nullptr);
  for (CallProgressTone tone : {CallProgressTone::ringback, CallProgressTone::congestion}) {
    const ToneSpec& spec = plan->tone(tone);
    const auto whole = generate(spec, 16000, 16000 * 4);
    auto gen = ToneGenerator::create(16000);
    ASSERT_TRUE(gen.has_value());
    ASSERT_EQ(gen->set_tone(spec), ToneSpecStatus::ok);
    std::vector<int16_t> pieces(whole.size());
    std::mt19937 rng(42);
    for (size_t i = 0; i < pieces.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 700, pieces.size() - i);
      gen->generate(std::span<int16_t>(pieces.data() + i, n));
      i += n;
    }
    EXPECT_EQ(pieces, whole);
  }
}

TEST(ToneGenerator, PhaseContinuousAndStops) {
  ToneSpec s{};
  s.components[0] = {440.0f, -6.0f};
  s.component_count = 1;
  auto gen = ToneGenerator::create(8000);
  ASSERT_TRUE(gen.has_value());
  ASSERT_EQ(gen->set_tone(s), ToneSpecStatus::ok);
  std::vector<int16_t> x(8000 * 10);  // 10 s in 80-sample chunks
  for (size_t i = 0; i < x.size(); i += 80) gen->generate(std::span<int16_t>(x.data() + i, 80));
  const double a = dbm0_to_amplitude(-6.0f);
  const double max_step = a * 2.0 * std::sin(kPi * 440.0 / 8000.0) + 1.0;
  int max_abs = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    ASSERT_LE(std::abs(x[i] - x[i - 1]), max_step) << i;
    max_abs = std::max(max_abs, std::abs(static_cast<int>(x[i])));
  }
  EXPECT_NEAR(max_abs, a, 1.0);  // amplitude does not drift over 10 s
  gen->stop();
  EXPECT_FALSE(gen->active());
  std::vector<int16_t> y(80, 1);
  gen->generate(y);
  EXPECT_TRUE(std::all_of(y.begin(), y.end(), [](int16_t v) { return v == 0; }));
}

TEST(ToneGenerator, AmplitudeModulation) {
  const TonePlan* jp = find_tone_plan("JP");
  ASSERT_NE(jp, nullptr);
  const ToneSpec spec = continuous(jp->tone(CallProgressTone::ringback));
  ASSERT_GT(spec.am_hz, 0.0f);
  const auto x = generate(spec, 8000, 8000);
  const double carrier = component_amplitude(x, 400.0, 8000);
  const double lower = component_amplitude(x, 400.0 - spec.am_hz, 8000);
  const double upper = component_amplitude(x, 400.0 + spec.am_hz, 8000);
  // (1 + m cos) / (1 + m): carrier A / (1 + m), side bands A m / 2 / (1 + m) each.
  const double a = dbm0_to_amplitude(spec.components[0].level_dbm0);
  const double m = spec.am_depth;
  EXPECT_NEAR(carrier, a / (1 + m), 0.01 * a);
  EXPECT_NEAR(lower, a * m / 2 / (1 + m), 0.01 * a);
  EXPECT_NEAR(upper, a * m / 2 / (1 + m), 0.01 * a);
  int peak = 0;
  for (int16_t v : x) peak = std::max(peak, std::abs(static_cast<int>(v)));
  EXPECT_LE(peak, a + 1.0);
}

TEST(ToneSpecText, ParsesCustomTones) {
  ToneSpec s;
  ASSERT_EQ(parse_tone_spec("350+440@-13", 8000, s), ToneSpecStatus::ok);
  EXPECT_EQ(s.component_count, 2);
  EXPECT_EQ(s.components[1].freq_hz, 440.0f);
  EXPECT_EQ(s.components[0].level_dbm0, -13.0f);
  EXPECT_EQ(s.cadence_count, 0);
  ASSERT_EQ(parse_tone_spec("400x16/1000,2000", 8000, s), ToneSpecStatus::ok);
  EXPECT_EQ(s.am_hz, 16.0f);
  EXPECT_EQ(s.am_depth, 1.0f);
  EXPECT_EQ(s.components[0].level_dbm0, -10.0f);
  EXPECT_EQ(s.cadence_count, 2);
  EXPECT_EQ(s.cadence_ms[1], 2000);
  EXPECT_TRUE(s.repeat);
  ASSERT_EQ(parse_tone_spec("950+1400+1800@-20/330,30,330,30,330,1000!", 8000, s), ToneSpecStatus::ok);
  EXPECT_EQ(s.component_count, 3);
  EXPECT_EQ(s.cadence_count, 6);
  EXPECT_FALSE(s.repeat);
  // The parsed tone plays what it says: a German busy tone written as text.
  ASSERT_EQ(parse_tone_spec("425@-10/480,480", 8000, s), ToneSpecStatus::ok);
  const auto x = generate(s, 8000, 8000);
  const auto runs = cadence_runs(x, 8000);
  ASSERT_GE(runs.size(), 3u);
  EXPECT_NEAR(static_cast<double>(runs[0]), 3840.0, 8.0);
  EXPECT_NEAR(static_cast<double>(runs[1]), 3840.0, 8.0);
  for (const char* bad : {"", "+440", "350+", "350@", "350/", "350/100,", "350 ", "1+2+3+4+5",
                          "350/1,2,3,4,5,6,7,8,9", "abc", "350x", "350/-5"}) {
    EXPECT_EQ(parse_tone_spec(bad, 8000, s), ToneSpecStatus::syntax) << "'" << bad << "'";
  }
  EXPECT_EQ(parse_tone_spec("5000", 8000, s), ToneSpecStatus::bad_frequency);
  EXPECT_EQ(parse_tone_spec("5000", 16000, s), ToneSpecStatus::ok);
  EXPECT_EQ(parse_tone_spec("425@6", 8000, s), ToneSpecStatus::bad_level);
}

TEST(CallProgress, PlansCoverTwelvePlusCountries) {
  const auto plans = tone_plans();
  EXPECT_GE(plans.size(), 12u);
  std::set<std::string_view> codes;
  for (const TonePlan& plan : plans) {
    SCOPED_TRACE(plan.country);
    EXPECT_TRUE(codes.insert(plan.country).second) << "duplicate";
    for (CallProgressTone t : {CallProgressTone::dial, CallProgressTone::ringback, CallProgressTone::busy,
                               CallProgressTone::congestion, CallProgressTone::call_waiting}) {
      EXPECT_TRUE(plan.has(t)) << call_progress_tone_name(t);
    }
    for (const ToneSpec& spec : plan.tones) {
      if (spec.component_count == 0) continue;
      for (uint32_t rate : {8000u, 16000u, 48000u}) EXPECT_EQ(validate(spec, rate), ToneSpecStatus::ok);
    }
  }
  for (const char* code : {"US", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "JP", "CN", "AU", "BR"}) {
    EXPECT_TRUE(codes.count(code)) << code;
  }
}

TEST(CallProgress, LookupAndKnownValues) {
  const TonePlan* de = find_tone_plan("de");
  ASSERT_NE(de, nullptr);
  EXPECT_EQ(de->country, "DE");
  EXPECT_EQ(de->tone(CallProgressTone::busy).components[0].freq_hz, 425.0f);
  EXPECT_EQ(de->tone(CallProgressTone::busy).cadence_ms[0], 480);
  const TonePlan* us = find_tone_plan("US");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->tone(CallProgressTone::dial).component_count, 2);
  EXPECT_EQ(us->tone(CallProgressTone::dial).components[1].freq_hz, 440.0f);
  EXPECT_TRUE(us->has(CallProgressTone::confirmation));
  EXPECT_FALSE(de->has(CallProgressTone::confirmation));
  EXPECT_EQ(find_tone_plan("XX"), nullptr);
  EXPECT_EQ(find_tone_plan("DEU"), nullptr);
  EXPECT_EQ(find_tone_plan(""), nullptr);
}

}  // namespace
}  // namespace offhook::dsp
