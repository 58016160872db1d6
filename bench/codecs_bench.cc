// codecs_bench: every codec through offhook's wrapper against the raw library call on the same
// input in the same run (libopus, spandsp G.722, bcg729, the dsp G.711 kernels), and the resampler
// against raw speexdsp, per 20 ms frame. The summary prints µs per frame and the wrapper overhead
// (target <= 2 %). Run from a Release build:
//   build/<release dir>/bin/codecs_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <opus.h>
#include <speex/speex_resampler.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

// spandsp's headers need the fixed-width types first, and the C++ math headers before them.
#include <cstdint>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include "codecs/codec.hpp"
#include "codecs/opus/opus_codec.hpp"
#include "dsp/kernels.hpp"
#include "dsp/resample/resampler.hpp"
#if OFFHOOK_HAVE_G729
extern "C" {
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
}
#endif

namespace {

using offhook::Codec;
using offhook::CodecStatus;

constexpr size_t kFrames = 50;  // 1 s of material, cycled

std::vector<int16_t> speech(uint32_t rate, size_t samples) {
  std::vector<int16_t> out(samples);
  double phase = 0.0;
  for (size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f0 = 160.0 + 60.0 * std::sin(2.0 * std::numbers::pi * 0.7 * t);
    phase += 2.0 * std::numbers::pi * f0 / rate;
    double v = 0.0;
    for (int k = 1; k <= 12; ++k) v += std::sin(k * phase + 0.3 * k) / k;
    const double env = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * 4.0 * t);
    out[i] = static_cast<int16_t>(std::lround(6000.0 * (0.05 + env) * v));
  }
  return out;
}

std::unique_ptr<Codec> make(const char* name, offhook::CodecOptions o = {}) {
  auto c = offhook::create_codec(name, offhook::dsp::kernels_for(offhook::dsp::best_target()), o);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    std::abort();
  }
  return std::move(*c);
}

