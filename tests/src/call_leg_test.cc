// CallLeg driven by hand, without engine threads: the test plays the media thread (tick) and the
// network thread (flush_tx, on_readable) itself, over real UDP sockets on loopback, with SRTP.
#include "src/call_leg.hpp"

#include <poll.h>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

using rtp::SrtpKey;
using rtp::SrtpSuite;

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

// A speech-like test signal: a few harmonics of a gliding pitch under a syllable envelope.
std::vector<int16_t> test_signal(size_t n, uint32_t rate) {
  std::vector<int16_t> out(n);
  double phase = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f0 = 140 + 40 * std::sin(2 * M_PI * 0.7 * t);
    phase += 2 * M_PI * f0 / rate;
    const double env = 0.5 + 0.5 * std::sin(2 * M_PI * 3.0 * t);
    const double s = std::sin(phase) + 0.5 * std::sin(2 * phase) + 0.25 * std::sin(3 * phase);
    out[i] = static_cast<int16_t>(9000 * env * s);
  }
  return out;
}

class CallLegTest : public ::testing::Test {
 protected:
  void make_pair(std::optional<SrtpSuite> suite, const std::string& codec = "PCMU") {
    CallLegConfig ca;
    ca.codec = codec;
    ca.local = *SocketAddress::from_ip("127.0.0.1", 0);
    ca.jitter_delay_ms = 40;
    ca.jitter_buffer = jb_mode_;
    CallLegConfig cb;
    cb.codec = ca.codec;
    cb.local = ca.local;
    cb.jitter_delay_ms = ca.jitter_delay_ms;
    cb.jitter_buffer = jb_mode_;
    ca.device_rate_hz = cb.device_rate_hz = 8000;  // the test's frames are 8 kHz; the leg resamples
    if (codec == "opus") ca.payload_type = cb.payload_type = 96;
    if (suite) {
      auto ka = SrtpKey::random(*suite);
      auto kb = SrtpKey::random(*suite);
      ASSERT_TRUE(ka && kb);
      ca.srtp = SrtpConfig{*suite, ka->clone(), kb->clone()};
      cb.srtp = SrtpConfig{*suite, kb->clone(), ka->clone()};
    }
    auto a = CallLeg::create(ca, kernels_);
    auto b = CallLeg::create(cb, kernels_);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    a_ = std::move(*a);
    b_ = std::move(*b);
    a_->set_remote(b_->local_address());
    b_->set_remote(a_->local_address());
  }

  // One 10 ms step of both phones. A sends `input` (from `pos`), B sends silence. With `probe`,
  // the media-thread calls are checked for allocations and locks.
  void step(const std::vector<int16_t>& input, size_t& pos, std::vector<int16_t>& heard_by_b, test::RtCounts* media,
            test::RtCounts* network) {
    AudioFrame cap_a, cap_b, out_a, out_b;
    cap_a.reset(8000, 1, 80);
    cap_b.reset(8000, 1, 80);
    for (size_t i = 0; i < 80 && pos < input.size(); ++i) cap_a.data[i] = input[pos++];
    {
      test::RtProbe probe;
      a_->tick(now_us_, cap_a, out_a);
      b_->tick(now_us_, cap_b, out_b);
      if (media) {
        media->allocations += probe.counts().allocations;
        media->mutex_locks += probe.counts().mutex_locks;
      }
    }
    heard_by_b.insert(heard_by_b.end(), out_b.data.begin(), out_b.data.begin() + 80);
    const uint64_t sent_before = a_->stats().packets_sent;
    {
      test::RtProbe probe;
      a_->flush_tx();
      b_->flush_tx();
      if (network) {
        network->allocations += probe.counts().allocations;
        network->mutex_locks += probe.counts().mutex_locks;
      }
    }
    // Loopback delivers at once; poll only to be sure the datagrams are there.
    const bool a_sent = a_->stats().packets_sent != sent_before;
    if (wait_readable(b_->socket_fd(), a_sent ? 200 : 0)) b_->on_readable(now_us_ + 1000);
    if (wait_readable(a_->socket_fd(), 0)) a_->on_readable(now_us_ + 1000);
    now_us_ += 10'000;
  }

  // Lag (in samples) at which `heard` contains `sent` decoded through G.711, or -1.
  static long find_exact_lag(const std::vector<int16_t>& reference, const std::vector<int16_t>& heard, size_t compare) {
    for (size_t lag = 0; lag + compare <= heard.size(); ++lag) {
      bool same = true;
      for (size_t i = 0; i < compare && same; ++i) same = heard[lag + i] == reference[i];
      if (same) return static_cast<long>(lag);
    }
    return -1;
  }

