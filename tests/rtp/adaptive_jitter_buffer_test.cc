// AdaptiveJitterBuffer: each mechanism on a synthetic arrival pattern (20 ms packets, 8 kHz).
#include "rtp/adaptive_jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace offhook::rtp {
namespace {

constexpr uint64_t kFrameUs = 20000;

struct Harness {
  AdaptiveJitterBuffer jb;
  uint64_t now_us = 1'000'000;
  std::vector<JbAction> actions;
  std::vector<int64_t> played;
  std::vector<uint64_t> play_delay_us;  // play time - send time (send = seq * 20 ms)

  explicit Harness(AdaptiveJitterBuffer::Config c = {}) : jb(std::move(*AdaptiveJitterBuffer::create(c))) {}

  void tick() {
    const JbDecision& d = jb.pull(now_us);
    actions.push_back(d.action);
    for (int k = 0; k < d.count; ++k) played.push_back(d.seqs[static_cast<size_t>(k)]);
    now_us += kFrameUs;
  }
  size_t conceals_in_stream() const {
    size_t last = 0;
    for (size_t i = 0; i < actions.size(); ++i) {
      if (actions[i] == JbAction::play || actions[i] == JbAction::shrink) last = i;
    }
    return count(JbAction::conceal, 0, last);
  }
  size_t count(JbAction a, size_t from = 0, size_t to = SIZE_MAX) const {
    size_t n = 0;
    for (size_t i = from; i < actions.size() && i <= to; ++i) n += actions[i] == a;
    return n;
  }
};

// Sends packet `seq` (media time seq*20 ms from t=1 s) arriving after `delay_ms`; ticks until then.
struct Stream {
  Harness& h;
  uint32_t ssrc = 7;
  uint32_t ts0 = 1000;
  std::vector<std::pair<uint64_t, int>> pending;  // (arrival_us, seq)
  size_t next = 0;
  void send(int seq, double delay_ms, uint32_t ts_extra = 0) {
    pending.push_back({1'000'000 + static_cast<uint64_t>(seq) * kFrameUs + static_cast<uint64_t>(delay_ms * 1000), seq});
    (void)ts_extra;
  }
  void run_until(uint64_t end_us) {
    if (next == 0) std::sort(pending.begin(), pending.end());
    while (h.now_us < end_us) {
      for (; next < pending.size() && pending[next].first <= h.now_us; ++next) {
        const int s = pending[next].second;
        (void)h.jb.insert(ssrc, SeqNum(static_cast<uint16_t>(s)), ts0 + static_cast<uint32_t>(s) * 160, {},
                          pending[next].first);
      }
      h.tick();
    }
  }
};

TEST(AdaptiveJitterBufferTest, RejectsBadConfig) {
  AdaptiveJitterBuffer::Config c;
  c.capacity = 100;
  EXPECT_FALSE(AdaptiveJitterBuffer::create(c));
  c = {};
  c.min_delay_ms = 500;
  c.max_delay_ms = 100;
  EXPECT_FALSE(AdaptiveJitterBuffer::create(c));
  c = {};
  c.quantile = 1.5;
  EXPECT_FALSE(AdaptiveJitterBuffer::create(c));
}

TEST(AdaptiveJitterBufferTest, SteadyStreamPlaysEveryPacketInOrderWithoutConcealment) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 500; ++s) st.send(s, 30);
  st.run_until(1'000'000 + 520 * kFrameUs);
  ASSERT_EQ(h.played.size(), 500u);
  for (size_t i = 0; i < h.played.size(); ++i) ASSERT_EQ(h.played[i], static_cast<int64_t>(i));
  EXPECT_EQ(h.conceals_in_stream(), 0u);
  EXPECT_EQ(h.jb.stats().packets_late, 0u);
  // No jitter: the target converges to the smallest bucket and the buffer shrinks to it.
  EXPECT_LE(h.jb.stats().current_delay_ms, 25u);
}

