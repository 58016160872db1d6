// One simulated hour of a phone's media thread: two calls over real loopback UDP, ring-back, talk,
// DTMF, hold with music, a three-way conference and back, round and round, with noise suppression
// and VAD on the handset. Time comes from a SimulatedClock advanced tick by tick, so the hour runs
// in seconds. Every tick's work on the media thread is counted: zero allocations, zero mutex locks.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include "src/engine.hpp"
#include "src/pcm_player.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

constexpr uint32_t kRate = 16000;

// Counts allocations and locks inside each tick (the simulated clock's sleep takes a mutex by
// design, so the sleep between ticks is not counted).
class TickProbe final : public MediaThreadObserver {
 public:
  void on_media_thread_start() override {}
  void on_media_thread_stop() override {}
  void on_tick_begin() override { probe_.emplace(); }
  void on_tick_end() override {
    const test::RtCounts c = probe_->counts();
    probe_.reset();
    allocations.fetch_add(c.allocations, std::memory_order_relaxed);
    locks.fetch_add(c.mutex_locks, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> allocations{0};
  std::atomic<uint64_t> locks{0};

 private:
  std::optional<test::RtProbe> probe_;
};

class Loudness final : public AudioSink {
 public:
  uint32_t rate_hz() const noexcept override { return kRate; }
  void write(const AudioFrame& frame) noexcept override {
    for (int16_t s : frame.samples()) {
      if (s > 1000 || s < -1000) {
        loud_frames.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
  }
  std::atomic<uint64_t> loud_frames{0};
};

std::vector<int16_t> tone_clip(double freq_hz) {
  std::vector<int16_t> v(kRate);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int16_t>(6000 * std::sin(2 * M_PI * freq_hz * static_cast<double>(i) / kRate));
  return v;
}

std::unique_ptr<CallLeg> make_leg(Engine& engine) {
  CallLegConfig config;
  config.codec = "PCMU";
  config.device_rate_hz = kRate;
  config.jitter_buffer = JitterBufferMode::adaptive;
  config.local = *SocketAddress::from_ip("127.0.0.1", 0);
  config.rtcp_min_interval_ms = 1000;
  auto leg = CallLeg::create(config, engine.kernels());
  EXPECT_TRUE(leg) << leg.error().message;
  return std::move(*leg);
}

TEST(EngineSoakTest, OneSimulatedHourOfCallFeaturesNeverAllocatesOrLocksOnTheMediaThread) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  uint64_t kMinutes = 5;  // sanitizers slow every tick down 5-20x; the default build runs the hour
#else
  uint64_t kMinutes = 60;
#endif
  if (const char* m = std::getenv("OFFHOOK_SOAK_MINUTES")) kMinutes = std::strtoull(m, nullptr, 10);
  SimulatedClock clock(1'000'000);
  TickProbe probe;
  auto e = Engine::create({.clock = &clock, .bridge_rate_hz = kRate, .observer = &probe});
  ASSERT_TRUE(e);
  Engine& engine = **e;
  auto voice = PcmPlayer::create(tone_clip(400), kRate);
  auto voice_b = PcmPlayer::create(tone_clip(700), kRate);
  auto voice_c = PcmPlayer::create(tone_clip(1100), kRate);
  auto music = PcmPlayer::create(tone_clip(1500), kRate);
  auto tone = ToneSource::create(kRate, "DE");
  ASSERT_TRUE(voice && voice_b && voice_c && music && tone);
  Loudness earpiece, far_b, far_c;
  // Call B: l1 (ours) <-> l2 (B's phone, recorded); call C: l3 <-> l4.
  auto l1 = make_leg(engine), l2 = make_leg(engine), l3 = make_leg(engine), l4 = make_leg(engine);
  l1->set_remote(l2->local_address());
  l2->set_remote(l1->local_address());
  l3->set_remote(l4->local_address());
  l4->set_remote(l3->local_address());
  auto dev = engine.add_device(**voice, earpiece, {.noise_suppression = true, .vad = true});
  auto ring = engine.add_tone(**tone);
  auto hold = engine.add_source(**music);
  auto p1 = engine.add_leg(*l1), p2 = engine.add_leg(*l2), p3 = engine.add_leg(*l3), p4 = engine.add_leg(*l4);
  auto rb = engine.add_device(**voice_b, far_b), rc = engine.add_device(**voice_c, far_c);  // B's and C's handsets
  ASSERT_TRUE(dev && ring && hold && p1 && p2 && p3 && p4 && rb && rc);
  ASSERT_TRUE(engine.connect_both(*p2, *rb));
  ASSERT_TRUE(engine.connect_both(*p4, *rc));
  ASSERT_TRUE(engine.start());

  // The media thread's first tick runs at the clock's time when the thread starts: wait for it, so
  // that every later tick is one the test asked for.
  while (engine.stats().ticks < 1) std::this_thread::yield();
  uint64_t ticks_done = 1;
  // The clock moves 100 ms at a time and the media thread catches up with ten ticks in a row (as a
  // real-time thread behind its clock does; the engine resyncs only beyond ten): a tenth of the
  // hand-offs of tick-by-tick.
  auto run_ticks = [&](uint64_t n) {
    for (uint64_t i = 0; i < n; i += 10) {
      clock.advance(100'000);
      ticks_done += 10;
      for (uint64_t spins = 0; engine.stats().ticks < ticks_done; ++spins) {
        if (spins == 5'000'000) FAIL() << "media thread stuck at tick " << engine.stats().ticks << " of " << ticks_done << " clock " << clock.now_us() << " resyncs " << engine.stats().resyncs;
        std::this_thread::yield();
      }
    }
  };
  uint64_t dtmf_heard = 0;
  auto drain_events = [&] {
    CallEvent ev;
    while (l2->poll_event(ev)) dtmf_heard += ev.kind == CallEvent::Kind::dtmf_begin;
  };
  // One minute: ring (5 s), talk to B with a key press (20 s), hold B with music and ring C (5 s),
  // talk to C (10 s), three-way conference (15 s), back to idle (5 s).
  for (uint64_t minute = 0; minute < kMinutes; ++minute) {
    ASSERT_TRUE(engine.connect(*ring, *dev));
    ASSERT_TRUE(engine.play_tone(*ring, dsp::CallProgressTone::ringback));
    run_ticks(500);
    ASSERT_TRUE(engine.stop_tone(*ring));
    ASSERT_TRUE(engine.disconnect(*ring, *dev));
    ASSERT_TRUE(engine.connect_both(*dev, *p1));
    run_ticks(1000);
    ASSERT_TRUE(l1->send_dtmf('5', 120));
    run_ticks(1000);
    drain_events();
    ASSERT_TRUE(engine.disconnect_both(*dev, *p1));  // hold B: music, A rings C
    l1->set_direction(MediaDirection::sendonly);
    ASSERT_TRUE(engine.connect(*hold, *p1));
    ASSERT_TRUE(engine.connect(*ring, *dev));
    ASSERT_TRUE(engine.play_tone(*ring, dsp::CallProgressTone::ringback));
    run_ticks(500);
    ASSERT_TRUE(engine.stop_tone(*ring));
    ASSERT_TRUE(engine.disconnect(*ring, *dev));
    ASSERT_TRUE(engine.connect_both(*dev, *p3));
    run_ticks(1000);
    ASSERT_TRUE(engine.disconnect(*hold, *p1));  // conference: everybody hears everybody
    l1->set_direction(MediaDirection::sendrecv);
    ASSERT_TRUE(engine.connect_both(*dev, *p1));
    ASSERT_TRUE(engine.connect_both(*p1, *p3));
    run_ticks(1500);
    for (EnginePort p : {*p1, *p3}) ASSERT_TRUE(engine.disconnect_both(*dev, p));  // hang up both
    ASSERT_TRUE(engine.disconnect_both(*p1, *p3));
    run_ticks(500);
  }
  engine.stop();
  drain_events();

  EXPECT_EQ(engine.stats().ticks, kMinutes * 6000 + 1);  // (+1: the first tick runs at start)
  EXPECT_EQ(engine.stats().resyncs, 0u);
  EXPECT_EQ(probe.allocations.load(), 0u) << "heap allocations on the media thread";
  EXPECT_EQ(probe.locks.load(), 0u) << "mutex locks on the media thread";
  EXPECT_GE(dtmf_heard * 10, kMinutes * 9) << "one key press a minute arrives";
  EXPECT_GT(far_b.loud_frames.load(), kMinutes * 1500) << "B heard A, the music, the conference";
  EXPECT_GT(far_c.loud_frames.load(), kMinutes * 1000) << "C heard A and the conference";
  EXPECT_GT(earpiece.loud_frames.load(), kMinutes * 3000) << "A heard ring-back, B, C and the conference";
  EXPECT_EQ(l2->stats().dropped_auth + l4->stats().dropped_malformed, 0u);
}

}  // namespace
}  // namespace offhook
