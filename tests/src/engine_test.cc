// The engine's threads over real UDP with a real clock: a short SRTP call between two engines.
#include "src/engine.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <array>
#include <cmath>
#include <thread>

namespace offhook {
namespace {

// Produces a 400 Hz tone and remembers nothing; the sink below checks what arrives.
class ToneSource final : public AudioSource {
 public:
  uint32_t rate_hz() const noexcept override { return 8000; }
  bool read(AudioFrame& frame) noexcept override {
    frame.reset(8000, 1, 80);
    for (size_t i = 0; i < 80; ++i, ++n_) frame.data[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 400 * n_ / 8000.0));
    return true;
  }

 private:
  uint64_t n_ = 0;
};

class EnergySink final : public AudioSink {
 public:
  uint32_t rate_hz() const noexcept override { return 8000; }
  void write(const AudioFrame& frame) noexcept override {
    double e = 0;
    for (int16_t s : frame.samples()) e += static_cast<double>(s) * s;
    if (e / 80 > 1e6) ++loud_frames_;
    ++frames_;
  }
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> loud_frames_{0};
};

// Two phones, each with its own engine, in an SRTP call over loopback: A's leg configured by
// `ca`, B's by `cb` (addresses and keys are filled in here). Both engines run until stop().
struct SrtpCall {
  MonotonicClock clock;
  std::unique_ptr<Engine> ea, eb;
  std::unique_ptr<CallLeg> a, b;
  ToneSource tone_a, tone_b;
  EnergySink heard_a, heard_b;