TEST(AdaptiveJitterBufferTest, LostPacketIsConcealedOnceAndPlayoutContinues) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 200; ++s) {
    if (s != 100) st.send(s, 20);
  }
  st.run_until(1'000'000 + 220 * kFrameUs);
  EXPECT_EQ(h.played.size(), 199u);
  EXPECT_EQ(h.conceals_in_stream(), 1u);
}

TEST(AdaptiveJitterBufferTest, ReorderedPacketIsPlayedNotLost) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 300; ++s) st.send(s, s == 150 ? 45 : 20);  // 150 overtaken by 151, misses its own slot
  st.run_until(1'000'000 + 320 * kFrameUs);
  std::set<int64_t> unique(h.played.begin(), h.played.end());
  EXPECT_EQ(unique.size(), h.played.size());
  EXPECT_EQ(h.played.size(), 300u);
  EXPECT_EQ(h.jb.stats().packets_late, 0u);
  for (size_t i = 1; i < h.played.size(); ++i) EXPECT_LT(h.played[i - 1], h.played[i]);
}

TEST(AdaptiveJitterBufferTest, DuplicatesAreDroppedAndCounted) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 100; ++s) {
    st.send(s, 20);
    if (s % 10 == 0) st.send(s, 25);
  }
  st.run_until(1'000'000 + 130 * kFrameUs);
  EXPECT_EQ(h.played.size(), 100u);
  EXPECT_EQ(h.jb.stats().packets_duplicate, 10u);
}

TEST(AdaptiveJitterBufferTest, DtxGapIsSilenceNotLossAndTalkspurtIsRetimed) {
  Harness h;
  AdaptiveJitterBuffer& jb = h.jb;
  // Talkspurt 1: seq 0..99; 2 s of silence (media time jumps 100 frames); talkspurt 2: seq 100..199.
  uint64_t t = 1'000'000;
  auto media_frame = [](int s) { return s < 100 ? s : s + 100; };
  std::vector<std::pair<uint64_t, int>> arrivals;
  for (int s = 0; s < 200; ++s) arrivals.push_back({t + static_cast<uint64_t>(media_frame(s)) * kFrameUs + 30000, s});
  size_t i = 0;
  while (h.now_us < t + 320 * kFrameUs) {
    for (; i < arrivals.size() && arrivals[i].first <= h.now_us; ++i) {
      const int s = arrivals[i].second;
      (void)jb.insert(1, SeqNum(static_cast<uint16_t>(s)), 5000 + static_cast<uint32_t>(media_frame(s)) * 160, {},
                      arrivals[i].first);
    }
    h.tick();
  }
  EXPECT_EQ(h.played.size(), 200u);
  EXPECT_EQ(jb.stats().packets_late, 0u);
  // The 100 silent frames are at most a short concealment run, then comfort noise.
  EXPECT_LE(h.conceals_in_stream(), 5u);
  EXPECT_GE(jb.stats().frames_silence, 90u);
}

TEST(AdaptiveJitterBufferTest, TargetGrowsQuicklyOnJitterAndShrinksSlowly) {
  Harness h;
  Stream st{h};
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> jitter(0, 100);
  for (int s = 0; s < 1500; ++s) st.send(s, s < 500 ? 20 : (s < 1000 ? 20 + jitter(rng) : 20));
  st.run_until(1'000'000 + 480 * kFrameUs);
  const uint32_t calm = h.jb.target_delay_ms();
  st.run_until(1'000'000 + 600 * kFrameUs);  // 2 s into the jitter
  const uint32_t grown = h.jb.target_delay_ms();
  EXPECT_GE(grown, calm + 50);
  st.run_until(1'000'000 + 1060 * kFrameUs);  // 1 s after it stopped: still remembers
  EXPECT_GE(h.jb.target_delay_ms(), grown / 2);
  st.run_until(1'000'000 + 1520 * kFrameUs);
  EXPECT_EQ(h.played.size(), 1500u - h.jb.stats().packets_late);
  EXPECT_LE(h.jb.stats().packets_late, 15u);
}

