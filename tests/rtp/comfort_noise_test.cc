#include "rtp/comfort_noise.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace offhook::rtp {
namespace {

// AR(1) noise y[n] = x[n] + pole * y[n-1]: low-pass for pole > 0.
std::vector<int16_t> ar1_noise(double pole, double stddev, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0, stddev);
  std::vector<int16_t> out(n);
  double y = 0;
  for (auto& s : out) {
    y = dist(rng) + pole * y;
    s = static_cast<int16_t>(std::clamp(std::lround(y), -32768L, 32767L));
  }
  return out;
}

TEST(ComfortNoiseTest, GoldenPayload) {
  // Hand-assembled per RFC 3389 §3: level 60 (-60 dBov), then k1 = 0 (127), k2 = 0.5 (191),
  // k3 = -0.5 (63).
  const std::array<uint8_t, 4> bytes = {60, 127, 191, 63};
  CnParams p;
  size_t count = 0;
  ASSERT_EQ(parse_cn(bytes, p, &count), CnStatus::ok);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(p.level_neg_dbov, 60);
  ASSERT_EQ(p.order, 3);
  EXPECT_FLOAT_EQ(p.reflection[0], 0.0f);
  EXPECT_FLOAT_EQ(p.reflection[1], 0.5f);
  EXPECT_FLOAT_EQ(p.reflection[2], -0.5f);
  std::array<uint8_t, 8> out{};
  ASSERT_EQ(write_cn(p, out), 4u);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), out.begin()));
  EXPECT_EQ(parse_cn({}, p), CnStatus::truncated);
  const std::array<uint8_t, 1> level_only = {0x80 | 40};  // reserved bit set: ignored
  ASSERT_EQ(parse_cn(level_only, p), CnStatus::ok);
  EXPECT_EQ(p.level_neg_dbov, 40);
  EXPECT_EQ(p.order, 0);
  EXPECT_EQ(write_cn(p, std::span(out).first(0)), 0u);
}

TEST(ComfortNoiseTest, MoreCoefficientsThanSupportedAreConsumed) {
  std::vector<uint8_t> bytes(1 + 20, 127);
  bytes[0] = 50;
  CnParams p;
  size_t count = 0;
  ASSERT_EQ(parse_cn(bytes, p, &count), CnStatus::ok);
  EXPECT_EQ(count, 20u);
  EXPECT_EQ(p.order, kCnMaxOrder);
}

TEST(ComfortNoiseTest, LevelOfKnownSignals) {
  const std::vector<int16_t> square(160, 32767);
  EXPECT_EQ(level_neg_dbov(square), 0);
  std::vector<int16_t> sine(8000);
  for (size_t i = 0; i < sine.size(); ++i) sine[i] = static_cast<int16_t>(std::lround(3276.7 * std::sin(i * 0.3)));
  EXPECT_EQ(level_neg_dbov(sine), 23);  // -20 dB amplitude, -3 dB for a sine
  EXPECT_EQ(level_neg_dbov(std::vector<int16_t>(160, 0)), kCnSilentLevel);
}

TEST(ComfortNoiseTest, AnalyseFindsTheSpectralTilt) {
  const CnParams low = analyse_comfort_noise(ar1_noise(0.9, 100, 1600, 1), 4);
  EXPECT_NEAR(low.reflection[0], -0.9f, 0.06f);
  const CnParams white = analyse_comfort_noise(ar1_noise(0.0, 100, 1600, 2), 4);
  EXPECT_NEAR(white.reflection[0], 0.0f, 0.08f);
  // 100 / sqrt(1 - 0.81) = 229 rms: 20 log10(32768 / 229) = 43 dB.
  EXPECT_NEAR(low.level_neg_dbov, 43, 1);
  // Quantized as on the wire: write + parse gives the same coefficients.
  std::array<uint8_t, 32> buf{};
  const size_t n = write_cn(low, buf);
  ASSERT_EQ(n, 5u);
  CnParams back;
  ASSERT_EQ(parse_cn(std::span(buf.data(), n), back), CnStatus::ok);
  for (size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(back.reflection[i], low.reflection[i]);
}

TEST(ComfortNoiseTest, GeneratorMatchesLevelAndSpectrum) {
  const CnParams src = analyse_comfort_noise(ar1_noise(0.8, 300, 1600, 3), 8);
  ComfortNoiseGenerator gen(42);
  gen.update(src);
  std::vector<int16_t> out(16000);
  for (size_t i = 0; i < out.size(); i += 160) gen.generate(std::span(out.data() + i, 160));
  const CnParams again = analyse_comfort_noise(std::span(out).subspan(800), 8);
  EXPECT_NEAR(again.level_neg_dbov, src.level_neg_dbov, 1);
  EXPECT_NEAR(again.reflection[0], src.reflection[0], 0.05f);
  EXPECT_NEAR(again.reflection[1], src.reflection[1], 0.08f);

  gen.update(CnParams{});  // level 127: silence
  std::vector<int16_t> quiet(160, 1);
  gen.generate(quiet);
  // The filter state decays; after a few samples it is silent.
  EXPECT_EQ(quiet.back(), 0);
}

TEST(ComfortNoiseTest, SendPolicy) {
  using Action = ComfortNoiseSendPolicy::Action;
  ComfortNoiseSendPolicy p({.level_change_db = 3, .refresh_ms = 1000});
  EXPECT_EQ(p.on_frame(true, 30, 0), Action::send_audio);
  EXPECT_EQ(p.on_frame(false, 60, 20), Action::send_cn);       // silence starts
  EXPECT_EQ(p.on_frame(false, 61, 40), Action::send_nothing);  // small change
  EXPECT_EQ(p.on_frame(false, 64, 60), Action::send_cn);       // 4 dB from the last SID
  EXPECT_EQ(p.on_frame(false, 64, 1000), Action::send_nothing);
  EXPECT_EQ(p.on_frame(false, 64, 1060), Action::send_cn);     // refresh
  EXPECT_EQ(p.on_frame(true, 30, 1080), Action::send_audio_with_marker);
  EXPECT_EQ(p.on_frame(true, 30, 1100), Action::send_audio);
}

}  // namespace
}  // namespace offhook::rtp