  void start(CallLegConfig ca, CallLegConfig cb, rtp::SrtpSuite suite, const char* ip = "127.0.0.1") {
    auto engine_a = Engine::create({.clock = &clock});
    auto engine_b = Engine::create({.clock = &clock});
    ASSERT_TRUE(engine_a && engine_b);
    ea = std::move(*engine_a);
    eb = std::move(*engine_b);
    auto ka = rtp::SrtpKey::random(suite);
    auto kb = rtp::SrtpKey::random(suite);
    ASSERT_TRUE(ka && kb);
    ca.local = cb.local = *SocketAddress::from_ip(ip, 0);
    ca.srtp = SrtpConfig{suite, ka->clone(), kb->clone()};
    cb.srtp = SrtpConfig{suite, kb->clone(), ka->clone()};
    auto leg_a = CallLeg::create(ca, ea->kernels());
    auto leg_b = CallLeg::create(cb, eb->kernels());
    ASSERT_TRUE(leg_a) << leg_a.error().message;
    ASSERT_TRUE(leg_b) << leg_b.error().message;
    a = std::move(*leg_a);
    b = std::move(*leg_b);
    a->set_remote(b->local_address());
    b->set_remote(a->local_address());
    ASSERT_TRUE(ea->attach(*a, tone_a, heard_a));
    ASSERT_TRUE(eb->attach(*b, tone_b, heard_b));
    ASSERT_TRUE(ea->start());
    ASSERT_TRUE(eb->start());
  }
  void run_for_us(uint64_t us) { clock.sleep_until(clock.now_us() + us); }
  void stop() {
    ea->stop();
    eb->stop();
  }
};

TEST(EngineTest, TwoEnginesCallEachOtherOverSrtp) {
  SrtpCall call;
  call.start({}, {}, rtp::SrtpSuite::aes_cm_128_hmac_sha1_80, "::1");
  EXPECT_FALSE(call.ea->attach(*call.a, call.tone_a, call.heard_a)) << "attach after start is refused";
  call.run_for_us(1'000'000);
  call.stop();

  EXPECT_GT(call.ea->stats().ticks, 80u);
  EXPECT_GT(call.heard_b.loud_frames_.load(), 60u) << "B heard A's tone";
  EXPECT_GT(call.heard_a.loud_frames_.load(), 60u) << "A heard B's tone";
  const CallLegStats sb = call.b->stats();
  EXPECT_GT(sb.packets_received, 40u);
  EXPECT_EQ(sb.dropped_auth, 0u);
}

// RTCP over SRTCP between two engines: reports flow both ways, each side measures the round-trip
// time from LSR/DLSR (RFC 3550 §6.4.1) and learns the loss the peer sees.
TEST(EngineTest, RtcpReportsGiveRoundTripTimeAndRemoteLoss) {
  CallLegConfig ca, cb;
  ca.rtcp_min_interval_ms = cb.rtcp_min_interval_ms = 300;
  ca.rtcp_mux = cb.rtcp_mux = false;  // RTCP on RTP port + 1 (the rtcp-mux path is the CLI's default)
  ca.impairment = Impairment{.loss_pct = 10, .seed = 3};  // A -> B loses packets: B reports it
  SrtpCall call;
  call.start(std::move(ca), std::move(cb), rtp::SrtpSuite::aead_aes_128_gcm);
  call.run_for_us(2'500'000);
  call.stop();
  const CallLegStats sa = call.a->stats();
  const CallLegStats sb = call.b->stats();
  EXPECT_GE(sa.rtcp_sent, 2u);
  EXPECT_GE(sb.rtcp_sent, 2u);
  EXPECT_GE(sa.rtcp_received, 1u);
  EXPECT_EQ(sa.rtcp_rejected + sb.rtcp_rejected, 0u);
  EXPECT_GE(sa.rtt_ms, 0.0) << "A measured the round trip";
  EXPECT_LT(sa.rtt_ms, 200.0) << "loopback";
  EXPECT_GE(sb.rtt_ms, 0.0);
  EXPECT_GT(sa.remote_loss_pct, 0.0) << "B told A about the loss on A's stream";
  EXPECT_LT(sa.remote_loss_pct, 40.0);
  EXPECT_EQ(sb.remote_loss_pct, 0.0) << "nothing is lost B -> A";
}

// Garbage, plain RTP and forged SRTP flooding B's port at ~10,000 packets/s while A talks: every
// flood packet is dropped and counted by reason, and A's stream keeps playing.
TEST(EngineTest, GarbageFloodDoesNotDisturbTheGoodStream) {
  SrtpCall call;
  call.start({}, {}, rtp::SrtpSuite::aes_cm_128_hmac_sha1_80);
  MonotonicClock& clock = call.clock;
  auto flooder = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  ASSERT_TRUE(flooder);
  uint64_t flood_sent = 0;
  uint32_t x = 12345;
  const uint64_t end_us = clock.now_us() + 1'500'000;
  while (clock.now_us() < end_us) {
    for (int i = 0; i < 20; ++i) {
      std::array<uint8_t, 200> junk{};
      for (auto& byte : junk) byte = static_cast<uint8_t>(x = x * 1664525u + 1013904223u);
      size_t size = 3 + x % 190;
      if (i % 3 == 0) {  // plausible RTP (version 2, our payload type) that fails authentication
        junk[0] = 0x80;
        junk[1] = 0x00;
        size = 182;
      }
      if (flooder->send({junk.data(), size}, call.b->local_address()) == IoStatus::ok) ++flood_sent;
    }
    clock.sleep_until(clock.now_us() + 2'000);
  }
  call.run_for_us(200'000);
  call.stop();
  const CallLegStats sa = call.a->stats();
  const CallLegStats sb = call.b->stats();
  const uint64_t dropped = sb.dropped_auth + sb.dropped_malformed + sb.dropped_replay + sb.dropped_payload_type +
                           sb.dropped_wrong_source + sb.rtcp_rejected;
  EXPECT_GT(flood_sent, 5000u);
  EXPECT_GE(dropped + sb.rtcp_received, flood_sent * 95 / 100) << "flood packets are counted, not played";
  EXPECT_GE(sb.packets_received + 2, sa.packets_sent) << "A's packets all made it through the flood";
  EXPECT_EQ(sb.frames_concealed, 0u);
  EXPECT_GT(call.heard_b.loud_frames_.load(), 120u) << "B kept hearing A";
}

// The media thread's pace comes from the injected clock: with a simulated clock it ticks exactly
// once per 10 ms of simulated time, however fast or slow the test advances it.
TEST(EngineTest, MediaThreadTicksFromTheInjectedClock) {
  SimulatedClock clock(5'000'000);
  auto e = Engine::create({.clock = &clock});
  ASSERT_TRUE(e);
  CallLegConfig c;
  c.local = *SocketAddress::from_ip("127.0.0.1", 0);
  auto leg = CallLeg::create(c, (*e)->kernels());
  ASSERT_TRUE(leg);
  NullSource source(8000);
  NullSink sink(8000);
  ASSERT_TRUE((*e)->attach(**leg, source, sink));
  ASSERT_TRUE((*e)->start());
  // The first tick happens at start; each 10 ms step releases exactly one more.
  auto wait_for_ticks = [&](uint64_t n) {
    for (int spins = 0; spins < 2'000'000 && (*e)->stats().ticks < n; ++spins) std::this_thread::yield();
    return (*e)->stats().ticks;
  };
  EXPECT_EQ(wait_for_ticks(1), 1u);
  for (uint64_t i = 2; i <= 100; ++i) {
    clock.advance(10'000);
    ASSERT_EQ(wait_for_ticks(i), i);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ((*e)->stats().ticks, 100u) << "no tick without simulated time passing";
  (*e)->stop();
  EXPECT_EQ(sink.frames(), 100u);
  EXPECT_EQ((*e)->stats().resyncs, 0u);
}

TEST(EngineTest, RejectsMissingClockAndRateMismatch) {
  auto none = Engine::create({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::invalid_argument);

  MonotonicClock clock;
  auto e = Engine::create({.clock = &clock});
  ASSERT_TRUE(e);
  CallLegConfig c;
  c.local = *SocketAddress::from_ip("127.0.0.1", 0);
  auto leg = CallLeg::create(c, (*e)->kernels());
  ASSERT_TRUE(leg);
  NullSource wideband(16000);
  NullSink sink(8000);
  auto s = (*e)->attach(**leg, wideband, sink);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::not_supported);
}

}  // namespace
}  // namespace offhook
