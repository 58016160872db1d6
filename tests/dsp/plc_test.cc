// dsp::WaveformPlc: rates, pitch continuation at 8/16/48 kHz, fade to comfort noise, and no clicks at
// either edge of a loss (bounded sample-to-sample jump, with negative controls).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "dsp/plc/waveform_plc.hpp"

namespace offhook::dsp {
namespace {

std::vector<int16_t> tone(double hz, uint32_t rate, size_t n, double amp = 12000.0) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(std::lround(amp * std::sin(2.0 * std::numbers::pi * hz * i / rate)));
  return out;
}

// Voiced-speech-like: 6 harmonics with 1/k tilt, pitch gliding slowly around 150 Hz.
std::vector<int16_t> voiced(uint32_t rate, size_t n) {
  std::vector<int16_t> out(n);
  double phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double f0 = 150.0 + 20.0 * std::sin(2.0 * std::numbers::pi * 1.5 * i / rate);
    phase += 2.0 * std::numbers::pi * f0 / rate;
    double v = 0.0;
    for (int k = 1; k <= 6; ++k) v += std::sin(k * phase + 0.4 * k) / k;
    out[i] = static_cast<int16_t>(std::lround(6000.0 * v));
  }
  return out;
}

double rms(std::span<const int16_t> x) {
  double e = 0.0;
  for (int16_t v : x) e += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(e / static_cast<double>(x.size()));
}

TEST(WaveformPlc, Rates) {
  for (uint32_t ok : {8000u, 16000u, 24000u, 32000u, 48000u}) EXPECT_TRUE(WaveformPlc::create(ok)) << ok;
  for (uint32_t bad : {0u, 11025u, 44100u, 96000u}) {
    auto r = WaveformPlc::create(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
}

// The first 10 ms of concealment match the true continuation of a steady tone (pitch found, at the
// 8 kHz grid then refined), and the chosen period is the tone's (or a multiple of it).
TEST(WaveformPlc, ContinuesThePitchAtEveryRate) {
  for (uint32_t rate : {8000u, 16000u, 48000u}) {
    SCOPED_TRACE(rate);
    const double f0 = 160.0;  // 50, 100, 300 samples per period
    const size_t frame = rate / 50;
    const std::vector<int16_t> x = tone(f0, rate, frame * 4);
    auto plc = WaveformPlc::create(rate);
    ASSERT_TRUE(plc);
    std::vector<int16_t> buf(frame);
    for (size_t f = 0; f < 3; ++f) {
      std::copy_n(x.begin() + static_cast<ptrdiff_t>(f * frame), frame, buf.begin());
      plc->observe_good(buf);
    }
    std::vector<int16_t> concealed(rate / 100);
    plc->conceal(concealed);
    const size_t period = rate / 160;
    EXPECT_EQ(plc->pitch_samples() % period, 0u) << plc->pitch_samples();
    double err = 0.0, sig = 0.0;
    for (size_t i = 0; i < concealed.size(); ++i) {
      const double ref = x[3 * frame + i];
      err += (ref - concealed[i]) * (ref - concealed[i]);
      sig += ref * ref;
    }
    EXPECT_GT(10.0 * std::log10(sig / std::max(err, 1.0)), 25.0);
  }
}

TEST(WaveformPlc, SilentWithoutHistoryAndFadesToComfortNoise) {
  auto plc = WaveformPlc::create(8000);
  std::vector<int16_t> out(160, 99);
  plc->conceal(out);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int16_t v) { return v == 0; }));

  // Speech with a quiet noise floor in between: the comfort noise lands near that floor.
  auto p2 = WaveformPlc::create(8000);
  std::vector<int16_t> quiet(160);
  uint32_t seed = 7;
  for (int16_t& v : quiet) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<int16_t>(static_cast<int>(seed >> 24) - 128);  // rms about 74
  }
  p2->observe_good(quiet);
  std::vector<int16_t> loud = voiced(8000, 160);
  p2->observe_good(loud);
  std::vector<int16_t> lost(8000 / 1000 * 100);  // 100 ms in 10 ms calls
  for (size_t off = 0; off < lost.size(); off += 80) p2->conceal(std::span(lost).subspan(off, 80));
  EXPECT_GT(rms(std::span(lost).first(80)), 0.8 * rms(loud));
  const double tail = rms(std::span(lost).subspan(480, 320));  // 60..100 ms: comfort noise only
  EXPECT_GT(tail, 0.5 * rms(quiet));
  EXPECT_LT(tail, 2.0 * rms(quiet));
  EXPECT_EQ(p2->lost_samples(), lost.size());
}

