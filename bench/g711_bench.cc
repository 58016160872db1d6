// g711_bench: every dsp kernel on every compiled and supported target, against spandsp's per-sample
// G.711 and a PJMEDIA-style lookup-table G.711, measured in the same run. A custom reporter records
// each benchmark's real time, and the summary prints the ratios the project tracks:
//   AVX2 vs spandsp (target >= 8x) and scalar vs the lookup table (target >= 1x), and every compiled
//   target (sse2/avx2 on x86-64, neon on ARM) against scalar, kernel by kernel.
// Run a Release (-O3) build; other Google Benchmark flags (--benchmark_filter, ...) work as usual.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numbers>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

// spandsp's headers need the fixed-width types first; its G.711 functions are static inline.
#include <cstdint>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

#include "dsp/kernels.hpp"

namespace {

using offhook::dsp::Kernels;
using offhook::dsp::Target;

constexpr size_t kFrame = 160;  // 20 ms at 8 kHz

// Concatenation without operator+ chains, which trip GCC 12's -Wrestrict false positive at -O3.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p.data(), p.size());
  return out;
}

// Speech-like input: harmonics of a gliding pitch under a syllabic envelope (as the codec tests).
std::array<int16_t, kFrame> speech_frame() {
  std::array<int16_t, kFrame> out{};
  double phase = 0.0;
  for (size_t i = 0; i < kFrame; ++i) {
    const double t = static_cast<double>(i) / 8000.0;
    phase += 2.0 * std::numbers::pi * (160.0 + 60.0 * std::sin(2.0 * std::numbers::pi * 0.7 * t)) / 8000.0;
    double v = 0.0;
    for (int k = 1; k <= 8; ++k) v += std::sin(k * phase + 0.3 * k) / k;
    out[i] = static_cast<int16_t>(std::lround(9000.0 * (0.2 + 0.8 * std::sin(std::numbers::pi * t / 0.02)) * v));
  }
  return out;
}

const std::array<int16_t, kFrame> kSpeech = speech_frame();

// PJMEDIA-style tables, built once at start from the reference: µ-law encode indexed by the 14 top
// bits (x >> 2), A-law by the 13 top bits (x >> 3), 256-entry decode tables.
struct LutG711 {
  std::vector<uint8_t> ulaw_enc = std::vector<uint8_t>(16384);
  std::vector<uint8_t> alaw_enc = std::vector<uint8_t>(8192);
  std::array<int16_t, 256> ulaw_dec{};
  std::array<int16_t, 256> alaw_dec{};
  LutG711() {
    for (size_t i = 0; i < ulaw_enc.size(); ++i) ulaw_enc[i] = linear_to_ulaw(static_cast<int16_t>(i << 2));
    for (size_t i = 0; i < alaw_enc.size(); ++i) alaw_enc[i] = linear_to_alaw(static_cast<int16_t>(i << 3));
    for (size_t i = 0; i < 256; ++i) {
      ulaw_dec[i] = ulaw_to_linear(static_cast<uint8_t>(i));
      alaw_dec[i] = alaw_to_linear(static_cast<uint8_t>(i));
    }
  }
};

const LutG711& lut() {
  static const LutG711 tables;
  return tables;
}

// One 20 ms frame through encode then decode, the codec's per-packet work.
template <class Encode, class Decode>
void run_g711(benchmark::State& state, Encode encode, Decode decode) {
  std::array<int16_t, kFrame> in = kSpeech;
  std::array<uint8_t, kFrame> codes{};
  std::array<int16_t, kFrame> out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    encode(in.data(), codes.data(), kFrame);
    benchmark::ClobberMemory();
    decode(codes.data(), out.data(), kFrame);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kFrame);
}

void register_g711() {
  for (Target t : offhook::dsp::compiled_targets()) {
    if (!offhook::dsp::target_supported(t)) continue;
    const Kernels& k = offhook::dsp::kernels_for(t);
    const char* target = offhook::dsp::target_name(t);
    benchmark::RegisterBenchmark(cat({"BM_g711_ulaw/", target}).c_str(),
                                 [&k](benchmark::State& s) { run_g711(s, k.ulaw_encode, k.ulaw_decode); });
    benchmark::RegisterBenchmark(cat({"BM_g711_alaw/", target}).c_str(),
                                 [&k](benchmark::State& s) { run_g711(s, k.alaw_encode, k.alaw_decode); });
  }
  benchmark::RegisterBenchmark("BM_g711_ulaw/spandsp", [](benchmark::State& s) {
    run_g711(
        s, [](const int16_t* in, uint8_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = linear_to_ulaw(in[i]); },
        [](const uint8_t* in, int16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = ulaw_to_linear(in[i]); });
  });
  benchmark::RegisterBenchmark("BM_g711_alaw/spandsp", [](benchmark::State& s) {
    run_g711(
        s, [](const int16_t* in, uint8_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = linear_to_alaw(in[i]); },
        [](const uint8_t* in, int16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = alaw_to_linear(in[i]); });
  });
  benchmark::RegisterBenchmark("BM_g711_ulaw/lut", [](benchmark::State& s) {
    const LutG711& l = lut();
    run_g711(
        s,
        [&l](const int16_t* in, uint8_t* out, size_t n) {
          for (size_t i = 0; i < n; ++i) out[i] = l.ulaw_enc[static_cast<uint16_t>(in[i]) >> 2];
        },
        [&l](const uint8_t* in, int16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = l.ulaw_dec[in[i]]; });
  });
  benchmark::RegisterBenchmark("BM_g711_alaw/lut", [](benchmark::State& s) {
    const LutG711& l = lut();
    run_g711(
        s,
        [&l](const int16_t* in, uint8_t* out, size_t n) {
          for (size_t i = 0; i < n; ++i) out[i] = l.alaw_enc[static_cast<uint16_t>(in[i]) >> 3];
        },
        [&l](const uint8_t* in, int16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = l.alaw_dec[in[i]]; });
  });
}

