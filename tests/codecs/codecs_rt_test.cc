// [rt] proof for the media-thread calls: every codec's encode, decode, decode_fec, conceal and
// set_packet_loss_pct, and the resampler's process, make no heap allocation and take no mutex after
// creation (tests/support/rt_probe counts malloc/new and pthread_mutex_lock on this thread, inside
// libopus, spandsp, bcg729 and speexdsp too).
#include <gtest/gtest.h>

#include <vector>

#include "codecs/codec.hpp"
#include "codecs/g722/g722_codec.hpp"
#include "dsp/resample/resampler.hpp"
#include "tests/codecs/codec_test_util.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

TEST(CodecsRealTime, NoAllocationOrLockAfterCreate) {
  for (std::string_view name : supported_codec_names()) {
    SCOPED_TRACE(name);
    Result<std::unique_ptr<Codec>> created =
        create_codec(name, dsp::kernels_for(dsp::best_target()), CodecOptions{.dtx = true});
    ASSERT_TRUE(created);
    Codec& codec = **created;
    const size_t frame = codec.sample_rate_hz() / 50 * codec.channels();
    const std::vector<int16_t> pcm = test::speech_like(frame * 20, codec.sample_rate_hz());
    std::vector<uint8_t> payload(codec.max_payload_bytes());
    std::vector<int16_t> out(frame * 2);
    test::RtProbe probe;
    for (size_t f = 0; f < 20; ++f) {
      size_t written = 0, samples = 0;
      codec.set_packet_loss_pct(static_cast<int>(f));
      (void)codec.encode(std::span(pcm).subspan(f * frame, frame), payload, written);
      if (f % 5 == 3) {
        (void)codec.conceal(std::span(out).first(frame));
      } else if (f % 5 == 4) {
        (void)codec.decode_fec(std::span(payload).first(written), std::span(out).first(frame), samples);
        (void)codec.decode(std::span(payload).first(written), out, samples);
      } else if (written > 0) {
        (void)codec.decode(std::span(payload).first(written), out, samples);
      }
      (void)codec.conceal(std::span(out).first(37));  // odd length
    }
    const test::RtCounts counts = probe.counts();
    EXPECT_EQ(counts.allocations, 0u);
    EXPECT_EQ(counts.mutex_locks, 0u);
  }
}

// G.722 with the re-encoding resync: conceal() also runs spandsp's encoder and decoder, still without
// allocation or locks (any length, consecutive losses, every decode mode).
TEST(CodecsRealTime, G722ReencodeResyncNoAllocationOrLock) {
  for (uint32_t rate : {64000u, 48000u}) {
    SCOPED_TRACE(rate);
    auto codec = G722Codec::create(rate, G722LossResync::reencode);
    ASSERT_TRUE(codec);
    const std::vector<int16_t> pcm = test::speech_like(320 * 20, 16000);
    std::vector<uint8_t> payload(160);
    std::vector<int16_t> out(960);
    test::RtProbe probe;
    for (size_t f = 0; f < 20; ++f) {
      size_t written = 0, samples = 0;
      (void)(*codec)->encode(std::span(pcm).subspan(f * 320, 320), payload, written);
      if (f % 5 >= 3) {
        (void)(*codec)->conceal(std::span(out).first(f % 2 == 0 ? 960 : 161));  // 60 ms, then an odd length
      } else {
        (void)(*codec)->decode(payload, out, samples);
      }
    }
    EXPECT_EQ(probe.counts().allocations, 0u);
    EXPECT_EQ(probe.counts().mutex_locks, 0u);
  }
}

// Negative control: the probe does see these libraries allocate (libopus, speexdsp in create()).
TEST(CodecsRealTime, ProbeSeesCreation) {
  test::RtProbe probe;
  auto opus = create_codec("opus", dsp::kernels_for(dsp::Target::scalar));
  auto resampler = dsp::Resampler::create(48000, 16000, 1);
  ASSERT_TRUE(opus && resampler);
  EXPECT_GE(probe.counts().allocations, 2u);
}

TEST(ResamplerRealTime, NoAllocationOrLockAfterCreate) {
  auto down = dsp::Resampler::create(48000, 16000, 1, dsp::Resampler::kQualityMax);
  auto up = dsp::Resampler::create(8000, 48000, 2);
  ASSERT_TRUE(down && up);
  const std::vector<int16_t> pcm = test::speech_like(9600, 48000);
  std::vector<int16_t> out(2000);
  test::RtProbe probe;
  for (size_t off = 0; off < pcm.size(); off += 480) {
    (void)(*down)->process(std::span(pcm).subspan(off, 480), out);
    (void)(*up)->process(std::span(pcm).subspan(off, 160), out);
  }
  (*down)->reset();
  EXPECT_EQ(probe.counts().allocations, 0u);
  EXPECT_EQ(probe.counts().mutex_locks, 0u);
}

}  // namespace
}  // namespace offhook
