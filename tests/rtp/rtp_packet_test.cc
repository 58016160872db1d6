#include "rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <random>
#include <vector>

namespace offhook::rtp {
namespace {

// Checks the invariants every successfully parsed view must satisfy.
void expect_consistent(std::span<const uint8_t> packet, const RtpPacketView& v) {
  EXPECT_EQ(v.header_bytes + v.payload.size() + v.padding_bytes, packet.size()) << "whole buffer consumed";
  EXPECT_EQ(v.payload.data(), packet.data() + v.header_bytes);
  EXPECT_EQ(v.csrc_bytes.size(), 4u * v.csrc_count);
  if (v.has_extension) {
    EXPECT_GE(v.extension_data.data(), packet.data());
    EXPECT_LE(v.extension_data.data() + v.extension_data.size(), packet.data() + v.header_bytes);
  }
}

// Golden bytes: the RTP packet of libsrtp's encrypted-header-extension test vector
// (test/srtp_driver.c), an RFC 8285 one-byte-header extension (0xBEDE, 6 words) and 16 bytes of
// 0xab payload, SSRC 0xcafebabe.
constexpr std::array<uint8_t, 56> kGoldenWithExtension = {
    0x90, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xbe, 0xde,
    0x00, 0x06, 0x17, 0x41, 0x42, 0x73, 0xa4, 0x75, 0x26, 0x27, 0x48, 0x22, 0x00, 0x00,
    0xc8, 0x30, 0x8e, 0x46, 0x55, 0x99, 0x63, 0x86, 0xb3, 0x95, 0xfb, 0x00, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};

TEST(RtpPacketTest, ParsesGoldenPacketWithExtension) {
  RtpPacketView v;
  ASSERT_EQ(parse_rtp(kGoldenWithExtension, v), ParseStatus::ok);
  EXPECT_FALSE(v.marker);
  EXPECT_EQ(v.payload_type, 15);
  EXPECT_EQ(v.sequence, SeqNum(0x1234));
  EXPECT_EQ(v.timestamp, 0xdecafbadu);
  EXPECT_EQ(v.ssrc, 0xcafebabeu);
  EXPECT_EQ(v.csrc_count, 0);
  ASSERT_TRUE(v.has_extension);
  EXPECT_EQ(v.extension_profile, 0xbede);
  ASSERT_EQ(v.extension_data.size(), 24u);
  EXPECT_EQ(v.extension_data[0], 0x17);
  EXPECT_EQ(v.extension_data[23], 0x00);
  EXPECT_EQ(v.header_bytes, 40u);
  ASSERT_EQ(v.payload.size(), 16u);
  for (uint8_t b : v.payload) EXPECT_EQ(b, 0xab);
  expect_consistent(kGoldenWithExtension, v);

  // Building the same fields gives the same bytes.
  RtpHeaderFields f{.payload_type = 15, .sequence = SeqNum(0x1234), .timestamp = 0xdecafbad,
                    .ssrc = 0xcafebabe, .has_extension = true, .extension_profile = 0xbede,
                    .extension_data = v.extension_data};
  std::array<uint8_t, 100> out{};
  ASSERT_EQ(build_rtp(f, v.payload, out), kGoldenWithExtension.size());
  EXPECT_TRUE(std::equal(kGoldenWithExtension.begin(), kGoldenWithExtension.end(), out.begin()));
}

TEST(RtpPacketTest, GoldenPcmuHeaderWithMarkerAndCsrcs) {
  // Hand-assembled per RFC 3550 §5.1: V=2 P=0 X=0 CC=2, M=1 PT=0 (PCMU), seq 0xf17b,
  // ts 0x8041f8d3, SSRC 0x5501a0b2, CSRCs 0x01020304 and 0xa0b0c0d0, payload ff 7f.
  constexpr std::array<uint8_t, 22> kBytes = {0x82, 0x80, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
                                              0x55, 0x01, 0xa0, 0xb2, 0x01, 0x02, 0x03, 0x04,
                                              0xa0, 0xb0, 0xc0, 0xd0, 0xff, 0x7f};
  RtpPacketView v;
  ASSERT_EQ(parse_rtp(kBytes, v), ParseStatus::ok);
  EXPECT_TRUE(v.marker);
  EXPECT_EQ(v.payload_type, 0);
  EXPECT_EQ(v.sequence.value(), 0xf17b);
  EXPECT_EQ(v.timestamp, 0x8041f8d3u);
  EXPECT_EQ(v.ssrc, 0x5501a0b2u);
  ASSERT_EQ(v.csrc_count, 2);
  EXPECT_EQ(v.csrc(0), 0x01020304u);
  EXPECT_EQ(v.csrc(1), 0xa0b0c0d0u);
  EXPECT_FALSE(v.has_extension);
  ASSERT_EQ(v.payload.size(), 2u);
  EXPECT_EQ(v.payload[0], 0xff);
  expect_consistent(kBytes, v);

  const std::array<uint32_t, 2> csrcs = {0x01020304, 0xa0b0c0d0};
  const std::array<uint8_t, 2> payload = {0xff, 0x7f};
  RtpHeaderFields f{.marker = true, .payload_type = 0, .sequence = SeqNum(0xf17b), .timestamp = 0x8041f8d3,
                    .ssrc = 0x5501a0b2, .csrcs = csrcs};
  std::array<uint8_t, 22> out{};
  ASSERT_EQ(build_rtp(f, payload, out), 22u);
  EXPECT_EQ(out, kBytes);
  std::array<uint8_t, 21> small{};
  EXPECT_EQ(build_rtp(f, payload, small), 0u) << "one byte short must fail, not truncate";
}

// A packet with 2 CSRCs, an 8-byte extension, 21 bytes of 0xff payload, padded to 16.
std::vector<uint8_t> make_full_packet() {
  const std::array<uint32_t, 2> csrcs = {0x11111111, 0x22222222};
  const std::array<uint8_t, 8> ext = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> payload(21, 0xff);
  RtpHeaderFields f{.marker = true, .payload_type = 111, .sequence = SeqNum(65535), .timestamp = 123456,
                    .ssrc = 0xdeadbeef, .csrcs = csrcs, .has_extension = true, .extension_profile = 0x1000,
                    .extension_data = ext, .pad_to_multiple = 16};
  std::vector<uint8_t> out(rtp_packet_size(f, payload.size()));
  EXPECT_EQ(build_rtp(f, payload, out), out.size());
  return out;
}

TEST(RtpPacketTest, RoundTripWithCsrcExtensionAndPadding) {
  const std::vector<uint8_t> bytes = make_full_packet();
  ASSERT_EQ(bytes.size(), 64u);  // 12 + 8 + 4 + 8 + 21 = 53, padded to 64
  RtpPacketView v;
  ASSERT_EQ(parse_rtp(bytes, v), ParseStatus::ok);
  EXPECT_TRUE(v.marker);
  EXPECT_EQ(v.payload_type, 111);
  EXPECT_EQ(v.sequence, SeqNum(65535));
  EXPECT_EQ(v.timestamp, 123456u);
  EXPECT_EQ(v.ssrc, 0xdeadbeefu);
  ASSERT_EQ(v.csrc_count, 2);
  EXPECT_EQ(v.csrc(1), 0x22222222u);
  EXPECT_EQ(v.extension_profile, 0x1000);
  ASSERT_EQ(v.extension_data.size(), 8u);
  EXPECT_EQ(v.extension_data[7], 8);
  EXPECT_EQ(v.padding_bytes, 11);
  EXPECT_EQ(v.payload.size(), 21u);
  EXPECT_EQ(bytes.back(), 11);
  expect_consistent(bytes, v);
}

TEST(RtpPacketTest, RoundTripRandomFields) {
  std::mt19937 rng{42};
  for (int i = 0; i < 2000; ++i) {
    SCOPED_TRACE(i);
    std::vector<uint32_t> csrcs(rng() % 16);
    for (auto& c : csrcs) c = rng();
    std::vector<uint8_t> ext(4 * (rng() % 4));
    for (auto& b : ext) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> payload(rng() % 200);
    for (auto& b : payload) b = static_cast<uint8_t>(rng());
    RtpHeaderFields f{.marker = (rng() & 1) != 0, .payload_type = static_cast<uint8_t>(rng() % 128),
                      .sequence = SeqNum(static_cast<uint16_t>(rng())), .timestamp = static_cast<uint32_t>(rng()),
                      .ssrc = static_cast<uint32_t>(rng()), .csrcs = csrcs, .has_extension = (rng() & 1) != 0,
                      .extension_profile = static_cast<uint16_t>(rng()), .extension_data = ext,
                      .pad_to_multiple = static_cast<uint8_t>(rng() % 40)};
    if (!f.has_extension) f.extension_data = {};
    auto out = std::make_unique<uint8_t[]>(rtp_packet_size(f, payload.size()));
    const size_t n = build_rtp(f, payload, {out.get(), rtp_packet_size(f, payload.size())});
    ASSERT_EQ(n, rtp_packet_size(f, payload.size()));
    RtpPacketView v;
    ASSERT_EQ(parse_rtp({out.get(), n}, v), ParseStatus::ok);
    EXPECT_EQ(v.marker, f.marker);
    EXPECT_EQ(v.payload_type, f.payload_type);
    EXPECT_EQ(v.sequence, f.sequence);
    EXPECT_EQ(v.timestamp, f.timestamp);
    EXPECT_EQ(v.ssrc, f.ssrc);
    ASSERT_EQ(v.csrc_count, csrcs.size());
    for (size_t k = 0; k < csrcs.size(); ++k) EXPECT_EQ(v.csrc(k), csrcs[k]);
    EXPECT_EQ(v.has_extension, f.has_extension);
    if (f.has_extension) {
      EXPECT_EQ(v.extension_profile, f.extension_profile);
      EXPECT_TRUE(std::equal(ext.begin(), ext.end(), v.extension_data.begin(), v.extension_data.end()));
    }
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), v.payload.begin(), v.payload.end()));
    if (f.pad_to_multiple > 1) {
      EXPECT_EQ(n % f.pad_to_multiple, 0u);
    }
    expect_consistent({out.get(), n}, v);
  }
}