TEST(AdaptiveJitterBufferTest, DelayStepDownIsFollowedWithShrinkWithoutDroppingPackets) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 1000; ++s) st.send(s, s < 500 ? 120 : 40);
  st.run_until(1'000'000 + 1100 * kFrameUs);
  EXPECT_EQ(h.played.size(), 1000u);
  EXPECT_GE(h.jb.stats().frames_shrunk, 3u);
  EXPECT_LE(h.jb.stats().current_delay_ms, 25u);
}

TEST(AdaptiveJitterBufferTest, StallCostsDelayNotPackets) {
  Harness h;
  Stream st{h};
  for (int s = 0; s < 600; ++s) {
    // packets sent during 2.00..2.40 s arrive together at 2.40 s + 20 ms
    const double send_ms = s * 20.0;
    st.send(s, send_ms >= 2000 && send_ms < 2400 ? 2420 - send_ms : 20);
  }
  st.run_until(1'000'000 + 650 * kFrameUs);
  EXPECT_EQ(h.played.size(), 600u);
  EXPECT_EQ(h.jb.stats().packets_late, 0u);
  EXPECT_GE(h.jb.stats().frames_concealed + h.jb.stats().frames_silence, 18u);  // ~20 frames without media
  EXPECT_GT(h.jb.stats().frames_shrunk, 5u);  // caught up afterwards
}

TEST(AdaptiveJitterBufferTest, ShrinkHoldKeepsTheDelayForAWhileAfterASlip) {
  AdaptiveJitterBuffer::Config c;
  c.shrink_hold_ms = 2000;
  Harness h(c);
  Stream st{h};
  for (int s = 0; s < 600; ++s) {
    const double send_ms = s * 20.0;
    st.send(s, send_ms >= 2000 && send_ms < 2400 ? 2420 - send_ms : 20);
  }
  st.run_until(1'000'000 + 130 * kFrameUs);  // 200 ms after the stall released
  const uint64_t shrunk_before = h.jb.stats().frames_shrunk;
  st.run_until(1'000'000 + 200 * kFrameUs);  // 1.6 s after: still inside the hold
  EXPECT_EQ(h.jb.stats().frames_shrunk, shrunk_before);
  st.run_until(1'000'000 + 650 * kFrameUs);
  EXPECT_GT(h.jb.stats().frames_shrunk, shrunk_before + 5);  // then it catches up
  EXPECT_EQ(h.played.size(), 600u);
}

TEST(AdaptiveJitterBufferTest, SsrcChangeResynchronises) {
  Harness h;
  for (int s = 0; s < 100; ++s) {
    (void)h.jb.insert(1, SeqNum(static_cast<uint16_t>(s)), static_cast<uint32_t>(s) * 160, {}, h.now_us);
    h.tick();
  }
  const size_t before = h.played.size();
  EXPECT_EQ(h.jb.insert(2, SeqNum(40000), 99999999, {}, h.now_us), JbInsertStatus::resync);
  for (int s = 1; s < 100; ++s) {
    h.tick();
    (void)h.jb.insert(2, SeqNum(static_cast<uint16_t>(40000 + s)), 99999999 + static_cast<uint32_t>(s) * 160, {},
                      h.now_us);
  }
  for (int k = 0; k < 20; ++k) h.tick();
  EXPECT_EQ(h.jb.stats().resyncs, 1u);
  EXPECT_GE(h.played.size() - before, 95u);
}

TEST(AdaptiveJitterBufferTest, TimestampAndSequenceJumpsResynchroniseInsteadOfStalling) {
  Harness h;
  uint32_t ts = 0;
  uint16_t seq = 0;
  auto feed = [&](int n) {
    for (int k = 0; k < n; ++k) {
      (void)h.jb.insert(1, SeqNum(seq++), ts, {}, h.now_us);
      ts += 160;
      h.tick();
    }
  };
  feed(100);
  ts += 8000u * 3600u;  // one hour of media time in 20 ms of arrival time
  feed(100);
  seq = static_cast<uint16_t>(seq + 20000);
  feed(100);
  EXPECT_EQ(h.jb.stats().resyncs, 2u);
  EXPECT_GE(h.jb.stats().packets_played, 280u);
}

