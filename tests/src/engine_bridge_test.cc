// The engine's bridge over real UDP and real threads: three phones A, B, C (one engine each) with
// tone "voices" at different frequencies, re-wired while running: a call, hold with music, and a
// transfer that re-targets B's and C's running legs at each other (new address and SRTP key).
#include "src/engine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <thread>

#include "src/pcm_player.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

constexpr uint32_t kRate = 16000;
constexpr size_t kFrame = kRate / 100;
constexpr std::array<double, 4> kVoices = {400, 700, 1100, 1500};  // A, B, C, music on hold

// One phone's voice: a steady sine.
class Voice final : public AudioSource {
 public:
  explicit Voice(double freq_hz) : freq_hz_(freq_hz) {}
  uint32_t rate_hz() const noexcept override { return kRate; }
  bool read(AudioFrame& frame) noexcept override {
    frame.reset(kRate, 1, kFrame);
    for (size_t i = 0; i < kFrame; ++i, ++n_) {
      frame.data[i] = static_cast<int16_t>(6000 * std::sin(2 * M_PI * freq_hz_ * static_cast<double>(n_) / kRate));
    }
    return true;
  }

 private:
  double freq_hz_;
  uint64_t n_ = 0;
};

// Counts, per test phase, the frames in which each voice is clearly present (Goertzel power).
class Ear final : public AudioSink {
 public:
  uint32_t rate_hz() const noexcept override { return kRate; }
  void write(const AudioFrame& frame) noexcept override {
    const int ph = phase.load(std::memory_order_relaxed);
    for (size_t v = 0; v < kVoices.size(); ++v) {
      const double w = 2 * M_PI * kVoices[v] / kRate;
      double s1 = 0, s2 = 0;
      for (int16_t x : frame.samples()) {
        const double s0 = x + 2 * std::cos(w) * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const double power = (s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2) / (kFrame * kFrame);
      if (power > 1e5) heard[ph][v].fetch_add(1, std::memory_order_relaxed);
    }
    if (ph == 1) {
      frames.fetch_add(1, std::memory_order_relaxed);
      for (int16_t x : frame.samples()) {
        if (x > 300 || x < -300) loud_samples.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> loud_samples{0};  // phase 1: samples above about -40 dBFS
  uint64_t count(int ph, size_t voice) const { return heard[ph][voice].load(); }
  std::atomic<int> phase{0};
  std::array<std::array<std::atomic<uint64_t>, kVoices.size()>, 6> heard{};
};

struct Phone {
  std::unique_ptr<Engine> engine;
  Voice voice;
  Ear ear;
  EnginePort device = 0;
  explicit Phone(Clock& clock, double freq) : voice(freq) {
    auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate});
    EXPECT_TRUE(e) << e.error().message;
    engine = std::move(*e);
    auto port = engine->add_device(voice, ear);
    EXPECT_TRUE(port) << port.error().message;
    device = *port;
  }
};

std::unique_ptr<CallLeg> make_leg(Engine& engine, const rtp::SrtpKey& local, const rtp::SrtpKey& remote) {
  CallLegConfig config;
  config.codec = "PCMU";
  config.device_rate_hz = kRate;
  config.local = *SocketAddress::from_ip("127.0.0.1", 0);
  config.srtp = SrtpConfig{local.suite(), local.clone(), remote.clone()};
  auto leg = CallLeg::create(config, engine.kernels());
  EXPECT_TRUE(leg) << leg.error().message;
  return std::move(*leg);
}

// Counts what each phone hears in `phase` for `us`, after 250 ms in which what was still in the
// jitter buffers from before the re-wiring plays out (counted in phase 5, never checked).
constexpr int kTransition = 5;
void run_phase(std::array<Phone*, 3> phones, int phase, uint64_t us, MonotonicClock& clock) {
  for (Phone* p : phones) p->ear.phase.store(kTransition);
  clock.sleep_until(clock.now_us() + 250'000);
  for (Phone* p : phones) p->ear.phase.store(phase);
  clock.sleep_until(clock.now_us() + us);
}

TEST(EngineBridgeTest, CallHoldAndTransferAreRewiringsWhileRunning) {
  MonotonicClock clock;
  Phone a(clock, kVoices[0]), b(clock, kVoices[1]), c(clock, kVoices[2]);
  const auto suite = rtp::SrtpSuite::aes_cm_128_hmac_sha1_80;
  auto ka = rtp::SrtpKey::random(suite), kb = rtp::SrtpKey::random(suite), kc = rtp::SrtpKey::random(suite);
  ASSERT_TRUE(ka && kb && kc);
  Voice music(kVoices[3]);
  auto music_port = a.engine->add_source(music);
  ASSERT_TRUE(music_port);
  for (Phone* p : {&a, &b, &c}) ASSERT_TRUE(p->engine->start());

  // Phase 1: A calls B; the legs join the running engines.
  auto a_to_b = make_leg(*a.engine, *ka, *kb);
  auto b_leg = make_leg(*b.engine, *kb, *ka);
  a_to_b->set_remote(b_leg->local_address());
  b_leg->set_remote(a_to_b->local_address());
  auto p_ab = a.engine->add_leg(*a_to_b);
  auto p_b = b.engine->add_leg(*b_leg);
  ASSERT_TRUE(p_ab && p_b);
  ASSERT_TRUE(a.engine->connect_both(a.device, *p_ab));
  ASSERT_TRUE(b.engine->connect_both(b.device, *p_b));
  run_phase({&a, &b, &c}, 1, 700'000, clock);

  // Phase 2: A holds B (sendonly / recvonly) and plays B music on hold; A calls C.
  a_to_b->set_direction(MediaDirection::sendonly);
  b_leg->set_direction(MediaDirection::recvonly);
  ASSERT_TRUE(a.engine->disconnect_both(a.device, *p_ab));
  ASSERT_TRUE(a.engine->connect(*music_port, *p_ab));
  auto a_to_c = make_leg(*a.engine, *ka, *kc);
  auto c_leg = make_leg(*c.engine, *kc, *ka);
  a_to_c->set_remote(c_leg->local_address());
  c_leg->set_remote(a_to_c->local_address());
  auto p_ac = a.engine->add_leg(*a_to_c);
  auto p_c = c.engine->add_leg(*c_leg);
  ASSERT_TRUE(p_ac && p_c);
  ASSERT_TRUE(a.engine->connect_both(a.device, *p_ac));
  ASSERT_TRUE(c.engine->connect_both(c.device, *p_c));
  run_phase({&a, &b, &c}, 2, 700'000, clock);

  // Phase 3: transfer. A's legs end; B and C re-target their running legs at each other, each
  // with the other's key. B keeps its SSRC, sequence numbers and SRTP state.
  const uint32_t b_ssrc = b_leg->ssrc();
  const uint64_t b_sent_before = b_leg->stats().packets_sent;
  ASSERT_TRUE(a.engine->remove(*p_ab));
  ASSERT_TRUE(a.engine->remove(*p_ac));
  const CallLegStats a_final = a_to_b->stats();
  a_to_b.reset();  // the engine no longer touches it
  a_to_c.reset();
  b_leg->set_direction(MediaDirection::sendrecv);
  ASSERT_TRUE(b_leg->retarget(c_leg->local_address(), kc->clone()));
  ASSERT_TRUE(c_leg->retarget(b_leg->local_address(), kb->clone()));
  run_phase({&a, &b, &c}, 3, 900'000, clock);
  for (Phone* p : {&a, &b, &c}) p->ear.phase.store(4);
  for (Phone* p : {&a, &b, &c}) p->engine->stop();

  // Phase 1: A and B hear each other, nobody hears C.
  EXPECT_GT(b.ear.count(1, 0), 40u) << "B hears A";
  EXPECT_GT(a.ear.count(1, 1), 40u) << "A hears B";
  EXPECT_EQ(c.ear.count(1, 0) + c.ear.count(1, 1), 0u);
  // Phase 2: B hears music, not A; A hears C, not B; C hears A.
  EXPECT_GT(b.ear.count(2, 3), 40u) << "B hears music on hold";
  EXPECT_LT(b.ear.count(2, 0), 5u) << "B does not hear A while held";
  EXPECT_LT(a.ear.count(2, 1), 5u) << "A does not hear B while B is held";
  EXPECT_GT(a.ear.count(2, 2), 40u) << "A hears C";
  EXPECT_GT(c.ear.count(2, 0), 40u) << "C hears A";
  EXPECT_EQ(a.ear.count(2, 3), 0u) << "the music goes to B only";
  // Phase 3: B and C hear each other; A hears nobody.
  EXPECT_GT(b.ear.count(3, 2), 50u) << "B hears C after the transfer";
  EXPECT_GT(c.ear.count(3, 1), 50u) << "C hears B after the transfer";
  EXPECT_LT(b.ear.count(3, 0) + c.ear.count(3, 0), 5u) << "A is out of the call";
  EXPECT_EQ(a.ear.count(3, 1) + a.ear.count(3, 2), 0u);

  EXPECT_EQ(b_leg->ssrc(), b_ssrc) << "a re-target keeps the stream";
  EXPECT_GT(b_leg->stats().packets_sent, b_sent_before + 30);
  EXPECT_EQ(b_leg->retargets_applied(), 1u);
  EXPECT_EQ(c_leg->stats().dropped_auth, 0u) << "C authenticates B's packets with B's key";
  EXPECT_GT(a_final.packets_sent, 0u);
}

TEST(EngineBridgeTest, PortErrorsAreReported) {
  MonotonicClock clock;
  auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate, .max_ports = 2});
  ASSERT_TRUE(e);
  Engine& engine = **e;
  Voice v(400);
  Ear ear;
  NullSink wrong_rate(8000);
  EXPECT_FALSE(engine.add_sink(wrong_rate)) << "a rate other than the bridge's";
  auto p1 = engine.add_source(v);
  auto p2 = engine.add_sink(ear);
  ASSERT_TRUE(p1 && p2);
  EXPECT_FALSE(engine.add_sink(ear)) << "all ports in use";
  EXPECT_FALSE(engine.connect(*p1, *p1)) << "a port cannot hear itself";
  EXPECT_FALSE(engine.connect(*p1, 7)) << "no such port";
  EXPECT_FALSE(engine.play_tone(*p1, dsp::CallProgressTone::ringback) ? false : true)
      << "play_tone on a port without a tone is accepted and ignored";
  ASSERT_TRUE(engine.remove(*p2));
  EXPECT_FALSE(engine.remove(*p2)) << "removed twice";
  EXPECT_TRUE(engine.add_sink(ear)) << "the port is free again";
}

// A speakerphone in a room: the microphone picks up what the loudspeaker played 30 ms earlier,
// 6 dB down, plus nothing else.
class EchoRoom final : public AudioSource, public AudioSink {
 public:
  uint32_t rate_hz() const noexcept override { return kRate; }
  void write(const AudioFrame& frame) noexcept override {
    for (int16_t s : frame.samples()) line_[w_++ % line_.size()] = s;
  }
  bool read(AudioFrame& frame) noexcept override {
    frame.reset(kRate, 1, kFrame);
    for (size_t i = 0; i < kFrame; ++i) {
      const size_t at = r_ + i;  // 30 ms behind the writer (it has written 480 + r_ samples)
      frame.data[i] = static_cast<int16_t>(w_ >= kDelay + at ? line_[at % line_.size()] / 2 : 0);
    }
    if (w_ >= kDelay + r_ + kFrame) r_ += kFrame;
    return true;
  }

 private:
  static constexpr size_t kDelay = kRate * 30 / 1000;
  std::array<int16_t, kRate> line_{};
  size_t w_ = 0, r_ = 0;
};

// The device port's capture pipeline cancels the loudspeaker's echo before the bridge: the far
// party (here a tone source) does not hear itself back.
TEST(EngineBridgeTest, DeviceEchoIsCancelledBeforeTheBridge) {
  auto run = [](bool aec) {
    SimulatedClock clock(0);
    auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate});
    EXPECT_TRUE(e);
    Engine& engine = **e;
    EchoRoom room;
    auto far_party = PcmPlayer::create([] {
      std::vector<int16_t> v(kRate * 4);  // a chirpy far-end "voice": two tones changing every 100 ms
      for (size_t i = 0; i < v.size(); ++i) {
        const double f = 300 + 150.0 * static_cast<double>((i / 1600) % 7);
        v[i] = static_cast<int16_t>(5000 * std::sin(2 * M_PI * f * static_cast<double>(i) / kRate) +
                                    3000 * std::sin(2 * M_PI * 2.7 * f * static_cast<double>(i) / kRate));
      }
      return v;
    }(), kRate);
    EXPECT_TRUE(far_party);
    Ear echo_heard;
    auto dev = engine.add_device(room, room, {.echo_cancellation = aec});
    auto far_port = engine.add_source(**far_party);
    auto far_ear = engine.add_sink(echo_heard);
    EXPECT_TRUE(dev && far_port && far_ear);
    EXPECT_TRUE(engine.connect(*far_port, *dev));  // the loudspeaker plays the far party
    EXPECT_TRUE(engine.connect(*dev, *far_ear));   // the far party hears the microphone
    EXPECT_TRUE(engine.start());
    for (int tick = 0; tick < 400; ++tick) {  // 4 s
      const uint64_t before = engine.stats().ticks;
      clock.advance(10'000);
      for (int spin = 0; spin < 2000 && engine.stats().ticks == before; ++spin) std::this_thread::sleep_for(std::chrono::microseconds(50));
      if (tick == 200) echo_heard.phase.store(1);  // the last 2 s: converged
    }
    engine.stop();
    return std::pair{echo_heard.frames.load(), echo_heard.loud_samples.load()};
  };
  const auto [frames_off, loud_off] = run(false);
  const auto [frames_on, loud_on] = run(true);
  RecordProperty("loud_samples_without_aec", static_cast<int>(loud_off));
  RecordProperty("loud_samples_with_aec", static_cast<int>(loud_on));
  EXPECT_GT(frames_off, 150u);
  EXPECT_GT(frames_on, 150u);
  EXPECT_GT(loud_off, 10000u) << "without the canceller the far party hears its echo";
  EXPECT_LT(loud_on * 20, loud_off) << "with it, the echo is mostly gone (" << loud_on << " vs " << loud_off << " loud samples)";
}

// Counts allocations and mutex locks on the engine's media thread over its whole life.
class ProbeObserver final : public MediaThreadObserver {
 public:
  void on_media_thread_start() override { probe_ = std::make_unique<test::RtProbe>(); }
  void on_media_thread_stop() override {
    counts = probe_->counts();
    probe_.reset();
  }
  test::RtCounts counts;

 private:
  std::unique_ptr<test::RtProbe> probe_;
};

// Two legs of one engine call each other over loopback UDP while the bridge is re-wired (hold,
// music, resume) and ring-back plays: the media thread makes no allocation and takes no lock.
TEST(EngineBridgeTest, RewiringAndTonesDoNotAllocateOnTheMediaThread) {
  MonotonicClock clock;
  ProbeObserver observer;
  auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate, .observer = &observer});
  ASSERT_TRUE(e);
  Engine& engine = **e;
  auto tone = ToneSource::create(kRate, "US");
  ASSERT_TRUE(tone);
  Voice voice(kVoices[0]), music(kVoices[3]);
  Ear ear;
  NullSink speaker(kRate);
  CallLegConfig config;
  config.codec = "opus";  // the heaviest path: Opus, resampling 16 -> 48 kHz, adaptive buffer
  config.payload_type = 111;
  config.device_rate_hz = kRate;
  config.jitter_buffer = JitterBufferMode::adaptive;
  config.local = *SocketAddress::from_ip("127.0.0.1", 0);
  auto l1 = CallLeg::create(config, engine.kernels());
  auto l2 = CallLeg::create(config, engine.kernels());
  ASSERT_TRUE(l1) << l1.error().message;
  ASSERT_TRUE(l2) << l2.error().message;
  (*l1)->set_remote((*l2)->local_address());
  (*l2)->set_remote((*l1)->local_address());
  auto dev = engine.add_device(voice, speaker, {.echo_cancellation = true, .noise_suppression = true, .vad = true});
  auto rec = engine.add_sink(ear);
  auto tp = engine.add_tone(**tone);
  auto mp = engine.add_source(music);
  auto p1 = engine.add_leg(**l1);
  auto p2 = engine.add_leg(**l2);
  ASSERT_TRUE(dev && rec && tp && mp && p1 && p2);
  ASSERT_TRUE(engine.connect(*tp, *dev));
  ASSERT_TRUE(engine.play_tone(*tp, dsp::CallProgressTone::ringback));
  ASSERT_TRUE(engine.start());
  clock.sleep_until(clock.now_us() + 200'000);
  ASSERT_TRUE(engine.stop_tone(*tp));
  ASSERT_TRUE(engine.connect_both(*dev, *p1));  // "answered": the device talks over leg 1
  ASSERT_TRUE(engine.connect(*p2, *rec));       // leg 2's playout is recorded
  ear.phase.store(1);
  clock.sleep_until(clock.now_us() + 400'000);
  ASSERT_TRUE(engine.disconnect_both(*dev, *p1));  // hold with music
  ASSERT_TRUE(engine.connect(*mp, *p1));
  clock.sleep_until(clock.now_us() + 100'000);
  ear.phase.store(2);
  clock.sleep_until(clock.now_us() + 400'000);
  ear.phase.store(3);
  engine.stop();

  EXPECT_EQ(observer.counts.allocations, 0u);
  EXPECT_EQ(observer.counts.mutex_locks, 0u);
  EXPECT_GT(ear.count(1, 0), 20u) << "the voice went through leg 1 -> leg 2";
  EXPECT_GT(ear.count(2, 3), 20u) << "then the music";
  EXPECT_LT(ear.count(2, 0), 3u);
  ASSERT_TRUE(engine.remove(*p1));
  ASSERT_TRUE(engine.remove(*p2));
}

}  // namespace
}  // namespace offhook

namespace offhook {
namespace {

// Opus through the adaptive jitter buffer under loss: once RTCP has told the sender about the loss,
// its packets carry in-band FEC and the receiver rebuilds lost frames from the next packet instead
// of concealing them.
TEST(EngineBridgeTest, AdaptiveBufferRebuildsLostOpusFramesFromInBandFec) {
  MonotonicClock clock;
  auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate});
  ASSERT_TRUE(e);
  Engine& engine = **e;
  Voice voice(kVoices[1]);
  Ear ear;
  CallLegConfig config;
  config.codec = "opus";
  config.payload_type = 111;
  config.device_rate_hz = kRate;
  config.jitter_buffer = JitterBufferMode::adaptive;
  config.rtcp_min_interval_ms = 300;
  config.local = *SocketAddress::from_ip("127.0.0.1", 0);
  config.impairment = Impairment{.loss_pct = 12, .seed = 9};
  auto sender = CallLeg::create(config, engine.kernels());
  config.impairment = Impairment{};
  auto receiver = CallLeg::create(config, engine.kernels());
  ASSERT_TRUE(sender && receiver);
  (*sender)->set_remote((*receiver)->local_address());
  (*receiver)->set_remote((*sender)->local_address());
  auto mouth = engine.add_source(voice);
  auto ps = engine.add_leg(**sender);
  auto pr = engine.add_leg(**receiver);
  auto rec = engine.add_sink(ear);
  ASSERT_TRUE(mouth && ps && pr && rec);
  ASSERT_TRUE(engine.connect(*mouth, *ps));
  ASSERT_TRUE(engine.connect(*pr, *rec));
  ASSERT_TRUE(engine.start());
  clock.sleep_until(clock.now_us() + 3'000'000);
  engine.stop();
  const CallLegStats rx = (*receiver)->stats();
  EXPECT_GT(rx.packets_lost, 5u);
  EXPECT_GT(rx.frames_fec_recovered, 3u) << "lost frames rebuilt from the next packet's FEC";
  EXPECT_GT((*sender)->stats().remote_loss_pct, 0.0) << "the receiver's reports told the sender";
}

}  // namespace
}  // namespace offhook
