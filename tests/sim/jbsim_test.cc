// Properties of the adaptive jitter buffer on random simulated networks (fixed seeds), trace CSV
// round trips, the network simulator's impairments, and a 24 h simulated call.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "rtp/adaptive_jitter_buffer.hpp"
#include "sim/jbsim.hpp"
#include "sim/network_sim.hpp"
#include "sim/trace.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook::sim {
namespace {

NetworkConfig random_network(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  NetworkConfig c;
  c.seed = seed;
  c.duration_s = 30;
  c.first_seq = 65000 + static_cast<int64_t>(seed % 1000);  // crosses the 16-bit wrap
  c.first_rtp_ts = 0xffffffffu - 8000u * static_cast<uint32_t>(seed % 20);  // wraps 2^32 too
  c.base_delay_ms = 5 + 100 * u(rng);
  c.jitter_mean_ms = 20 * u(rng);
  c.spike_rate_per_s = 0.5 * u(rng);
  c.stall_rate_per_s = 0.2 * u(rng);
  c.ge_good_to_bad = 0.03 * u(rng);
  c.loss_good = 0.01 * u(rng);
  c.reorder_prob = 0.05 * u(rng);
  c.duplicate_prob = 0.03 * u(rng);
  c.drift_ppm = 200 * (u(rng) - 0.5);
  if (u(rng) < 0.5) {
    c.route_change_s = 15;
    c.route_step_ms = 120 * (u(rng) - 0.5);
  }
  if (u(rng) < 0.3) {
    c.outage_s = 10;
    c.outage_ms = 500;
  }
  c.dtx = u(rng) < 0.4;
  return c;
}

TEST(JbSimTest, RandomNetworksPlayEachPacketOnceNeverEarlyInOrderAndContinuously) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    const std::vector<TracePacket> trace = simulate_network(random_network(seed));
    std::map<int64_t, double> first_arrival;
    for (const TracePacket& p : trace) {
      if (!p.arrival_ms) continue;
      if (!first_arrival.count(p.seq) || *p.arrival_ms < first_arrival[p.seq]) first_arrival[p.seq] = *p.arrival_ms;
    }
    auto result = run_jbsim(trace, {});
    ASSERT_TRUE(result);
    std::set<int64_t> played;
    int64_t last = -1;
    double prev_tick = -1;
    for (const JbDecisionRow& r : result->rows) {
      if (prev_tick >= 0) {
        ASSERT_NEAR(r.tick_ms - prev_tick, 20.0, 1e-6);  // output continuous
      }
      prev_tick = r.tick_ms;
      for (int k = 0; k < r.count; ++k) {
        const int64_t s = r.seqs[k];
        ASSERT_TRUE(first_arrival.count(s)) << "phantom " << s;
        ASSERT_GE(r.tick_ms + 1e-6, first_arrival[s]) << "early " << s;
        ASSERT_TRUE(played.insert(s).second) << "repeat " << s;
        ASSERT_GT(s, last) << "out of order " << s;
        last = s;
      }
    }
    // Nearly everything received is played: the buffer waits instead of dropping.
    EXPECT_GE(static_cast<double>(played.size()), 0.97 * static_cast<double>(first_arrival.size()));
    const rtp::JbStats& st = result->stats;
    EXPECT_EQ(st.packets_played, played.size());
  }
}

TEST(JbSimTest, SpeexReferenceRunsOnTheSameTrace) {
  const std::vector<TracePacket> trace = simulate_network(random_network(5));
  JbSimOptions o;
  o.kind = JbKind::speex;
  auto result = run_jbsim(trace, o);
  ASSERT_TRUE(result);
  size_t plays = 0;
  for (const JbDecisionRow& r : result->rows) plays += r.action == rtp::JbAction::play;
  EXPECT_GT(plays, trace.size() / 2);
}

TEST(JbSimTest, DecisionsCsvFollowsTheContract) {
  std::vector<JbDecisionRow> rows(3);
  rows[0] = {100.0, rtp::JbAction::play, {7, 0}, 1};
  rows[1] = {120.0, rtp::JbAction::shrink, {8, 9}, 2};
  rows[2] = {140.0, rtp::JbAction::conceal, {0, 0}, 0};
  EXPECT_EQ(format_decisions(rows), "tick_ms,action,seq\n100.000,play,7\n120.000,shrink,8;9\n140.000,conceal,\n");
}

TEST(TraceTest, CsvRoundTripKeepsEveryField) {
  NetworkConfig c = random_network(9);
  c.duplicate_prob = 0.05;
  const std::vector<TracePacket> trace = simulate_network(c);
  auto parsed = parse_trace(format_trace(trace));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), trace.size());
  EXPECT_EQ(format_trace(*parsed), format_trace(trace));
}

