// Transport details of a call leg: port pairs, DSCP, symmetric-RTP latching, seeded impairment.
#include <netinet/in.h>
#include <poll.h>

#include <gtest/gtest.h>

#include <vector>

#include "src/call_leg.hpp"
#include "src/udp_socket.hpp"

namespace offhook {
namespace {

const SocketAddress kLoopback = *SocketAddress::from_ip("127.0.0.1", 0);

TEST(RtpSocketPairTest, EvenRtpPortAndOddRtcpNeighbour) {
  auto pair = bind_rtp_pair(kLoopback, 30001, 30099, false);
  ASSERT_TRUE(pair) << pair.error().message;
  const uint16_t rtp = pair->rtp.local_address().port();
  EXPECT_EQ(rtp % 2, 0);
  EXPECT_GE(rtp, 30002);
  EXPECT_LE(rtp, 30098);
  EXPECT_EQ(pair->rtcp.local_address().port(), rtp + 1);

  auto muxed = bind_rtp_pair(kLoopback, 30100, 30199, true);
  ASSERT_TRUE(muxed);
  EXPECT_LT(muxed->rtcp.fd(), 0) << "rtcp-mux needs no RTCP socket";
}

TEST(RtpSocketPairTest, FullOrEmptyRangesAreClearErrors) {
  auto a = bind_rtp_pair(kLoopback, 30200, 30201, false);
  ASSERT_TRUE(a);
  auto b = bind_rtp_pair(kLoopback, 30200, 30201, false);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::address_in_use);
  EXPECT_NE(b.error().message.find("30200-30201"), std::string::npos);

  auto odd = bind_rtp_pair(kLoopback, 30301, 30301, false);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code, Errc::invalid_argument);
  auto reversed = bind_rtp_pair(kLoopback, 40000, 30000, true);
  ASSERT_FALSE(reversed);
  EXPECT_EQ(reversed.error().code, Errc::invalid_argument);
}

TEST(CallLegTransportTest, MarksPacketsExpeditedForwardingByDefault) {
  CallLegConfig c;
  c.local = kLoopback;
  c.rtcp_mux = false;
  const dsp::Kernels& k = dsp::kernels_for(dsp::Target::scalar);
  auto leg = CallLeg::create(c, k);
  ASSERT_TRUE(leg) << leg.error().message;
  for (int fd : {(*leg)->socket_fd(), (*leg)->rtcp_socket_fd()}) {
    ASSERT_GE(fd, 0);
    int tos = 0;
    socklen_t len = sizeof tos;
    ASSERT_EQ(getsockopt(fd, IPPROTO_IP, IP_TOS, &tos, &len), 0);
    EXPECT_EQ(tos, 46 << 2);
  }
}

// Drives two legs by hand (no engine threads) for `ticks` 10 ms steps of silence.
void run(CallLeg& a, CallLeg& b, int ticks) {
  AudioFrame in, out;
  in.reset(8000, 1, 80);
  uint64_t now = 1'000'000;
  for (int i = 0; i < ticks; ++i, now += 10'000) {
    a.tick(now, in, out);
    b.tick(now, in, out);
    a.flush_tx();
    b.flush_tx();
    for (CallLeg* leg : {&a, &b}) {
      pollfd p{leg->socket_fd(), POLLIN, 0};
      if (poll(&p, 1, 2) == 1) leg->on_readable(now);
    }
  }
}

struct Pair {
  std::unique_ptr<CallLeg> a, b;
};

Pair make_pair(CallLegConfig ca, CallLegConfig cb) {
  const dsp::Kernels& k = dsp::kernels_for(dsp::Target::scalar);
  ca.local = kLoopback;
  cb.local = kLoopback;
  Pair p{*CallLeg::create(ca, k), *CallLeg::create(cb, k)};
  p.a->set_remote(p.b->local_address());
  p.b->set_remote(p.a->local_address());
  return p;
}

