#include "src/drift_compensator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <random>
#include <vector>

namespace offhook {
namespace {

// A sound card and a media thread on two clocks, in simulated time. The card produces `period`
// samples of a 440 Hz sine at rate * (1 + ppm); the media thread ticks every 10 ms of its own clock
// (with seeded wake-up jitter) and takes 10 ms through the compensator.
struct SimResult {
  size_t max_fill = 0;            // after start-up
  size_t min_fill = SIZE_MAX;     // after start-up
  uint64_t underruns = 0;         // after start-up
  double max_jump = 0;            // largest |out[k] - out[k-1]| after start-up
  double final_correction_ppm = 0;
  double final_fill_error = 0;    // smoothed fill - target, samples
  size_t final_fill = 0;
};

constexpr double kAmplitude = 10000.0;
constexpr double kToneHz = 440.0;

SimResult simulate(double ppm, uint32_t rate_hz, double seconds, bool enabled, uint32_t seed) {
  const size_t block = rate_hz / 100;
  DriftCompensatorConfig config;
  config.rate_hz = rate_hz;
  config.max_block_samples = block;
  config.target_fill = 2 * block + block / 2;
  config.producer_block_samples = block;
  config.enabled = enabled;
  auto comp = DriftCompensator::create(config);
  EXPECT_TRUE(comp);
  if (!comp) return {};

  constexpr size_t kRing = 1 << 17;
  std::vector<int16_t> ring(kRing);
  uint64_t written = 0;
  uint64_t read = 0;
  const double device_period_s = static_cast<double>(block) / (rate_hz * (1.0 + ppm * 1e-6));
  double next_device_s = 0.0;
  double last_push_s = 0.0;
  uint64_t device_sample = 0;
  // One period of the tone in whole samples (440 Hz: 200 at 8 kHz, 1200 at 48 kHz), precomputed.
  const size_t tone_period = rate_hz / std::gcd(rate_hz, static_cast<uint32_t>(kToneHz));
  std::vector<int16_t> tone(tone_period);
  for (size_t i = 0; i < tone_period; ++i) {
    const double phase = 2.0 * std::numbers::pi * kToneHz * static_cast<double>(i) / rate_hz;
    tone[i] = static_cast<int16_t>(std::lround(kAmplitude * std::sin(phase)));
  }

  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter_s(0.0, 0.002);
  std::vector<int16_t> in(block * 2);
  std::vector<int16_t> out(block);
  SimResult result;
  const auto ticks = static_cast<uint64_t>(seconds * 100);
  const uint64_t startup_ticks = 500;  // 5 s: priming and the loop's first transient
  int16_t prev = 0;
  bool have_prev = false;
  for (uint64_t tick = 0; tick < ticks; ++tick) {
    const double now_s = static_cast<double>(tick) * 0.01 + jitter_s(rng);
    while (next_device_s <= now_s) {
      for (size_t i = 0; i < block; ++i) {
        if (written - read < kRing) {
          ring[written % kRing] = tone[device_sample % tone_period];
          ++written;
        }
        ++device_sample;
      }
      last_push_s = next_device_s;
      next_device_s += device_period_s;
    }
    const size_t fill = written - read;
    const uint64_t underruns_before = (*comp)->underruns();
    const double phase = (now_s - last_push_s) / 0.01;  // what the consumer can measure: its own clock
    const size_t need = (*comp)->begin_block(fill, block, phase);
    for (size_t i = 0; i < need; ++i) in[i] = ring[(read + i) % kRing];
    read += need;
    const bool silent = need == 0 && (*comp)->priming();
    (*comp)->process(std::span<const int16_t>(in.data(), need), out);
    if (tick >= startup_ticks) {
      result.max_fill = std::max(result.max_fill, fill);
      result.min_fill = std::min(result.min_fill, fill);
      result.underruns += (*comp)->underruns() - underruns_before;
      for (size_t i = 0; i < block && !silent; ++i) {
        const double jump = std::abs(static_cast<double>(out[i]) - static_cast<double>(prev));
        if (have_prev) result.max_jump = std::max(result.max_jump, jump);
        prev = out[i];
        have_prev = true;
      }
    }
  }
  result.final_correction_ppm = (*comp)->correction_ppm();
  result.final_fill_error = (*comp)->smoothed_fill() - static_cast<double>(config.target_fill);
  result.final_fill = written - read;
  return result;
}

class DriftHourTest : public ::testing::TestWithParam<double> {};

TEST_P(DriftHourTest, FillStaysBoundedWithoutUnderrunOrGlitchOverAnHour) {
  const double ppm = GetParam();
  constexpr uint32_t kRate = 8000;
  const SimResult r = simulate(ppm, kRate, 3600.0, true, 42);
  const size_t block = kRate / 100;
  // The card adds whole 10 ms periods and the tick wakes up to 2 ms late, so the fill seen at a tick
  // swings by about a block around the target; drift must not add more than a few ms to that.
  // Target 2.5 blocks (counting the producer's partial block): the bare fill swings between
  // 1.5 and 2.5 blocks (+ up to 2 ms of wake-up jitter on top); the loop may add at most 2 ms.
  EXPECT_LE(r.max_fill, 2 * block + block / 2 + kRate / 500 + kRate / 500) << "ppm " << ppm;
  EXPECT_GE(r.min_fill, block + block / 2 - kRate / 500) << "ppm " << ppm;
  EXPECT_EQ(r.underruns, 0u) << "ppm " << ppm;
  EXPECT_LT(std::abs(r.final_fill_error), 0.001 * kRate) << "ppm " << ppm;  // within 1 ms of target
  EXPECT_NEAR(r.final_correction_ppm, ppm, 25.0) << "the loop should settle on the drift";
  // A 440 Hz sine of amplitude A moves at most A * 2 pi f / rate per sample; resampling within
  // 1000 ppm changes that by 0.1 %. A dropped or repeated sample would jump by up to twice as much.
  const double max_slope = kAmplitude * 2.0 * std::numbers::pi * kToneHz / kRate;
  EXPECT_LE(r.max_jump, max_slope * 1.01 + 2.0) << "ppm " << ppm;
  EXPECT_GT(r.max_jump, max_slope * 0.9) << "the sine must actually come through";
}

INSTANTIATE_TEST_SUITE_P(Drift, DriftHourTest, ::testing::Values(-300.0, -100.0, 100.0, 300.0));

TEST(DriftCompensatorTest, FortyEightKilohertzTenMinutesAtPlus300Ppm) {
  constexpr uint32_t kRate = 48000;
  const SimResult r = simulate(300.0, kRate, 600.0, true, 7);
  EXPECT_EQ(r.underruns, 0u);
  EXPECT_LE(r.max_fill, kRate / 100 * 4);
  EXPECT_NEAR(r.final_correction_ppm, 300.0, 25.0);
  const double max_slope = kAmplitude * 2.0 * std::numbers::pi * kToneHz / kRate;
  EXPECT_LE(r.max_jump, max_slope * 1.01 + 2.0);
}

TEST(DriftCompensatorTest, WithoutCompensationTheSameDriftOverflowsOrUnderruns) {
  // The simulator really drifts: switching the loop off lets the fill grow by the drift
  // (100 ppm of 8000 Hz over 10 minutes = 480 samples) or run dry.
  const SimResult fast = simulate(100.0, 8000, 600.0, false, 42);
  EXPECT_GT(fast.final_fill, 200u + 300u);
  const SimResult slow = simulate(-300.0, 8000, 600.0, false, 42);
  EXPECT_GT(slow.underruns, 0u);
}

TEST(DriftCompensatorTest, DisabledPassesSamplesBitExact) {
  DriftCompensatorConfig config{
      .rate_hz = 8000, .max_block_samples = 80, .target_fill = 170, .producer_block_samples = 80, .enabled = false};
  auto comp = DriftCompensator::create(config);
  ASSERT_TRUE(comp);
  std::vector<int16_t> in(80);
  std::vector<int16_t> out(80);
  EXPECT_EQ((*comp)->begin_block(100, 80), 0u) << "priming until the target fill";
  (*comp)->process({}, out);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int16_t s) { return s == 0; }));
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ((*comp)->begin_block(200, 80), 80u);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int16_t>(round * 1000 + static_cast<int>(i) * 7 - 300);
    (*comp)->process(in, out);
    EXPECT_EQ(out, in);
  }
}

