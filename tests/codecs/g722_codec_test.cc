// G722Codec: the RFC 3551 clock-rate quirk, round-trip segmental SNR on a wideband speech-like
// signal, 56/48 kbit/s decoding, size and payload checks, PLC continuity at both loss edges, and the
// decoder's resynchronisation after concealment (10 % loss, with and without the state resync).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "codecs/codec.hpp"
#include "codecs/g722/g722_codec.hpp"
#include "tests/codecs/codec_test_util.hpp"

namespace offhook {
namespace {

using test::speech_like;

std::unique_ptr<Codec> make_g722(uint32_t bitrate_bps = 0) {
  CodecOptions options;
  options.bitrate_bps = bitrate_bps;
  Result<std::unique_ptr<Codec>> c = create_codec("g722", dsp::kernels_for(dsp::Target::scalar), options);
  EXPECT_TRUE(c);
  return c ? std::move(*c) : nullptr;
}

// Encodes and decodes `pcm` in 20 ms packets (320 samples -> 160 bytes).
std::vector<int16_t> round_trip(Codec& codec, const std::vector<int16_t>& pcm) {
  std::vector<int16_t> out(pcm.size());
  std::vector<uint8_t> payload(160);
  for (size_t off = 0; off + 320 <= pcm.size(); off += 320) {
    size_t written = 0, samples = 0;
    EXPECT_EQ(codec.encode(std::span(pcm).subspan(off, 320), payload, written), CodecStatus::ok);
    EXPECT_EQ(written, 160u);
    EXPECT_EQ(codec.decode(payload, std::span(out).subspan(off, 320), samples), CodecStatus::ok);
    EXPECT_EQ(samples, 320u);
  }
  return out;
}

TEST(G722Codec, DescribesRfc3551ClockQuirk) {
  std::unique_ptr<Codec> c = make_g722();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->name(), "G722");
  EXPECT_EQ(c->clock_rate_hz(), 8000u);   // RFC 3551 §4.5.2: RTP clock 8000...
  EXPECT_EQ(c->sample_rate_hz(), 16000u); // ...while sampling at 16 kHz
  EXPECT_EQ(c->static_payload_type(), std::optional<uint8_t>(9));
  EXPECT_EQ(c->sdp_rtpmap(), "G722/8000");
  EXPECT_FALSE(c->has_internal_plc());
}

// Measured: 18.2 dB at 64 kbit/s for this 30-harmonic signal after aligning the 22-sample QMF delay.
// Threshold 15 dB; the negative control (the same output without delay alignment) must fail it.
TEST(G722Codec, RoundTripSegmentalSnr) {
  constexpr double kMinSnrDb = 15.0;
  const std::vector<int16_t> pcm = speech_like(16000 * 2, 16000, 30);
  std::unique_ptr<Codec> codec = make_g722();
  ASSERT_NE(codec, nullptr);
  const std::vector<int16_t> decoded = round_trip(*codec, pcm);
  const size_t lag = test::best_lag(pcm, decoded, 64);
  const double snr = test::segmental_snr_db(pcm, decoded, lag, 320);
  RecordProperty("g722_lag_samples", std::to_string(lag));
  RecordProperty("g722_segsnr_db", std::to_string(snr));
  EXPECT_GE(snr, kMinSnrDb);
  EXPECT_LE(lag, 40u);
  // Negative control: the same signal compared without delay alignment fails the threshold.
  if (lag > 2) {
    EXPECT_LT(test::segmental_snr_db(pcm, decoded, 0, 320), kMinSnrDb);
  }
}

// The 56 and 48 kbit/s modes ignore 1 or 2 low bits per byte: a 64k stream still decodes, slightly
// worse, and the mode is selectable.
TEST(G722Codec, DecodesLowerModes) {
  const std::vector<int16_t> pcm = speech_like(16000, 16000, 30);
  double previous = 1e9;
  for (uint32_t rate : {64000u, 56000u, 48000u}) {
    SCOPED_TRACE(rate);
    std::unique_ptr<Codec> codec = make_g722(rate);
    ASSERT_NE(codec, nullptr);
    const std::vector<int16_t> decoded = round_trip(*codec, pcm);
    const double snr = test::segmental_snr_db(pcm, decoded, test::best_lag(pcm, decoded, 64), 320);
    RecordProperty("g722_segsnr_db_decode_" + std::to_string(rate), std::to_string(snr));
    EXPECT_GT(snr, 8.0);
    EXPECT_LE(snr, previous + 0.5);
    previous = snr;
  }
  Result<std::unique_ptr<Codec>> bad = create_codec("G722", dsp::kernels_for(dsp::Target::scalar),
                                                    CodecOptions{.bitrate_bps = 32000});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST(G722Codec, RejectsBadSizes) {
  std::unique_ptr<Codec> c = make_g722();
  std::vector<int16_t> pcm(321, 100);
  std::vector<uint8_t> out(200);
  size_t written = 9;
  EXPECT_EQ(c->encode(pcm, out, written), CodecStatus::bad_input);  // odd sample count
  EXPECT_EQ(written, 0u);
  EXPECT_EQ(c->encode({}, out, written), CodecStatus::bad_input);
  EXPECT_EQ(c->encode(std::span(pcm).first(320), std::span(out).first(159), written), CodecStatus::buffer_too_small);
  std::vector<int16_t> small(100);
  size_t samples = 9;
  EXPECT_EQ(c->decode(std::span(out).first(51), small, samples), CodecStatus::buffer_too_small);  // oversized
  EXPECT_EQ(samples, 0u);
  EXPECT_EQ(c->decode({}, small, samples), CodecStatus::bad_payload);
  EXPECT_EQ(c->decode(std::span(out).first(50), small, samples), CodecStatus::ok);
  EXPECT_EQ(samples, 100u);
}

// No clicks: across a 40 ms loss, the largest sample-to-sample step at the start and at the end of
// the loss stays within 1.5x the largest step of the decoded speech around it. Zero-filling (the
// negative control) makes a step of the full signal amplitude at the edge.
TEST(G722Codec, ConcealmentHasNoClicksAtLossEdges) {
  const std::vector<int16_t> pcm = speech_like(16000, 16000, 8);
  std::unique_ptr<Codec> codec = make_g722();
  std::vector<int16_t> out(pcm.size()), zero_filled(pcm.size());
  std::vector<uint8_t> payload(160);
  const size_t lost_from = 320 * 5, lost_to = 320 * 7;  // loud part of a syllable (t = 0.1..0.14 s)
  for (size_t off = 0; off + 320 <= pcm.size(); off += 320) {
    size_t written = 0, samples = 0;
    ASSERT_EQ(codec->encode(std::span(pcm).subspan(off, 320), payload, written), CodecStatus::ok);
    if (off >= lost_from && off < lost_to) {
      ASSERT_EQ(codec->conceal(std::span(out).subspan(off, 320)), CodecStatus::ok);
      continue;
    }
    ASSERT_EQ(codec->decode(payload, std::span(out).subspan(off, 320), samples), CodecStatus::ok);
    std::copy_n(out.begin() + static_cast<ptrdiff_t>(off), 320, zero_filled.begin() + static_cast<ptrdiff_t>(off));
  }
  const int normal = test::max_step(out, lost_from - 640, lost_from);
  ASSERT_GT(normal, 100);
  const int at_start = test::max_step(out, lost_from - 4, lost_from + 80);
  const int at_end = test::max_step(out, lost_to - 4, lost_to + 80);
  RecordProperty("g722_plc_normal_step", std::to_string(normal));
  RecordProperty("g722_plc_start_step", std::to_string(at_start));
  RecordProperty("g722_plc_end_step", std::to_string(at_end));
  EXPECT_LE(at_start, normal * 3 / 2);
  EXPECT_LE(at_end, normal * 3 / 2);
  EXPECT_GT(std::max(test::max_step(zero_filled, lost_from - 4, lost_from + 4),
                     test::max_step(zero_filled, lost_to - 4, lost_to + 4)),
            normal * 3 / 2);
}

// ---- Recovery after loss: 10 % of 20 ms packets dropped (fixed seed), concealed, and the decoded
// output after each loss compared with the lossless decode of the same stream. ----

enum class LossFill : uint8_t { conceal, zeros };  // zeros: the negative control for clicks

struct LossRecovery {
  double snr_first_db = 0.0;   // mean SNR vs the lossless decode over the first 20 ms after a loss
  double snr_second_db = 0.0;  // ... over the next 20 ms
  double snr_third_db = 0.0;   // ... over the 20 ms after that
  double snr_40ms_db = 0.0;    // ... over the 40 ms after a loss
  double worst_edge_ratio = 0.0;  // max over losses: step at a loss edge / largest lossless step nearby
  int losses = 0;              // loss bursts measured (three good packets after, two before)
};

// SNR of `got` against `ref` over [begin, end), in dB (99 when identical).
double window_snr_db(const std::vector<int16_t>& ref, const std::vector<int16_t>& got, size_t begin, size_t end) {
  double sig = 0.0, err = 0.0;
  for (size_t i = begin; i < end; ++i) {
    sig += static_cast<double>(ref[i]) * ref[i];
    const double e = static_cast<double>(ref[i]) - got[i];
    err += e * e;
  }
  return err == 0.0 ? 99.0 : 10.0 * std::log10(std::max(sig, 1.0) / err);
}

LossRecovery measure_loss_recovery(G722LossResync resync, LossFill fill = LossFill::conceal) {
  constexpr size_t kPacket = 320;  // 20 ms at 16 kHz
  const std::vector<int16_t> pcm = speech_like(16000 * 4, 16000, 30);
  const size_t packets = pcm.size() / kPacket;
  std::vector<bool> lost(packets, false);
  std::mt19937 rng(42);
  std::bernoulli_distribution drop(0.10);
  for (size_t p = 5; p < packets; ++p) lost[p] = drop(rng);

  auto lossless = G722Codec::create(64000, resync);
  auto lossy = G722Codec::create(64000, resync);
  EXPECT_TRUE(lossless && lossy);
  if (!lossless || !lossy) return {};
  std::vector<int16_t> ref(pcm.size()), got(pcm.size());
  std::vector<uint8_t> payload(160);
  for (size_t p = 0; p < packets; ++p) {
    const size_t off = p * kPacket;
    size_t written = 0, samples = 0;
    EXPECT_EQ((*lossless)->encode(std::span(pcm).subspan(off, kPacket), payload, written), CodecStatus::ok);
    EXPECT_EQ((*lossless)->decode(payload, std::span(ref).subspan(off, kPacket), samples), CodecStatus::ok);
    if (!lost[p]) {
      EXPECT_EQ((*lossy)->decode(payload, std::span(got).subspan(off, kPacket), samples), CodecStatus::ok);
    } else if (fill == LossFill::conceal) {
      EXPECT_EQ((*lossy)->conceal(std::span(got).subspan(off, kPacket)), CodecStatus::ok);
    }  // LossFill::zeros leaves the zeros
  }
  LossRecovery r;
  for (size_t p = 2; p < packets; ++p) {
    if (!lost[p] || lost[p - 1] || lost[p - 2]) continue;
    size_t end = p;
    while (end < packets && lost[end]) ++end;
    if (end + 3 > packets || lost[end] || lost[end + 1] || lost[end + 2]) continue;
    const size_t begin_s = p * kPacket, end_s = end * kPacket;
    r.snr_first_db += window_snr_db(ref, got, end_s, end_s + kPacket);
    r.snr_second_db += window_snr_db(ref, got, end_s + kPacket, end_s + 2 * kPacket);
    r.snr_third_db += window_snr_db(ref, got, end_s + 2 * kPacket, end_s + 3 * kPacket);
    r.snr_40ms_db += window_snr_db(ref, got, end_s, end_s + 2 * kPacket);
    // Clicks: a discontinuity stands out from its own neighbourhood. At each edge, the largest step
    // within 4 samples of it against the largest step in the 5 ms either side of that.
    for (const size_t e : {begin_s, end_s}) {
      const int around = std::max(std::max(test::max_step(got, e - 84, e - 4), test::max_step(got, e + 4, e + 84)), 1);
      const int edge = test::max_step(got, e - 4, e + 4);
      r.worst_edge_ratio = std::max(r.worst_edge_ratio, static_cast<double>(edge) / around);
    }
    ++r.losses;
  }
  if (r.losses > 0) {
    r.snr_first_db /= r.losses;
    r.snr_second_db /= r.losses;
    r.snr_third_db /= r.losses;
    r.snr_40ms_db /= r.losses;
  }
  return r;
}

// Measured (64 kbit/s, 30-harmonic speech-like signal, seed 42, 15 isolated loss bursts; see
// docs/codecs.md): with the pre-loss decoder state (the default) the SNR against the lossless decode
// is 4.8, 11.7 and 15.6 dB over the 1st, 2nd and 3rd 20 ms after a loss (7.3 dB over the first
// 40 ms): the error decays. Re-encoding the concealment into the decoder state
// (G722LossResync::reencode) measured 2.7, 6.5, 11.8 (4.3) dB, so it is not the default. Edge steps
// measured 0.82x the largest step around them (bound 1.5x); zero-filling, the negative control, 19.9x.
TEST(G722Codec, RecoversAfterLoss) {
  const LossRecovery none = measure_loss_recovery(G722LossResync::none);
  const LossRecovery reencode = measure_loss_recovery(G722LossResync::reencode);
  const LossRecovery zeros = measure_loss_recovery(G722LossResync::none, LossFill::zeros);
  std::printf("G.722 after loss, %d bursts | pre-loss state: SNR 0-20 ms %.1f, 20-40 %.1f, 40-60 %.1f, 0-40 %.1f dB, "
              "edge %.2f | reencode: %.1f, %.1f, %.1f, 0-40 %.1f dB, edge %.2f | zero fill: edge %.2f\n",
              none.losses, none.snr_first_db, none.snr_second_db, none.snr_third_db, none.snr_40ms_db,
              none.worst_edge_ratio, reencode.snr_first_db, reencode.snr_second_db, reencode.snr_third_db,
              reencode.snr_40ms_db, reencode.worst_edge_ratio, zeros.worst_edge_ratio);
  RecordProperty("g722_loss_bursts", std::to_string(none.losses));
  RecordProperty("g722_after_loss_snr40_db", std::to_string(none.snr_40ms_db));
  RecordProperty("g722_after_loss_snr40_reencode_db", std::to_string(reencode.snr_40ms_db));
  RecordProperty("g722_edge_ratio", std::to_string(none.worst_edge_ratio));
  RecordProperty("g722_edge_ratio_zero_fill", std::to_string(zeros.worst_edge_ratio));
  ASSERT_GE(none.losses, 8);
  EXPECT_GE(none.snr_40ms_db, 5.5);
  EXPECT_GT(none.snr_second_db, none.snr_first_db + 3.0);  // the error decays...
  EXPECT_GT(none.snr_third_db, none.snr_second_db);        // ...and keeps decaying
  EXPECT_GE(none.snr_40ms_db, reencode.snr_40ms_db + 1.0);  // the default is the better choice
  EXPECT_LE(none.worst_edge_ratio, 1.5);
  EXPECT_GT(zeros.worst_edge_ratio, 1.5 * 4);
}

// The resync path itself works at every decode mode: no crash, output stays bounded, and it changes
// the decoder state (the decode after a loss differs from the one without resync).
TEST(G722Codec, ReencodeResyncChangesDecoderState) {
  const std::vector<int16_t> pcm = speech_like(16000 / 2, 16000, 30);
  for (uint32_t rate : {64000u, 56000u, 48000u}) {
    SCOPED_TRACE(rate);
    auto a = G722Codec::create(rate, G722LossResync::none);
    auto b = G722Codec::create(rate, G722LossResync::reencode);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((*b)->loss_resync(), G722LossResync::reencode);
    std::vector<int16_t> out_a(320), out_b(320), concealed(160);
    std::vector<uint8_t> payload(160);
    bool differs = false;
    for (size_t off = 0; off + 320 <= pcm.size(); off += 320) {
      size_t written = 0, samples = 0;
      ASSERT_EQ((*a)->encode(std::span(pcm).subspan(off, 320), payload, written), CodecStatus::ok);
      if (off == 320 * 10) {  // one lost packet, concealed in two 10 ms ticks as the engine does
        for (int half = 0; half < 2; ++half) {
          ASSERT_EQ((*a)->conceal(concealed), CodecStatus::ok);
          ASSERT_EQ((*b)->conceal(concealed), CodecStatus::ok);
        }
        continue;
      }
      ASSERT_EQ((*a)->decode(payload, out_a, samples), CodecStatus::ok);
      ASSERT_EQ((*b)->decode(payload, out_b, samples), CodecStatus::ok);
      differs = differs || out_a != out_b;
    }
    EXPECT_TRUE(differs);
  }
}

}  // namespace
}  // namespace offhook
