// Codec registry: every supported name creates a codec whose SDP description matches its
// capability entry; rtpmap lookup; static and dynamic payload types (RFC 3551).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "codecs/codec.hpp"

namespace offhook {
namespace {

TEST(CodecCapabilities, EveryNameCreatesAMatchingCodec) {
  const auto names = supported_codec_names();
  const auto caps = codec_capabilities();
  ASSERT_EQ(names.size(), caps.size());
  EXPECT_EQ(names[0], "opus");  // wideband first
  EXPECT_EQ(names[1], "G722");
  for (size_t i = 0; i < caps.size(); ++i) {
    SCOPED_TRACE(caps[i].name);
    EXPECT_EQ(names[i], caps[i].name);
    Result<std::unique_ptr<Codec>> c = create_codec(caps[i].name, dsp::kernels_for(dsp::Target::scalar));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ((*c)->name(), caps[i].name);
    EXPECT_EQ((*c)->clock_rate_hz(), caps[i].clock_rate_hz);
    EXPECT_EQ((*c)->static_payload_type(), caps[i].static_payload_type);
    EXPECT_EQ((*c)->sdp_rtpmap(), rtpmap_for(caps[i]));
    EXPECT_EQ((*c)->sdp_fmtp(), caps[i].default_fmtp);
  }
}

TEST(CodecCapabilities, FindByRtpmap) {
  const CodecInfo* g722 = find_codec("g722", 8000);
  ASSERT_NE(g722, nullptr);
  EXPECT_EQ(g722->name, "G722");
  EXPECT_EQ(find_codec("G722", 16000), nullptr);  // the RFC 3551 quirk: 16000 is wrong
  ASSERT_NE(find_codec("OPUS", 48000, 2), nullptr);
  EXPECT_EQ(find_codec("opus", 48000, 1), nullptr);  // RFC 7587 §7: must be /2
  EXPECT_NE(find_codec("opus", 48000), nullptr);
  EXPECT_NE(find_codec("PCMU", 8000, 1), nullptr);
  EXPECT_EQ(find_codec("PCMU", 16000), nullptr);
  EXPECT_EQ(find_codec("iLBC", 8000), nullptr);
}

TEST(CodecCapabilities, StaticAndDynamicPayloadTypes) {
  ASSERT_NE(find_static_payload_type(0), nullptr);
  EXPECT_EQ(find_static_payload_type(0)->name, "PCMU");
  EXPECT_EQ(find_static_payload_type(8)->name, "PCMA");
  EXPECT_EQ(find_static_payload_type(9)->name, "G722");
#if OFFHOOK_HAVE_G729
  ASSERT_NE(find_static_payload_type(18), nullptr);
  EXPECT_EQ(find_static_payload_type(18)->name, "G729");
#else
  EXPECT_EQ(find_static_payload_type(18), nullptr);
#endif
  EXPECT_EQ(find_static_payload_type(3), nullptr);   // GSM: not supported
  EXPECT_EQ(find_static_payload_type(96), nullptr);  // dynamic: never static

  const auto assigned = assign_payload_types(codec_capabilities());
  ASSERT_EQ(assigned.size(), codec_capabilities().size());
  std::set<uint8_t> seen;
  for (const PayloadTypeAssignment& a : assigned) {
    SCOPED_TRACE(a.codec->name);
    EXPECT_TRUE(seen.insert(a.payload_type).second);
    if (a.codec->static_payload_type) {
      EXPECT_EQ(a.payload_type, *a.codec->static_payload_type);
    } else {
      EXPECT_GE(a.payload_type, 96);
      EXPECT_LE(a.payload_type, 127);
    }
  }
  EXPECT_EQ(assigned[0].payload_type, 96);  // opus, the first dynamic one
  // More dynamic codecs than numbers: the assignment stops at 127 rather than wrapping.
  std::vector<CodecInfo> many(40, CodecInfo{"opus", 48000, 2, std::nullopt, ""});
  EXPECT_EQ(assign_payload_types(many).size(), 32u);
}

TEST(CodecCapabilities, DefaultInterfaceBehaviour) {
  // G.711 has no FEC: decode_fec() conceals the whole buffer, loss reports are ignored.
  Result<std::unique_ptr<Codec>> c = create_codec("PCMU", dsp::kernels_for(dsp::Target::scalar));
  ASSERT_TRUE(c);
  EXPECT_FALSE((*c)->has_fec());
  EXPECT_FALSE((*c)->has_internal_plc());
  (*c)->set_packet_loss_pct(30);
  EXPECT_TRUE((*c)->apply_remote_fmtp("anything=1"));
  std::vector<int16_t> pcm(160, 77);
  size_t samples = 0;
  const uint8_t next[] = {0xff, 0xff};
  EXPECT_EQ((*c)->decode_fec(next, pcm, samples), CodecStatus::ok);
  EXPECT_EQ(samples, 160u);
  EXPECT_TRUE(std::all_of(pcm.begin(), pcm.end(), [](int16_t v) { return v == 0; }));  // nothing decoded yet
}

}  // namespace
}  // namespace offhook
