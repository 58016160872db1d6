#include "rtp/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace offhook::rtp {
namespace {

using Kind = FixedJitterBuffer::Pulled::Kind;

constexpr uint64_t kPtimeUs = 20000;     // 20 ms packets
constexpr uint32_t kTsPerPacket = 160;   // at 8 kHz

FixedJitterBuffer make_jb(uint32_t delay_ms = 60, uint32_t capacity = 64, uint32_t max_payload = 200) {
  auto jb = FixedJitterBuffer::create({.clock_rate_hz = 8000, .delay_ms = delay_ms, .capacity = capacity,
                                       .max_payload_bytes = max_payload});
  EXPECT_TRUE(jb.has_value()) << (jb ? "" : jb.error().message);
  return std::move(*jb);
}

// A payload that identifies its sequence number.
std::array<uint8_t, 4> payload_for(uint16_t seq) {
  return {static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0xaa, 0x55};
}

InsertStatus put(FixedJitterBuffer& jb, uint16_t seq, uint64_t arrival_us) {
  const auto p = payload_for(seq);
  return jb.insert(SeqNum(seq), uint32_t{seq} * kTsPerPacket, p, arrival_us);
}

void expect_packet(const FixedJitterBuffer::Pulled& got, uint16_t seq) {
  ASSERT_EQ(got.kind, Kind::packet) << "expected seq " << seq;
  EXPECT_EQ(got.seq, SeqNum(seq));
  EXPECT_EQ(got.timestamp, uint32_t{seq} * kTsPerPacket);
  const auto p = payload_for(seq);
  ASSERT_EQ(got.payload.size(), p.size());
  EXPECT_TRUE(std::equal(p.begin(), p.end(), got.payload.begin()));
}

TEST(FixedJitterBufferTest, CreateValidatesConfig) {
  EXPECT_FALSE(FixedJitterBuffer::create({.clock_rate_hz = 0}));
  EXPECT_FALSE(FixedJitterBuffer::create({.clock_rate_hz = 8000, .capacity = 48}));
  EXPECT_FALSE(FixedJitterBuffer::create({.clock_rate_hz = 8000, .capacity = 1}));
  EXPECT_FALSE(FixedJitterBuffer::create({.clock_rate_hz = 8000, .max_payload_bytes = 0}));
  auto ok = FixedJitterBuffer::create({.clock_rate_hz = 48000, .capacity = 128});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->config().delay_ms, 60u);
}

TEST(FixedJitterBufferTest, InOrderWaitsForTheDelayThenPlaysInSequence) {
  FixedJitterBuffer jb = make_jb();
  EXPECT_EQ(jb.pull(0).kind, Kind::empty);
  // Packets arrive every 20 ms from t = 1 s; the media thread pulls every 20 ms from t = 1 s.
  const uint64_t t0 = 1'000'000;
  uint16_t next_play = 100;
  for (int i = 0; i < 50; ++i) {
    SCOPED_TRACE(i);
    const uint64_t now = t0 + static_cast<uint64_t>(i) * kPtimeUs;
    ASSERT_EQ(put(jb, static_cast<uint16_t>(100 + i), now), InsertStatus::ok);
    const auto got = jb.pull(now);
    if (now < t0 + 60'000) {
      EXPECT_EQ(got.kind, Kind::not_ready);
    } else {
      expect_packet(got, next_play++);
    }
  }
  const JitterBufferStats& st = jb.stats();
  EXPECT_EQ(st.inserted, 50u);
  EXPECT_EQ(st.played, 47u);
  EXPECT_EQ(st.missing, 0u);
  EXPECT_EQ(jb.buffered_packets(), 3u);
  EXPECT_DOUBLE_EQ(st.mean_delay_ms(), 60.0);
  EXPECT_EQ(st.max_delay_ms, 60u);
}

