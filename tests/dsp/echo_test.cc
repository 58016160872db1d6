// dsp::DelayEstimator and dsp::EchoCanceller on synthetic echo paths (fixed seeds): a known bulk
// delay plus a decaying FIR room response on white noise and on speech-like noise (AR-coloured,
// syllable-modulated). Checks the estimated delay, ERLE after convergence, that a near-end talker
// survives double talk, re-convergence after the path switches, and argument checking.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dsp/echo/delay_estimator.hpp"
#include "dsp/echo/echo_canceller.hpp"

namespace offhook::dsp {
namespace {

constexpr uint32_t kRate = 16000;
constexpr size_t kFrame = 160;

std::vector<double> white(size_t n, uint32_t seed, double rms) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, rms);
  std::vector<double> x(n);
  for (auto& v : x) v = g(rng);
  return x;
}

// Speech-like: white noise through a resonant AR(2) filter, switched on and off in 150-400 ms
// syllables with 50-300 ms pauses.
std::vector<double> speech_like(size_t n, uint32_t seed, double rms) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_int_distribution<int> on_ms(150, 400);
  std::uniform_int_distribution<int> off_ms(50, 300);
  std::vector<double> x(n);
  double y1 = 0.0;
  double y2 = 0.0;
  size_t i = 0;
  while (i < n) {
    const size_t on = static_cast<size_t>(on_ms(rng)) * kRate / 1000;
    for (size_t k = 0; k < on && i < n; ++k, ++i) {
      const double env = std::sin(3.14159265 * static_cast<double>(k) / static_cast<double>(on));
      const double y = g(rng) + 1.6 * y1 - 0.8 * y2;
      y2 = y1;
      y1 = y;
      x[i] = env * y;
    }
    const size_t off = static_cast<size_t>(off_ms(rng)) * kRate / 1000;
    for (size_t k = 0; k < off && i < n; ++k, ++i) x[i] = 0.0;
  }
  double e = 0.0;
  for (double v : x) e += v * v;
  const double scale = rms / std::sqrt(e / static_cast<double>(n));
  for (auto& v : x) v *= scale;
  return x;
}

// Echo path: `delay` samples of bulk delay, then a direct tap and an exponentially decaying noise
// tail of `tail` samples, with total gain `gain`.
std::vector<double> room(size_t delay, size_t tail, double gain, uint32_t seed) {
  std::vector<double> h(delay + tail, 0.0);
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  double e = 0.0;
  for (size_t k = 0; k < tail; ++k) {
    const double v = (k == 0 ? 3.0 : g(rng)) * std::exp(-6.9 * static_cast<double>(k) / static_cast<double>(tail));
    h[delay + k] = v;
    e += v * v;
  }
  for (auto& v : h) v *= gain / std::sqrt(e);
  return h;
}

std::vector<double> convolve(const std::vector<double>& x, const std::vector<double>& h) {
  std::vector<double> y(x.size(), 0.0);
  size_t first = 0;
  while (first < h.size() && h[first] == 0.0) ++first;
  for (size_t n = 0; n < x.size(); ++n) {
    double acc = 0.0;
    for (size_t k = first; k < h.size() && k <= n; ++k) acc += h[k] * x[n - k];
    y[n] = acc;
  }
  return y;
}

std::vector<int16_t> to_pcm(const std::vector<double>& x) {
  std::vector<int16_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<int16_t>(std::lround(std::clamp(x[i], -32768.0, 32767.0)));
  return out;
}

double power(std::span<const int16_t> x, size_t from, size_t to) {
  double e = 0.0;
  for (size_t i = from; i < to; ++i) e += static_cast<double>(x[i]) * x[i];
  return e / static_cast<double>(to - from) + 1e-9;
}

double power(const std::vector<double>& x, size_t from, size_t to) {
  double e = 0.0;
  for (size_t i = from; i < to; ++i) e += x[i] * x[i];
  return e / static_cast<double>(to - from) + 1e-9;
}

std::vector<int16_t> run(EchoCanceller& ec, const std::vector<int16_t>& far, const std::vector<int16_t>& mic) {
  std::vector<int16_t> out(mic.size(), 0);
  for (size_t i = 0; i + kFrame <= mic.size(); i += kFrame) {
    ec.process(std::span(far).subspan(i, kFrame), std::span(mic).subspan(i, kFrame), std::span(out).subspan(i, kFrame));
  }
  return out;
}

