// ToneSource: the US ring-back is 440 + 480 Hz with 2 s on / 4 s off (measured with Goertzel filters
// and per-10 ms energies on the output), another country's plan sounds different, stop() is
// immediate silence, and play()/read() never allocate or lock.
#include "src/tone_source.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

using dsp::CallProgressTone;

// Power of `x` at `freq_hz` (Goertzel), normalised by the length.
double goertzel(const std::vector<int16_t>& x, size_t begin, size_t count, double freq_hz, uint32_t rate_hz) {
  const double w = 2.0 * std::numbers::pi * freq_hz / rate_hz;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (size_t i = begin; i < begin + count; ++i) {
    const double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (static_cast<double>(count) * static_cast<double>(count));
}

double rms(const AudioFrame& f) {
  double e = 0;
  for (int16_t s : f.samples()) e += static_cast<double>(s) * s;
  return std::sqrt(e / static_cast<double>(f.size()));
}

// Reads `frames` frames; returns the samples and whether each frame carried a tone (RMS above 100).
std::vector<int16_t> record(ToneSource& src, size_t frames, std::vector<bool>* on = nullptr) {
  std::vector<int16_t> out;
  AudioFrame f;
  for (size_t i = 0; i < frames; ++i) {
    EXPECT_TRUE(src.read(f));
    EXPECT_EQ(f.size(), samples_in_ms(src.rate_hz(), 10));
    out.insert(out.end(), f.samples().begin(), f.samples().end());
    if (on != nullptr) on->push_back(rms(f) > 100.0);
  }
  return out;
}

TEST(ToneSourceTest, CreateRejectsUnknownCountryAndRate) {
  auto c = ToneSource::create(8000, "XX");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::not_found);
  EXPECT_NE(c.error().message.find("XX"), std::string::npos);
  auto r = ToneSource::create(11025, "US");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  auto ok = ToneSource::create(16000, "us");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->plan().country, "US");
}

TEST(ToneSourceTest, UsRingbackIs440Plus480TwoSecondsOnFourOff) {
  for (uint32_t rate : {8000u, 16000u}) {
    auto src = ToneSource::create(rate, "US");
    ASSERT_TRUE(src);
    EXPECT_FALSE((*src)->active());
    ASSERT_EQ((*src)->play(CallProgressTone::ringback), dsp::ToneSpecStatus::ok);
    EXPECT_TRUE((*src)->active());
    std::vector<bool> on;
    const auto x = record(**src, 700, &on);  // 7 s: one full cadence and the start of the next
    for (size_t i = 0; i < 700; ++i) {
      const bool want = i < 200 || i >= 600;
      ASSERT_EQ(on[i], want) << "frame " << i << " at " << rate;
    }
    const size_t second = rate;  // first second: inside the on segment
    const double p440 = goertzel(x, 0, second, 440, rate), p480 = goertzel(x, 0, second, 480, rate);
    for (double other : {350.0, 400.0, 425.0, 620.0, 1000.0}) {
      const double p = goertzel(x, 0, second, other, rate);
      EXPECT_GT(p440, 100 * p) << other;
      EXPECT_GT(p480, 100 * p) << other;
    }
    // -19 dBm0 per component: peak amplitude about 32768 * 10^((-19 - 3.14) / 20) = 2542, and a
    // Goertzel power of (A/2)^2.
    const double a = 2.0 * std::sqrt(p440);
    EXPECT_NEAR(a, dsp::dbm0_to_amplitude(-19.0f), 0.05 * a);
    EXPECT_LT(goertzel(x, 3 * second, second, 440, rate), 1e-6 * p440);  // off segment
  }
}

TEST(ToneSourceTest, UkRingbackDiffersFromUs) {
  auto gb = ToneSource::create(8000, "GB");
  ASSERT_TRUE(gb);
  ASSERT_EQ((*gb)->play(CallProgressTone::ringback), dsp::ToneSpecStatus::ok);
  std::vector<bool> on;
  const auto x = record(**gb, 300, &on);
  // 400 + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
  EXPECT_TRUE(on[10] && on[30] && !on[45] && on[70] && !on[110] && !on[250]);
  const double p400 = goertzel(x, 0, 3200, 400, 8000), p450 = goertzel(x, 0, 3200, 450, 8000);
  const double p440 = goertzel(x, 0, 3200, 440, 8000), p480 = goertzel(x, 0, 3200, 480, 8000);
  EXPECT_GT(p400, 100 * p480);
  EXPECT_GT(p450, 100 * p480);
  EXPECT_GT(p400, 10 * p440);
}

TEST(ToneSourceTest, StopGivesSilenceAndUndefinedToneIsRefused) {
  auto src = ToneSource::create(8000, "US");
  ASSERT_TRUE(src);
  ASSERT_EQ((*src)->play(CallProgressTone::dial), dsp::ToneSpecStatus::ok);  // continuous
  AudioFrame f;
  ASSERT_TRUE((*src)->read(f));
  EXPECT_GT(rms(f), 1000.0);
  (*src)->stop();
  EXPECT_FALSE((*src)->active());
  ASSERT_TRUE((*src)->read(f));  // a stopped tone source still delivers (silent) frames
  EXPECT_EQ(rms(f), 0.0);

  auto gb = ToneSource::create(8000, "GB");
  ASSERT_TRUE(gb);
  ASSERT_EQ((*gb)->play(CallProgressTone::dial), dsp::ToneSpecStatus::ok);
  EXPECT_EQ((*gb)->play(CallProgressTone::confirmation), dsp::ToneSpecStatus::no_components);
  EXPECT_FALSE((*gb)->active());
  ASSERT_TRUE((*gb)->read(f));
  EXPECT_EQ(rms(f), 0.0);
}

TEST(ToneSourceTest, CustomToneAndOneShotCadence) {
  auto src = ToneSource::create(16000, "DE");
  ASSERT_TRUE(src);
  dsp::ToneSpec spec;
  ASSERT_EQ(dsp::parse_tone_spec("1000@-10/100,100!", 16000, spec), dsp::ToneSpecStatus::ok);
  ASSERT_EQ((*src)->play_custom(spec), dsp::ToneSpecStatus::ok);
  std::vector<bool> on;
  const auto x = record(**src, 40, &on);
  EXPECT_TRUE(on[0] && on[9] && !on[10] && !on[39]);
  EXPECT_FALSE((*src)->active());  // a cadence played once ends by itself
  EXPECT_GT(goertzel(x, 0, 1600, 1000, 16000), 1000 * goertzel(x, 0, 1600, 425, 16000));
  dsp::ToneSpec bad = spec;
  bad.components[0].freq_hz = 9000;  // above Nyquist at 16 kHz
  EXPECT_EQ((*src)->play_custom(bad), dsp::ToneSpecStatus::bad_frequency);
}

TEST(ToneSourceTest, PlayAndReadDoNotAllocate) {
  auto src = ToneSource::create(48000, "US");
  ASSERT_TRUE(src);
  AudioFrame f;
  double energy = 0;
  test::RtCounts counts;
  {
    test::RtProbe probe;
    for (int i = 0; i < 300; ++i) {
      if (i % 100 == 0) (void)(*src)->play(static_cast<CallProgressTone>((i / 100) % dsp::kCallProgressToneCount));
      (void)(*src)->read(f);
      energy += rms(f);
    }
    (*src)->stop();
    counts = probe.counts();
  }
  EXPECT_GT(energy, 0.0);
  EXPECT_EQ(counts.allocations, 0u);
  EXPECT_EQ(counts.mutex_locks, 0u);
}

}  // namespace
}  // namespace offhook
