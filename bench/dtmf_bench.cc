// dtmf_bench: the cost of DTMF reception per 10 ms (80 samples at 8 kHz) for offhook's DtmfDetector
// and spandsp's dtmf_rx, on the same three signals, measured in the same run: silence, speech-like
// audio (harmonics of a gliding pitch under formants) and a stream of DTMF digits (50 ms on / 50 ms
// off). The summary prints offhook / spandsp time ratios (lower is better for offhook).
// Run a Release (-O3) build; other Google Benchmark flags work as usual.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include <spandsp.h>

#include "dsp/dtmf/dtmf_detector.hpp"
#include "dsp/dtmf/dtmf_generator.hpp"

namespace {

constexpr size_t kFrame = 80;           // 10 ms at 8 kHz
constexpr size_t kSamples = 8000 * 10;  // 10 s per signal

std::vector<int16_t> make_signal(int kind) {
  std::vector<int16_t> x(kSamples, 0);
  if (kind == 1) {
    double phase = 0.0;
    for (size_t i = 0; i < kSamples; ++i) {
      const double t = static_cast<double>(i) / 8000.0;
      const double f0 = 140.0 + 50.0 * std::sin(2.0 * std::numbers::pi * 0.5 * t);
      phase += 2.0 * std::numbers::pi * f0 / 8000.0;
      double v = 0.0;
      for (int h = 1; h * f0 < 3800.0; ++h) {
        const double d = (h * f0 - 700.0) / 150.0;
        const double e = (h * f0 - 1500.0) / 200.0;
        v += (1.0 / std::sqrt(1.0 + d * d) + 0.6 / std::sqrt(1.0 + e * e)) / h * std::sin(h * phase);
      }
      const double env = 0.3 + 0.7 * std::fabs(std::sin(std::numbers::pi * t * 3.0));
      x[i] = static_cast<int16_t>(std::clamp(4000.0 * env * v, -32768.0, 32767.0));
    }
  } else if (kind == 2) {
    auto gen = offhook::dsp::DtmfGenerator::create({.rate_hz = 8000, .on_ms = 50, .off_ms = 50});
    const char keys[] = "0123456789*#ABCD";
    for (int r = 0; r < 7; ++r) (void)gen->push(std::span<const char>(keys, 16));
    gen->generate(x);
  }
  return x;
}

const char* kKindName[] = {"silence", "speech", "digits"};

void bm_offhook(benchmark::State& state) {
  const auto x = make_signal(static_cast<int>(state.range(0)));
  auto det = offhook::dsp::DtmfDetector::create();
  size_t keys = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kSamples; i += kFrame) {
      det->process(std::span<const int16_t>(x.data() + i, kFrame));
      offhook::dsp::DtmfEvent e;
      while (det->pop(e)) keys += e.type == offhook::dsp::DtmfEvent::Type::key_down;
    }
  }
  benchmark::DoNotOptimize(keys);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (kSamples / kFrame)));
  state.SetLabel(kKindName[state.range(0)]);
}

void collect(void* user, const char*, int len) { *static_cast<size_t*>(user) += static_cast<size_t>(len); }

void bm_spandsp(benchmark::State& state) {
  const auto x = make_signal(static_cast<int>(state.range(0)));
  size_t keys = 0;
  dtmf_rx_state_t* rx = dtmf_rx_init(nullptr, collect, &keys);
  for (auto _ : state) {
    for (size_t i = 0; i < kSamples; i += kFrame) dtmf_rx(rx, x.data() + i, static_cast<int>(kFrame));
  }
  dtmf_rx_free(rx);
  benchmark::DoNotOptimize(keys);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (kSamples / kFrame)));
  state.SetLabel(kKindName[state.range(0)]);
}

BENCHMARK(bm_offhook)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_spandsp)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const double ns = run.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      auto [it, inserted] = real_ns.try_emplace(run.benchmark_name(), ns);
      if (!inserted && ns < it->second) it->second = ns;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> real_ns;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("\nDTMF receive cost per 10 ms (ns) and offhook/spandsp ratio:\n");
  for (int kind = 0; kind < 3; ++kind) {
    // Appends rather than operator+ chains, which trip GCC 12's -Wrestrict false positive at -O3.
    std::string ours_name = "bm_offhook/";
    ours_name.append(1, static_cast<char>('0' + kind));
    std::string theirs_name = "bm_spandsp/";
    theirs_name.append(1, static_cast<char>('0' + kind));
    const auto ours = reporter.real_ns.find(ours_name);
    const auto theirs = reporter.real_ns.find(theirs_name);
    if (ours == reporter.real_ns.end() || theirs == reporter.real_ns.end()) continue;
    const double frames = static_cast<double>(kSamples / kFrame);
    std::printf("  %-8s offhook %8.1f  spandsp %8.1f  ratio %.2f\n", kKindName[kind], ours->second / frames,
                theirs->second / frames, ours->second / theirs->second);
  }
  return 0;
}
