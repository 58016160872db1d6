// preprocess_bench: cost of one 10 ms frame at 16 kHz with noise suppression and VAD on:
//   BM_offhook_preprocess   dsp::Preprocessor::process
//   BM_speex_preprocess     the raw speex_preprocess_run call, same settings (what we wrap)
//   BM_offhook_all_off      dsp::Preprocessor with everything off (bypass)
// Input: seeded speech-like noise (AR-coloured, syllable-modulated) over white noise. The summary
// prints µs per frame (CPU time) and the wrapper's cost as a ratio of raw speexdsp's, measured in
// this run. Run from a Release build:
//   build/<release dir>/bin/preprocess_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <speex/speex_preprocess.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "dsp/preprocess/preprocessor.hpp"

namespace {

constexpr int kRate = 16000;
constexpr size_t kFrame = 160;
constexpr size_t kSeconds = 4;

const std::vector<int16_t>& signal() {
  static const std::vector<int16_t> s = [] {
    const size_t n = kRate * kSeconds;
    std::mt19937 rng(11);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<int16_t> out(n);
    double y1 = 0.0;
    double y2 = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const double env = std::max(0.0, std::sin(3.14159265 * 4.0 * static_cast<double>(i) / kRate));
      const double y = g(rng) + 1.6 * y1 - 0.8 * y2;
      y2 = y1;
      y1 = y;
      out[i] = static_cast<int16_t>(std::lround(std::clamp(600.0 * env * y + 150.0 * g(rng), -32768.0, 32767.0)));
    }
    return out;
  }();
  return s;
}

std::map<std::string, double>& results_us() {
  static std::map<std::string, double> r;
  return r;
}

template <typename Step>
void run_frames(benchmark::State& state, Step step) {
  const auto& s = signal();
  const size_t frames = s.size() / kFrame;
  std::vector<int16_t> buf(kFrame);
  size_t f = 0;
  for (auto _ : state) {
    std::copy_n(s.begin() + static_cast<std::ptrdiff_t>(f * kFrame), kFrame, buf.begin());
    step(std::span<int16_t>(buf));
    benchmark::DoNotOptimize(buf.data());
    f = f + 1 == frames ? 0 : f + 1;
  }
  state.counters["us_per_frame"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_offhook_preprocess(benchmark::State& state, bool on) {
  auto pre = offhook::dsp::Preprocessor::create({.rate_hz = kRate, .noise_suppression = on, .agc = false, .vad = on});
  if (!pre) {
    state.SkipWithError(pre.error().message.c_str());
    return;
  }
  run_frames(state, [&](std::span<int16_t> frame) { benchmark::DoNotOptimize((*pre)->process(frame)); });
}

void BM_speex_preprocess(benchmark::State& state) {
  SpeexPreprocessState* st = speex_preprocess_state_init(static_cast<int>(kFrame), kRate);
  int on = 1;
  int off = 0;
  int suppress = -15;
  speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DENOISE, &on);
  speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &suppress);
  speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_VAD, &on);
  speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_AGC, &off);
  speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
  run_frames(state, [&](std::span<int16_t> frame) { benchmark::DoNotOptimize(speex_preprocess_run(st, frame.data())); });
  speex_preprocess_state_destroy(st);
}

BENCHMARK_CAPTURE(BM_offhook_preprocess, ns_vad, true);
BENCHMARK(BM_speex_preprocess);
BENCHMARK_CAPTURE(BM_offhook_preprocess, all_off, false);

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration || r.aggregate_name == "mean") {
        results_us()[r.run_name.function_name + (r.run_name.args.empty() ? "" : "/" + r.run_name.args)] =
            r.GetAdjustedCPUTime() / 1000.0;  // ns -> µs
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const auto& r = results_us();
  std::printf("\nus per 10 ms frame (16 kHz, NS + VAD):\n");
  for (const auto& [name, us] : r) std::printf("  %-36s %8.3f\n", name.c_str(), us);
  const auto ours = r.find("BM_offhook_preprocess/ns_vad");
  const auto raw = r.find("BM_speex_preprocess");
  if (ours != r.end() && raw != r.end()) {
    std::printf("offhook preprocessor / raw speex_preprocess_run: %.3fx\n", ours->second / raw->second);
  }
  return 0;
}