TEST(AdaptiveJitterBufferTest, BadPayloadsAndFloodsStayBounded) {
  AdaptiveJitterBuffer::Config c;
  c.max_payload_bytes = 160;
  c.capacity = 64;
  Harness h(c);
  std::vector<uint8_t> big(10000, 1);
  EXPECT_EQ(h.jb.insert(1, SeqNum(0), 0, big, h.now_us), JbInsertStatus::too_large);
  EXPECT_EQ(h.jb.insert(1, SeqNum(0), 0, {}, h.now_us), JbInsertStatus::ok);  // zero-length is fine
  std::mt19937 rng(7);
  for (int k = 0; k < 20000; ++k) {  // a flood: random sequence numbers and timestamps, same instant
    (void)h.jb.insert(1, SeqNum(static_cast<uint16_t>(rng())), static_cast<uint32_t>(rng()), std::span(big).first(80),
                      h.now_us);
    ASSERT_LE(h.jb.buffered_packets(), c.capacity);
  }
  for (int k = 0; k < 100; ++k) h.tick();
  const JbStats& s = h.jb.stats();
  EXPECT_EQ(s.packets_too_large, 1u);
  EXPECT_GT(s.resyncs + s.packets_late + s.packets_duplicate + s.packets_discarded, 1000u);
  EXPECT_LE(h.jb.buffered_packets(), c.capacity);
}

TEST(AdaptiveJitterBufferTest, FixedModeKeepsTheNominalDelay) {
  AdaptiveJitterBuffer::Config c;
  c.fixed = true;
  c.nominal_delay_ms = 100;
  Harness h(c);
  Stream st{h};
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> jitter(0, 60);
  for (int s = 0; s < 500; ++s) st.send(s, 10 + jitter(rng));
  st.run_until(1'000'000 + 520 * kFrameUs);
  EXPECT_EQ(h.jb.stats().frames_stretched, 0u);
  EXPECT_EQ(h.jb.stats().frames_shrunk, 0u);
  EXPECT_EQ(h.played.size(), 500u);
}

TEST(AdaptiveJitterBufferTest, FixedModeDropsPacketsPastTheirSlotInsteadOfSlipping) {
  AdaptiveJitterBuffer::Config c;
  c.fixed = true;
  c.nominal_delay_ms = 40;
  Harness h(c);
  Stream st{h};
  for (int s = 0; s < 300; ++s) st.send(s, s >= 100 && s < 105 ? 300 : 20);  // a 280 ms stall
  st.run_until(1'000'000 + 320 * kFrameUs);
  EXPECT_EQ(h.jb.stats().packets_late, 5u);
  EXPECT_EQ(h.played.size(), 295u);
  EXPECT_LE(h.jb.stats().current_delay_ms, 60u);  // the schedule did not slip
}

TEST(AdaptiveJitterBufferTest, PayloadsComeBackIntact) {
  Harness h;
  for (int s = 0; s < 50; ++s) {
    const uint8_t bytes[3] = {static_cast<uint8_t>(s), 0xab, static_cast<uint8_t>(s * 3)};
    (void)h.jb.insert(1, SeqNum(static_cast<uint16_t>(s)), static_cast<uint32_t>(s) * 160, bytes, h.now_us);
    const JbDecision& d = h.jb.pull(h.now_us);
    for (int k = 0; k < d.count; ++k) {
      const auto p = d.payloads[static_cast<size_t>(k)];
      ASSERT_EQ(p.size(), 3u);
      EXPECT_EQ(p[0], static_cast<uint8_t>(d.seqs[static_cast<size_t>(k)]));
      EXPECT_EQ(p[1], 0xab);
    }
    h.now_us += kFrameUs;
  }
}

}  // namespace
}  // namespace offhook::rtp