TEST(RtpPacketTest, EveryTruncationFailsWithoutReadingPastTheEnd) {
  const std::vector<uint8_t> full = make_full_packet();
  constexpr size_t kHeader = 12 + 8 + 4 + 8;  // fixed + CSRCs + extension header + data
  for (size_t len = 0; len < full.size(); ++len) {
    SCOPED_TRACE(len);
    // An exact-size heap copy, so ASan flags any read past `len`.
    auto copy = std::make_unique<uint8_t[]>(len == 0 ? 1 : len);
    std::copy(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len), copy.get());
    RtpPacketView v;
    const ParseStatus st = parse_rtp({copy.get(), len}, v);
    if (len < 12 + 8 + 4) {
      EXPECT_EQ(st, ParseStatus::truncated);
    } else if (len < kHeader) {
      EXPECT_EQ(st, ParseStatus::bad_extension);
    } else {
      // The last byte is now payload (0xff) or a zero pad byte: never a valid count.
      EXPECT_EQ(st, ParseStatus::bad_padding);
    }
  }
}

TEST(RtpPacketTest, RejectsBadVersionAndPadding) {
  std::vector<uint8_t> p = make_full_packet();
  RtpPacketView v;
  p[0] = static_cast<uint8_t>((p[0] & 0x3f) | 0x40);  // V=1
  EXPECT_EQ(parse_rtp(p, v), ParseStatus::bad_version);
  p[0] = static_cast<uint8_t>((p[0] & 0x3f) | 0x80);
  ASSERT_EQ(parse_rtp(p, v), ParseStatus::ok);

  p.back() = 0;  // padding count 0
  EXPECT_EQ(parse_rtp(p, v), ParseStatus::bad_padding);
  p.back() = static_cast<uint8_t>(p.size() - 32 + 1);  // one more than what follows the header
  EXPECT_EQ(parse_rtp(p, v), ParseStatus::bad_padding);
  p.back() = static_cast<uint8_t>(p.size() - 32);  // exactly all of it: empty payload is fine
  ASSERT_EQ(parse_rtp(p, v), ParseStatus::ok);
  EXPECT_TRUE(v.payload.empty());

  // P set on a header-only packet: the count byte would be part of the header.
  std::array<uint8_t, 12> bare = {0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(parse_rtp(bare, v), ParseStatus::bad_padding);
  bare[0] = 0x80;
  EXPECT_EQ(parse_rtp(bare, v), ParseStatus::ok);
  EXPECT_TRUE(v.payload.empty());
}

TEST(RtpPacketTest, BuildRejectsInvalidFields) {
  std::array<uint8_t, 200> out{};
  RtpHeaderFields f{.payload_type = 128};
  EXPECT_EQ(build_rtp(f, {}, out), 0u);
  f.payload_type = 0;
  const std::array<uint8_t, 3> ext = {1, 2, 3};
  f.has_extension = true;
  f.extension_data = ext;
  EXPECT_EQ(build_rtp(f, {}, out), 0u) << "extension not a multiple of 4";
  const std::array<uint32_t, 16> csrcs{};
  RtpHeaderFields g{.csrcs = csrcs};
  EXPECT_EQ(build_rtp(g, {}, out), 0u);
}

TEST(RtpPacketTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng{42};
  size_t ok = 0;
  for (int i = 0; i < 200000; ++i) {
    const size_t len = rng() % 96;
    auto buf = std::make_unique<uint8_t[]>(len == 0 ? 1 : len);
    for (size_t k = 0; k < len; ++k) buf[k] = static_cast<uint8_t>(rng());
    if (len > 0 && (rng() & 1)) buf[0] = static_cast<uint8_t>(0x80 | (buf[0] & 0x3f));  // V=2 often
    RtpPacketView v;
    if (parse_rtp({buf.get(), len}, v) == ParseStatus::ok) {
      ++ok;
      SCOPED_TRACE(i);
      expect_consistent({buf.get(), len}, v);
    }
  }
  EXPECT_GT(ok, 1000u) << "the generator should also produce valid packets";
}

TEST(RtpPacketTest, RtcpDemux) {
  // RFC 5761 §4: SR (200), RR (201), SDES (202), BYE (203), APP (204), RTPFB (205), PSFB (206).
  for (int pt = 192; pt <= 223; ++pt) {
    const std::array<uint8_t, 8> rtcp = {0x81, static_cast<uint8_t>(pt), 0, 1, 0, 0, 0, 0};
    EXPECT_TRUE(looks_like_rtcp(rtcp)) << pt;
  }
  std::array<uint8_t, 12> rtp = {0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  for (int pt : {0, 8, 9, 96, 101, 111, 127}) {
    rtp[1] = static_cast<uint8_t>(pt);
    EXPECT_FALSE(looks_like_rtcp(rtp)) << pt;
    rtp[1] = static_cast<uint8_t>(0x80 | pt);
    EXPECT_FALSE(looks_like_rtcp(rtp)) << "marker set, pt " << pt;
  }
  const std::array<uint8_t, 8> v1 = {0x41, 200, 0, 1, 0, 0, 0, 0};
  EXPECT_FALSE(looks_like_rtcp(v1));
  EXPECT_FALSE(looks_like_rtcp(std::span<const uint8_t>(v1.data(), 2)));
}

}  // namespace
}  // namespace offhook::rtp