TEST(DelayEstimatorTest, FindsBulkDelayOfWhiteNoiseAndSpeechLike) {
  for (const bool speech : {false, true}) {
    for (const size_t delay : {size_t{0}, size_t{1200}, size_t{4800}}) {  // 0, 75, 300 ms
      SCOPED_TRACE(testing::Message() << "speech " << speech << " delay " << delay);
      const size_t n = kRate * 4;
      const auto far_d = speech ? speech_like(n, 11, 3000.0) : white(n, 11, 3000.0);
      auto echo = convolve(far_d, room(delay, 800, 0.5, 12));
      const auto noise = white(n, 13, 30.0);
      for (size_t i = 0; i < n; ++i) echo[i] += noise[i];
      const auto far = to_pcm(far_d);
      const auto mic = to_pcm(echo);
      auto est = DelayEstimator::create({});
      ASSERT_TRUE(est.has_value());
      for (size_t i = 0; i + kFrame <= n; i += kFrame) {
        (*est)->process(std::span(far).subspan(i, kFrame), std::span(mic).subspan(i, kFrame));
      }
      const int32_t got = (*est)->delay_samples();
      ASSERT_GE(got, 0);
      // The peak is the strongest early part of the response: at most two decimated lags before
      // the direct tap and within 10 ms after it (the canceller's window starts 20 ms earlier).
      EXPECT_GE(got, static_cast<int32_t>(delay) - 2 * static_cast<int32_t>((*est)->resolution_samples()));
      EXPECT_LE(got, static_cast<int32_t>(delay) + static_cast<int32_t>(kRate / 100));
    }
  }
}

// follow() (the fast estimator reusing the main one's correlation work) must track like a
// standalone estimator with the same settings, also while its leader does not learn.
TEST(DelayEstimatorTest, FollowerMatchesStandaloneEstimator) {
  const size_t n = kRate * 4;
  const size_t delay = 2400;  // 150 ms
  const auto far_d = speech_like(n, 31, 3000.0);
  auto echo = convolve(far_d, room(delay, 800, 0.5, 32));
  const auto noise = white(n, 33, 30.0);
  for (size_t i = 0; i < n; ++i) echo[i] += noise[i];
  const auto far = to_pcm(far_d);
  const auto mic = to_pcm(echo);
  DelayEstimatorConfig fast_config;
  fast_config.memory_ms = 200;
  fast_config.stable_ms = 150;
  fast_config.min_peak_ratio = 8.0F;
  auto leader = DelayEstimator::create({});
  auto follower = DelayEstimator::create(fast_config);
  auto standalone = DelayEstimator::create(fast_config);
  ASSERT_TRUE(leader.has_value() && follower.has_value() && standalone.has_value());
  size_t agree = 0;
  size_t frames = 0;
  for (size_t i = 0; i + kFrame <= n; i += kFrame, ++frames) {
    const bool leader_learns = (frames / 50) % 2 == 0;  // the leader pauses every other 0.5 s
    (*leader)->process(std::span(far).subspan(i, kFrame), std::span(mic).subspan(i, kFrame), leader_learns);
    (*follower)->follow(**leader, true);
    (*standalone)->process(std::span(far).subspan(i, kFrame), std::span(mic).subspan(i, kFrame), true);
    agree += (*follower)->delay_samples() == (*standalone)->delay_samples() ? 1 : 0;
  }
  EXPECT_GE((*follower)->delay_samples(), static_cast<int32_t>(delay) - 2 * static_cast<int32_t>((*follower)->resolution_samples()));
  EXPECT_LE((*follower)->delay_samples(), static_cast<int32_t>(delay + kRate / 100));
  EXPECT_EQ((*follower)->delay_samples(), (*standalone)->delay_samples());
  EXPECT_GE(agree, frames * 95 / 100);  // summation order differs; the estimate should not
  // A follower of a different geometry does nothing.
  auto other = DelayEstimator::create({.max_delay_ms = 200});
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE((*other)->follow(**leader, true));
  EXPECT_EQ((*other)->delay_samples(), -1);
}

