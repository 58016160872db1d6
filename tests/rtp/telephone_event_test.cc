#include "rtp/telephone_event.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

namespace offhook::rtp {
namespace {

using Report = TelephoneEventReceiver::Report;

std::vector<Report> drain(TelephoneEventReceiver& rx) {
  std::vector<Report> out;
  Report r;
  while (rx.pop(r)) out.push_back(r);
  return out;
}

TelephoneEventSender make_sender(uint32_t interval_ms = 50) {
  auto s = TelephoneEventSender::create({.clock_rate_hz = 8000, .packet_interval_ms = interval_ms});
  EXPECT_TRUE(s.has_value());
  return std::move(*s);
}
TelephoneEventReceiver make_receiver() {
  auto r = TelephoneEventReceiver::create({.clock_rate_hz = 8000, .end_timeout_ms = 500});
  EXPECT_TRUE(r.has_value());
  return std::move(*r);
}

TEST(TelephoneEventTest, GoldenPayload) {
  // Hand-assembled from the RFC 4733 §2.3 figure: event 5, E=1, R=0, volume 10, duration 800.
  const std::array<uint8_t, 4> bytes = {0x05, 0x8a, 0x03, 0x20};
  TelephoneEventPayload p;
  ASSERT_EQ(parse_telephone_event(bytes, p), TelephoneEventStatus::ok);
  EXPECT_EQ(p.event, 5);
  EXPECT_TRUE(p.end);
  EXPECT_EQ(p.volume, 10);
  EXPECT_EQ(p.duration, 800);
  std::array<uint8_t, 4> out{};
  ASSERT_EQ(write_telephone_event(p, out), 4u);
  EXPECT_EQ(out, bytes);
  // The R bit is ignored on receipt.
  const std::array<uint8_t, 4> with_r = {0x05, 0xca, 0x03, 0x20};
  ASSERT_EQ(parse_telephone_event(with_r, p), TelephoneEventStatus::ok);
  EXPECT_EQ(p.volume, 10);
  for (size_t len = 0; len < 4; ++len) {
    EXPECT_EQ(parse_telephone_event(std::span(bytes.data(), len), p), TelephoneEventStatus::truncated);
  }
  const std::array<uint8_t, 5> longer = {0x05, 0x8a, 0x03, 0x20, 0};
  EXPECT_EQ(parse_telephone_event(longer, p), TelephoneEventStatus::bad_length);
  EXPECT_EQ(write_telephone_event({.volume = 64}, out), 0u);
  EXPECT_EQ(dtmf_event_code('#'), 11);
  EXPECT_EQ(dtmf_event_code('d'), 15);
  EXPECT_EQ(dtmf_event_code('x'), -1);
}

TEST(TelephoneEventTest, SenderSequence) {
  // 200 ms at 50 ms updates: packets at 0, 50, 100, 150 ms (durations 400..1600), the last with
  // E, then two more identical end packets.
  TelephoneEventSender tx = make_sender();
  ASSERT_TRUE(tx.start(7, 200, 12));
  EXPECT_FALSE(tx.start(8, 100, 12)) << "busy";
  std::vector<TelephoneEventSender::Packet> sent;
  for (uint32_t now = 1000; now < 1000 + 8000; now += 160) {  // 20 ms ticks
    TelephoneEventSender::Packet p;
    if (tx.poll(now, p)) sent.push_back(p);
  }
  ASSERT_EQ(sent.size(), 6u);
  EXPECT_FALSE(tx.busy());
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    TelephoneEventPayload p;
    ASSERT_EQ(parse_telephone_event(sent[i].payload, p), TelephoneEventStatus::ok);
    EXPECT_EQ(sent[i].marker, i == 0);
    EXPECT_EQ(sent[i].timestamp, 1000u);
    EXPECT_EQ(p.event, 7);
    EXPECT_EQ(p.volume, 12);
    EXPECT_EQ(p.end, i >= 3);
    EXPECT_EQ(p.duration, std::min<size_t>(400 * (i + 1), 1600));
  }
  EXPECT_FALSE(tx.start(1, 0, 10));
  EXPECT_FALSE(tx.start(1, 100, 64));
}

TEST(TelephoneEventTest, LoopbackReportsEachKeyOnce) {
  TelephoneEventSender tx = make_sender(20);
  TelephoneEventReceiver rx = make_receiver();
  const char keys[] = "1234567890*#ABCD";
  std::mt19937 rng(42);
  std::bernoulli_distribution lose(0.2);
  uint32_t rtp = 0xfffff000;  // wraps during the test
  uint64_t now_us = 0;
  size_t key = 0;
  std::vector<Report> reports;
  for (int tick = 0; tick < 3000; ++tick, rtp += 160, now_us += 20'000) {
    if (!tx.busy() && key < 16 && tick % 20 == 0) {
      ASSERT_TRUE(tx.start(static_cast<uint8_t>(dtmf_event_code(keys[key++])), 100, 10));
    }
    TelephoneEventSender::Packet p;
    if (tx.poll(rtp, p) && !lose(rng)) {
      ASSERT_EQ(rx.on_packet(p.marker, p.timestamp, p.payload, now_us), TelephoneEventStatus::ok);
    }
    rx.tick(now_us);
    for (const Report& r : drain(rx)) reports.push_back(r);
  }
  ASSERT_EQ(reports.size(), 32u);
  for (size_t i = 0; i < 16; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(reports[2 * i].kind, Report::Kind::begin);
    EXPECT_EQ(reports[2 * i + 1].kind, Report::Kind::end);
    EXPECT_EQ(reports[2 * i].event, dtmf_event_code(keys[i]));
    EXPECT_EQ(reports[2 * i + 1].event, dtmf_event_code(keys[i]));
  }
}

TEST(TelephoneEventTest, ToleratesMissingMarkerReusedSeqAndDuplicateEnds) {
  TelephoneEventReceiver rx = make_receiver();
  const std::array<uint8_t, 4> upd = {3, 10, 0x01, 0x90};   // event 3, 400 units
  const std::array<uint8_t, 4> end = {3, 0x8a, 0x06, 0x40}; // E, 1600 units
  ASSERT_EQ(rx.on_packet(false, 5000, upd, 0), TelephoneEventStatus::ok);  // no marker
  for (int i = 0; i < 3; ++i) ASSERT_EQ(rx.on_packet(false, 5000, end, 10'000 * i), TelephoneEventStatus::ok);
  ASSERT_EQ(rx.on_packet(false, 5000, upd, 40'000), TelephoneEventStatus::ok);  // late update
  auto r = drain(rx);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, Report::Kind::begin);
  EXPECT_EQ(r[1].kind, Report::Kind::end);
  EXPECT_TRUE(r[1].end_seen);
  EXPECT_EQ(r[1].duration_units, 1600u);
  // Only end packets of a new event arrive: it is still reported once, begin and end.
  ASSERT_EQ(rx.on_packet(false, 9000, end, 50'000), TelephoneEventStatus::ok);
  ASSERT_EQ(rx.on_packet(false, 9000, end, 60'000), TelephoneEventStatus::ok);
  r = drain(rx);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].timestamp, 9000u);
}

TEST(TelephoneEventTest, MissedEndsTimeOutOrAreSupersededByTheNextEvent) {
  TelephoneEventReceiver rx = make_receiver();
  const std::array<uint8_t, 4> a = {1, 10, 0x01, 0x90};
  const std::array<uint8_t, 4> b = {2, 10, 0x01, 0x90};
  ASSERT_EQ(rx.on_packet(true, 100, a, 0), TelephoneEventStatus::ok);
  ASSERT_EQ(rx.on_packet(true, 2000, b, 100'000), TelephoneEventStatus::ok);  // a's end lost
  rx.tick(500'000);
  EXPECT_TRUE(rx.active());
  rx.tick(600'000);  // 500 ms after b's last packet
  EXPECT_FALSE(rx.active());
  const auto r = drain(rx);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].kind, Report::Kind::end);
  EXPECT_EQ(r[1].event, 1);
  EXPECT_FALSE(r[1].end_seen);
  EXPECT_EQ(r[3].event, 2);
  EXPECT_FALSE(r[3].end_seen);
}

TEST(TelephoneEventTest, LongEventSpansSegmentsAndTimestampWrap) {
  // 20 s at 8 kHz = 160000 units: three segments (§2.5.1.3), starting just before the wrap.
  TelephoneEventSender tx = make_sender(50);
  TelephoneEventReceiver rx = make_receiver();
  ASSERT_TRUE(tx.start(0, 20'000, 5));
  uint32_t rtp = 0xffff0100;
  uint64_t now_us = 0;
  std::vector<uint32_t> segment_ts;
  for (int tick = 0; tick < 1100; ++tick, rtp += 160, now_us += 20'000) {
    TelephoneEventSender::Packet p;
    if (tx.poll(rtp, p)) {
      if (segment_ts.empty() || segment_ts.back() != p.timestamp) segment_ts.push_back(p.timestamp);
      ASSERT_EQ(rx.on_packet(p.marker, p.timestamp, p.payload, now_us), TelephoneEventStatus::ok);
    }
    rx.tick(now_us);
  }
  ASSERT_EQ(segment_ts.size(), 3u);
  EXPECT_EQ(segment_ts[1] - segment_ts[0], 0xffffu);
  EXPECT_LT(segment_ts[1], segment_ts[0]) << "the second segment is past the wrap";
  const auto r = drain(rx);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].kind, Report::Kind::end);
  EXPECT_TRUE(r[1].end_seen);
  EXPECT_EQ(r[1].duration_units, 160'000u);
}

TEST(TelephoneEventTest, QueueDropsOldestWhenNotDrained) {
  TelephoneEventReceiver rx = make_receiver();
  for (uint32_t i = 0; i < 10; ++i) {
    const std::array<uint8_t, 4> e = {static_cast<uint8_t>(i), 0x8a, 0, 160};
    ASSERT_EQ(rx.on_packet(true, 1000 * (i + 1), e, i), TelephoneEventStatus::ok);
  }
  EXPECT_EQ(rx.dropped_reports(), 12u);
  const auto r = drain(rx);
  ASSERT_EQ(r.size(), TelephoneEventReceiver::kQueueSize);
  EXPECT_EQ(r.back().event, 9);
}

}  // namespace
}  // namespace offhook::rtp
