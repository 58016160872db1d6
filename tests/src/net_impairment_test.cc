// NetImpairment: the send path's impairment stage. Delay and loss follow the config, order is kept
// unless reordering is asked for, duplicates and overflow are counted, the same seed gives the same
// run, and submit()/poll() allocate nothing and take no lock (tests/support/rt_probe).
#include "src/net_impairment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

struct Delivery {
  uint32_t index = 0;      // the packet's number, carried in its payload
  uint64_t sent_us = 0;
  uint64_t delivered_us = 0;
};

// Sends `n` packets `spacing_us` apart and polls exactly at every delivery time (event-driven), so
// delivery times are the impairment's own. Returns the deliveries in the order poll() made them.
std::vector<Delivery> run(NetImpairment& imp, uint32_t n, uint64_t spacing_us, test::RtCounts* rt = nullptr) {
  std::vector<Delivery> out;
  out.reserve(2 * static_cast<size_t>(n) + 16);
  std::vector<uint64_t> sent(n);
  uint32_t next = 0;
  uint64_t now = 1'000'000;  // an arbitrary clock origin
  auto deliver = [&](std::span<const uint8_t> d) {
    uint32_t index = 0;
    if (d.size() == sizeof index) std::memcpy(&index, d.data(), sizeof index);
    out.push_back({index, index < n ? sent[index] : 0, now});
  };
  test::RtProbe probe;
  while (next < n || imp.queued() > 0) {
    const uint64_t send_at = next < n ? 1'000'000 + next * spacing_us : std::numeric_limits<uint64_t>::max();
    const uint64_t due = imp.next_due_us();
    if (due <= send_at) {
      now = std::max(now, due);
      imp.poll(now, deliver);
    } else {
      now = send_at;
      uint8_t payload[4];
      std::memcpy(payload, &next, sizeof next);
      sent[next] = now;
      (void)imp.submit(now, payload);
      ++next;
    }
  }
  if (rt) *rt = probe.counts();
  return out;
}

sim::NetworkConfig quiet() {
  sim::NetworkConfig c;
  c.base_delay_ms = 0;
  c.jitter_mean_ms = 0;
  return c;
}

TEST(NetImpairmentTest, DelayFollowsBasePlusExponentialJitter) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 20;
  c.jitter_mean_ms = 5;
  auto imp = NetImpairment::create(c, 7, {.fifo = false});
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 20000, 20000);
  ASSERT_EQ(got.size(), 20000u);
  double sum = 0;
  size_t above_mean = 0;
  double min_ms = 1e9;
  for (const Delivery& d : got) {
    const double delay_ms = static_cast<double>(d.delivered_us - d.sent_us) / 1000.0;
    min_ms = std::min(min_ms, delay_ms);
    sum += delay_ms;
    above_mean += delay_ms - 20 > 5;
  }
  EXPECT_GE(min_ms, 20.0 - 1e-3);
  EXPECT_LT(min_ms, 20.1);
  EXPECT_NEAR(sum / 20000.0, 25.0, 0.2);
  // Exponential tail: P(jitter > mean) = 1/e.
  EXPECT_NEAR(static_cast<double>(above_mean) / 20000.0, std::exp(-1.0), 0.015);
  EXPECT_EQ(imp->stats().delayed, 20000u);
  EXPECT_EQ(imp->stats().delivered, 20000u);
  EXPECT_EQ(imp->stats().dropped, 0u);
}

TEST(NetImpairmentTest, GilbertElliottLossRateAndBurstLength) {
  sim::NetworkConfig c = quiet();
  c.ge_good_to_bad = 0.03;
  c.ge_bad_to_good = 0.4;
  auto imp = NetImpairment::create(c, 11);
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 30000, 20000);
  std::vector<bool> arrived(30000, false);
  for (const Delivery& d : got) arrived[d.index] = true;
  size_t lost = 0, bursts = 0;
  for (size_t i = 0; i < arrived.size(); ++i) {
    lost += !arrived[i];
    bursts += !arrived[i] && (i == 0 || arrived[i - 1]);
  }
  EXPECT_EQ(lost, imp->stats().dropped);
  EXPECT_NEAR(static_cast<double>(lost) / 30000.0, 0.03 / 0.43, 0.01);   // stationary loss
  EXPECT_NEAR(static_cast<double>(lost) / static_cast<double>(bursts), 1 / 0.4, 0.2);  // mean burst
}

