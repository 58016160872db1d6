// codecs/: registry errors, G.711 round-trip quality on every supported dsp target, size handling,
// and the waveform-substitution concealment's bounds, pitch continuation and fade.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/g711/g711_codec.hpp"
#include "dsp/kernels.hpp"

namespace offhook {
namespace {

std::vector<dsp::Target> supported_targets() {
  std::vector<dsp::Target> out;
  for (dsp::Target t : dsp::compiled_targets()) {
    if (dsp::target_supported(t)) out.push_back(t);
  }
  return out;
}

std::unique_ptr<Codec> make(std::string_view name, dsp::Target t = dsp::Target::scalar) {
  Result<std::unique_ptr<Codec>> codec = create_codec(name, dsp::kernels_for(t));
  EXPECT_TRUE(codec) << name;
  return codec ? std::move(*codec) : nullptr;
}

// Speech-like test signal: 8 harmonics of a gliding 100..220 Hz pitch with a 1/k spectral tilt,
// under a 4 Hz syllabic envelope that swings from -40 dB to full level (peak about 20000), so the
// measurement covers quiet and loud passages. Deterministic.
std::vector<int16_t> speech_like(size_t samples) {
  std::vector<int16_t> out(samples);
  double phase = 0.0;
  for (size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i) / 8000.0;
    const double f0 = 160.0 + 60.0 * std::sin(2.0 * std::numbers::pi * 0.7 * t);
    phase += 2.0 * std::numbers::pi * f0 / 8000.0;
    double v = 0.0;
    for (int k = 1; k <= 8; ++k) v += std::sin(k * phase + 0.3 * k) / k;
    const double syllable = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * 4.0 * t);  // 0..1
    const double envelope = 0.01 + 0.99 * syllable * syllable;
    out[i] = static_cast<int16_t>(std::lround(7000.0 * envelope * v));
  }
  return out;
}

// Segmental SNR over 20 ms segments, each segment's SNR in dB averaged. Segments whose signal power
// is below -60 dBFS are skipped (a silent segment has no meaningful SNR); none is here, the envelope
// never drops below -40 dB.
double segmental_snr_db(const std::vector<int16_t>& ref, const std::vector<int16_t>& got) {
  constexpr size_t kSeg = 160;
  double sum = 0.0;
  int count = 0;
  for (size_t s = 0; s + kSeg <= ref.size(); s += kSeg) {
    double sig = 0.0, err = 0.0;
    for (size_t i = s; i < s + kSeg; ++i) {
      sig += static_cast<double>(ref[i]) * ref[i];
      const double e = static_cast<double>(ref[i]) - got[i];
      err += e * e;
    }
    if (sig / kSeg < 32768.0 * 32768.0 * 1e-6) continue;
    sum += 10.0 * std::log10(sig / std::max(err, 1e-9));
    ++count;
  }
  return count > 0 ? sum / count : 0.0;
}

TEST(CodecRegistry, CreatesG711CaseInsensitively) {
  const auto names = supported_codec_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "PCMU"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "PCMA"), names.end());

  for (std::string_view spelled : {"PCMU", "pcmu", "PcMu"}) {
    std::unique_ptr<Codec> c = make(spelled);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->name(), "PCMU");
    EXPECT_EQ(c->static_payload_type(), std::optional<uint8_t>(0));
    EXPECT_EQ(c->sdp_rtpmap(), "PCMU/8000");
  }
  std::unique_ptr<Codec> a = make("pcma");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name(), "PCMA");
  EXPECT_EQ(a->static_payload_type(), std::optional<uint8_t>(8));
  EXPECT_EQ(a->sdp_rtpmap(), "PCMA/8000");
  EXPECT_EQ(a->sdp_fmtp(), "");
  EXPECT_EQ(a->clock_rate_hz(), 8000u);
  EXPECT_EQ(a->sample_rate_hz(), 8000u);
  EXPECT_EQ(a->channels(), 1);
  const auto ptimes = a->frame_sizes_ms();
  EXPECT_NE(std::find(ptimes.begin(), ptimes.end(), uint16_t{20}), ptimes.end());
}

TEST(CodecRegistry, UnknownNamesAreNotSupported) {
  for (const char* bad : {"G723", "", "PCM", "PCMUX", "opusx", "G7221"}) {
    SCOPED_TRACE(bad);
    Result<std::unique_ptr<Codec>> c = create_codec(bad, dsp::kernels_for(dsp::Target::scalar));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, Errc::not_supported);
    EXPECT_EQ(c.error().message, std::string("unknown codec '") + bad + "'");
  }
}

