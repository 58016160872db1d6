// RFC 7587 §6.1 fmtp parsing and production: every parameter, ranges, fallbacks, round trip.
#include <gtest/gtest.h>

#include "codecs/opus/opus_fmtp.hpp"

namespace offhook {
namespace {

TEST(OpusFmtp, ParsesEveryParameter) {
  const OpusFmtp f = parse_opus_fmtp(
      "maxplaybackrate=16000;sprop-maxcapturerate=24000; stereo=1;sprop-stereo=1;useinbandfec=1;usedtx=1;"
      "maxaveragebitrate=24000;cbr=1;ptime=20;maxptime=60;minptime=10");
  EXPECT_EQ(f.max_playback_rate_hz, 16000u);
  EXPECT_EQ(f.sprop_max_capture_rate_hz, 24000u);
  EXPECT_TRUE(f.stereo);
  EXPECT_TRUE(f.sprop_stereo);
  EXPECT_TRUE(f.use_inband_fec);
  EXPECT_TRUE(f.use_dtx);
  EXPECT_TRUE(f.cbr);
  EXPECT_EQ(f.max_average_bitrate_bps, std::optional<uint32_t>(24000));
  EXPECT_EQ(f.ptime_ms, std::optional<uint16_t>(20));
  EXPECT_EQ(f.max_ptime_ms, std::optional<uint16_t>(60));
  EXPECT_EQ(f.min_ptime_ms, std::optional<uint16_t>(10));
  EXPECT_EQ(f.ignored, 0);
}

TEST(OpusFmtp, DefaultsForEmptyAndFallbacksForBadValues) {
  const OpusFmtp d = parse_opus_fmtp("");
  EXPECT_EQ(d.max_playback_rate_hz, 48000u);
  EXPECT_FALSE(d.stereo);
  EXPECT_FALSE(d.use_inband_fec);
  EXPECT_FALSE(d.max_average_bitrate_bps);
  EXPECT_EQ(format_opus_fmtp(d), "");

  const OpusFmtp f = parse_opus_fmtp(
      "MAXPLAYBACKRATE=7999;maxaveragebitrate=5999;stereo=2;useinbandfec=;cbr=1x;ptime=121;novalue;x-custom=1;;"
      "usedtx=1");
  EXPECT_EQ(f.max_playback_rate_hz, 48000u);
  EXPECT_FALSE(f.max_average_bitrate_bps);
  EXPECT_FALSE(f.stereo);
  EXPECT_FALSE(f.use_inband_fec);
  EXPECT_FALSE(f.cbr);
  EXPECT_FALSE(f.ptime_ms);
  EXPECT_TRUE(f.use_dtx);  // the good parameter after the bad ones still counts
  EXPECT_EQ(f.ignored, 8);
}

TEST(OpusFmtp, CaseInsensitiveNamesAndBoundaries) {
  const OpusFmtp f = parse_opus_fmtp("MaxPlaybackRate=8000;MAXAVERAGEBITRATE=510000;Sprop-Stereo=0");
  EXPECT_EQ(f.max_playback_rate_hz, 8000u);
  EXPECT_EQ(f.max_average_bitrate_bps, std::optional<uint32_t>(510000));
  EXPECT_FALSE(f.sprop_stereo);
  EXPECT_EQ(f.ignored, 0);
}

TEST(OpusFmtp, FormatRoundTrips) {
  OpusFmtp f;
  f.min_ptime_ms = 10;
  f.max_playback_rate_hz = 16000;
  f.sprop_max_capture_rate_hz = 16000;
  f.max_average_bitrate_bps = 20000;
  f.stereo = true;
  f.use_inband_fec = true;
  f.use_dtx = true;
  const std::string text = format_opus_fmtp(f);
  EXPECT_EQ(text,
            "minptime=10;maxplaybackrate=16000;sprop-maxcapturerate=16000;maxaveragebitrate=20000;stereo=1;"
            "useinbandfec=1;usedtx=1");
  const OpusFmtp back = parse_opus_fmtp(text);
  EXPECT_EQ(back.max_playback_rate_hz, f.max_playback_rate_hz);
  EXPECT_EQ(back.sprop_max_capture_rate_hz, f.sprop_max_capture_rate_hz);
  EXPECT_EQ(back.max_average_bitrate_bps, f.max_average_bitrate_bps);
  EXPECT_EQ(back.stereo, f.stereo);
  EXPECT_EQ(back.sprop_stereo, f.sprop_stereo);
  EXPECT_EQ(back.use_inband_fec, f.use_inband_fec);
  EXPECT_EQ(back.use_dtx, f.use_dtx);
  EXPECT_EQ(back.cbr, f.cbr);
  EXPECT_EQ(back.min_ptime_ms, f.min_ptime_ms);
}

}  // namespace
}  // namespace offhook