// ---- wrapper: encode and decode through the Codec interface ----
void wrapper_encode(benchmark::State& state, const char* name, offhook::CodecOptions o) {
  std::unique_ptr<Codec> c = make(name, o);
  const size_t frame = c->sample_rate_hz() / 50 * c->channels();
  const std::vector<int16_t> pcm = speech(c->sample_rate_hz(), frame * kFrames);
  std::vector<uint8_t> out(4000);
  size_t i = 0, written = 0;
  for (auto _ : state) {
    c->encode(std::span(pcm).subspan(i * frame, frame), out, written);
    benchmark::DoNotOptimize(out.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
}

void wrapper_decode(benchmark::State& state, const char* name, offhook::CodecOptions o) {
  std::unique_ptr<Codec> c = make(name, o);
  const size_t frame = c->sample_rate_hz() / 50 * c->channels();
  const std::vector<int16_t> pcm = speech(c->sample_rate_hz(), frame * kFrames);
  std::vector<std::vector<uint8_t>> packets;
  for (size_t k = 0; k < kFrames; ++k) {
    std::vector<uint8_t> out(4000);
    size_t written = 0;
    c->encode(std::span(pcm).subspan(k * frame, frame), out, written);
    out.resize(written);
    packets.push_back(out);
  }
  std::vector<int16_t> dec(frame);
  size_t i = 0, samples = 0;
  for (auto _ : state) {
    c->decode(packets[i], dec, samples);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
}

// ---- raw library calls, configured as the wrapper configures them ----
OpusEncoder* raw_opus_encoder(uint32_t rate) {
  int err = 0;
  OpusEncoder* e = opus_encoder_create(static_cast<opus_int32>(rate), 1, OPUS_APPLICATION_VOIP, &err);
  opus_encoder_ctl(e, OPUS_SET_BITRATE_REQUEST, opus_int32{offhook::OpusCodec::kDefaultBitrateBps});
  opus_encoder_ctl(e, OPUS_SET_COMPLEXITY_REQUEST, opus_int32{offhook::OpusCodec::kDefaultComplexity});
  opus_encoder_ctl(e, OPUS_SET_VBR_REQUEST, opus_int32{1});
  opus_encoder_ctl(e, OPUS_SET_INBAND_FEC_REQUEST, opus_int32{1});
  opus_encoder_ctl(e, OPUS_SET_DTX_REQUEST, opus_int32{0});
  opus_encoder_ctl(e, OPUS_SET_SIGNAL_REQUEST, opus_int32{OPUS_SIGNAL_VOICE});
  return e;
}

void raw_opus_encode(benchmark::State& state, uint32_t rate) {
  OpusEncoder* e = raw_opus_encoder(rate);
  const size_t frame = rate / 50;
  const std::vector<int16_t> pcm = speech(rate, frame * kFrames);
  std::vector<uint8_t> out(4000);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(opus_encode(e, pcm.data() + i * frame, static_cast<int>(frame), out.data(), 3825));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  opus_encoder_destroy(e);
}

void raw_opus_decode(benchmark::State& state, uint32_t rate) {
  OpusEncoder* e = raw_opus_encoder(rate);
  int err = 0;
  OpusDecoder* d = opus_decoder_create(static_cast<opus_int32>(rate), 1, &err);
  const size_t frame = rate / 50;
  const std::vector<int16_t> pcm = speech(rate, frame * kFrames);
  std::vector<std::vector<uint8_t>> packets;
  for (size_t k = 0; k < kFrames; ++k) {
    std::vector<uint8_t> out(4000);
    out.resize(static_cast<size_t>(opus_encode(e, pcm.data() + k * frame, static_cast<int>(frame), out.data(), 3825)));
    packets.push_back(out);
  }
  std::vector<int16_t> dec(frame);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(opus_decode(d, packets[i].data(), static_cast<opus_int32>(packets[i].size()), dec.data(),
                                         static_cast<int>(frame), 0));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  opus_encoder_destroy(e);
  opus_decoder_destroy(d);
}

void raw_g722_encode(benchmark::State& state) {
  g722_encode_state_t* e = g722_encode_init(nullptr, 64000, 0);
  const std::vector<int16_t> pcm = speech(16000, 320 * kFrames);
  std::vector<uint8_t> out(160);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(g722_encode(e, out.data(), pcm.data() + i * 320, 320));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  g722_encode_free(e);
}

void raw_g722_decode(benchmark::State& state) {
  g722_encode_state_t* e = g722_encode_init(nullptr, 64000, 0);
  g722_decode_state_t* d = g722_decode_init(nullptr, 64000, 0);
  const std::vector<int16_t> pcm = speech(16000, 320 * kFrames);
  std::vector<uint8_t> bits(160 * kFrames);
  g722_encode(e, bits.data(), pcm.data(), static_cast<int>(pcm.size()));
  std::vector<int16_t> dec(320);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(g722_decode(d, dec.data(), bits.data() + i * 160, 160));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  g722_encode_free(e);
  g722_decode_free(d);
}

void raw_g711_encode(benchmark::State& state) {
  const offhook::dsp::Kernels& k = offhook::dsp::kernels_for(offhook::dsp::best_target());
  const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
  std::vector<uint8_t> out(160);
  size_t i = 0;
  for (auto _ : state) {
    k.ulaw_encode(pcm.data() + i * 160, out.data(), 160);
    benchmark::DoNotOptimize(out.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
}

void raw_g711_decode(benchmark::State& state) {
  const offhook::dsp::Kernels& k = offhook::dsp::kernels_for(offhook::dsp::best_target());
  const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
  std::vector<uint8_t> bits(pcm.size());
  k.ulaw_encode(pcm.data(), bits.data(), pcm.size());
  std::vector<int16_t> dec(160);
  size_t i = 0;
  for (auto _ : state) {
    k.ulaw_decode(bits.data() + i * 160, dec.data(), 160);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
}

#if OFFHOOK_HAVE_G729
void raw_g729_encode(benchmark::State& state) {
  bcg729EncoderChannelContextStruct* e = initBcg729EncoderChannel(0);
  const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
  uint8_t out[20];
  uint8_t len = 0;
  size_t i = 0;
  for (auto _ : state) {
    bcg729Encoder(e, pcm.data() + i * 160, out, &len);
    bcg729Encoder(e, pcm.data() + i * 160 + 80, out + 10, &len);
    benchmark::DoNotOptimize(out);
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  closeBcg729EncoderChannel(e);
}

void raw_g729_decode(benchmark::State& state) {
  bcg729EncoderChannelContextStruct* e = initBcg729EncoderChannel(0);
  bcg729DecoderChannelContextStruct* d = initBcg729DecoderChannel();
  const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
  std::vector<uint8_t> bits(20 * kFrames);
  uint8_t len = 0;
  for (size_t f = 0; f < 2 * kFrames; ++f) bcg729Encoder(e, pcm.data() + f * 80, bits.data() + f * 10, &len);
  std::vector<int16_t> dec(160);
  size_t i = 0;
  for (auto _ : state) {
    bcg729Decoder(d, bits.data() + i * 20, 10, 0, 0, 0, dec.data());
    bcg729Decoder(d, bits.data() + i * 20 + 10, 10, 0, 0, 0, dec.data() + 80);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  closeBcg729EncoderChannel(e);
  closeBcg729DecoderChannel(d);
}
#endif

// ---- resampler: one 20 ms frame of input per iteration ----
void wrapper_resample(benchmark::State& state, uint32_t in_rate, uint32_t out_rate) {
  auto r = offhook::dsp::Resampler::create(in_rate, out_rate, 1, offhook::dsp::Resampler::kQualityDefault);
  const size_t frame = in_rate / 50;
  const std::vector<int16_t> pcm = speech(in_rate, frame * kFrames);
  std::vector<int16_t> out((*r)->max_out_per_channel(frame));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize((*r)->process(std::span(pcm).subspan(i * frame, frame), out));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
}

void raw_resample(benchmark::State& state, uint32_t in_rate, uint32_t out_rate) {
  int err = 0;
  SpeexResamplerState* st = speex_resampler_init(1, in_rate, out_rate, SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
  speex_resampler_skip_zeros(st);
  const size_t frame = in_rate / 50;
  const std::vector<int16_t> pcm = speech(in_rate, frame * kFrames);
  std::vector<int16_t> out(frame * out_rate / in_rate + 2);
  size_t i = 0;
  for (auto _ : state) {
    spx_uint32_t in_len = static_cast<spx_uint32_t>(frame), out_len = static_cast<spx_uint32_t>(out.size());
    benchmark::DoNotOptimize(speex_resampler_process_interleaved_int(st, pcm.data() + i * frame, &in_len, out.data(), &out_len));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  speex_resampler_destroy(st);
}

class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const double ns = run.GetAdjustedCPUTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      auto [it, inserted] = best_ns.emplace(run.benchmark_name(), ns);
      if (!inserted && ns < it->second) it->second = ns;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> best_ns;  // best repetition's CPU time per iteration
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  struct Pair {
    std::string name;
    std::function<void(benchmark::State&)> wrapper, raw;
  };
  const offhook::CodecOptions opus48{.sample_rate_hz = 48000};
  const offhook::CodecOptions opus16{.sample_rate_hz = 16000};
  std::vector<Pair> pairs = {
      {"PCMU_encode", [](auto& s) { wrapper_encode(s, "PCMU", {}); }, raw_g711_encode},
      {"PCMU_decode", [](auto& s) { wrapper_decode(s, "PCMU", {}); }, raw_g711_decode},
      {"G722_encode", [](auto& s) { wrapper_encode(s, "G722", {}); }, raw_g722_encode},
      {"G722_decode", [](auto& s) { wrapper_decode(s, "G722", {}); }, raw_g722_decode},
      {"opus48k_encode", [=](auto& s) { wrapper_encode(s, "opus", opus48); }, [](auto& s) { raw_opus_encode(s, 48000); }},
      {"opus48k_decode", [=](auto& s) { wrapper_decode(s, "opus", opus48); }, [](auto& s) { raw_opus_decode(s, 48000); }},
      {"opus16k_encode", [=](auto& s) { wrapper_encode(s, "opus", opus16); }, [](auto& s) { raw_opus_encode(s, 16000); }},
      {"opus16k_decode", [=](auto& s) { wrapper_decode(s, "opus", opus16); }, [](auto& s) { raw_opus_decode(s, 16000); }},
#if OFFHOOK_HAVE_G729
      {"G729_encode", [](auto& s) { wrapper_encode(s, "G729", {}); }, raw_g729_encode},
      {"G729_decode", [](auto& s) { wrapper_decode(s, "G729", {}); }, raw_g729_decode},
#endif
  };
  for (auto [in, out] : {std::pair{48000u, 16000u}, {16000u, 48000u}, {48000u, 8000u}, {8000u, 48000u}}) {
    const std::string n = "resample_" + std::to_string(in / 1000) + "k_to_" + std::to_string(out / 1000) + "k";
    pairs.push_back({n, [=](auto& s) { wrapper_resample(s, in, out); }, [=](auto& s) { raw_resample(s, in, out); }});
  }
  for (const Pair& p : pairs) {
    benchmark::RegisterBenchmark(("BM_" + p.name + "/wrapper").c_str(), p.wrapper);
    benchmark::RegisterBenchmark(("BM_" + p.name + "/raw").c_str(), p.raw);
  }
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nsummary (best CPU time per 20 ms frame over the repetitions, same run; CPU time because the cores are shared; overhead = wrapper/raw - 1, target <= 2 %%):\n");
  for (const Pair& p : pairs) {
    const auto w = reporter.best_ns.find("BM_" + p.name + "/wrapper");
    const auto r = reporter.best_ns.find("BM_" + p.name + "/raw");
    if (w == reporter.best_ns.end() || r == reporter.best_ns.end()) continue;
    const double overhead = (w->second / r->second - 1.0) * 100.0;
    std::printf("%-26s wrapper %9.3f us  raw %9.3f us  overhead %+6.1f %%\n", p.name.c_str(), w->second / 1000.0,
                r->second / 1000.0, overhead);
  }
  return 0;
}