// Measured segmental SNR of this signal (RelWithDebInfo, identical on every target since the kernels
// are bit-exact): PCMU 35.2 dB, PCMA 34.4 dB (A-law's uniform low segments cost it at -40 dB). The
// 33 dB threshold is below both; the negative control shows it fails on a real quantiser bug: losing
// one mantissa bit (forcing the code's low bit, a ~6 dB loss) lands well under it.
TEST(G711Codec, RoundTripSegmentalSnr) {
  constexpr double kMinSnrDb = 33.0;
  const std::vector<int16_t> pcm = speech_like(8000 * 2);
  for (dsp::Target t : supported_targets()) {
    SCOPED_TRACE(dsp::target_name(t));
    for (std::string_view name : {"PCMU", "PCMA"}) {
      SCOPED_TRACE(name);
      std::unique_ptr<Codec> codec = make(name, t);
      ASSERT_NE(codec, nullptr);
      std::vector<int16_t> decoded(pcm.size()), degraded(pcm.size());
      std::vector<uint8_t> payload(160);
      for (size_t off = 0; off < pcm.size(); off += 160) {  // 20 ms packets
        size_t written = 0, samples = 0;
        ASSERT_EQ(codec->encode(std::span(pcm).subspan(off, 160), payload, written), CodecStatus::ok);
        ASSERT_EQ(written, 160u);
        ASSERT_EQ(codec->decode(payload, std::span(decoded).subspan(off, 160), samples), CodecStatus::ok);
        ASSERT_EQ(samples, 160u);
        for (uint8_t& code : payload) code = static_cast<uint8_t>(code | 1);  // negative control
        ASSERT_EQ(codec->decode(payload, std::span(degraded).subspan(off, 160), samples), CodecStatus::ok);
      }
      const double snr = segmental_snr_db(pcm, decoded);
      RecordProperty(std::string(name) + "_" + dsp::target_name(t) + "_segsnr_db", std::to_string(snr));
      EXPECT_GE(snr, kMinSnrDb);
      EXPECT_LT(snr, 45.0);  // an 8-bit log quantiser cannot do better; more means the test is broken
      const double degraded_snr = segmental_snr_db(pcm, degraded);
      RecordProperty(std::string(name) + "_" + dsp::target_name(t) + "_degraded_segsnr_db", std::to_string(degraded_snr));
      EXPECT_LT(degraded_snr, kMinSnrDb - 2.0);
    }
  }
}

TEST(G711Codec, OddSizesAndBufferChecks) {
  for (std::string_view name : {"PCMU", "PCMA"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Codec> codec = make(name, dsp::best_target());
    ASSERT_NE(codec, nullptr);
    const std::vector<int16_t> pcm = speech_like(333);
    for (size_t n : {1u, 7u, 33u, 161u, 333u}) {
      SCOPED_TRACE(n);
      std::vector<uint8_t> payload(n);
      std::vector<int16_t> out(n + 5, 12345);
      size_t written = 99, samples = 99;
      ASSERT_EQ(codec->encode(std::span(pcm).first(n), payload, written), CodecStatus::ok);
      EXPECT_EQ(written, n);
      ASSERT_EQ(codec->decode(payload, out, samples), CodecStatus::ok);
      EXPECT_EQ(samples, n);
      EXPECT_EQ(out[n], 12345);  // nothing written past the payload's samples
      for (size_t i = 0; i < n; ++i) EXPECT_LE(std::abs(out[i] - pcm[i]), std::abs(pcm[i]) / 16 + 16) << i;

      size_t w = 99;
      std::vector<uint8_t> small(n - 1);
      EXPECT_EQ(codec->encode(std::span(pcm).first(n), small, w), CodecStatus::buffer_too_small);
      EXPECT_EQ(w, 0u);
      size_t s = 99;
      std::vector<int16_t> short_pcm(n - 1);
      EXPECT_EQ(codec->decode(payload, short_pcm, s), CodecStatus::buffer_too_small);
      EXPECT_EQ(s, 0u);
    }
    size_t w = 99, s = 99;
    std::vector<uint8_t> payload(10);
    std::vector<int16_t> out(10);
    EXPECT_EQ(codec->encode({}, payload, w), CodecStatus::bad_input);
    EXPECT_EQ(w, 0u);
    EXPECT_EQ(codec->decode({}, out, s), CodecStatus::bad_payload);
    EXPECT_EQ(s, 0u);
  }
}

double rms(std::span<const int16_t> x) {
  double e = 0.0;
  for (int16_t v : x) e += static_cast<double>(v) * v;
  return std::sqrt(e / static_cast<double>(x.size()));
}

TEST(G711Codec, ConcealIsSilentBeforeAnythingWasDecoded) {
  std::unique_ptr<Codec> codec = make("PCMU");
  std::vector<int16_t> out(160, 777);
  EXPECT_EQ(codec->conceal(out), CodecStatus::ok);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int16_t v) { return v == 0; }));
}