TEST(NetImpairmentTest, RandomLossAndOutage) {
  sim::NetworkConfig c = quiet();
  c.loss_good = 0.05;
  c.outage_s = 10;
  c.outage_ms = 500;
  auto imp = NetImpairment::create(c, 3);
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 10000, 20000);  // 200 s
  std::vector<bool> arrived(10000, false);
  for (const Delivery& d : got) arrived[d.index] = true;
  for (uint32_t i = 500; i < 525; ++i) EXPECT_FALSE(arrived[i]) << i;  // 10.0 .. 10.5 s
  EXPECT_EQ(imp->stats().dropped_outage, 25u);
  const double random_lost = static_cast<double>(imp->stats().dropped - 25) / (10000 - 25);
  EXPECT_NEAR(random_lost, 0.05, 0.01);
}

size_t inversions(const std::vector<Delivery>& got) {
  size_t n = 0;
  for (size_t i = 1; i < got.size(); ++i) n += got[i].index < got[i - 1].index;
  return n;
}

TEST(NetImpairmentTest, FifoKeepsOrderReorderingBreaksIt) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 30;
  c.jitter_mean_ms = 15;  // jitter comparable to the 20 ms spacing would reorder a non-FIFO path
  {
    auto imp = NetImpairment::create(c, 5);
    ASSERT_TRUE(imp);
    EXPECT_EQ(inversions(run(*imp, 5000, 20000)), 0u);
  }
  {
    auto imp = NetImpairment::create(c, 5, {.fifo = false});
    ASSERT_TRUE(imp);
    EXPECT_GT(inversions(run(*imp, 5000, 20000)), 50u);
  }
  c.reorder_prob = 0.05;
  auto imp = NetImpairment::create(c, 5);
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 5000, 20000);
  EXPECT_NEAR(static_cast<double>(imp->stats().reordered) / 5000.0, 0.05, 0.01);
  const size_t inv = inversions(got);
  EXPECT_GT(inv, 100u);
  EXPECT_LE(inv, 2 * imp->stats().reordered);  // each out-of-order pair involves a detoured packet
}

TEST(NetImpairmentTest, DuplicatesAreCopiesWithin30Ms) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 10;
  c.duplicate_prob = 0.05;
  auto imp = NetImpairment::create(c, 9);
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 10000, 20000);
  const auto& s = imp->stats();
  EXPECT_EQ(got.size(), s.delayed + s.duplicated);
  EXPECT_NEAR(static_cast<double>(s.duplicated) / 10000.0, 0.05, 0.01);
  std::vector<std::vector<uint64_t>> times(10000);
  for (const Delivery& d : got) times[d.index].push_back(d.delivered_us);
  size_t dups = 0;
  for (const auto& t : times) {
    ASSERT_LE(t.size(), 2u);
    if (t.size() == 2) {
      ++dups;
      EXPECT_LE(t[1] - t[0], 30'001u);
    }
  }
  EXPECT_EQ(dups, s.duplicated);
}

TEST(NetImpairmentTest, StallsReleaseBurstsAndSpikesStayBounded) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 10;
  c.stall_rate_per_s = 0.2;
  c.stall_min_ms = 300;
  c.stall_max_ms = 300;
  auto imp = NetImpairment::create(c, 21);
  ASSERT_TRUE(imp);
  const auto got = run(*imp, 3000, 20000);  // 60 s: ~12 stalls
  size_t bursts = 0;
  for (size_t i = 0; i + 10 < got.size(); ++i) {
    if (got[i + 10].delivered_us == got[i].delivered_us) {  // 11 packets at one instant
      ++bursts;
      i += 10;
    }
  }
  EXPECT_GE(bursts, 5u);
  EXPECT_LE(bursts, 25u);

  sim::NetworkConfig s = quiet();
  s.base_delay_ms = 10;
  s.spike_rate_per_s = 1;
  s.spike_min_ms = 50;
  s.spike_max_ms = 100;
  auto spiky = NetImpairment::create(s, 22, {.fifo = false});
  ASSERT_TRUE(spiky);
  double max_ms = 0;
  size_t spiked = 0;
  for (const Delivery& d : run(*spiky, 3000, 20000)) {
    const double ms = static_cast<double>(d.delivered_us - d.sent_us) / 1000.0;
    max_ms = std::max(max_ms, ms);
    spiked += ms > 11;
  }
  EXPECT_LE(max_ms, 110.001);
  EXPECT_GT(max_ms, 60.0);
  // ~1 spike/s lasting 75 ms on average: ~7.5 % of the time, a little less as the simulator lets the
  // first of two overlapping spikes hide the second.
  EXPECT_NEAR(static_cast<double>(spiked) / 3000.0, 0.075, 0.025);
}