TEST(FixedJitterBufferTest, ReorderedAndDuplicatedPacketsPlayOnceInOrder) {
  FixedJitterBuffer jb = make_jb();
  const uint16_t order[] = {10, 12, 11, 13, 13, 15, 14, 12, 16, 17};
  uint64_t t = 0;
  int dups = 0;
  for (uint16_t q : order) {
    const InsertStatus st = put(jb, q, t);
    if (st == InsertStatus::duplicate) ++dups;
    else EXPECT_EQ(st, InsertStatus::ok) << q;
    t += 5000;
  }
  EXPECT_EQ(dups, 2);
  EXPECT_EQ(jb.stats().duplicates, 2u);
  for (uint16_t q = 10; q <= 17; ++q) expect_packet(jb.pull(100'000 + q * kPtimeUs), q);
  // A duplicate of a packet already played is recognised as such.
  EXPECT_EQ(put(jb, 17, 400'000), InsertStatus::duplicate);
}

TEST(FixedJitterBufferTest, PacketOlderThanTheFirstArrivesBeforePlayoutStarts) {
  FixedJitterBuffer jb = make_jb();
  ASSERT_EQ(put(jb, 501, 0), InsertStatus::ok);
  ASSERT_EQ(put(jb, 500, 10'000), InsertStatus::ok);
  EXPECT_EQ(jb.pull(59'999).kind, Kind::not_ready) << "the delay counts from the first arrival";
  expect_packet(jb.pull(60'000), 500);
  expect_packet(jb.pull(80'000), 501);
}

TEST(FixedJitterBufferTest, LossIsReportedAsMissingAndLatePacketsAreRejected) {
  FixedJitterBuffer jb = make_jb();
  for (uint16_t q : {1, 2, 4, 5, 6}) ASSERT_EQ(put(jb, q, q * kPtimeUs), InsertStatus::ok);
  uint64_t now = 1 * kPtimeUs + 60'000;
  expect_packet(jb.pull(now), 1);
  expect_packet(jb.pull(now += kPtimeUs), 2);
  auto miss = jb.pull(now += kPtimeUs);
  EXPECT_EQ(miss.kind, Kind::missing);
  EXPECT_EQ(miss.seq, SeqNum(3));
  EXPECT_EQ(put(jb, 3, now + 1), InsertStatus::too_late) << "its turn has passed";
  expect_packet(jb.pull(now += kPtimeUs), 4);
  EXPECT_EQ(put(jb, 2, now), InsertStatus::duplicate);
  EXPECT_EQ(jb.stats().missing, 1u);
  EXPECT_EQ(jb.stats().late, 1u);
}

TEST(FixedJitterBufferTest, SequenceWrapAt65535) {
  FixedJitterBuffer jb = make_jb(40, 16);
  uint64_t now = 0;
  uint16_t expect = 65530;
  uint16_t send = 65530;
  int played = 0;
  for (int i = 0; i < 30; ++i, now += kPtimeUs) {
    ASSERT_EQ(put(jb, send++, now), InsertStatus::ok);
    const auto got = jb.pull(now);
    if (got.kind == Kind::packet) {
      expect_packet(got, expect++);
      ++played;
    }
  }
  EXPECT_EQ(played, 28);
  EXPECT_EQ(expect, static_cast<uint16_t>(65530 + 28));
  EXPECT_EQ(jb.stats().missing, 0u);
  EXPECT_EQ(jb.stats().overflows, 0u);
}

TEST(FixedJitterBufferTest, RestartAfterSilenceGetsTheFixedDelayAgain) {
  FixedJitterBuffer jb = make_jb();
  uint64_t now = 0;
  uint16_t seq = 1000;
  for (int i = 0; i < 20; ++i, now += kPtimeUs) {
    put(jb, seq++, now);
    jb.pull(now);
  }
  // The sender stops for 2 s (sequence numbers continue afterwards, as with silence suppression).
  int missing = 0;
  int empty = 0;
  for (int i = 0; i < 100; ++i, now += kPtimeUs) {
    const auto got = jb.pull(now);
    if (got.kind == Kind::packet) continue;
    if (got.kind == Kind::missing) ++missing;
    if (got.kind == Kind::empty) ++empty;
  }
  EXPECT_EQ(missing, 3) << "conceal for delay_ms, then report empty";
  EXPECT_GE(empty, 90);
  EXPECT_EQ(jb.stats().resyncs, 1u);

  // Restart: the first new packet waits 60 ms again, then the stream plays in order, no gaps.
  const uint64_t restart = now;
  ASSERT_EQ(put(jb, seq, restart), InsertStatus::ok);
  uint16_t expect = seq++;
  for (int i = 1; i < 20; ++i) {
    now = restart + static_cast<uint64_t>(i) * kPtimeUs;
    ASSERT_EQ(put(jb, seq++, now), InsertStatus::ok);
  }
  EXPECT_EQ(jb.pull(restart + 59'999).kind, Kind::not_ready);
  for (int i = 0; i < 10; ++i) expect_packet(jb.pull(restart + 60'000 + static_cast<uint64_t>(i) * kPtimeUs), expect++);
  // A copy of a packet played before the pause is recognised, not taken for a restart.
  EXPECT_EQ(put(jb, 1005, restart + 300'000), InsertStatus::duplicate);
  EXPECT_EQ(jb.stats().overflows, 0u);
}

TEST(FixedJitterBufferTest, RestartWithANewSequenceSpace) {
  FixedJitterBuffer jb = make_jb();
  uint64_t now = 0;
  for (uint16_t q = 0; q < 10; ++q, now += kPtimeUs) {
    put(jb, q, now);
    jb.pull(now);
  }
  // The sender restarts 20000 behind (more than capacity): not "late", a new stream.
  EXPECT_EQ(put(jb, static_cast<uint16_t>(0 - 20000), now), InsertStatus::overflow);
  EXPECT_EQ(jb.pull(now).kind, Kind::not_ready);
  expect_packet(jb.pull(now + 60'000), static_cast<uint16_t>(0 - 20000));
}

TEST(FixedJitterBufferTest, FarFuturePacketFlushesAndResyncsInsteadOfStalling) {
  FixedJitterBuffer jb = make_jb(60, 16);
  uint64_t now = 0;
  for (uint16_t q = 0; q < 10; ++q) ASSERT_EQ(put(jb, q, now), InsertStatus::ok);
  expect_packet(jb.pull(60'000), 0);
  // 16 or more ahead of the play point does not fit in 16 slots.
  EXPECT_EQ(put(jb, 1 + 15, 70'000), InsertStatus::ok);
  EXPECT_EQ(put(jb, 1 + 16, 70'000), InsertStatus::overflow);
  const JitterBufferStats& st = jb.stats();
  EXPECT_EQ(st.overflows, 1u);
  EXPECT_EQ(st.flushed, 10u);  // 1..9 and 16
  EXPECT_EQ(jb.buffered_packets(), 1u);
  EXPECT_EQ(jb.pull(80'000).kind, Kind::not_ready);
  ASSERT_EQ(put(jb, 18, 90'000), InsertStatus::ok);
  expect_packet(jb.pull(130'000), 17);
  expect_packet(jb.pull(150'000), 18);
}

TEST(FixedJitterBufferTest, FullBufferFromAFastSenderResyncs) {
  FixedJitterBuffer jb = make_jb(60, 8);
  int overflow = 0;
  // 40 packets arrive in a burst and nobody pulls: the 9th does not fit.
  for (uint16_t q = 0; q < 40; ++q) {
    const InsertStatus st = put(jb, q, 0);
    if (st == InsertStatus::overflow) ++overflow;
    else EXPECT_EQ(st, InsertStatus::ok);
    EXPECT_LE(jb.buffered_packets(), 8u);
  }
  EXPECT_EQ(overflow, 4);  // at 8, 16, 24, 32
  expect_packet(jb.pull(60'000), 32);
}

TEST(FixedJitterBufferTest, RejectsOversizedPayload) {
  FixedJitterBuffer jb = make_jb(60, 8, 4);
  std::array<uint8_t, 5> big{};
  EXPECT_EQ(jb.insert(SeqNum(1), 160, big, 0), InsertStatus::too_large);
  EXPECT_EQ(jb.stats().too_large, 1u);
  EXPECT_EQ(jb.pull(1'000'000).kind, Kind::empty);
  std::array<uint8_t, 4> fits = {1, 2, 3, 4};
  EXPECT_EQ(jb.insert(SeqNum(1), 160, fits, 0), InsertStatus::ok);
  const auto got = jb.pull(60'000);
  ASSERT_EQ(got.kind, Kind::packet);
  EXPECT_EQ(got.payload.size(), 4u);
  EXPECT_EQ(got.payload[3], 4);
}

TEST(FixedJitterBufferTest, PlayedPayloadSurvivesAnInsertIntoItsSlot) {
  FixedJitterBuffer jb = make_jb(0, 4);
  ASSERT_EQ(put(jb, 0, 0), InsertStatus::ok);
  const auto got = jb.pull(0);
  ASSERT_EQ(got.kind, Kind::packet);
  ASSERT_EQ(put(jb, 4, 0), InsertStatus::ok);  // same slot as 0
  expect_packet(got, 0);
}

TEST(FixedJitterBufferTest, JitteryArrivalsWithinTheDelayPlayWithoutGaps) {
  FixedJitterBuffer jb = make_jb(60, 64);
  // Arrival jitter of up to 50 ms (< 60 ms delay), so every packet is in time.
  const uint64_t jitter_us[] = {0, 50'000, 10'000, 30'000, 0, 45'000, 5'000, 20'000};
  std::vector<std::pair<uint64_t, uint16_t>> arrivals;
  for (uint16_t q = 0; q < 200; ++q) arrivals.push_back({q * kPtimeUs + jitter_us[q % 8], q});
  std::sort(arrivals.begin(), arrivals.end());
  size_t next_arrival = 0;
  uint16_t expect = 0;
  for (uint64_t now = 0; now < 200 * kPtimeUs; now += kPtimeUs) {
    while (next_arrival < arrivals.size() && arrivals[next_arrival].first <= now) {
      ASSERT_EQ(put(jb, arrivals[next_arrival].second, arrivals[next_arrival].first), InsertStatus::ok);
      ++next_arrival;
    }
    const auto got = jb.pull(now);
    if (got.kind == Kind::not_ready) continue;
    expect_packet(got, expect++);
  }
  EXPECT_EQ(jb.stats().missing, 0u);
  EXPECT_EQ(jb.stats().late, 0u);
  EXPECT_GT(jb.stats().mean_delay_ms(), 20.0);
  EXPECT_LE(jb.stats().max_delay_ms, 60u);
}

}  // namespace
}  // namespace offhook::rtp
