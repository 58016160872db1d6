#include "src/sdp_negotiation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsp/kernels.hpp"

namespace offhook {
namespace {

using rtp::SrtpSuite;

std::string read_offer(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / "sdp_offers" / name;
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

LocalMedia local_v4() {
  LocalMedia local;
  local.address = "192.0.2.50";
  local.port = 40000;
  return local;
}

const SdpCodec* find_pt(const SdpMedia& m, uint8_t pt) {
  for (const SdpCodec& c : m.codecs) {
    if (c.payload_type == pt) return &c;
  }
  return nullptr;
}

bool iequal(std::string a, std::string b) {
  std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::transform(b.begin(), b.end(), b.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return a == b;
}

enum class Local : uint8_t { v4, v6, srtp_off, srtp_mandatory, our_order };

struct OfferCase {
  const char* file;
  Local local;
  bool rejected;
  const char* codec_or_reason;  // the codec, or a piece of the rejection reason
  uint8_t payload_type;
  MediaDirection direction;
  bool remote_hold;
  std::optional<SrtpSuite> suite;
  uint32_t crypto_tag;
  std::optional<uint8_t> telephone_event_pt;
  bool rtcp_mux;
  uint32_t ptime_ms;
  const char* remote_rtp;   // "" to skip
  const char* remote_rtcp;  // "" to skip, "mux" for none
};

constexpr auto kSendRecv = MediaDirection::sendrecv;
constexpr std::optional<SrtpSuite> kPlain = std::nullopt;
constexpr auto kAes80 = SrtpSuite::aes_cm_128_hmac_sha1_80;
constexpr auto kAes32 = SrtpSuite::aes_cm_128_hmac_sha1_32;
constexpr auto kGcm = SrtpSuite::aead_aes_128_gcm;
constexpr std::optional<uint8_t> kNoDtmf = std::nullopt;

const OfferCase kOffers[] = {
    {"polycom_vvx.sdp", Local::v4, false, "G722", 9, kSendRecv, false, kAes80, 1, 127, false, 20, "10.1.1.20:2222", "10.1.1.20:2223"},
    {"polycom_vvx.sdp", Local::srtp_off, false, "G722", 9, kSendRecv, false, kPlain, 0, 127, false, 20, "", ""},
    {"yealink_t46.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kPlain, 0, 101, false, 20, "192.168.10.21:11780", ""},
    {"yealink_t46.sdp", Local::our_order, false, "G722", 9, kSendRecv, false, kPlain, 0, 101, false, 20, "", ""},
    {"yealink_t46.sdp", Local::srtp_mandatory, true, "mandatory", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 0, "", ""},
    {"cisco_cp8845.sdp", Local::v4, false, "G722", 9, kSendRecv, false, kPlain, 0, 101, false, 20, "10.20.30.40:24580", ""},
    {"grandstream_gxp2170.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kPlain, 0, 101, false, 20, "", ""},
    {"asterisk.sdp", Local::v4, false, "PCMA", 8, kSendRecv, false, kPlain, 0, 101, false, 20, "203.0.113.5:17002", ""},
    {"freeswitch_savp.sdp", Local::v4, false, "opus", 102, kSendRecv, false, kAes80, 2, kNoDtmf, false, 20, "", ""},
    {"rtpengine_kamailio.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kPlain, 0, 101, false, 20, "", "198.51.100.99:30011"},
    {"linphone.sdp", Local::v4, false, "opus", 96, kSendRecv, false, kPlain, 0, 99, false, 20, "", "192.168.1.50:7079"},
    {"zoiper.sdp", Local::v4, false, "PCMA", 8, kSendRecv, false, kPlain, 0, 101, false, 20, "", ""},
    {"microsip.sdp", Local::v4, false, "PCMA", 8, kSendRecv, false, kPlain, 0, 101, false, 20, "192.168.1.33:4000", "198.51.100.7:4001"},
    {"baresip_savp.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kAes32, 1, 101, true, 20, "", "mux"},
    {"obi202.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kPlain, 0, 101, false, 30, "", ""},
    {"webrtc_sdes.sdp", Local::v4, false, "opus", 111, kSendRecv, false, kAes80, 1, 110, true, 20, "203.0.113.77:54400", "mux"},
    {"webrtc_dtls.sdp", Local::v4, true, "UDP/TLS/RTP/SAVPF", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 0, "", ""},
    {"ffmpeg_opus.sdp", Local::v4, false, "opus", 97, kSendRecv, false, kPlain, 0, kNoDtmf, false, 20, "127.0.0.1:40110", ""},
    {"gstreamer_pcma.sdp", Local::v4, false, "PCMA", 96, kSendRecv, false, kPlain, 0, kNoDtmf, false, 40, "", ""},
    {"odd_spacing.sdp", Local::v4, false, "PCMU", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 20, "192.0.2.77:49170", ""},
    {"ipv6.sdp", Local::v6, false, "G722", 9, kSendRecv, false, kPlain, 0, 101, false, 20, "[2001:db8::10]:6000", ""},
    {"ipv6.sdp", Local::v4, true, "address family", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 0, "", ""},
    {"media_level_c.sdp", Local::v4, false, "PCMA", 8, kSendRecv, false, kPlain, 0, kNoDtmf, false, 20, "198.51.100.2:7000", ""},
    {"hold_sendonly.sdp", Local::v4, false, "PCMU", 0, MediaDirection::recvonly, true, kPlain, 0, 101, false, 20, "", ""},
    {"hold_c0.sdp", Local::v4, false, "PCMU", 0, MediaDirection::recvonly, true, kPlain, 0, 101, false, 20, "0.0.0.0:18392", ""},
    {"inactive.sdp", Local::v4, false, "PCMA", 8, MediaDirection::inactive, true, kPlain, 0, 101, false, 20, "", ""},
    {"snom_savp_mki.sdp", Local::v4, false, "PCMA", 8, kSendRecv, false, kAes32, 2, 101, false, 20, "", ""},
    {"aead_gcm.sdp", Local::v4, false, "G722", 9, kSendRecv, false, kGcm, 7, 101, false, 20, "", ""},
    {"aead_gcm.sdp", Local::srtp_off, true, "SRTP is off", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 0, "", ""},
    {"unknown_codecs.sdp", Local::v4, true, "no codec in common", 0, kSendRecv, false, kPlain, 0, kNoDtmf, false, 0, "", ""},
    {"opus_only_te8000.sdp", Local::v4, false, "opus", 107, kSendRecv, false, kPlain, 0, kNoDtmf, false, 20, "", ""},
};

LocalMedia local_for(Local kind) {
  LocalMedia local = local_v4();
  switch (kind) {
    case Local::v4: break;
    case Local::v6: local.address = "2001:db8::50"; break;
    case Local::srtp_off: local.srtp = SrtpPolicy::off; break;
    case Local::srtp_mandatory: local.srtp = SrtpPolicy::mandatory; break;
    case Local::our_order: local.answer_in_our_order = true; break;
  }
  return local;
}

TEST(SdpNegotiationTest, AnswersRealWorldOffers) {
  for (const OfferCase& c : kOffers) {
    SCOPED_TRACE(std::string(c.file) + " local " + std::to_string(static_cast<int>(c.local)));
    const std::string offer_text = read_offer(c.file);
    ASSERT_FALSE(offer_text.empty());
    auto offer = parse_sdp(offer_text);
    ASSERT_TRUE(offer) << offer.error().message;
    SdpSession session(42);
    auto answer = session.receive_offer(offer_text, local_for(c.local));
    ASSERT_TRUE(answer) << answer.error().message;
    const Negotiated& n = answer->negotiated;
    auto parsed = parse_sdp(answer->sdp);
    ASSERT_TRUE(parsed) << parsed.error().message << "\n" << answer->sdp;
    // RFC 3264 §6: one answer m= line per offered one, in the same order and of the same media.
    ASSERT_EQ(parsed->media.size(), offer->media.size()) << answer->sdp;
    for (size_t i = 0; i < offer->media.size(); ++i) {
      EXPECT_EQ(parsed->media[i].media, offer->media[i].media);
    }
    EXPECT_EQ(n.rejected, c.rejected) << n.reason;
    if (c.rejected) {
      EXPECT_NE(n.reason.find(c.codec_or_reason), std::string::npos) << n.reason;
      for (const SdpMedia& m : parsed->media) {
        EXPECT_EQ(m.port, 0) << answer->sdp;
      }
      CallLegConfig config;
      EXPECT_FALSE(apply(n, config));
      continue;
    }
    EXPECT_EQ(n.codec, c.codec_or_reason);
    EXPECT_EQ(n.payload_type, c.payload_type);
    EXPECT_EQ(n.direction, c.direction);
    EXPECT_EQ(n.remote_hold, c.remote_hold);
    EXPECT_EQ(n.telephone_event_pt, c.telephone_event_pt);
    EXPECT_EQ(n.rtcp_mux, c.rtcp_mux);
    EXPECT_EQ(n.ptime_ms, c.ptime_ms);
    ASSERT_EQ(n.srtp.has_value(), c.suite.has_value());
    if (c.suite) {
      EXPECT_EQ(n.srtp->suite, *c.suite);
      EXPECT_EQ(n.srtp_tag, c.crypto_tag);
    }
    if (*c.remote_rtp) {
      EXPECT_EQ(n.remote_rtp.to_string(), c.remote_rtp);
    }
    if (std::string(c.remote_rtcp) == "mux") {
      EXPECT_FALSE(n.remote_rtcp);
    } else if (*c.remote_rtcp) {
      ASSERT_TRUE(n.remote_rtcp);
      EXPECT_EQ(n.remote_rtcp->to_string(), c.remote_rtcp);
    }
    // The answer: our port on the first audio stream, others rejected, and only codecs the offer had.
    const SdpMedia* audio = parsed->first_audio();
    ASSERT_NE(audio, nullptr) << answer->sdp;
    EXPECT_EQ(audio->port, 40000);
    EXPECT_EQ(audio->direction, c.direction);
    const SdpMedia* offered_audio = offer->first_audio();
    EXPECT_EQ(audio->protocol, offered_audio->protocol);
    for (const SdpCodec& ac : audio->codecs) {
      const SdpCodec* oc = find_pt(*offered_audio, ac.payload_type);
      ASSERT_NE(oc, nullptr) << "answer has PT " << int(ac.payload_type) << " the offer did not";
      EXPECT_TRUE(iequal(oc->name, ac.name)) << oc->name << " vs " << ac.name;
      EXPECT_EQ(oc->clock_rate_hz, ac.clock_rate_hz);
    }
    int audio_streams = 0;
    for (const SdpMedia& m : parsed->media) audio_streams += m.port != 0;
    EXPECT_EQ(audio_streams, 1);
    ASSERT_EQ(audio->crypto.size(), c.suite ? 1u : 0u);
    if (c.suite) {
      EXPECT_EQ(audio->crypto[0].tag, c.crypto_tag);
      EXPECT_EQ(audio->crypto[0].suite, rtp::suite_name(*c.suite));
      auto ours = rtp::SrtpKey::from_inline(*c.suite, audio->crypto[0].key_params);
      ASSERT_TRUE(ours);
      EXPECT_TRUE(std::equal(ours->bytes().begin(), ours->bytes().end(), n.srtp->local_key.bytes().begin()));
    }
    CallLegConfig config;
    ASSERT_TRUE(apply(n, config));
    EXPECT_EQ(config.codec, n.codec);
    EXPECT_EQ(config.payload_type, n.payload_type);
    EXPECT_EQ(config.telephone_event_pt, n.telephone_event_pt);
    EXPECT_EQ(config.srtp.has_value(), n.srtp.has_value());
  }
}

TEST(SdpNegotiationTest, AppliedConfigCreatesALeg) {
  SdpSession session(1);
  auto answer = session.receive_offer(read_offer("freeswitch_savp.sdp"), local_v4());
  ASSERT_TRUE(answer) << answer.error().message;
  CallLegConfig config;
  config.local = *SocketAddress::parse("127.0.0.1:0");
  ASSERT_TRUE(apply(answer->negotiated, config));
  // The offer's fmtp asks for at most 30 kb/s and 16 kHz playback (RFC 7587 §7).
  EXPECT_EQ(config.codec_options.bitrate_bps, 30000u);
  EXPECT_EQ(config.codec_options.sample_rate_hz, 16000u);
  auto leg = CallLeg::create(config, dsp::kernels_for(dsp::Target::scalar));
  ASSERT_TRUE(leg) << leg.error().message;
  EXPECT_EQ((*leg)->codec().name(), "opus");
}

struct Pair {
  SdpSession a{1001};
  SdpSession b{2002};
  LocalMedia local_a = local_v4();
  LocalMedia local_b;
  Pair() {
    local_b.address = "198.51.100.60";
    local_b.port = 50000;
  }
  // A offers, B answers, A takes the answer.
  std::pair<Negotiated, Negotiated> exchange(std::string* offer_out = nullptr, std::string* answer_out = nullptr) {
    auto offer = a.create_offer(local_a);
    EXPECT_TRUE(offer) << offer.error().message;
    auto answer = b.receive_offer(*offer, local_b);
    EXPECT_TRUE(answer) << answer.error().message;
    auto result = a.receive_answer(answer->sdp);
    EXPECT_TRUE(result) << result.error().message;
    if (offer_out) *offer_out = *offer;
    if (answer_out) *answer_out = answer->sdp;
    return {std::move(*result), std::move(answer->negotiated)};
  }
};

bool same_key(const rtp::SrtpKey& x, const rtp::SrtpKey& y) {
  return x.bytes().size() == y.bytes().size() && std::equal(x.bytes().begin(), x.bytes().end(), y.bytes().begin());
}

TEST(SdpNegotiationTest, RoundTripBetweenTwoSessions) {
  Pair p;
  p.local_b.codecs = {"PCMA", "G722"};
  std::string offer, answer;
  auto [na, nb] = p.exchange(&offer, &answer);
  EXPECT_NE(offer.find("RTP/AVP"), std::string::npos);
  EXPECT_NE(offer.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << offer;
  EXPECT_NE(offer.find("telephone-event/48000"), std::string::npos) << offer;
  EXPECT_NE(offer.find("telephone-event/8000"), std::string::npos) << offer;
  ASSERT_FALSE(na.rejected) << na.reason;
  ASSERT_FALSE(nb.rejected) << nb.reason;
  EXPECT_EQ(na.codec, "G722") << "A's order: opus (B lacks it), then G722";
  EXPECT_EQ(nb.codec, "G722");
  EXPECT_EQ(na.payload_type, 9);
  EXPECT_EQ(na.telephone_event_pt, uint8_t{101});
  EXPECT_EQ(nb.telephone_event_pt, uint8_t{101});
  EXPECT_EQ(na.remote_rtp.to_string(), "198.51.100.60:50000");
  EXPECT_EQ(nb.remote_rtp.to_string(), "192.0.2.50:40000");
  EXPECT_TRUE(na.rtcp_mux);
  ASSERT_TRUE(na.srtp && nb.srtp);
  EXPECT_EQ(na.srtp->suite, nb.srtp->suite);
  EXPECT_TRUE(same_key(na.srtp->local_key, nb.srtp->remote_key));
  EXPECT_TRUE(same_key(na.srtp->remote_key, nb.srtp->local_key));
  EXPECT_FALSE(same_key(na.srtp->local_key, na.srtp->remote_key));
  EXPECT_FALSE(p.a.offer_pending());
  ASSERT_NE(p.a.negotiated(), nullptr);
  EXPECT_EQ(p.a.negotiated()->codec, "G722");
}

TEST(SdpNegotiationTest, OpusBothSidesUsesTheOfferersPayloadTypeAnd48kEvents) {
  Pair p;
  p.local_b.codecs = {"PCMU", "opus"};
  p.local_b.answer_in_our_order = true;
  p.local_a.codecs = {"G722", "opus"};
  std::string offer;
  auto [na, nb] = p.exchange(&offer);
  EXPECT_EQ(nb.codec, "opus");
  EXPECT_EQ(na.codec, "opus");
  EXPECT_EQ(na.payload_type, nb.payload_type);
  EXPECT_GE(na.payload_type, 96);
  ASSERT_TRUE(na.telephone_event_pt && nb.telephone_event_pt);
  EXPECT_EQ(*na.telephone_event_pt, *nb.telephone_event_pt);
  EXPECT_NE(*na.telephone_event_pt, 101) << "101 is telephone-event/8000 for G722\n" << offer;
  EXPECT_EQ(na.clock_rate_hz, 48000u);
}

TEST(SdpNegotiationTest, SrtpPolicies) {
  {  // mandatory offer -> RTP/SAVP; an answerer with SRTP off rejects, the offerer sees the rejection
    Pair p;
    p.local_a.srtp = SrtpPolicy::mandatory;
    p.local_b.srtp = SrtpPolicy::off;
    std::string offer, answer;
    auto [na, nb] = p.exchange(&offer, &answer);
    EXPECT_NE(offer.find("RTP/SAVP"), std::string::npos);
    EXPECT_TRUE(nb.rejected);
    EXPECT_NE(answer.find("m=audio 0 RTP/SAVP"), std::string::npos) << answer;
    EXPECT_TRUE(na.rejected);
    EXPECT_NE(na.reason.find("port 0"), std::string::npos) << na.reason;
  }
  {  // optional offer, answerer without SRTP: plain RTP both ways
    Pair p;
    p.local_b.srtp = SrtpPolicy::off;
    std::string answer;
    auto [na, nb] = p.exchange(nullptr, &answer);
    EXPECT_FALSE(na.rejected);
    EXPECT_FALSE(na.srtp);
    EXPECT_FALSE(nb.srtp);
    EXPECT_EQ(answer.find("a=crypto"), std::string::npos);
  }
  {  // suites: B only does AEAD_AES_128_GCM, the second one A offers: tag 2
    Pair p;
    p.local_b.suites = {SrtpSuite::aead_aes_128_gcm};
    auto [na, nb] = p.exchange();
    ASSERT_TRUE(na.srtp && nb.srtp);
    EXPECT_EQ(na.srtp->suite, SrtpSuite::aead_aes_128_gcm);
    EXPECT_EQ(nb.srtp_tag, 2u);
    EXPECT_TRUE(same_key(na.srtp->remote_key, nb.srtp->local_key));
  }
  {  // policy off offers no crypto at all
    SdpSession s(5);
    LocalMedia local = local_v4();
    local.srtp = SrtpPolicy::off;
    auto offer = s.create_offer(local);
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer->find("a=crypto"), std::string::npos);
  }
}

TEST(SdpNegotiationTest, ReOffersChangeDirectionCodecAndAddressAndBumpTheVersion) {
  Pair p;
  auto first = p.exchange();
  ASSERT_FALSE(first.first.rejected);
  const uint64_t va = p.a.version();
  const uint64_t vb = p.b.version();
  ASSERT_TRUE(first.first.srtp);
  // Hold: A sends sendonly; B answers recvonly; B is told it is on hold.
  p.local_a.direction = MediaDirection::sendonly;
  std::string answer;
  auto hold = p.exchange(nullptr, &answer);
  EXPECT_EQ(hold.first.direction, MediaDirection::sendonly);
  EXPECT_EQ(hold.second.direction, MediaDirection::recvonly);
  EXPECT_TRUE(hold.second.remote_hold);
  EXPECT_FALSE(hold.first.remote_hold);
  EXPECT_NE(answer.find("a=recvonly"), std::string::npos);
  EXPECT_EQ(p.a.version(), va + 1);
  EXPECT_EQ(p.b.version(), vb + 1);
  // The keys stay across re-offers (no rekey asked).
  ASSERT_TRUE(hold.first.srtp);
  EXPECT_TRUE(same_key(hold.first.srtp->local_key, first.first.srtp->local_key));
  EXPECT_TRUE(same_key(hold.second.srtp->local_key, first.second.srtp->local_key));
  // The same offer again: nothing changed, the versions stay (RFC 3264 §8).
  auto again = p.exchange();
  EXPECT_FALSE(again.first.rejected);
  EXPECT_EQ(p.a.version(), va + 1);
  EXPECT_EQ(p.b.version(), vb + 1);
  // Resume, with another codec and address.
  p.local_a.direction = MediaDirection::sendrecv;
  p.local_a.codecs = {"PCMA"};
  p.local_a.address = "192.0.2.51";
  p.local_a.port = 40100;
  auto moved = p.exchange();
  EXPECT_EQ(moved.second.codec, "PCMA");
  EXPECT_EQ(moved.second.payload_type, 8);
  EXPECT_EQ(moved.second.direction, MediaDirection::sendrecv);
  EXPECT_FALSE(moved.second.remote_hold);
  EXPECT_EQ(moved.second.remote_rtp.to_string(), "192.0.2.51:40100");
  EXPECT_EQ(p.a.version(), va + 2);
  // Rekey: a new key, a new version.
  p.a.rekey();
  auto rekeyed = p.exchange();
  ASSERT_TRUE(rekeyed.first.srtp);
  EXPECT_FALSE(same_key(rekeyed.first.srtp->local_key, moved.first.srtp->local_key));
  EXPECT_TRUE(same_key(rekeyed.second.srtp->remote_key, rekeyed.first.srtp->local_key));
  EXPECT_EQ(p.a.version(), va + 3);
}

TEST(SdpNegotiationTest, DynamicPayloadTypesStayAcrossReOffers) {
  // RFC 3264 §8.3.2: once opus is 111 in this session (the peer's offer), our re-offer keeps 111.
  SdpSession s(9);
  auto answer = s.receive_offer(read_offer("webrtc_sdes.sdp"), local_v4());
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_EQ(answer->negotiated.payload_type, 111);
  LocalMedia local = local_v4();
  local.codecs = {"PCMU", "opus"};
  auto offer = s.create_offer(local);
  ASSERT_TRUE(offer);
  auto parsed = parse_sdp(*offer);
  ASSERT_TRUE(parsed);
  const SdpCodec* opus = nullptr;
  for (const SdpCodec& c : parsed->first_audio()->codecs) {
    if (c.name == "opus") opus = &c;
  }
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->payload_type, 111) << *offer;
  // A fresh session numbers it from 96 (RFC 3551 §3).
  SdpSession fresh(10);
  auto fresh_offer = fresh.create_offer(local);
  ASSERT_TRUE(fresh_offer);
  EXPECT_NE(fresh_offer->find("a=rtpmap:96 opus/48000/2"), std::string::npos) << *fresh_offer;
}

TEST(SdpNegotiationTest, OtherMediaAreRejectedInOrder) {
  SdpSession s(3);
  auto answer = s.receive_offer(read_offer("webrtc_sdes.sdp"), local_v4());
  ASSERT_TRUE(answer) << answer.error().message;
  auto parsed = parse_sdp(answer->sdp);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->media.size(), 3u);
  EXPECT_EQ(parsed->media[0].port, 40000);
  EXPECT_NE(answer->sdp.find("m=video 0 RTP/SAVPF 96 97\r\n"), std::string::npos) << answer->sdp;
  EXPECT_NE(answer->sdp.find("m=application 0 DTLS/SCTP 5000\r\n"), std::string::npos) << answer->sdp;
}

TEST(SdpNegotiationTest, ErrorsNameTheLineAndNeverTheKey) {
  SdpSession s(4);
  const std::string bad = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nb=AS:64\r\nm=audio x RTP/AVP 0\r\n";
  auto r = s.receive_offer(bad, local_v4());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::bad_format);
  EXPECT_NE(r.error().message.find("line 7 (m=): port not a number"), std::string::npos) << r.error().message;

  // A key that is not valid base64 in an answer: rejected, and the reason does not echo it.
  SdpSession a(5);
  auto offer = a.create_offer(local_v4());
  ASSERT_TRUE(offer);
  const std::string secret = "S3cr3tKeyMaterialThatIsNotBase64!!!!!!!!";
  const std::string answer = "v=0\r\no=- 2 2 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
                             "m=audio 5000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + secret + "\r\n";
  auto n = a.receive_answer(answer);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_TRUE(n->rejected);
  EXPECT_EQ(n->reason.find(secret), std::string::npos);
  EXPECT_EQ(n->reason.find("S3cr3t"), std::string::npos) << n->reason;

  // A crypto line broken across lines: the error does not echo the continuation.
  auto broken = s.receive_offer("v=0\r\nm=audio 5000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80\r\ninline:" + secret + "\r\n",
                                local_v4());
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.find("S3cr3t"), std::string::npos) << broken.error().message;
  EXPECT_NE(broken.error().message.find("line 3 (a=)"), std::string::npos) << broken.error().message;
}

TEST(SdpNegotiationTest, StateErrors) {
  SdpSession s(6);
  auto answer = s.receive_answer(read_offer("yealink_t46.sdp"));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, Errc::invalid_argument);
  ASSERT_TRUE(s.create_offer(local_v4()));
  auto glare = s.receive_offer(read_offer("yealink_t46.sdp"), local_v4());
  ASSERT_FALSE(glare);
  EXPECT_NE(glare.error().message.find("glare"), std::string::npos);
  LocalMedia bad = local_v4();
  bad.codecs = {"AMR"};
  auto unknown = s.create_offer(bad);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::not_supported);
  bad = local_v4();
  bad.address = "phone.example.com";
  EXPECT_FALSE(s.create_offer(bad));
  // No c= anywhere: malformed (RFC 8866 §5.7).
  SdpSession t(7);
  auto no_c = t.receive_offer("v=0\r\nm=audio 5000 RTP/AVP 0\r\n", local_v4());
  ASSERT_FALSE(no_c);
  EXPECT_EQ(no_c.error().code, Errc::bad_format);
}

TEST(SdpNegotiationTest, AnswerWithACodecWeDidNotOfferIsRejected) {
  SdpSession a(8);
  LocalMedia local = local_v4();
  local.codecs = {"PCMU"};
  local.srtp = SrtpPolicy::off;
  ASSERT_TRUE(a.create_offer(local));
  auto n = a.receive_answer("v=0\r\nc=IN IP4 192.0.2.9\r\nm=audio 5000 RTP/AVP 8\r\n");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_TRUE(n->rejected);
  EXPECT_NE(n->reason.find("no codec we offered"), std::string::npos);
}

}  // namespace
}  // namespace offhook
