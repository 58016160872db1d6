// G729Codec (bcg729, Annex A/B): round-trip correlation on speech, multi-frame packets, Annex B
// SID frames understood, payload length checks, PLC via bcg729's frame erasure.
#include <gtest/gtest.h>

#include <vector>

#include "codecs/codec.hpp"
#include "codecs/g729/g729_codec.hpp"
#include "tests/codecs/codec_test_util.hpp"

namespace offhook {
namespace {

std::unique_ptr<Codec> make_g729(bool annex_b = false) {
  Result<std::unique_ptr<Codec>> c =
      create_codec("g729", dsp::kernels_for(dsp::Target::scalar), CodecOptions{.dtx = annex_b});
  EXPECT_TRUE(c);
  return c ? std::move(*c) : nullptr;
}

TEST(G729Codec, Describes) {
  std::unique_ptr<Codec> c = make_g729();
  EXPECT_EQ(c->name(), "G729");
  EXPECT_EQ(c->static_payload_type(), std::optional<uint8_t>(18));
  EXPECT_EQ(c->sdp_rtpmap(), "G729/8000");
  EXPECT_EQ(c->sdp_fmtp(), "annexb=no");
  EXPECT_EQ(make_g729(true)->sdp_fmtp(), "annexb=yes");
  EXPECT_TRUE(c->has_internal_plc());
}

// A CELP coder with a postfilter matches the spectrum, not the waveform. Measure: mean correlation of
// the per-frame dB spectra (tests/codecs/codec_test_util.hpp) after aligning the codec delay, on the
// jumpy speech-like signal. Measured 0.916 (the waveform correlation is only 0.57); threshold 0.88.
// The negative control compares against the output 20 ms later (another pitch and level, same
// spectral tilt: 0.833) and must fail it.
TEST(G729Codec, RoundTripSpectralSimilarity) {
  constexpr double kMinSpectralCorr = 0.88;
  const std::vector<int16_t> pcm = test::jumpy_speech(8000, 8000);
  std::unique_ptr<Codec> codec = make_g729();
  std::vector<int16_t> out(pcm.size());
  std::vector<uint8_t> payload(20);
  for (size_t off = 0; off + 160 <= pcm.size(); off += 160) {  // 20 ms: two frames per packet
    size_t written = 0, samples = 0;
    ASSERT_EQ(codec->encode(std::span(pcm).subspan(off, 160), payload, written), CodecStatus::ok);
    ASSERT_EQ(written, 20u);
    ASSERT_EQ(codec->decode(payload, std::span(out).subspan(off, 160), samples), CodecStatus::ok);
    ASSERT_EQ(samples, 160u);
  }
  const size_t lag = test::best_lag(pcm, out, 120);
  const double c = test::spectral_correlation(pcm, out, lag, 160, 48);
  const double wrong = test::spectral_correlation(pcm, out, lag + 160, 160, 48);
  RecordProperty("g729_spectral_corr", std::to_string(c));
  RecordProperty("g729_spectral_corr_negative_control", std::to_string(wrong));
  RecordProperty("g729_waveform_corr", std::to_string(test::correlation_at(pcm, out, lag)));
  RecordProperty("g729_lag", std::to_string(lag));
  EXPECT_GE(c, kMinSpectralCorr);
  EXPECT_LT(wrong, kMinSpectralCorr);
}

TEST(G729Codec, AnnexBSendsSidOrNothingForSilenceAndDecodesIt) {
  std::unique_ptr<Codec> codec = make_g729(true);
  std::vector<int16_t> noise(80);
  uint32_t seed = 1;
  std::vector<uint8_t> payload(20);
  std::vector<int16_t> out(160);
  int sid = 0, empty = 0;
  for (int f = 0; f < 100; ++f) {
    for (int16_t& v : noise) {
      seed = seed * 1103515245u + 12345u;
      v = static_cast<int16_t>(static_cast<int>((seed >> 16) % 41) - 20);  // very quiet noise
    }
    size_t written = 0, samples = 0;
    ASSERT_EQ(codec->encode(noise, payload, written), CodecStatus::ok);
    if (written == 2) {
      ++sid;
      ASSERT_EQ(codec->decode(std::span(payload).first(2), out, samples), CodecStatus::ok);
      EXPECT_EQ(samples, 80u);
    } else if (written == 0) {
      ++empty;
    }
  }
  EXPECT_GT(sid, 0);
  EXPECT_GT(empty, 50);
  // A voice frame followed by a SID in one packet: 12 bytes, 160 samples.
  std::vector<uint8_t> mixed(12, 0x55);
  size_t samples = 0;
  EXPECT_EQ(codec->decode(mixed, out, samples), CodecStatus::ok);
  EXPECT_EQ(samples, 160u);
}

TEST(G729Codec, RejectsBadPayloadsAndConceals) {
  std::unique_ptr<Codec> codec = make_g729();
  std::vector<int16_t> out(2000);
  size_t samples = 9;
  for (size_t len : {size_t{0}, size_t{1}, size_t{3}, size_t{9}, size_t{11}, size_t{15}, size_t{130}}) {
    std::vector<uint8_t> p(len, 0x42);
    EXPECT_EQ(codec->decode(p, out, samples), CodecStatus::bad_payload) << len;
    EXPECT_EQ(samples, 0u);
  }
  std::vector<uint8_t> two(20, 0x42);
  EXPECT_EQ(codec->decode(two, std::span(out).first(159), samples), CodecStatus::buffer_too_small);
  std::vector<int16_t> pcm(81);
  std::vector<uint8_t> buf(20);
  size_t written = 5;
  EXPECT_EQ(codec->encode(pcm, buf, written), CodecStatus::bad_input);
  EXPECT_EQ(codec->encode(std::span(pcm).first(80), std::span(buf).first(9), written), CodecStatus::buffer_too_small);

  // Concealment after speech is not silent, and fills odd lengths.
  const std::vector<int16_t> speech = test::speech_like(800);
  for (size_t off = 0; off < 800; off += 80) {
    ASSERT_EQ(codec->encode(std::span(speech).subspan(off, 80), buf, written), CodecStatus::ok);
    ASSERT_EQ(codec->decode(std::span(buf).first(written), out, samples), CodecStatus::ok);
  }
  std::vector<int16_t> concealed(123, 0);
  EXPECT_EQ(codec->conceal(concealed), CodecStatus::ok);
  EXPECT_GT(test::max_step(concealed, 0, 123), 0);
}

}  // namespace
}  // namespace offhook