  const dsp::Kernels& kernels_ = dsp::kernels_for(dsp::best_target());
  JitterBufferMode jb_mode_ = JitterBufferMode::fixed;
  std::unique_ptr<CallLeg> a_, b_;
  uint64_t now_us_ = 1'000'000;
};

TEST_F(CallLegTest, SrtpLoopbackDeliversBitExactG711AndNeverAllocatesOnTheMediaThread) {
  for (SrtpSuite suite : {SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32,
                          SrtpSuite::aead_aes_128_gcm, SrtpSuite::aes_256_cm_hmac_sha1_80}) {
    SCOPED_TRACE(rtp::suite_name(suite));
    make_pair(suite);
    const std::vector<int16_t> input = test_signal(8000, 8000);  // 1 s
    std::vector<int16_t> heard;
    size_t pos = 0;
    test::RtCounts media, network;
    // The first few packets create libsrtp's per-SSRC streams (one allocation each, network thread).
    for (int i = 0; i < 5; ++i) step(input, pos, heard, &media, nullptr);
    for (int i = 0; i < 120; ++i) step(input, pos, heard, &media, &network);

    EXPECT_EQ(media.allocations, 0u) << "tick() allocated";
    EXPECT_EQ(media.mutex_locks, 0u) << "tick() took a lock";
    // flush_tx() is not checked here: Debian's libsrtp2 uses NSS, which allocates a cipher context
    // for every packet. That is why all cryptography runs on the network thread. The plain-RTP test
    // below checks that our own network-thread code does not allocate.

    // What B heard is exactly A's input through the G.711 encoder and decoder, delayed.
    std::vector<uint8_t> coded(input.size());
    std::vector<int16_t> reference(input.size());
    kernels_.ulaw_encode(input.data(), coded.data(), input.size());
    kernels_.ulaw_decode(coded.data(), reference.data(), input.size());
    const long lag = find_exact_lag(reference, heard, 4000);
    ASSERT_GE(lag, 0) << "B's playout does not contain A's audio";
    EXPECT_LE(lag, 8 * 80) << "more delay than jitter buffer + packetisation";

    const CallLegStats sa = a_->stats();
    const CallLegStats sb = b_->stats();
    EXPECT_EQ(sa.packets_sent, 125u / 2);
    EXPECT_EQ(sb.packets_received, sa.packets_sent);
    EXPECT_EQ(sb.packets_lost, 0u);
    EXPECT_EQ(sb.dropped_auth + sb.dropped_malformed + sb.dropped_replay, 0u);
    EXPECT_EQ(sb.frames_concealed, 0u);
    EXPECT_GT(sb.packets_played, 50u);
    EXPECT_GE(sb.jb_delay_mean_ms, 30.0);
    EXPECT_EQ(sa.packets_received, sb.packets_sent) << "the silence B sends arrives too";
  }
}

TEST_F(CallLegTest, PlainRtpWorksWithoutSrtp) {
  make_pair(std::nullopt, "PCMA");
  const std::vector<int16_t> input = test_signal(4000, 8000);
  std::vector<int16_t> heard;
  size_t pos = 0;
  test::RtCounts media, network;
  for (int i = 0; i < 60; ++i) step(input, pos, heard, &media, &network);
  EXPECT_EQ(media.allocations + media.mutex_locks, 0u);
  EXPECT_EQ(network.allocations + network.mutex_locks, 0u) << "flush_tx() without SRTP is allocation- and lock-free";
  std::vector<uint8_t> coded(input.size());
  std::vector<int16_t> reference(input.size());
  kernels_.alaw_encode(input.data(), coded.data(), input.size());
  kernels_.alaw_decode(coded.data(), reference.data(), input.size());
  EXPECT_GE(find_exact_lag(reference, heard, 2000), 0);
}