TEST(CallLegTransportTest, PlainRtpLatchesOnlyAfterConsistentPackets) {
  Pair p = make_pair({}, {});
  // B was told a wrong address for A (as behind a NAT): its packets go nowhere until it latches.
  auto nowhere = UdpSocket::bind(kLoopback);
  ASSERT_TRUE(nowhere);
  p.b->set_remote(nowhere->local_address());

  // A stray packet from a third address must not move B.
  auto stray = UdpSocket::bind(kLoopback);
  ASSERT_TRUE(stray);
  const std::vector<uint8_t> rtp{0x80, 0x00, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 0xff, 0xff};
  ASSERT_EQ(stray->send(rtp, p.b->local_address()), IoStatus::ok);

  run(*p.a, *p.b, 20);  // A sends 10 packets from its real address
  const CallLegStats sb = p.b->stats();
  EXPECT_EQ(sb.latches, 1u);
  EXPECT_EQ(p.b->remote_address(), p.a->local_address());
  EXPECT_EQ(sb.dropped_wrong_source, 3u) << "the stray packet and A's first two (before 3 in a row)";
  EXPECT_GT(p.a->stats().packets_received, 5u) << "after latching, B's media reaches A";
}

TEST(CallLegTransportTest, SrtpLatchesOnTheFirstAuthenticatedPacket) {
  const auto suite = rtp::SrtpSuite::aes_cm_128_hmac_sha1_80;
  auto ka = rtp::SrtpKey::random(suite);
  auto kb = rtp::SrtpKey::random(suite);
  CallLegConfig ca, cb;
  ca.srtp = SrtpConfig{suite, ka->clone(), kb->clone()};
  cb.srtp = SrtpConfig{suite, kb->clone(), ka->clone()};
  Pair p = make_pair(std::move(ca), std::move(cb));
  auto nowhere = UdpSocket::bind(kLoopback);
  p.b->set_remote(nowhere->local_address());
  run(*p.a, *p.b, 4);
  EXPECT_EQ(p.b->stats().latches, 1u);
  EXPECT_EQ(p.b->stats().dropped_wrong_source, 0u);
  EXPECT_EQ(p.b->remote_address(), p.a->local_address());
}

std::vector<uint8_t> plain_rtp(uint32_t ssrc, uint16_t seq) {
  return {0x80, 0x00, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 0,
          static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc), 0xff, 0xff, 0xff, 0xff};
}

TEST(CallLegTransportTest, SsrcCollisionMovesOurSsrcAndChangesRestartTheSource) {
  Pair p = make_pair({}, {});
  auto peer = UdpSocket::bind(kLoopback);
  ASSERT_TRUE(peer);
  p.b->set_remote(peer->local_address());
  const uint32_t ours = p.b->ssrc();
  for (auto [ssrc, seq] : {std::pair{ours, 1}, std::pair{0xAAAAu, 2}, std::pair{0xBBBBu, 3}}) {
    ASSERT_EQ(peer->send(plain_rtp(ssrc, static_cast<uint16_t>(seq)), p.b->local_address()), IoStatus::ok);
  }
  for (int i = 0; i < 20 && p.b->stats().packets_received < 3; ++i) {
    pollfd pfd{p.b->socket_fd(), POLLIN, 0};
    if (poll(&pfd, 1, 50) == 1) p.b->on_readable(1'000'000);
  }
  const CallLegStats s = p.b->stats();
  EXPECT_EQ(s.packets_received, 3u);
  EXPECT_EQ(s.ssrc_collisions, 1u);
  EXPECT_EQ(s.ssrc_changes, 2u);
  AudioFrame in, out;
  in.reset(8000, 1, 80);
  p.b->tick(1'000'000, in, out);
  EXPECT_NE(p.b->ssrc(), ours) << "the media thread picked a new SSRC after the collision";
  EXPECT_NE(p.b->ssrc(), 0u);
}

TEST(CallLegTransportTest, ImpairmentIsSeededAndDeterministic) {
  auto losses = [](uint64_t seed) {
    CallLegConfig ca;
    ca.ptime_ms = 10;
    ca.impairment = Impairment{.loss_pct = 20, .seed = seed};
    Pair p = make_pair(std::move(ca), {});
    run(*p.a, *p.b, 200);  // 200 packets from A
    return p.a->stats().impairment_drops;
  };
  const uint64_t first = losses(7);
  EXPECT_EQ(losses(7), first) << "same seed, same drops";
  EXPECT_GT(first, 20u);
  EXPECT_LT(first, 60u);
  EXPECT_NE(losses(8), first);
}

}  // namespace
}  // namespace offhook