TEST(G711Codec, ConcealIsBoundedAndFadesToComfortNoiseBy60Ms) {
  for (std::string_view name : {"PCMU", "PCMA"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Codec> codec = make(name);
    // A loud, steady 200 Hz tone: full level for 10 ms, then every 10 ms block quieter than the last.
    std::vector<int16_t> pcm(160);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = static_cast<int16_t>(std::lround(30000.0 * std::sin(2.0 * std::numbers::pi * 200.0 * i / 8000.0)));
    }
    std::vector<uint8_t> payload(160);
    std::vector<int16_t> decoded(160);
    size_t written = 0, samples = 0;
    ASSERT_EQ(codec->encode(pcm, payload, written), CodecStatus::ok);
    ASSERT_EQ(codec->decode(payload, decoded, samples), CodecStatus::ok);
    int peak = 0;
    for (int16_t v : decoded) peak = std::max(peak, std::abs(int{v}));

    std::vector<int16_t> concealed(8 * 80);  // 80 ms, in 10 ms calls like the media tick
    for (size_t block = 0; block < 8; ++block) {
      ASSERT_EQ(codec->conceal(std::span(concealed).subspan(block * 80, 80)), CodecStatus::ok);
    }
    for (int16_t v : concealed) ASSERT_LE(std::abs(int{v}), peak + 1);
    EXPECT_GT(rms(std::span(concealed).first(80)), 0.9 * rms(decoded));  // the loss starts at full level
    double previous = 1e9;
    for (size_t block = 1; block < 6; ++block) {
      const double r = rms(std::span(concealed).subspan(block * 80, 80));
      EXPECT_LT(r, previous) << "block " << block;
      previous = r;
    }
    const double tail = rms(std::span(concealed).subspan(480, 160));  // comfort noise only
    EXPECT_GT(tail, 10.0);
    EXPECT_LT(tail, 400.0);

    // A good packet ends the loss: the next one starts at full level again.
    ASSERT_EQ(codec->decode(payload, decoded, samples), CodecStatus::ok);
    std::vector<int16_t> again(80);
    ASSERT_EQ(codec->conceal(again), CodecStatus::ok);
    EXPECT_GT(rms(again), 0.9 * rms(decoded));
  }
}

// The substitute continues the waveform: for a steady tone, the first 10 ms of concealment match
// what the sender actually sent next (the pitch period is found, not guessed).
TEST(G711Codec, ConcealContinuesThePitchPeriod) {
  for (double f0 : {125.0, 200.0, 250.0}) {
    SCOPED_TRACE(f0);
    std::unique_ptr<Codec> codec = make("PCMU");
    std::vector<int16_t> pcm(320 + 80);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = static_cast<int16_t>(std::lround(12000.0 * std::sin(2.0 * std::numbers::pi * f0 * i / 8000.0)));
    }
    std::vector<uint8_t> payload(160);
    std::vector<int16_t> decoded(160);
    size_t written = 0, samples = 0;
    for (size_t off = 0; off < 320; off += 160) {
      ASSERT_EQ(codec->encode(std::span(pcm).subspan(off, 160), payload, written), CodecStatus::ok);
      ASSERT_EQ(codec->decode(payload, decoded, samples), CodecStatus::ok);
    }
    std::vector<int16_t> concealed(80);
    ASSERT_EQ(codec->conceal(concealed), CodecStatus::ok);
    double err = 0.0, sig = 0.0;
    for (size_t i = 0; i < 80; ++i) {
      const double e = static_cast<double>(pcm[320 + i]) - concealed[i];
      err += e * e;
      sig += static_cast<double>(pcm[320 + i]) * pcm[320 + i];
    }
    EXPECT_GT(10.0 * std::log10(sig / std::max(err, 1.0)), 20.0);
  }
}

}  // namespace
}  // namespace offhook