TEST(NetImpairmentTest, SameSeedSameRunOtherSeedOtherRun) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 40;
  c.jitter_mean_ms = 8;
  c.spike_rate_per_s = 0.5;
  c.stall_rate_per_s = 0.1;
  c.ge_good_to_bad = 0.02;
  c.reorder_prob = 0.02;
  c.duplicate_prob = 0.01;
  auto key = [](const std::vector<Delivery>& v) {
    std::vector<std::pair<uint32_t, uint64_t>> k;
    for (const Delivery& d : v) k.emplace_back(d.index, d.delivered_us);
    return k;
  };
  auto a = NetImpairment::create(c, 42);
  auto b = NetImpairment::create(c, 42);
  auto other = NetImpairment::create(c, 43);
  ASSERT_TRUE(a && b && other);
  const auto ka = key(run(*a, 3000, 20000));
  EXPECT_EQ(ka, key(run(*b, 3000, 20000)));
  EXPECT_NE(ka, key(run(*other, 3000, 20000)));
}

TEST(NetImpairmentTest, SubmitAndPollNeitherAllocateNorLock) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 50;
  c.jitter_mean_ms = 10;
  c.spike_rate_per_s = 0.5;
  c.stall_rate_per_s = 0.1;
  c.ge_good_to_bad = 0.02;
  c.loss_good = 0.01;
  c.reorder_prob = 0.02;
  c.duplicate_prob = 0.02;
  c.route_change_s = 30;
  c.route_step_ms = -20;
  c.outage_s = 40;
  c.outage_ms = 300;
  auto imp = NetImpairment::create(c, 1);
  ASSERT_TRUE(imp);
  test::RtCounts rt;
  const auto got = run(*imp, 5000, 20000, &rt);  // the probe covers only submit() and poll()...
  EXPECT_GT(got.size(), 4000u);
  // ...but run() also pushes into `out` (reserved up front, so it does not allocate either).
  EXPECT_EQ(rt.allocations, 0u);
  EXPECT_EQ(rt.mutex_locks, 0u);
}

TEST(NetImpairmentTest, OverflowAndOversizeAreCountedNotFatal) {
  sim::NetworkConfig c = quiet();
  c.base_delay_ms = 1000;
  auto imp = NetImpairment::create(c, 1, {.capacity = 8, .max_datagram_bytes = 100});
  ASSERT_TRUE(imp);
  const std::vector<uint8_t> small(100, 0xab);
  const std::vector<uint8_t> big(101, 0xcd);
  size_t accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += imp->submit(1000 + static_cast<uint64_t>(i), small);
  EXPECT_FALSE(imp->submit(2000, big));
  EXPECT_EQ(accepted, 8u);
  EXPECT_EQ(imp->stats().overflow, 12u);
  EXPECT_EQ(imp->stats().too_large, 1u);
  EXPECT_EQ(imp->stats().max_queue, 8u);
  size_t n = 0;
  imp->poll(999'999, [&](std::span<const uint8_t>) { ++n; });
  EXPECT_EQ(n, 0u);  // not due yet
  imp->poll(1'100'000, [&](std::span<const uint8_t> d) {
    ++n;
    EXPECT_TRUE(std::equal(d.begin(), d.end(), small.begin(), small.end()));
  });
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(imp->queued(), 0u);
  EXPECT_EQ(imp->next_due_us(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(imp->submit(2'000'000, small));  // room again
}

TEST(NetImpairmentTest, LongIdleIsCheapAndBadConfigIsRejected) {
  sim::NetworkConfig c = quiet();
  c.spike_rate_per_s = 50;
  c.stall_rate_per_s = 50;
  auto imp = NetImpairment::create(c, 1);
  ASSERT_TRUE(imp);
  const uint8_t p[1] = {1};
  EXPECT_TRUE(imp->submit(0, p));
  EXPECT_TRUE(imp->submit(10ULL * 3600 * 1'000'000, p));  // ten hours later: no per-event walk
  EXPECT_EQ(imp->stats().delayed, 2u);

  sim::NetworkConfig bad = quiet();
  bad.loss_good = 1.5;
  EXPECT_FALSE(NetImpairment::create(bad, 1));
  bad = quiet();
  bad.jitter_mean_ms = -1;
  EXPECT_FALSE(NetImpairment::create(bad, 1));
  bad = quiet();
  bad.base_delay_ms = std::nan("");
  EXPECT_FALSE(NetImpairment::create(bad, 1));
  EXPECT_FALSE(NetImpairment::create(quiet(), 1, {.capacity = 0}));
}

}  // namespace
}  // namespace offhook
