// Wsola: output lengths, pitch preserved and no added discontinuity, on synthetic voiced signals.
#include "dsp/tsm/wsola.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace offhook::dsp {
namespace {

// A voiced-like signal: harmonics of `f0` with decaying amplitudes, a little noise.
std::vector<int16_t> voiced(double f0, size_t n, uint32_t seed, double phase0 = 0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 30);
  std::vector<int16_t> x(n);
  for (size_t i = 0; i < n; ++i) {
    double v = 0;
    for (int h = 1; h <= 6; ++h) v += 4000.0 / h * std::sin(2 * M_PI * f0 * h * (static_cast<double>(i) + phase0) / 8000.0);
    x[i] = static_cast<int16_t>(std::lround(v + noise(rng)));
  }
  return x;
}

int max_step(const std::vector<int16_t>& x) {
  int m = 0;
  for (size_t i = 1; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - x[i - 1]));
  return m;
}

TEST(WsolaTest, StretchDoublesAFrameKeepingPitchAndContinuity) {
  auto w = Wsola::create({});
  ASSERT_TRUE(w);
  for (double f0 : {100.0, 150.0, 200.0, 250.0}) {
    SCOPED_TRACE(f0);
    const std::vector<int16_t> in = voiced(f0, 160, 1);
    std::vector<int16_t> out(320);
    ASSERT_GT(w->stretch(in, out), 0u);
    // pitch preserved: the lag of the output matches the input's period
    const double period = 8000.0 / f0;
    const size_t lag = w->pitch_lag(out);
    EXPECT_NEAR(static_cast<double>(lag), period * std::round(static_cast<double>(lag) / period), 0.04 * static_cast<double>(lag));
    EXPECT_LE(max_step(out), max_step(in) * 3 / 2);
    // the first frame is unchanged up to the first splice
    for (size_t i = 0; i < 100; ++i) ASSERT_EQ(out[i], in[i]);
    // continuity into the next frame: out's end joins the next input frame like in's end would
    EXPECT_LE(std::abs(out.back() - in.back()), max_step(in));
  }
}

TEST(WsolaTest, ShrinkHalvesTwoFramesKeepingPitchAndContinuity) {
  auto w = Wsola::create({});
  ASSERT_TRUE(w);
  for (double f0 : {100.0, 125.0, 150.0, 200.0}) {  // periods that 160 samples fit (see wsola.hpp)
    SCOPED_TRACE(f0);
    const std::vector<int16_t> in = voiced(f0, 320, 2);
    std::vector<int16_t> out(160);
    ASSERT_GT(w->shrink(in, out), 0u);
    const double period = 8000.0 / f0;
    const size_t lag = w->pitch_lag(out);
    EXPECT_NEAR(static_cast<double>(lag), period * std::round(static_cast<double>(lag) / period), 0.04 * static_cast<double>(lag));
    EXPECT_LE(max_step(out), max_step(in) * 3 / 2);
    EXPECT_NEAR(out.back(), in.back(), 2);  // ends on the input's last sample: the next frame joins
  }
}

TEST(WsolaTest, PitchLagFindsThePeriod) {
  auto w = Wsola::create({});
  ASSERT_TRUE(w);
  EXPECT_NEAR(static_cast<double>(w->pitch_lag(voiced(125.0, 320, 3))), 64.0, 1.0);
  EXPECT_NEAR(static_cast<double>(w->pitch_lag(voiced(200.0, 320, 3))), 40.0, 1.0);
}

TEST(WsolaTest, RejectsSizesOutOfRange) {
  auto w = Wsola::create({});
  ASSERT_TRUE(w);
  std::vector<int16_t> in(160, 0), out(400), small(100);
  EXPECT_EQ(w->stretch(in, out), 0u);   // more than twice
  EXPECT_EQ(w->stretch(in, small), 0u); // not longer
  EXPECT_EQ(w->shrink(in, out), 0u);    // not shorter
  EXPECT_FALSE(Wsola::create({.rate_hz = 8000, .min_pitch_hz = 400, .max_pitch_hz = 60}));
}

}  // namespace
}  // namespace offhook::dsp
