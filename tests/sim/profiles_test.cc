// Network profiles (sim/profiles.hpp) and the jbsim plot (sim/plot_svg.hpp): every profile is known
// by name and simulates what its one-line description says; the plot's timeline replays jbsim's
// run tick for tick, and the SVG carries every series.
#include "sim/profiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "sim/jbsim.hpp"
#include "sim/network_sim.hpp"
#include "sim/plot_svg.hpp"

namespace offhook::sim {
namespace {

struct Measured {
  double loss = 0;
  double delay_min_ms = 1e9;
  double delay_median_ms = 0;
  double delay_p99_ms = 0;
  size_t duplicates = 0;
};

Measured measure(NetworkConfig c) {
  c.duration_s = 120;
  c.seed = 77;
  const std::vector<TracePacket> t = simulate_network(c);
  Measured m;
  std::vector<double> d;
  std::set<int64_t> seen;
  size_t sent = 0, lost = 0;
  for (const TracePacket& p : t) {
    if (!seen.insert(p.seq).second) {
      ++m.duplicates;
      continue;
    }
    ++sent;
    if (!p.arrival_ms) {
      ++lost;
      continue;
    }
    d.push_back(*p.arrival_ms - p.send_ms);
  }
  std::sort(d.begin(), d.end());
  m.loss = static_cast<double>(lost) / static_cast<double>(std::max<size_t>(sent, 1));
  if (d.empty()) return m;
  m.loss = static_cast<double>(lost) / static_cast<double>(sent);
  m.delay_min_ms = d.front();
  m.delay_median_ms = d[d.size() / 2];
  m.delay_p99_ms = d[d.size() * 99 / 100];
  return m;
}

TEST(ProfilesTest, EveryNameResolvesAndUnknownNamesListThem) {
  ASSERT_EQ(profile_names().size(), 6u);
  for (std::string_view n : profile_names()) {
    SCOPED_TRACE(std::string(n));
    EXPECT_TRUE(network_profile(n));
  }
  auto bad = network_profile("dialup");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  for (std::string_view n : profile_names()) EXPECT_NE(bad.error().message.find(std::string(n)), std::string::npos);
  EXPECT_FALSE(network_profile("LAN"));  // names are exact
}

TEST(ProfilesTest, ProfilesSimulateWhatTheyDescribe) {
  const Measured lan = measure(*network_profile("lan"));
  EXPECT_NEAR(lan.delay_min_ms, 2, 0.1);
  EXPECT_LT(lan.delay_p99_ms, 5);
  EXPECT_LT(lan.loss, 0.005);

  const Measured wifi = measure(*network_profile("wifi"));
  EXPECT_NEAR(wifi.loss, 0.01, 0.005);
  EXPECT_GT(wifi.delay_p99_ms, 45);  // spikes and reordering detours
  EXPECT_GT(wifi.duplicates, 30u);   // ~1 % of 6000

  const Measured mobile = measure(*network_profile("mobile"));
  EXPECT_GT(mobile.delay_median_ms, 90);
  EXPECT_GT(mobile.delay_p99_ms, 200);  // stalls release packets late
  EXPECT_NEAR(mobile.loss, 0.02, 0.008);

  const Measured lossy = measure(*network_profile("lossy"));
  EXPECT_NEAR(lossy.loss, 0.075, 0.02);

  const Measured sat = measure(*network_profile("satellite"));
  EXPECT_GE(sat.delay_min_ms, 300);
  EXPECT_LT(sat.loss, 0.01);

  const Measured cong = measure(*network_profile("congested"));
  EXPECT_GT(cong.delay_median_ms, 60);
  EXPECT_GT(cong.delay_p99_ms, 150);
  EXPECT_NEAR(cong.loss, 0.03, 0.012);
  // Ordered by how hard they are on a jitter buffer's delay.
  EXPECT_LT(lan.delay_p99_ms, wifi.delay_p99_ms);
  EXPECT_LT(wifi.delay_p99_ms, cong.delay_p99_ms);
}

TEST(ProfilesTest, JitterFlagAndCombinedFlags) {
  const NetworkConfig j = jitter_config(10);
  EXPECT_EQ(j.base_delay_ms, 0);
  EXPECT_EQ(j.jitter_mean_ms, 10);
  EXPECT_EQ(j.loss_good + j.ge_good_to_bad + j.reorder_prob + j.duplicate_prob + j.spike_rate_per_s, 0);
  const Measured m = measure(j);
  EXPECT_NEAR(m.delay_median_ms, 10 * 0.693, 0.5);  // exponential median: mean ln 2

  auto c = impairment_config("mobile", 5, 30);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->base_delay_ms, 90);   // kept from the profile
  EXPECT_EQ(c->loss_good, 0.05);     // replaced
  EXPECT_EQ(c->jitter_mean_ms, 30);  // replaced
  auto plain = impairment_config("", 2, 0);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->base_delay_ms, 0);
  EXPECT_EQ(plain->jitter_mean_ms, 0);
  EXPECT_EQ(plain->loss_good, 0.02);
  EXPECT_FALSE(impairment_config("nowhere", 0, 0));
  EXPECT_FALSE(impairment_config("", 101, 0));
  EXPECT_FALSE(impairment_config("", 0, -1));
}

TEST(PlotTest, TimelineReplaysJbsimAndTheSvgHasEverySeries) {
  NetworkConfig c = *network_profile("mobile");
  c.duration_s = 30;
  c.seed = 5;
  const std::vector<TracePacket> trace = simulate_network(c);
  auto run = run_jbsim(trace, {});
  ASSERT_TRUE(run);
  auto timeline = jb_timeline(trace, {});
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), run->rows.size());
  for (size_t i = 0; i < timeline->size(); ++i) ASSERT_EQ((*timeline)[i].tick_ms, run->rows[i].tick_ms);
  EXPECT_EQ(timeline->back().target_delay_ms, run->stats.target_delay_ms);
  EXPECT_EQ(timeline->back().current_delay_ms, run->stats.current_delay_ms);

  const std::string svg = plot_jbsim_svg(trace, *run, *timeline, {.title = "a <mobile> & b"});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("a &lt;mobile&gt; &amp; b"), std::string::npos);
  for (const char* id : {"network-delay", "playout-delay", "target-delay", "lost", "conceal", "stretch", "shrink",
                         "legend"}) {
    EXPECT_NE(svg.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_GT(std::count(svg.begin(), svg.end(), '\n'), 10);
  // Decimated: far fewer dots than packets would be written at full resolution for a long trace.
  c.duration_s = 600;
  const std::vector<TracePacket> longer = simulate_network(c);
  auto run_long = run_jbsim(longer, {});
  ASSERT_TRUE(run_long);
  const std::string big = plot_jbsim_svg(longer, *run_long, {}, {});
  EXPECT_EQ(big.find("id=\"target-delay\""), std::string::npos);  // no timeline, no target
  EXPECT_LT(big.size(), 40 * longer.size());
}

}  // namespace
}  // namespace offhook::sim