TEST(DelayEstimatorTest, NoEstimateWithoutEchoAndRejectsBadConfig) {
  const size_t n = kRate * 3;
  const auto far = to_pcm(white(n, 21, 3000.0));
  const auto mic = to_pcm(white(n, 22, 3000.0));  // unrelated signal: no echo path
  auto est = DelayEstimator::create({});
  ASSERT_TRUE(est.has_value());
  for (size_t i = 0; i + kFrame <= n; i += kFrame) {
    (*est)->process(std::span(far).subspan(i, kFrame), std::span(mic).subspan(i, kFrame));
  }
  EXPECT_EQ((*est)->delay_samples(), -1);
  EXPECT_FALSE(DelayEstimator::create({.rate_hz = 11025}).has_value());
  EXPECT_FALSE(DelayEstimator::create({.frame_ms = 0}).has_value());
  EXPECT_FALSE(DelayEstimator::create({.max_delay_ms = 0}).has_value());
}

struct Scene {
  std::vector<int16_t> far;
  std::vector<int16_t> mic;
  std::vector<double> echo;
  std::vector<double> near;
};

// Far speech-like at -24 dBFS-ish; echo through `h1` (then `h2` from `switch_at`); near-end talker
// from `near_from` (0: none); pink-ish noise floor ~-60 dBFS.
Scene make_scene(size_t n, const std::vector<double>& h1, const std::vector<double>& h2, size_t switch_at,
                 size_t near_from, uint32_t seed) {
  Scene s;
  const auto far_d = speech_like(n, seed, 2000.0);
  const auto e1 = convolve(far_d, h1);
  const auto e2 = h2.empty() ? e1 : convolve(far_d, h2);
  s.echo.resize(n);
  for (size_t i = 0; i < n; ++i) s.echo[i] = i < switch_at ? e1[i] : e2[i];
  s.near.assign(n, 0.0);
  if (near_from > 0) {
    const auto talker = speech_like(n, seed + 100, 1000.0);
    for (size_t i = near_from; i < n; ++i) s.near[i] = talker[i];
  }
  const auto noise = white(n, seed + 200, 20.0);
  std::vector<double> mic(n);
  for (size_t i = 0; i < n; ++i) mic[i] = s.echo[i] + s.near[i] + noise[i];
  s.far = to_pcm(far_d);
  s.mic = to_pcm(mic);
  return s;
}

TEST(EchoCancellerTest, CancelsDelayedEchoWithoutDelayHint) {
  const size_t n = kRate * 8;
  const auto h = room(kRate * 150 / 1000, kRate * 60 / 1000, 0.7, 31);  // 150 ms bulk delay
  const Scene s = make_scene(n, h, {}, n, 0, 32);
  auto ec = EchoCanceller::create({});
  ASSERT_TRUE(ec.has_value());
  const auto out = run(**ec, s.far, s.mic);
  const auto st = (*ec)->stats();
  EXPECT_GE(st.estimated_delay_ms, 149.0);
  EXPECT_LE(st.estimated_delay_ms, 160.0);
  EXPECT_GE(st.realignments, 1U);
  const double erle_db = 10.0 * std::log10(power(s.echo, 3 * kRate, n) / power(out, 3 * kRate, n));
  EXPECT_GT(erle_db, 30.0);
  EXPECT_GT(st.erle_db, 20.0);
  // Converged within the first 2 s already.
  const double early_db = 10.0 * std::log10(power(s.echo, kRate, 2 * kRate) / power(out, kRate, 2 * kRate));
  EXPECT_GT(early_db, 15.0);
}

TEST(EchoCancellerTest, LinearFilterAloneBeatsSpeexWithoutAlignment) {
  // 250 ms of bulk delay is beyond speexdsp's 200 ms tail: alone it cannot cancel anything, with
  // the delay estimator in front it can. No residual suppression in either, to compare filters.
  const size_t n = kRate * 8;
  const auto h = room(kRate * 250 / 1000, kRate * 40 / 1000, 0.7, 41);
  const Scene s = make_scene(n, h, {}, n, 0, 42);
  EchoCancellerConfig ours{.residual_suppression = false, .nlp = false};
  EchoCancellerConfig speex{.estimate_delay = false, .residual_suppression = false, .nlp = false};
  auto a = EchoCanceller::create(ours);
  auto b = EchoCanceller::create(speex);
  ASSERT_TRUE(a.has_value() && b.has_value());
  const auto out_a = run(**a, s.far, s.mic);
  const auto out_b = run(**b, s.far, s.mic);
  const double erle_a = 10.0 * std::log10(power(s.echo, 4 * kRate, n) / power(out_a, 4 * kRate, n));
  const double erle_b = 10.0 * std::log10(power(s.echo, 4 * kRate, n) / power(out_b, 4 * kRate, n));
  EXPECT_GT(erle_a, 15.0);
  EXPECT_LT(erle_b, 3.0);
  EXPECT_EQ((*b)->stats().estimated_delay_samples, -1);
}