void register_pcm() {
  for (Target t : offhook::dsp::compiled_targets()) {
    if (!offhook::dsp::target_supported(t)) continue;
    const Kernels& k = offhook::dsp::kernels_for(t);
    const std::string suffix = cat({"/", offhook::dsp::target_name(t), "/", std::to_string(kFrame)});
    benchmark::RegisterBenchmark(cat({"BM_s16_to_float", suffix}).c_str(), [&k](benchmark::State& s) {
      std::array<float, kFrame> out{};
      for (auto _ : s) {
        k.s16_to_float(kSpeech.data(), out.data(), kFrame);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
    });
    benchmark::RegisterBenchmark(cat({"BM_float_to_s16", suffix}).c_str(), [&k](benchmark::State& s) {
      std::array<float, kFrame> in{};
      for (size_t i = 0; i < kFrame; ++i) in[i] = static_cast<float>(kSpeech[i]) * 1.7f + 0.25f;  // some saturate
      std::array<int16_t, kFrame> out{};
      for (auto _ : s) {
        k.float_to_s16(in.data(), out.data(), kFrame);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
    });
    benchmark::RegisterBenchmark(cat({"BM_mix_sat", suffix}).c_str(), [&k](benchmark::State& s) {
      std::array<int16_t, kFrame> b{};
      for (size_t i = 0; i < kFrame; ++i) b[i] = kSpeech[kFrame - 1 - i];
      std::array<int16_t, kFrame> out{};
      for (auto _ : s) {
        k.mix_sat(kSpeech.data(), b.data(), out.data(), kFrame);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
    });
  }
}

// The console output as usual, plus each benchmark's best real time per iteration, in ns.
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

// "ratio ulaw spandsp/avx2 = 11.3x (target >= 8x)": how many times faster `fast` is than `slow`.
void print_ratio(const std::map<std::string, double>& ns, const std::string& prefix, const char* law,
                 const std::string& slow, const std::string& fast, double target) {
  const auto s = ns.find(cat({prefix, slow}));
  const auto f = ns.find(cat({prefix, fast}));
  if (s == ns.end() || f == ns.end()) return;
  const double ratio = s->second / f->second;
  if (target > 0.0) {
    std::printf("ratio %s %s/%s = %.2fx (target >= %gx) %s\n", law, slow.c_str(), fast.c_str(), ratio, target,
                ratio >= target ? "OK" : "MISSED");
  } else {
    std::printf("ratio %s %s/%s = %.2fx\n", law, slow.c_str(), fast.c_str(), ratio);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_g711();
  register_pcm();
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const auto& ns = reporter.real_ns;
  std::printf("\nsummary (real time, same run; higher = first name slower):\n");
  for (const char* law : {"ulaw", "alaw"}) {
    const std::string prefix = cat({"BM_g711_", law, "/"});
    print_ratio(ns, prefix, law, "spandsp", "avx2", 8.0);
    print_ratio(ns, prefix, law, "spandsp", "neon", 0.0);
    print_ratio(ns, prefix, law, "spandsp", "scalar", 0.0);
    print_ratio(ns, prefix, law, "lut", "scalar", 1.0);
  }
  // Every compiled and supported target against scalar, per kernel (x86-64: sse2, avx2; ARM: neon).
  // Under qemu-user these are ratios of emulation costs, not of the hardware: never report them.
  const std::string n = std::to_string(kFrame);
  for (Target t : offhook::dsp::compiled_targets()) {
    if (t == Target::scalar || !offhook::dsp::target_supported(t)) continue;
    const char* name = offhook::dsp::target_name(t);
    for (const char* law : {"ulaw", "alaw"}) print_ratio(ns, cat({"BM_g711_", law, "/"}), law, "scalar", name, 0.0);
    for (const char* kernel : {"s16_to_float", "float_to_s16", "mix_sat"}) {
      print_ratio(ns, cat({"BM_", kernel, "/"}), kernel, cat({"scalar/", n}), cat({name, "/", n}), 0.0);
    }
  }
  return 0;
}