// Click metric: the largest |second difference| |x[n] - 2x[n-1] + x[n-2]|, which a discontinuity
// of size D raises to about D while smooth voiced speech keeps it small.
int max_d2(std::span<const int16_t> x, size_t begin, size_t end) {
  int m = 0;
  for (size_t i = std::max<size_t>(begin, 2); i < end && i < x.size(); ++i) {
    m = std::max(m, std::abs(int{x[i]} - 2 * int{x[i - 1]} + int{x[i - 2]}));
  }
  return m;
}

// No clicks at either edge: within 5 ms of each edge the click metric stays within 2x its maximum
// over the original signal, plus, where comfort noise is present, the most uniform noise can give
// (4 x its peak, sqrt(3) x its RMS). Negative controls over the same cases: zero-filling the loss, and
// splicing the returning packet in without the merge, exceed that bound in most cases.
TEST(WaveformPlc, NoClicksAtLossEdges) {
  int cases = 0, zero_fill_clicks = 0, splice_clicks = 0;
  for (uint32_t rate : {8000u, 16000u}) {
    for (size_t first_lost : {size_t{5}, size_t{6}, size_t{7}}) {
      for (size_t lost_frames : {size_t{1}, size_t{3}, size_t{8}}) {
        SCOPED_TRACE(testing::Message() << rate << " Hz, frame " << first_lost << ", " << lost_frames << " x 20 ms");
        const size_t frame = rate / 50;
        const std::vector<int16_t> x = voiced(rate, frame * 20);
        auto plc = WaveformPlc::create(rate);
        std::vector<int16_t> out(x.size()), zero_filled(x), spliced;
        for (size_t f = 0; f < 20; ++f) {
          const std::span<int16_t> dst = std::span(out).subspan(f * frame, frame);
          if (f >= first_lost && f < first_lost + lost_frames) {
            plc->conceal(dst);
            std::fill_n(zero_filled.begin() + static_cast<ptrdiff_t>(f * frame), frame, int16_t{0});
            continue;
          }
          std::copy_n(x.begin() + static_cast<ptrdiff_t>(f * frame), frame, dst.begin());
          if (f == first_lost + lost_frames) {
            spliced = out;  // the good frame as decoded, before observe_good() merges it
          }
          plc->observe_good(dst);
        }
        const int bound = 2 * max_d2(x, 0, x.size()) +
                          static_cast<int>(4.0f * 1.7320508f * plc->comfort_noise_rms()) + 1;
        const size_t start = first_lost * frame, end = (first_lost + lost_frames) * frame;
        const size_t w = rate / 200;
        EXPECT_LE(max_d2(out, start - w, start + w), bound);
        EXPECT_LE(max_d2(out, end - w, end + w), bound);
        ++cases;
        if (max_d2(zero_filled, start - w, start + w) > bound || max_d2(zero_filled, end - w, end + w) > bound) {
          ++zero_fill_clicks;
        }
        if (max_d2(spliced, end - w, end + w) > bound) ++splice_clicks;
      }
    }
  }
  RecordProperty("plc_cases", cases);
  RecordProperty("plc_zero_fill_clicks", zero_fill_clicks);
  RecordProperty("plc_splice_clicks", splice_clicks);
  EXPECT_GT(zero_fill_clicks, cases * 3 / 4);
  EXPECT_GT(splice_clicks, cases / 2);
}

}  // namespace
}  // namespace offhook::dsp
