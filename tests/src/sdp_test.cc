#include "src/sdp.hpp"

#include <gtest/gtest.h>

namespace offhook {
namespace {

// What ffmpeg prints for an SRTP PCMU stream (LF line ends, as ffmpeg writes them).
constexpr const char* kFfmpeg =
    "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat 59.27.100\n"
    "m=audio 40110 RTP/AVP 0\nb=AS:64\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WyBNmtvrpRyLFWQuWsAEkhmcEOOtrDuajLVb3zrc\n";

// A desk phone's offer (CRLF, several codecs, telephone-event, ptime, RFC 3605 rtcp, video too).
constexpr const char* kDeskPhone =
    "v=0\r\no=phone 8000 8001 IN IP4 192.0.2.10\r\ns=SIP Call\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 16384 RTP/SAVP 9 0 8 18 101\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\na=ptime:20\r\na=rtcp:16385\r\na=sendonly\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32\r\n"
    "a=crypto:2 AEAD_AES_128_GCM inline:Z1Jk4tqzqTQOe8zvblVRp4N9CZpQ8tTZ6u0V6w==\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";

TEST(SdpTest, ParsesFfmpegsSrtpStream) {
  auto sdp = parse_sdp(kFfmpeg);
  ASSERT_TRUE(sdp) << sdp.error().message;
  const SdpMedia* audio = sdp->first_audio();
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->port, 40110);
  EXPECT_EQ(audio->protocol, "RTP/AVP");
  ASSERT_EQ(audio->codecs.size(), 1u);
  EXPECT_EQ(audio->codecs[0].name, "PCMU") << "static payload type 0 without a=rtpmap";
  EXPECT_EQ(audio->codecs[0].clock_rate_hz, 8000u);
  ASSERT_EQ(audio->crypto.size(), 1u);
  EXPECT_EQ(audio->crypto[0].suite, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(sdp->connection_address.value_or(""), "127.0.0.1");
}

TEST(SdpTest, ParsesADeskPhoneOffer) {
  auto sdp = parse_sdp(kDeskPhone);
  ASSERT_TRUE(sdp) << sdp.error().message;
  ASSERT_EQ(sdp->media.size(), 2u);
  const SdpMedia* audio = sdp->first_audio();
  ASSERT_NE(audio, nullptr);
  ASSERT_EQ(audio->codecs.size(), 5u);
  EXPECT_EQ(audio->codecs[0].name, "G722");
  EXPECT_EQ(audio->codecs[3].fmtp, "annexb=no");
  EXPECT_EQ(audio->codecs[4].name, "telephone-event");
  EXPECT_EQ(audio->ptime_ms.value_or(0), 20u);
  EXPECT_EQ(audio->rtcp_port.value_or(0), 16385);
  EXPECT_EQ(audio->direction, MediaDirection::sendonly);
  ASSERT_EQ(audio->crypto.size(), 2u);
  EXPECT_EQ(audio->crypto[1].tag, 2u);
  EXPECT_EQ(sdp->media[1].port, 0) << "the rejected video stream is kept but not audio";
}

TEST(SdpTest, ErrorsNameTheLine) {
  struct Case {
    const char* sdp;
    const char* expect;
  };
  for (const Case& c : {Case{"v=0\nm=audio xyz RTP/AVP 0\n", "line 2"}, Case{"v=0\nthis is not sdp\n", "line 2"},
                        Case{"v=0\nm=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU\n", "line 3"},
                        Case{"v=0\nc=IN IP4\n", "line 2"}, Case{"v=0\nm=audio 4000 RTP/AVP 300\n", "payload type"},
                        Case{"v=0\ns=nothing\n", "no m= line"}}) {
    SCOPED_TRACE(c.sdp);
    auto sdp = parse_sdp(c.sdp);
    ASSERT_FALSE(sdp);
    EXPECT_EQ(sdp.error().code, Errc::bad_format);
    EXPECT_NE(sdp.error().message.find(c.expect), std::string::npos) << sdp.error().message;
  }
}

}  // namespace
}  // namespace offhook