TEST(DriftCompensatorTest, AtTheTargetTheInterpolatorIsTransparent) {
  // Fill exactly at the target: ratio stays 1 and the cubic hits the input samples exactly.
  DriftCompensatorConfig config{
      .rate_hz = 8000, .max_block_samples = 80, .target_fill = 170, .producer_block_samples = 80};
  auto comp = DriftCompensator::create(config);
  ASSERT_TRUE(comp);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> dist(-20000, 20000);
  std::vector<int16_t> stream;
  std::vector<int16_t> produced;
  size_t consumed = 0;
  for (int block = 0; block < 50; ++block) {
    const size_t need = (*comp)->begin_block(170, 80);
    std::vector<int16_t> in(need);
    for (auto& s : in) {
      s = static_cast<int16_t>(dist(rng));
      stream.push_back(s);
    }
    consumed += need;
    std::vector<int16_t> out(80);
    (*comp)->process(in, out);
    produced.insert(produced.end(), out.begin(), out.end());
  }
  EXPECT_DOUBLE_EQ((*comp)->ratio(), 1.0);
  ASSERT_GE(stream.size(), produced.size());
  for (size_t i = 0; i < produced.size(); ++i) ASSERT_EQ(produced[i], stream[i]) << "sample " << i;
  EXPECT_EQ(consumed, produced.size() + 2) << "two samples of look-ahead for the cubic";
}

TEST(DriftCompensatorTest, AnUnderrunIsCountedAndRestartsPriming) {
  DriftCompensatorConfig config{
      .rate_hz = 8000, .max_block_samples = 80, .target_fill = 170, .producer_block_samples = 80};
  auto comp = DriftCompensator::create(config);
  ASSERT_TRUE(comp);
  std::vector<int16_t> in(200, 5);
  std::vector<int16_t> out(80, 1);
  size_t need = (*comp)->begin_block(170, 80);
  ASSERT_GT(need, 0u);
  (*comp)->process(std::span<const int16_t>(in.data(), need), out);
  EXPECT_EQ((*comp)->begin_block(30, 80), 0u);
  EXPECT_EQ((*comp)->underruns(), 1u);
  EXPECT_TRUE((*comp)->priming());
  (*comp)->process({}, out);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int16_t s) { return s == 0; })) << "silence in the gap";
  EXPECT_EQ((*comp)->begin_block(100, 80), 0u) << "waits for the target again";
  EXPECT_GT((*comp)->begin_block(170, 80), 0u);
}

TEST(DriftCompensatorTest, RejectsBadConfiguration) {
  EXPECT_FALSE(DriftCompensator::create({.rate_hz = 0}));
  EXPECT_FALSE(DriftCompensator::create(
      {.rate_hz = 8000, .max_block_samples = 80, .target_fill = 163, .producer_block_samples = 80}));
  auto bad_ppm = DriftCompensator::create(
      {.rate_hz = 8000, .max_block_samples = 80, .target_fill = 170, .producer_block_samples = 80,
       .max_correction_ppm = 0.0});
  ASSERT_FALSE(bad_ppm);
  EXPECT_EQ(bad_ppm.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace offhook