TEST(EchoCancellerTest, KeepsNearEndInDoubleTalk) {
  const size_t n = kRate * 10;
  const auto h = room(kRate * 60 / 1000, kRate * 60 / 1000, 0.5, 51);
  const size_t near_from = 5 * kRate;
  const Scene s = make_scene(n, h, {}, n, near_from, 52);
  // speex_preprocess's residual-echo and noise suppressor takes this stationary, noise-like
  // synthetic talker for noise and echo (about -27 dB); this test checks our double-talk
  // detector and NLP, so it runs without it (the shared AEC data checks the whole chain).
  auto ec = EchoCanceller::create({.residual_suppression = false});
  ASSERT_TRUE(ec.has_value());
  const auto out = run(**ec, s.far, s.mic);
  // Least-squares gain of the near-end in the output over the double-talk part.
  double on = 0.0;
  double nn = 0.0;
  for (size_t i = near_from; i < n; ++i) {
    on += out[i] * s.near[i];
    nn += s.near[i] * s.near[i];
  }
  const double gain_db = 20.0 * std::log10(std::max(on / nn, 1e-6));
  EXPECT_GT(gain_db, -3.0);
  EXPECT_GT((*ec)->stats().near_active_frames, 0U);
  // The echo before the talker starts is still cancelled.
  const double erle_db = 10.0 * std::log10(power(s.echo, 2 * kRate, near_from) / power(out, 2 * kRate, near_from));
  EXPECT_GT(erle_db, 25.0);
}

TEST(EchoCancellerTest, ReconvergesAfterEchoPathSwitch) {
  const size_t n = kRate * 12;
  const auto h1 = room(kRate * 40 / 1000, kRate * 60 / 1000, 0.6, 61);
  const auto h2 = room(kRate * 220 / 1000, kRate * 60 / 1000, 0.6, 62);  // far outside the first window
  const size_t change = 5 * kRate;
  const Scene s = make_scene(n, h1, h2, change, 0, 63);
  auto ec = EchoCanceller::create({});
  ASSERT_TRUE(ec.has_value());
  const auto out = run(**ec, s.far, s.mic);
  const auto st = (*ec)->stats();
  // The 40 ms path fits the initial window (no realignment); the 220 ms one needs one.
  EXPECT_GE(st.estimated_delay_ms, 219.0);
  EXPECT_LE(st.estimated_delay_ms, 230.0);
  EXPECT_GE(st.realignments, 1U);
  const double before_db = 10.0 * std::log10(power(s.echo, 2 * kRate, change) / power(out, 2 * kRate, change));
  const double after_db = 10.0 * std::log10(power(s.echo, change + 3 * kRate, n) / power(out, change + 3 * kRate, n));
  EXPECT_GT(before_db, 25.0);
  EXPECT_GT(after_db, 25.0);
}

TEST(EchoCancellerTest, RejectsBadConfigAndWrongFrameSizes) {
  EXPECT_FALSE(EchoCanceller::create({.rate_hz = 44100}).has_value());
  EXPECT_FALSE(EchoCanceller::create({.tail_ms = 5}).has_value());
  EXPECT_FALSE(EchoCanceller::create({.lead_ms = 300}).has_value());
  auto ec = EchoCanceller::create({});
  ASSERT_TRUE(ec.has_value());
  EXPECT_EQ((*ec)->frame_samples(), kFrame);
  std::vector<int16_t> far(kFrame - 1, 100);
  std::vector<int16_t> mic(kFrame, 0);
  for (size_t i = 0; i < kFrame; ++i) mic[i] = static_cast<int16_t>(i * 7);
  std::vector<int16_t> out(kFrame, 0);
  (*ec)->process(far, mic, out);  // far too short: output is the mic, nothing processed
  EXPECT_EQ(out, mic);
  EXPECT_EQ((*ec)->stats().frames, 0U);
}

}  // namespace
}  // namespace offhook::dsp
