// offhook aec: offline echo cancellation of a far-end/mic WAV pair (16 kHz mono, sample-aligned),
// with dsp::EchoCanceller (delay estimation + speexdsp MDF + residual suppression), or with
// speexdsp's canceller and preprocessor alone (--reference speex, fixed 200 ms tail, no delay
// estimation). Writes an output WAV of the mic's length, sample-aligned, and prints statistics.
#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "dsp/echo/echo_canceller.hpp"
#include "tools/cli_common.hpp"
#include "tools/commands.hpp"

namespace offhook::cli {

const char* const kAecUsage =
    "  offhook aec --far F.wav --mic M.wav --out O.wav [--reference speex] [--tail-ms MS]\n"
    "              [--max-delay-ms MS] [--no-suppression] [--quiet] [--trace]\n"
    "  cancels the echo of F in M offline (16 kHz mono WAVs); --reference speex: speexdsp alone\n";

namespace {

Result<std::vector<int16_t>> read_wav(const std::string& path, int& rate_hz) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) return Error{Errc::not_found, "cannot open '" + path + "': " + sf_strerror(nullptr)};
  if (info.channels != 1) {
    sf_close(f);
    return Error{Errc::not_supported, "'" + path + "' is not mono"};
  }
  std::vector<int16_t> samples(static_cast<size_t>(info.frames));
  const sf_count_t got = sf_read_short(f, samples.data(), info.frames);
  sf_close(f);
  if (got != info.frames) return Error{Errc::bad_format, "short read from '" + path + "'"};
  rate_hz = info.samplerate;
  return samples;
}

Result<bool> write_wav(const std::string& path, int rate_hz, const std::vector<int16_t>& samples) {
  SF_INFO info{};
  info.samplerate = rate_hz;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  const std::string partial = path + ".partial";
  SNDFILE* f = sf_open(partial.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return Error{Errc::io_error, "cannot create '" + path + "'"};
  const auto n = static_cast<sf_count_t>(samples.size());
  const bool ok = sf_write_short(f, samples.data(), n) == n;
  sf_close(f);
  if (!ok || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    return Error{Errc::io_error, "cannot write '" + path + "'"};
  }
  return true;
}

}  // namespace

int run_aec(int argc, char** argv) {
  auto opts_result = parse_options(argc, argv, 2, {"--far", "--mic", "--out", "--reference", "--tail-ms", "--max-delay-ms"},
                                   {"--no-suppression", "--quiet", "--trace"});
  if (!opts_result) return fail(opts_result.error(), kExitUsage);
  const auto& opts = *opts_result;
  if (!opts.count("--far") || !opts.count("--mic") || !opts.count("--out")) {
    std::fputs(kAecUsage, stderr);
    return kExitUsage;
  }
  dsp::EchoCancellerConfig config;
  if (opts.count("--reference")) {
    if (opts.at("--reference") != "speex") {
      return fail(Error{Errc::invalid_argument, "unknown reference '" + opts.at("--reference") + "' (speex)"}, kExitUsage);
    }
    config.estimate_delay = false;
    config.nlp = false;
  }
  auto tail = parse_number(opts, "--tail-ms", config.tail_ms, 20, 1000);
  auto max_delay = parse_number(opts, "--max-delay-ms", config.max_delay_ms, 0, 2000);
  if (!tail) return fail(tail.error(), kExitUsage);
  if (!max_delay) return fail(max_delay.error(), kExitUsage);
  config.tail_ms = static_cast<uint32_t>(*tail);
  config.max_delay_ms = static_cast<uint32_t>(*max_delay);
  config.residual_suppression = opts.count("--no-suppression") == 0;

  int far_rate = 0;
  int mic_rate = 0;
  auto far = read_wav(opts.at("--far"), far_rate);
  if (!far) return fail(far.error());
  auto mic = read_wav(opts.at("--mic"), mic_rate);
  if (!mic) return fail(mic.error());
  if (far_rate != mic_rate) {
    return fail(Error{Errc::not_supported, "far and mic rates differ (" + std::to_string(far_rate) + " vs " +
                                               std::to_string(mic_rate) + " Hz)"});
  }
  config.rate_hz = static_cast<uint32_t>(mic_rate);
  auto ec_result = dsp::EchoCanceller::create(config);
  if (!ec_result) return fail(ec_result.error());
  dsp::EchoCanceller& ec = **ec_result;

  // Whole frames; the last partial frame is zero-padded and cut back to the mic's length.
  const size_t frame = ec.frame_samples();
  const size_t n = mic->size();
  const size_t padded = (n + frame - 1) / frame * frame;
  std::vector<int16_t> far_pad(padded, 0);
  std::vector<int16_t> mic_pad(padded, 0);
  std::copy_n(far->begin(), std::min(far->size(), n), far_pad.begin());
  std::copy(mic->begin(), mic->end(), mic_pad.begin());
  std::vector<int16_t> out(padded, 0);
  for (size_t i = 0; i < padded; i += frame) {
    ec.process(std::span<const int16_t>(far_pad).subspan(i, frame), std::span<const int16_t>(mic_pad).subspan(i, frame),
               std::span<int16_t>(out).subspan(i, frame));
    if (opts.count("--trace") && (i / frame) % 25 == 24) {
      const auto s = ec.stats();
      std::fprintf(stderr, "t=%6.2f s erle %5.1f dB delay %7.2f ms (conf %5.1f) aligned %7.2f ms realign %u div %u near %llu fast %d (%4.1f)\n",
                   static_cast<double>(i + frame) / mic_rate, s.erle_db, s.estimated_delay_ms,
                   static_cast<double>(s.delay_confidence), 1000.0 * s.aligned_delay_samples / mic_rate,
                   s.realignments, s.divergences, static_cast<unsigned long long>(s.near_active_frames), s.fast_delay_samples,
                   static_cast<double>(s.fast_confidence));
    }
  }
  out.resize(n);
  auto written = write_wav(opts.at("--out"), mic_rate, out);
  if (!written) return fail(written.error());
  if (!opts.count("--quiet")) {
    const auto s = ec.stats();
    std::printf("aec %s: %llu frames, erle %.1f dB, estimated delay %.2f ms, aligned %.2f ms, realignments %u, "
                "divergences %u\n",
                config.estimate_delay ? "offhook" : "speex", static_cast<unsigned long long>(s.frames), s.erle_db,
                s.estimated_delay_ms, 1000.0 * s.aligned_delay_samples / config.rate_hz, s.realignments,
                s.divergences);
  }
  return 0;
}

}  // namespace offhook::cli
