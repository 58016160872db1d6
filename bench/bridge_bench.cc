// bridge_bench: the cost of one 10 ms bridge tick at 16 kHz for full-mesh conferences of N = 2, 3, 8
// and 16 ports at unity gains (every port hears all the others), including writing each port's
// input. bm_bridge runs Bridge::mix() (copy / mix_sat / int32 total-minus-own); bm_naive is the
// obvious float mixer: for every (listener, talker) link, accumulate gain * sample, then round and
// clamp each output sample. bm_bridge_gain gives every link a gain of 0.5 (the bridge's float path).
// The summary prints bridge / naive CPU-time ratios (lower is better for the bridge); CPU time, not
// real time, because the build machines are shared and preemption swamps sub-microsecond real times.
// Run a Release (-O3) build; other Google Benchmark flags work as usual.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "src/bridge.hpp"

namespace {

constexpr uint32_t kRate = 16000;
constexpr size_t kFrame = kRate / 100;
constexpr int kSizes[] = {2, 3, 8, 16};

std::vector<std::vector<int16_t>> make_inputs(size_t ports) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(-8000, 8000);
  std::vector<std::vector<int16_t>> in(ports, std::vector<int16_t>(kFrame));
  for (auto& v : in) {
    for (auto& s : v) s = static_cast<int16_t>(d(rng));
  }
  return in;
}

void run_bridge(benchmark::State& state, float gain) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto in = make_inputs(n);
  auto bridge = offhook::Bridge::create({.rate_hz = kRate, .max_ports = static_cast<uint16_t>(n)},
                                        offhook::dsp::kernels_for(offhook::dsp::best_target()));
  for (size_t p = 0; p < n; ++p) (void)(*bridge)->open_port();
  for (size_t p = 0; p < n; ++p) {
    for (size_t q = 0; q < n; ++q) {
      if (p != q) (void)(*bridge)->connect(static_cast<offhook::PortId>(p), static_cast<offhook::PortId>(q), gain);
    }
  }
  int64_t check = 0;
  for (auto _ : state) {
    for (size_t p = 0; p < n; ++p) std::copy(in[p].begin(), in[p].end(), (*bridge)->input(static_cast<offhook::PortId>(p)).begin());
    (*bridge)->mix();
    check += (*bridge)->output(0)[0];
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(check);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void bm_bridge(benchmark::State& state) { run_bridge(state, 1.0f); }
void bm_bridge_gain(benchmark::State& state) { run_bridge(state, 0.5f); }

void bm_naive(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto in = make_inputs(n);
  std::vector<std::vector<int16_t>> inputs(n, std::vector<int16_t>(kFrame));
  std::vector<std::vector<int16_t>> outputs(n, std::vector<int16_t>(kFrame));
  std::vector<float> gain(n * n, 1.0f);  // gain[to * n + from]
  std::vector<uint8_t> linked(n * n, 1);
  for (size_t p = 0; p < n; ++p) linked[p * n + p] = 0;
  std::vector<float> acc(kFrame);
  int64_t check = 0;
  for (auto _ : state) {
    for (size_t p = 0; p < n; ++p) std::copy(in[p].begin(), in[p].end(), inputs[p].begin());
    for (size_t to = 0; to < n; ++to) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (size_t from = 0; from < n; ++from) {
        if (linked[to * n + from] == 0) continue;
        const float g = gain[to * n + from];
        for (size_t i = 0; i < kFrame; ++i) acc[i] += g * static_cast<float>(inputs[from][i]);
      }
      for (size_t i = 0; i < kFrame; ++i) {
        outputs[to][i] = static_cast<int16_t>(std::clamp(std::nearbyint(acc[i]), -32768.0f, 32767.0f));
      }
    }
    check += outputs[0][0];
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(check);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(bm_bridge)->Arg(2)->Arg(3)->Arg(8)->Arg(16);
BENCHMARK(bm_bridge_gain)->Arg(2)->Arg(3)->Arg(8)->Arg(16);
BENCHMARK(bm_naive)->Arg(2)->Arg(3)->Arg(8)->Arg(16);

class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const double ns = run.GetAdjustedCPUTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
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
  std::printf("\nBridge tick at 16 kHz, full mesh (CPU ns per 10 ms; %s kernels), bridge/naive ratio:\n",
              offhook::dsp::target_name(offhook::dsp::best_target()));
  for (int n : kSizes) {
    // Appends rather than operator+ chains, which trip GCC 12's -Wrestrict false positive at -O3.
    std::string arg = "/";
    arg.append(std::to_string(n));
    std::string ours_name = "bm_bridge";
    ours_name.append(arg);
    std::string gain_name = "bm_bridge_gain";
    gain_name.append(arg);
    std::string naive_name = "bm_naive";
    naive_name.append(arg);
    const auto ours = reporter.real_ns.find(ours_name);
    const auto gained = reporter.real_ns.find(gain_name);
    const auto naive = reporter.real_ns.find(naive_name);
    if (ours == reporter.real_ns.end() || naive == reporter.real_ns.end()) continue;
    std::printf("  N=%-3d bridge %8.1f  naive %8.1f  ratio %.2f", n, ours->second, naive->second,
                ours->second / naive->second);
    if (gained != reporter.real_ns.end()) {
      std::printf("   (gain 0.5: bridge %8.1f, ratio %.2f)", gained->second, gained->second / naive->second);
    }
    std::printf("\n");
  }
  return 0;
}
