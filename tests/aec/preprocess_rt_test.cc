// [rt] proofs for the capture-side DSP (tests/support/rt_probe counts heap allocations and mutex
// locks on this thread): dsp::Preprocessor::process and every run-time setter (which call
// speex_preprocess_ctl), switched every frame, and dsp::EchoCanceller::process. Lives here rather
// than in dsp_tests because rt_probe replaces the global allocator of the binary it is linked into.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dsp/echo/echo_canceller.hpp"
#include "dsp/preprocess/preprocessor.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook::dsp {
namespace {

std::vector<int16_t> noise_pcm(size_t n, uint32_t seed, double rms) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, rms);
  std::vector<int16_t> x(n);
  for (auto& v : x) v = static_cast<int16_t>(std::lround(std::fmax(-32768.0, std::fmin(32767.0, g(rng)))));
  return x;
}

TEST(PreprocessorRtTest, ProcessAndSettersDoNotAllocateOrLock) {
  for (const uint32_t rate : {8000U, 16000U, 48000U}) {
    auto pre = Preprocessor::create({.rate_hz = rate, .noise_suppression = true, .agc = true, .vad = true});
    ASSERT_TRUE(pre.has_value());
    const size_t frame = rate / 100;
    auto pcm = noise_pcm(static_cast<size_t>(rate) * 2, rate, 800.0);
    size_t voiced = 0;
    test::RtCounts counts;
    {
      test::RtProbe probe;
      for (size_t f = 0; (f + 1) * frame <= pcm.size(); ++f) {
        Preprocessor& p = **pre;
        // Switch something every frame, including everything off and back on.
        p.set_noise_suppression(f % 7 != 3);
        p.set_noise_suppress_db(-10 - static_cast<int>(f % 20));
        p.set_agc(f % 5 != 0);
        p.set_agc_target_dbfs(-30.0F + static_cast<float>(f % 15));
        p.set_vad(f % 11 != 0);
        p.set_vad_probabilities(30 + static_cast<int>(f % 10), 15 + static_cast<int>(f % 10));
        if (f % 13 == 0) {
          p.set_noise_suppression(false);
          p.set_agc(false);
          p.set_vad(false);
        }
        voiced += p.process(std::span(pcm).subspan(f * frame, frame)).voice ? 1 : 0;
      }
      counts = probe.counts();
    }
    EXPECT_EQ(counts.allocations, 0U) << rate;
    EXPECT_EQ(counts.mutex_locks, 0U) << rate;
    EXPECT_GT(voiced, 0U);
  }
}

TEST(PreprocessorRtTest, ProbeSeesAnAllocation) {
  // The probe is armed and counting on this thread (so the zeros above mean something).
  test::RtCounts counts;
  {
    test::RtProbe probe;
    auto pre = Preprocessor::create({});
    ASSERT_TRUE(pre.has_value());
    counts = probe.counts();
  }
  EXPECT_GT(counts.allocations, 0U);
}

TEST(EchoCancellerRtTest, ProcessDoesNotAllocateOrLock) {
  auto ec = EchoCanceller::create({});
  ASSERT_TRUE(ec.has_value());
  const size_t frame = (*ec)->frame_samples();
  const auto far = noise_pcm(16000 * 2, 1, 3000.0);
  std::vector<int16_t> mic(far.size());
  for (size_t i = 0; i < mic.size(); ++i) mic[i] = static_cast<int16_t>(i >= 960 ? far[i - 960] / 4 : 0);
  std::vector<int16_t> out(frame);
  test::RtCounts counts;
  {
    test::RtProbe probe;
    for (size_t f = 0; (f + 1) * frame <= far.size(); ++f) {
      (*ec)->process(std::span(far).subspan(f * frame, frame), std::span(mic).subspan(f * frame, frame), out);
    }
    counts = probe.counts();
  }
  EXPECT_EQ(counts.allocations, 0U);
  EXPECT_EQ(counts.mutex_locks, 0U);
}

}  // namespace
}  // namespace offhook::dsp