TEST(TraceTest, MalformedInputIsAnError) {
  EXPECT_FALSE(parse_trace("seq,rtp_ts\n1,2\n"));
  EXPECT_FALSE(parse_trace("seq,rtp_ts,send_ms,arrival_ms\n1,2,x,4\n"));
  EXPECT_FALSE(parse_trace("seq,rtp_ts,send_ms,arrival_ms\n1,99999999999,3,4\n"));
  auto ok = parse_trace("seq,rtp_ts,send_ms,arrival_ms\n1,160,20.000,\n0,0,0.000,3.5\n");
  ASSERT_TRUE(ok);
  EXPECT_FALSE((*ok)[0].arrival_ms.has_value());
  EXPECT_DOUBLE_EQ(*(*ok)[1].arrival_ms, 3.5);
}

TEST(NetworkSimTest, DeterministicAndModelsItsImpairments) {
  NetworkConfig c;
  c.duration_s = 120;
  c.ge_good_to_bad = 0.03;
  c.ge_bad_to_good = 0.4;
  c.duplicate_prob = 0.01;
  const auto a = simulate_network(c);
  EXPECT_EQ(format_trace(a), format_trace(simulate_network(c)));
  size_t lost = 0, dups = 0;
  std::set<int64_t> seen;
  for (const TracePacket& p : a) {
    if (!p.arrival_ms) {
      ++lost;
    } else if (!seen.insert(p.seq).second) {
      ++dups;
    }
  }
  const double sent = 6000;
  // Gilbert-Elliott stationary loss: p/(p+r) = 0.03/0.43 ~ 7 %
  EXPECT_NEAR(static_cast<double>(lost) / sent, 0.07, 0.02);
  EXPECT_NEAR(static_cast<double>(dups) / sent, 0.01, 0.005);

  NetworkConfig d;
  d.dtx = true;
  d.duration_s = 60;
  const auto t = simulate_network(d);
  size_t gaps = 0;
  for (size_t i = 1; i < t.size(); ++i) gaps += t[i].rtp_ts - t[i - 1].rtp_ts > 160;
  EXPECT_GT(gaps, 5u);
  EXPECT_LT(t.size(), 2900u);
}

// A 24-hour call with jitter, spikes, -100 ppm drift and route changes every hour: the delay stays
// bounded, the buffer never holds more than its capacity, and memory stays flat: insert() and
// pull() allocate nothing and take no lock all day (tests/support/rt_probe).
TEST(JbSimTest, DayLongCallStaysBounded) {
  rtp::AdaptiveJitterBuffer::Config config;
  auto jb = rtp::AdaptiveJitterBuffer::create(config);
  ASSERT_TRUE(jb);
  std::mt19937_64 rng(24);
  std::exponential_distribution<double> jitter(1.0 / 8.0);
  std::uniform_real_distribution<double> u(0, 1);
  constexpr int64_t kPackets = 24LL * 3600 * 50;
  int64_t sent = 0;
  uint32_t max_delay_ms = 0;
  size_t max_buffered = 0;
  double route_ms = 40;
  uint64_t now_us = 0;
  // A small reorder window of pending packets (arrival time, seq), kept sorted without allocating.
  std::array<std::pair<uint64_t, int64_t>, 8> pending{};
  size_t n_pending = 0;
  test::RtCounts rt;
  {
    const test::RtProbe probe;  // the whole day: insert() and pull() must never allocate or lock
    while (sent < kPackets || n_pending > 0) {
      while (sent < kPackets && n_pending < pending.size()) {
        if (sent % 180000 == 0) route_ms = 20 + 100 * u(rng);  // a route change every hour
        const double send_ms = static_cast<double>(sent) * 20.0 * (1.0 - 100e-6);
        double delay = route_ms + jitter(rng);
        if (u(rng) < 0.002) delay += 150 * u(rng);
        const auto item = std::make_pair(static_cast<uint64_t>((send_ms + delay) * 1000.0), sent);
        size_t at = n_pending++;
        while (at > 0 && pending[at - 1] > item) {
          pending[at] = pending[at - 1];
          --at;
        }
        pending[at] = item;
        ++sent;
      }
      size_t taken = 0;
      while (taken < n_pending && pending[taken].first <= now_us) {
        const int64_t s = pending[taken].second;
        (void)jb->insert(3, rtp::SeqNum(static_cast<uint16_t>(s)), static_cast<uint32_t>(s * 160), {},
                         pending[taken].first);
        ++taken;
      }
      for (size_t i = taken; i < n_pending; ++i) pending[i - taken] = pending[i];
      n_pending -= taken;
      (void)jb->pull(now_us);
      max_delay_ms = std::max(max_delay_ms, jb->stats().current_delay_ms);
      max_buffered = std::max(max_buffered, jb->buffered_packets());
      now_us += 20000;
  }
    rt = probe.counts();
  }
  EXPECT_EQ(rt.allocations, 0u);
  EXPECT_EQ(rt.mutex_locks, 0u);
  const rtp::JbStats& st = jb->stats();
  EXPECT_GE(static_cast<double>(st.packets_played), 0.995 * static_cast<double>(kPackets));
  EXPECT_LE(max_delay_ms, 400u);
  EXPECT_LE(max_buffered, config.capacity);
  EXPECT_LE(st.current_delay_ms, 200u);
  EXPECT_EQ(st.resyncs, 0u);
}

}  // namespace
}  // namespace offhook::sim
