// codecs_bench: every codec through offhook's wrapper against the raw library call on the same
// input in the same run (libopus, spandsp G.722, bcg729, the dsp G.711 kernels), and the resampler
// against raw speexdsp, per 20 ms frame. Each benchmark interleaves the wrapper and the raw call in
// blocks of ~200 µs within one run, so both see the same load on a shared machine; the summary prints
// the medians over the repetitions of µs per frame and of the wrapper overhead (target <= 2 %).
// Run from a Release build:
//   build/<release dir>/bin/codecs_bench --benchmark_repetitions=10 --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <opus.h>
#include <speex/speex_resampler.h>

#include <time.h>

#include <algorithm>
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
#include "dsp/plc/waveform_plc.hpp"
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

// Each "side" below is one 20 ms frame of work per call, cycling over kFrames frames of input, with
// its state built once. The wrapper sides go through the Codec interface (a virtual call, as the
// engine makes it); the raw sides call the library as the wrapper configures it.

// ---- wrapper: encode and decode through the Codec interface ----
struct WrapperEncode {
  WrapperEncode(const char* name, offhook::CodecOptions o) : c(make(name, o)) {
    frame = c->sample_rate_hz() / 50 * c->channels();
    pcm = speech(c->sample_rate_hz(), frame * kFrames);
  }
  void operator()() {
    size_t written = 0;
    c->encode(std::span(pcm).subspan(i * frame, frame), out, written);
    benchmark::DoNotOptimize(out.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  std::unique_ptr<Codec> c;
  size_t frame = 0, i = 0;
  std::vector<int16_t> pcm;
  std::vector<uint8_t> out = std::vector<uint8_t>(4000);
};

struct WrapperDecode {
  WrapperDecode(const char* name, offhook::CodecOptions o) : c(make(name, o)) {
    frame = c->sample_rate_hz() / 50 * c->channels();
    const std::vector<int16_t> pcm = speech(c->sample_rate_hz(), frame * kFrames);
    // A separate encoder instance, so the decoder's state starts fresh as the raw side's does.
    std::unique_ptr<Codec> enc = make(name, o);
    for (size_t k = 0; k < kFrames; ++k) {
      std::vector<uint8_t> bytes(4000);
      size_t written = 0;
      enc->encode(std::span(pcm).subspan(k * frame, frame), bytes, written);
      bytes.resize(written);
      packets.push_back(bytes);
    }
    dec.resize(frame);
  }
  void operator()() {
    size_t samples = 0;
    c->decode(packets[i], dec, samples);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  std::unique_ptr<Codec> c;
  size_t frame = 0, i = 0;
  std::vector<std::vector<uint8_t>> packets;
  std::vector<int16_t> dec;
};

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

struct RawOpusEncode {
  explicit RawOpusEncode(uint32_t rate) : e(raw_opus_encoder(rate)), frame(rate / 50), pcm(speech(rate, frame * kFrames)) {}
  ~RawOpusEncode() { opus_encoder_destroy(e); }
  RawOpusEncode(const RawOpusEncode&) = delete;
  RawOpusEncode& operator=(const RawOpusEncode&) = delete;
  void operator()() {
    benchmark::DoNotOptimize(opus_encode(e, pcm.data() + i * frame, static_cast<int>(frame), out.data(), 3825));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  OpusEncoder* e;
  size_t frame, i = 0;
  std::vector<int16_t> pcm;
  std::vector<uint8_t> out = std::vector<uint8_t>(4000);
};

struct RawOpusDecode {
  explicit RawOpusDecode(uint32_t rate) : frame(rate / 50), dec(frame) {
    OpusEncoder* e = raw_opus_encoder(rate);
    int err = 0;
    d = opus_decoder_create(static_cast<opus_int32>(rate), 1, &err);
    const std::vector<int16_t> pcm = speech(rate, frame * kFrames);
    for (size_t k = 0; k < kFrames; ++k) {
      std::vector<uint8_t> bytes(4000);
      bytes.resize(static_cast<size_t>(opus_encode(e, pcm.data() + k * frame, static_cast<int>(frame), bytes.data(), 3825)));
      packets.push_back(bytes);
    }
    opus_encoder_destroy(e);
  }
  ~RawOpusDecode() { opus_decoder_destroy(d); }
  RawOpusDecode(const RawOpusDecode&) = delete;
  RawOpusDecode& operator=(const RawOpusDecode&) = delete;
  void operator()() {
    benchmark::DoNotOptimize(opus_decode(d, packets[i].data(), static_cast<opus_int32>(packets[i].size()), dec.data(),
                                         static_cast<int>(frame), 0));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  OpusDecoder* d = nullptr;
  size_t frame, i = 0;
  std::vector<std::vector<uint8_t>> packets;
  std::vector<int16_t> dec;
};

struct RawG722Encode {
  RawG722Encode() : e(g722_encode_init(nullptr, 64000, 0)), pcm(speech(16000, 320 * kFrames)) {}
  ~RawG722Encode() { g722_encode_free(e); }
  RawG722Encode(const RawG722Encode&) = delete;
  RawG722Encode& operator=(const RawG722Encode&) = delete;
  void operator()() {
    benchmark::DoNotOptimize(g722_encode(e, out.data(), pcm.data() + i * 320, 320));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  g722_encode_state_t* e;
  size_t i = 0;
  std::vector<int16_t> pcm;
  std::vector<uint8_t> out = std::vector<uint8_t>(160);
};

struct RawG722Decode {
  RawG722Decode() : d(g722_decode_init(nullptr, 64000, 0)), bits(160 * kFrames), dec(320) {
    g722_encode_state_t* e = g722_encode_init(nullptr, 64000, 0);
    const std::vector<int16_t> pcm = speech(16000, 320 * kFrames);
    g722_encode(e, bits.data(), pcm.data(), static_cast<int>(pcm.size()));
    g722_encode_free(e);
  }
  ~RawG722Decode() { g722_decode_free(d); }
  RawG722Decode(const RawG722Decode&) = delete;
  RawG722Decode& operator=(const RawG722Decode&) = delete;
  void operator()() {
    benchmark::DoNotOptimize(g722_decode(d, dec.data(), bits.data() + i * 160, 160));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  g722_decode_state_t* d;
  size_t i = 0;
  std::vector<uint8_t> bits;
  std::vector<int16_t> dec;
};

struct RawG711Encode {
  void operator()() {
    k.ulaw_encode(pcm.data() + i * 160, out.data(), 160);
    benchmark::DoNotOptimize(out.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  const offhook::dsp::Kernels& k = offhook::dsp::kernels_for(offhook::dsp::best_target());
  std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
  std::vector<uint8_t> out = std::vector<uint8_t>(160);
  size_t i = 0;
};

struct RawG711Decode {
  RawG711Decode() : bits(160 * kFrames), dec(160) {
    const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
    k.ulaw_encode(pcm.data(), bits.data(), pcm.size());
  }
  void operator()() {
    k.ulaw_decode(bits.data() + i * 160, dec.data(), 160);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  const offhook::dsp::Kernels& k = offhook::dsp::kernels_for(offhook::dsp::best_target());
  std::vector<uint8_t> bits;
  std::vector<int16_t> dec;
  size_t i = 0;
};

// The raw decoders plus the history the wrapper's waveform PLC keeps of every good frame
// (WaveformPlc::observe_good): what the wrapper must do beyond the library call, so the difference
// to the wrapper is the cost of the wrapper itself (dispatch, checks, copies).
template <class RawDecode>
struct WithPlcHistory {
  explicit WithPlcHistory(uint32_t rate_hz) : plc(std::move(*offhook::dsp::WaveformPlc::create(rate_hz))) {}
  void operator()() {
    raw();
    plc.observe_good(raw.dec);
  }
  RawDecode raw;
  offhook::dsp::WaveformPlc plc;
};

#if OFFHOOK_HAVE_G729
struct RawG729Encode {
  RawG729Encode() : e(initBcg729EncoderChannel(0)), pcm(speech(8000, 160 * kFrames)) {}
  ~RawG729Encode() { closeBcg729EncoderChannel(e); }
  RawG729Encode(const RawG729Encode&) = delete;
  RawG729Encode& operator=(const RawG729Encode&) = delete;
  void operator()() {
    uint8_t len = 0;
    bcg729Encoder(e, pcm.data() + i * 160, out, &len);
    bcg729Encoder(e, pcm.data() + i * 160 + 80, out + 10, &len);
    benchmark::DoNotOptimize(out);
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  bcg729EncoderChannelContextStruct* e;
  std::vector<int16_t> pcm;
  uint8_t out[20] = {};
  size_t i = 0;
};

struct RawG729Decode {
  RawG729Decode() : d(initBcg729DecoderChannel()), bits(20 * kFrames), dec(160) {
    bcg729EncoderChannelContextStruct* e = initBcg729EncoderChannel(0);
    const std::vector<int16_t> pcm = speech(8000, 160 * kFrames);
    uint8_t len = 0;
    for (size_t f = 0; f < 2 * kFrames; ++f) bcg729Encoder(e, pcm.data() + f * 80, bits.data() + f * 10, &len);
    closeBcg729EncoderChannel(e);
  }
  ~RawG729Decode() { closeBcg729DecoderChannel(d); }
  RawG729Decode(const RawG729Decode&) = delete;
  RawG729Decode& operator=(const RawG729Decode&) = delete;
  void operator()() {
    bcg729Decoder(d, bits.data() + i * 20, 10, 0, 0, 0, dec.data());
    bcg729Decoder(d, bits.data() + i * 20 + 10, 10, 0, 0, 0, dec.data() + 80);
    benchmark::DoNotOptimize(dec.data());
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  bcg729DecoderChannelContextStruct* d;
  std::vector<uint8_t> bits;
  std::vector<int16_t> dec;
  size_t i = 0;
};
#endif

// ---- resampler: one 20 ms frame of input per call ----
struct WrapperResample {
  WrapperResample(uint32_t in_rate, uint32_t out_rate)
      : r(std::move(*offhook::dsp::Resampler::create(in_rate, out_rate, 1, offhook::dsp::Resampler::kQualityDefault))),
        frame(in_rate / 50),
        pcm(speech(in_rate, frame * kFrames)),
        out(r->max_out_per_channel(frame)) {}
  void operator()() {
    benchmark::DoNotOptimize(r->process(std::span(pcm).subspan(i * frame, frame), out));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  std::unique_ptr<offhook::dsp::Resampler> r;
  size_t frame, i = 0;
  std::vector<int16_t> pcm, out;
};

struct RawResample {
  RawResample(uint32_t in_rate, uint32_t out_rate) : frame(in_rate / 50), pcm(speech(in_rate, frame * kFrames)) {
    int err = 0;
    st = speex_resampler_init(1, in_rate, out_rate, SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
    speex_resampler_skip_zeros(st);
    out.resize(frame * out_rate / in_rate + 2);
  }
  ~RawResample() { speex_resampler_destroy(st); }
  RawResample(const RawResample&) = delete;
  RawResample& operator=(const RawResample&) = delete;
  void operator()() {
    spx_uint32_t in_len = static_cast<spx_uint32_t>(frame), out_len = static_cast<spx_uint32_t>(out.size());
    benchmark::DoNotOptimize(speex_resampler_process_interleaved_int(st, pcm.data() + i * frame, &in_len, out.data(), &out_len));
    i = i + 1 == kFrames ? 0 : i + 1;
  }
  SpeexResamplerState* st = nullptr;
  size_t frame, i = 0;
  std::vector<int16_t> pcm, out;
};

// This thread's CPU time (the cores are shared: time spent preempted is not ours).
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <class Side>
double time_block(Side& side, size_t frames) {
  const double t0 = thread_cpu_ns();
  for (size_t k = 0; k < frames; ++k) side();
  return thread_cpu_ns() - t0;
}

// Wrapper and raw, interleaved: each benchmark iteration runs one block of frames on each side (the
// order alternating), sized so a block takes about kBlockNs; the two sides see the same machine
// load, cache state and frequency within a fraction of a millisecond. Counters: CPU µs per 20 ms
// frame of each side and overhead_pct = wrapper/raw - 1 over the whole repetition.
constexpr double kBlockNs = 200e3;

template <class Wrapper, class Raw>
void interleaved(benchmark::State& state, Wrapper& wrapper, Raw& raw) {
  for (int k = 0; k < 20; ++k) {  // warm both up
    wrapper();
    raw();
  }
  size_t block = 1;
  while (block < (1u << 20) && time_block(raw, block) < kBlockNs / 2) block *= 2;
  double wrapper_ns = 0.0, raw_ns = 0.0;
  uint64_t frames = 0;
  bool wrapper_first = true;
  for (auto _ : state) {
    if (wrapper_first) {
      wrapper_ns += time_block(wrapper, block);
      raw_ns += time_block(raw, block);
    } else {
      raw_ns += time_block(raw, block);
      wrapper_ns += time_block(wrapper, block);
    }
    wrapper_first = !wrapper_first;
    frames += block;
  }
  if (frames == 0 || raw_ns <= 0.0) return;
  state.counters["wrapper_us"] = wrapper_ns / static_cast<double>(frames) / 1e3;
  state.counters["raw_us"] = raw_ns / static_cast<double>(frames) / 1e3;
  state.counters["overhead_pct"] = (wrapper_ns / raw_ns - 1.0) * 100.0;
  state.counters["block_frames"] = static_cast<double>(block);
}

template <class Wrapper, class Raw, class MakeWrapper, class MakeRaw>
std::function<void(benchmark::State&)> pair_of(MakeWrapper make_wrapper, MakeRaw make_raw) {
  return [=](benchmark::State& state) {
    Wrapper w = make_wrapper();
    Raw r = make_raw();
    interleaved(state, w, r);
  };
}

class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      Samples& s = samples[run.run_name.function_name];
      for (const char* c : {"wrapper_us", "raw_us", "overhead_pct"}) {
        const auto it = run.counters.find(c);
        if (it != run.counters.end()) s[c].push_back(it->second.value);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  using Samples = std::map<std::string, std::vector<double>>;
  std::map<std::string, Samples> samples;  // per benchmark, per counter: one value per repetition
};

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  struct Pair {
    std::string name;
    std::function<void(benchmark::State&)> run;
  };
  const offhook::CodecOptions opus48{.sample_rate_hz = 48000};
  const offhook::CodecOptions opus16{.sample_rate_hz = 16000};
  std::vector<Pair> pairs = {
      {"PCMU_encode", pair_of<WrapperEncode, RawG711Encode>([] { return WrapperEncode("PCMU", {}); }, [] { return RawG711Encode(); })},
      {"PCMU_decode", pair_of<WrapperDecode, RawG711Decode>([] { return WrapperDecode("PCMU", {}); }, [] { return RawG711Decode(); })},
      {"PCMU_decode_vs_raw_with_plc", pair_of<WrapperDecode, WithPlcHistory<RawG711Decode>>(
                                     [] { return WrapperDecode("PCMU", {}); }, [] { return WithPlcHistory<RawG711Decode>(8000); })},
      {"G722_encode", pair_of<WrapperEncode, RawG722Encode>([] { return WrapperEncode("G722", {}); }, [] { return RawG722Encode(); })},
      {"G722_decode", pair_of<WrapperDecode, RawG722Decode>([] { return WrapperDecode("G722", {}); }, [] { return RawG722Decode(); })},
      {"G722_decode_vs_raw_with_plc", pair_of<WrapperDecode, WithPlcHistory<RawG722Decode>>(
                                     [] { return WrapperDecode("G722", {}); }, [] { return WithPlcHistory<RawG722Decode>(16000); })},
      {"opus48k_encode", pair_of<WrapperEncode, RawOpusEncode>([=] { return WrapperEncode("opus", opus48); }, [] { return RawOpusEncode(48000); })},
      {"opus48k_decode", pair_of<WrapperDecode, RawOpusDecode>([=] { return WrapperDecode("opus", opus48); }, [] { return RawOpusDecode(48000); })},
      {"opus16k_encode", pair_of<WrapperEncode, RawOpusEncode>([=] { return WrapperEncode("opus", opus16); }, [] { return RawOpusEncode(16000); })},
      {"opus16k_decode", pair_of<WrapperDecode, RawOpusDecode>([=] { return WrapperDecode("opus", opus16); }, [] { return RawOpusDecode(16000); })},
#if OFFHOOK_HAVE_G729
      {"G729_encode", pair_of<WrapperEncode, RawG729Encode>([] { return WrapperEncode("G729", {}); }, [] { return RawG729Encode(); })},
      {"G729_decode", pair_of<WrapperDecode, RawG729Decode>([] { return WrapperDecode("G729", {}); }, [] { return RawG729Decode(); })},
#endif
  };
  for (auto [in, out] : {std::pair{48000u, 16000u}, {16000u, 48000u}, {48000u, 8000u}, {8000u, 48000u}}) {
    const std::string n = "resample_" + std::to_string(in / 1000) + "k_to_" + std::to_string(out / 1000) + "k";
    pairs.push_back({n, pair_of<WrapperResample, RawResample>([=] { return WrapperResample(in, out); },
                                                              [=] { return RawResample(in, out); })});
  }
  for (const Pair& p : pairs) benchmark::RegisterBenchmark(("BM_" + p.name).c_str(), p.run);
  CapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nsummary (median over the repetitions of CPU time per 20 ms frame, wrapper and raw interleaved in blocks of "
              "~%.0f us; overhead = wrapper/raw - 1, target <= 2 %%):\n", kBlockNs / 1e3);
  for (const Pair& p : pairs) {
    const auto it = reporter.samples.find("BM_" + p.name);
    if (it == reporter.samples.end() || it->second["overhead_pct"].empty()) continue;
    CapturingReporter::Samples& s = it->second;
    const std::vector<double>& o = s["overhead_pct"];
    std::printf("%-26s wrapper %9.3f us  raw %9.3f us  overhead %+6.2f %% (min %+6.2f, max %+6.2f, n=%zu)\n", p.name.c_str(),
                median(s["wrapper_us"]), median(s["raw_us"]), median(o), *std::min_element(o.begin(), o.end()),
                *std::max_element(o.begin(), o.end()), o.size());
  }
  return 0;
}