// Forged, plain, garbage and replayed packets reach neither the jitter buffer nor the decoder.
TEST_F(CallLegTest, UnauthenticatedPacketsAreDroppedAndCounted) {
  make_pair(SrtpSuite::aes_cm_128_hmac_sha1_80);
  // A sniffer stands between A and B so that a real SRTP packet can be replayed.
  auto sniffer = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  ASSERT_TRUE(sniffer);
  a_->set_remote(sniffer->local_address());
  const std::vector<int16_t> input = test_signal(800, 8000);
  std::vector<int16_t> heard;
  size_t pos = 0;
  step(input, pos, heard, nullptr, nullptr);
  step(input, pos, heard, nullptr, nullptr);  // the second tick completes a 20 ms packet
  ASSERT_TRUE(wait_readable(sniffer->fd(), 1000));
  std::array<uint8_t, 1500> captured{};
  size_t captured_len = 0;
  SocketAddress from;
  ASSERT_EQ(sniffer->receive(captured, captured_len, from), IoStatus::ok);

  auto attacker = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  ASSERT_TRUE(attacker);
  const std::span<const uint8_t> real(captured.data(), captured_len);
  // libsrtp checks replay before authentication, so the forgery goes first: a tampered copy of a
  // packet not yet seen must fail authentication (and must not burn its index).
  std::array<uint8_t, 1500> forged = captured;
  forged[20] ^= 0x40;  // one flipped payload bit
  ASSERT_EQ(attacker->send({forged.data(), captured_len}, b_->local_address()), IoStatus::ok);
  ASSERT_EQ(attacker->send(real, b_->local_address()), IoStatus::ok);  // genuine: accepted
  ASSERT_EQ(attacker->send(real, b_->local_address()), IoStatus::ok);  // replay
  // Plain RTP with the right payload type but no SRTP.
  std::array<uint8_t, 172> plain{0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef};
  ASSERT_EQ(attacker->send(plain, b_->local_address()), IoStatus::ok);
  const std::array<uint8_t, 3> garbage{0xff, 0x00, 0x01};
  ASSERT_EQ(attacker->send(garbage, b_->local_address()), IoStatus::ok);

  for (int tries = 0; tries < 20 && b_->stats().packets_received + b_->stats().dropped_auth +
                                            b_->stats().dropped_replay + b_->stats().dropped_malformed < 5; ++tries) {
    if (wait_readable(b_->socket_fd(), 100)) b_->on_readable(now_us_);
  }
  const CallLegStats s = b_->stats();
  EXPECT_EQ(s.packets_received, 1u);
  EXPECT_EQ(s.dropped_replay, 1u);
  EXPECT_EQ(s.dropped_auth, 2u) << "the forged and the plain packet fail authentication";
  EXPECT_EQ(s.dropped_malformed, 1u) << "three bytes are not a packet";
  // Only the genuine packet went on to the jitter buffer: B plays it and nothing else.
  AudioFrame silence, out;
  silence.reset(8000, 1, 80);
  for (int i = 0; i < 10; ++i) {
    b_->tick(now_us_, silence, out);
    now_us_ += 10'000;
  }
  EXPECT_EQ(b_->stats().packets_played, 1u);
}

// The adaptive buffer, its time-stretching and Opus with resampling on the media thread: still no
// allocation and no lock in tick().
TEST_F(CallLegTest, AdaptiveJitterBufferWithOpusStaysRealTime) {
  jb_mode_ = JitterBufferMode::adaptive;
  make_pair(SrtpSuite::aes_cm_128_hmac_sha1_80, "opus");
  const std::vector<int16_t> input = test_signal(8000, 8000);
  std::vector<int16_t> heard;
  size_t pos = 0;
  test::RtCounts media;
  for (int i = 0; i < 5; ++i) step(input, pos, heard, nullptr, nullptr);
  for (int i = 0; i < 100; ++i) step(input, pos, heard, &media, nullptr);
  EXPECT_EQ(media.allocations, 0u);
  EXPECT_EQ(media.mutex_locks, 0u);
  EXPECT_GT(b_->stats().packets_played, 40u);
  double energy = 0;
  for (size_t i = heard.size() / 2; i < heard.size(); ++i) energy += static_cast<double>(heard[i]) * heard[i];
  EXPECT_GT(energy / static_cast<double>(heard.size() / 2), 1e5) << "B hears A's signal";
}

TEST_F(CallLegTest, BadConfigurationIsRejected) {
  CallLegConfig c;
  c.local = *SocketAddress::from_ip("127.0.0.1", 0);
  c.codec = "G.726";
  auto unknown = CallLeg::create(c, kernels_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::not_supported);

  c.codec = "pcmu";  // SDP names are case-insensitive
  c.ptime_ms = 25;
  auto bad_ptime = CallLeg::create(c, kernels_);
  ASSERT_FALSE(bad_ptime);
  EXPECT_NE(bad_ptime.error().message.find("ptime"), std::string::npos);

  c.ptime_ms = 20;
  auto good = CallLeg::create(c, kernels_);
  ASSERT_TRUE(good) << good.error().message;
  c.local = (*good)->local_address();
  auto taken = CallLeg::create(c, kernels_);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::address_in_use);
}

}  // namespace
}  // namespace offhook
