// Bridge: mixing checked sample by sample against an independent double-precision reference (exact
// for unity gains, within 1 LSB otherwise) on every SIMD target this CPU runs; hold, conference and
// transfer as re-wirings of one bridge; and no allocation or lock in any call after create().
#include "src/bridge.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "src/pcm_player.hpp"
#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

std::vector<const dsp::Kernels*> all_kernels() {
  std::vector<const dsp::Kernels*> out;
  for (dsp::Target t : dsp::compiled_targets()) {
    if (dsp::target_supported(t)) out.push_back(&dsp::kernels_for(t));
  }
  return out;
}

const dsp::Kernels& best_kernels() { return dsp::kernels_for(dsp::best_target()); }

std::unique_ptr<Bridge> make_bridge(const dsp::Kernels& k, uint16_t ports = 16, uint32_t rate_hz = 16000) {
  auto b = Bridge::create({.rate_hz = rate_hz, .max_ports = ports}, k);
  EXPECT_TRUE(b) << b.error().message;
  return b ? std::move(*b) : nullptr;
}

// What the bridge should compute, written from the formula in bridge.hpp without any of its tricks.
struct Reference {
  std::map<std::pair<int, int>, double> links;  // (from, to) -> gain
  std::vector<double> in_gain, out_gain;
  explicit Reference(size_t ports) : in_gain(ports, 1.0), out_gain(ports, 1.0) {}

  std::vector<int16_t> output(int to, const std::vector<std::vector<int16_t>>& in) const {
    std::vector<double> sum(in[0].size(), 0.0);
    for (const auto& [key, gain] : links) {
      if (key.second != to || key.first == to) continue;
      const auto from = static_cast<size_t>(key.first);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += gain * in_gain[from] * in[from][i];
    }
    std::vector<int16_t> out(sum.size());
    for (size_t i = 0; i < out.size(); ++i) {
      const double v = std::nearbyint(out_gain[static_cast<size_t>(to)] * sum[i]);
      out[i] = static_cast<int16_t>(std::clamp(v, -32768.0, 32767.0));
    }
    return out;
  }
};

std::vector<std::vector<int16_t>> random_inputs(std::mt19937& rng, size_t ports, size_t n, int amplitude) {
  std::uniform_int_distribution<int> d(-amplitude, amplitude);
  std::vector<std::vector<int16_t>> in(ports, std::vector<int16_t>(n));
  for (auto& v : in) {
    for (auto& s : v) s = static_cast<int16_t>(d(rng));
  }
  return in;
}

void feed(Bridge& b, const std::vector<std::vector<int16_t>>& in) {
  for (size_t p = 0; p < in.size(); ++p) {
    auto dst = b.input(static_cast<PortId>(p));
    ASSERT_EQ(dst.size(), in[p].size());
    std::copy(in[p].begin(), in[p].end(), dst.begin());
  }
}

// Largest |bridge - reference| over every port.
int max_error(const Bridge& b, const Reference& ref, const std::vector<std::vector<int16_t>>& in) {
  int worst = 0;
  for (size_t p = 0; p < in.size(); ++p) {
    const auto want = ref.output(static_cast<int>(p), in);
    const auto got = b.output(static_cast<PortId>(p));
    EXPECT_EQ(got.size(), want.size());
    for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
  }
  return worst;
}

TEST(BridgeTest, CreateRejectsBadConfig) {
  const auto& k = best_kernels();
  auto bad_rate = Bridge::create({.rate_hz = 11025, .max_ports = 4}, k);
  ASSERT_FALSE(bad_rate);
  EXPECT_EQ(bad_rate.error().code, Errc::invalid_argument);
  EXPECT_NE(bad_rate.error().message.find("11025"), std::string::npos);
  EXPECT_FALSE(Bridge::create({.rate_hz = 16000, .max_ports = 0}, k));
  EXPECT_FALSE(Bridge::create({.rate_hz = 16000, .max_ports = Bridge::kMaxPorts + 1}, k));
  auto ok = Bridge::create({.rate_hz = 48000, .max_ports = Bridge::kMaxPorts}, k);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->frame_samples(), 480u);
}

TEST(BridgeTest, PortsOpenLowestFreeSlotAndRunOut) {
  auto b = make_bridge(best_kernels(), 3);
  EXPECT_EQ(b->open_port(), PortId{0});
  EXPECT_EQ(b->open_port(), PortId{1});
  EXPECT_EQ(b->open_port(), PortId{2});
  EXPECT_FALSE(b->open_port().has_value());
  b->close_port(1);
  EXPECT_FALSE(b->is_open(1));
  EXPECT_TRUE(b->input(1).empty());
  EXPECT_TRUE(b->output(1).empty());
  EXPECT_EQ(b->open_port(), PortId{1});
  EXPECT_TRUE(b->input(7).empty());  // out of range: empty, no crash
}

TEST(BridgeTest, PointToPointIsACopyBothWays) {
  for (const dsp::Kernels* k : all_kernels()) {
    auto b = make_bridge(*k, 4);
    const PortId a = *b->open_port(), c = *b->open_port();
    ASSERT_TRUE(b->connect_both(a, c));
    std::mt19937 rng(1);
    auto in = random_inputs(rng, 2, b->frame_samples(), 32768);
    feed(*b, in);
    b->mix();
    const auto heard_by_c = b->output(c);
    const auto heard_by_a = b->output(a);
    EXPECT_TRUE(std::equal(heard_by_c.begin(), heard_by_c.end(), in[0].begin())) << dsp::target_name(k->target);
    EXPECT_TRUE(std::equal(heard_by_a.begin(), heard_by_a.end(), in[1].begin())) << dsp::target_name(k->target);
  }
}

TEST(BridgeTest, OneWayConnectionAndSelfConnectionRefused) {
  auto b = make_bridge(best_kernels(), 4);
  const PortId a = *b->open_port(), c = *b->open_port();
  EXPECT_FALSE(b->connect(a, a));
  EXPECT_FALSE(b->connect(a, 3));  // port 3 is not open
  ASSERT_TRUE(b->connect(a, c));
  EXPECT_TRUE(b->hears(c, a));
  EXPECT_FALSE(b->hears(a, c));
  std::fill(b->input(a).begin(), b->input(a).end(), int16_t{1234});
  std::fill(b->input(c).begin(), b->input(c).end(), int16_t{-99});
  b->mix();
  EXPECT_EQ(b->output(c)[5], 1234);
  EXPECT_EQ(b->output(a)[5], 0);  // a hears nobody
}

TEST(BridgeTest, FullMeshIsExactNMinusOneWithSaturation) {
  for (const dsp::Kernels* k : all_kernels()) {
    for (size_t n : {2u, 3u, 4u, 8u, 16u, 64u}) {
      auto b = make_bridge(*k, static_cast<uint16_t>(n));
      Reference ref(n);
      for (size_t p = 0; p < n; ++p) ASSERT_EQ(b->open_port(), static_cast<PortId>(p));
      for (size_t p = 0; p < n; ++p) {
        for (size_t q = p + 1; q < n; ++q) {
          ASSERT_TRUE(b->connect_both(static_cast<PortId>(p), static_cast<PortId>(q)));
          ref.links[{static_cast<int>(p), static_cast<int>(q)}] = 1.0;
          ref.links[{static_cast<int>(q), static_cast<int>(p)}] = 1.0;
        }
      }
      std::mt19937 rng(static_cast<unsigned>(n));
      for (int amplitude : {3000, 32768}) {  // normal speech and loud enough to saturate
        auto in = random_inputs(rng, n, b->frame_samples(), amplitude);
        feed(*b, in);
        b->mix();
        EXPECT_EQ(max_error(*b, ref, in), 0) << "n=" << n << " amp=" << amplitude << " " << dsp::target_name(k->target);
      }
    }
  }
}

TEST(BridgeTest, RandomTopologiesAndGainsMatchTheReference) {
  // Random graphs over 12 ports: unity-gain ones must be exact (they take the copy, mix_sat, shared
  // total and per-port sum paths, with more distinct groups than total slots); graphs with random
  // link, input and output gains go through the float path and may differ by rounding only.
  for (const dsp::Kernels* k : all_kernels()) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> gain(0.0f, 2.0f);
    for (int round = 0; round < 60; ++round) {
      const bool unity = round % 2 == 0;
      constexpr size_t n = 12;
      auto b = make_bridge(*k, n, 8000);
      Reference ref(n);
      for (size_t p = 0; p < n; ++p) ASSERT_TRUE(b->open_port());
      const double density = 0.15 + 0.1 * (round % 7);
      std::bernoulli_distribution linked(density);
      for (size_t from = 0; from < n; ++from) {
        for (size_t to = 0; to < n; ++to) {
          if (from == to || !linked(rng)) continue;
          const float g = unity ? 1.0f : gain(rng);
          ASSERT_TRUE(b->connect(static_cast<PortId>(from), static_cast<PortId>(to), g));
          ref.links[{static_cast<int>(from), static_cast<int>(to)}] = g;
        }
      }
      if (!unity) {
        for (size_t p = 0; p < n; ++p) {
          const float gi = p % 3 == 0 ? 1.0f : gain(rng);
          const float go = p % 4 == 0 ? 1.0f : gain(rng);
          b->set_input_gain(static_cast<PortId>(p), gi);
          b->set_output_gain(static_cast<PortId>(p), go);
          ref.in_gain[p] = gi;
          ref.out_gain[p] = go;
        }
      }
      auto in = random_inputs(rng, n, b->frame_samples(), round % 3 == 0 ? 32768 : 8000);
      feed(*b, in);
      b->mix();
      EXPECT_LE(max_error(*b, ref, in), unity ? 0 : 1) << "round " << round << " " << dsp::target_name(k->target);
    }
  }
}

TEST(BridgeTest, TwoSeparateConferencesDoNotLeak) {
  auto b = make_bridge(best_kernels(), 8);
  for (int p = 0; p < 8; ++p) ASSERT_TRUE(b->open_port());
  for (PortId base : {PortId{0}, PortId{4}}) {  // {0,1,2,3} and {4,5,6,7}, each a full mesh
    for (PortId p = base; p < base + 4; ++p) {
      for (PortId q = static_cast<PortId>(p + 1); q < base + 4; ++q) ASSERT_TRUE(b->connect_both(p, q));
    }
  }
  for (PortId p = 0; p < 8; ++p) std::fill(b->input(p).begin(), b->input(p).end(), static_cast<int16_t>(1 << p));
  b->mix();
  EXPECT_EQ(b->output(0)[0], 2 + 4 + 8);
  EXPECT_EQ(b->output(3)[7], 1 + 2 + 4);
  EXPECT_EQ(b->output(4)[0], 32 + 64 + 128);
  EXPECT_EQ(b->output(7)[9], 16 + 32 + 64);
}

TEST(BridgeTest, GainsMuteAndClamp) {
  auto b = make_bridge(best_kernels(), 4);
  const PortId a = *b->open_port(), c = *b->open_port(), d = *b->open_port();
  ASSERT_TRUE(b->connect_both(a, c));
  ASSERT_TRUE(b->connect_both(a, d));
  ASSERT_TRUE(b->connect_both(c, d));
  auto fill = [&] {
    std::fill(b->input(a).begin(), b->input(a).end(), int16_t{1000});
    std::fill(b->input(c).begin(), b->input(c).end(), int16_t{200});
    std::fill(b->input(d).begin(), b->input(d).end(), int16_t{30});
  };
  fill();
  b->set_input_gain(a, 0.0f);  // a muted: nobody hears a, a still hears the others
  b->mix();
  EXPECT_EQ(b->output(c)[0], 30);
  EXPECT_EQ(b->output(a)[0], 230);
  fill();
  b->set_input_gain(a, 0.5f);
  b->set_output_gain(d, 0.0f);  // d deafened
  b->mix();
  EXPECT_EQ(b->output(c)[0], 500 + 30);
  EXPECT_EQ(b->output(d)[0], 0);
  fill();
  b->set_input_gain(a, std::nanf(""));  // NaN counts as 0
  b->set_output_gain(d, 1000.0f);       // capped at kMaxGain, then saturated
  b->set_input_gain(c, 1.0f);
  b->mix();
  EXPECT_EQ(b->output(c)[0], 30);
  EXPECT_EQ(b->output(d)[0], static_cast<int16_t>(Bridge::kMaxGain * 200));
  fill();
  b->set_output_gain(d, 1000.0f);
  b->set_input_gain(a, 4.0f);  // 16 * (4 * 1000 + 200) saturates
  b->mix();
  EXPECT_EQ(b->output(d)[0], 32767);
  EXPECT_EQ(b->output(c)[0], 4000 + 30);
}

TEST(BridgeTest, InputsAreClearedEachTickAndCloseDropsConnections) {
  auto b = make_bridge(best_kernels(), 4);
  const PortId a = *b->open_port(), c = *b->open_port(), d = *b->open_port();
  ASSERT_TRUE(b->connect_both(a, c));
  ASSERT_TRUE(b->connect(d, a));
  std::fill(b->input(c).begin(), b->input(c).end(), int16_t{77});
  std::fill(b->input(d).begin(), b->input(d).end(), int16_t{5});
  b->mix();
  EXPECT_EQ(b->output(a)[3], 82);
  b->mix();  // nobody wrote this tick: silence
  EXPECT_EQ(b->output(a)[3], 0);
  b->close_port(c);
  EXPECT_FALSE(b->hears(a, c));
  EXPECT_FALSE(b->hears(c, a));
  const PortId again = *b->open_port();
  EXPECT_EQ(again, c);
  EXPECT_FALSE(b->hears(a, again));  // a reopened slot starts unconnected
  std::fill(b->input(again).begin(), b->input(again).end(), int16_t{900});
  std::fill(b->input(d).begin(), b->input(d).end(), int16_t{5});
  b->mix();
  EXPECT_EQ(b->output(a)[0], 5);
  EXPECT_EQ(b->output(again)[0], 0);
}

// A phone: its own device (A) in a call with B, then hold with music, a three-way conference with C,
// and a transfer that leaves B talking to C. Every step is only connect/disconnect.
TEST(BridgeTest, HoldConferenceAndTransferAreRewirings) {
  constexpr uint32_t kRate = 16000;
  auto b = make_bridge(best_kernels(), 8, kRate);
  const size_t n = b->frame_samples();
  std::vector<int16_t> music_clip(n * 3);
  for (size_t i = 0; i < music_clip.size(); ++i) music_clip[i] = static_cast<int16_t>(100 + i);
  auto music = PcmPlayer::create(music_clip, kRate, PlayMode::loop);
  ASSERT_TRUE(music);
  const PortId dev = *b->open_port(), call_b = *b->open_port(), call_c = *b->open_port(), moh = *b->open_port();
  AudioFrame frame;
  // Each tick: the device, B and C say a constant (different per party), the player says its clip.
  auto tick = [&] {
    std::fill(b->input(dev).begin(), b->input(dev).end(), int16_t{1000});
    std::fill(b->input(call_b).begin(), b->input(call_b).end(), int16_t{20});
    std::fill(b->input(call_c).begin(), b->input(call_c).end(), int16_t{-3});
    (*music)->read(frame);
    std::copy_n(frame.data.begin(), n, b->input(moh).begin());
    b->mix();
  };
  // Call: A's device <-> B.
  ASSERT_TRUE(b->connect_both(dev, call_b));
  tick();
  EXPECT_EQ(b->output(call_b)[0], 1000);
  EXPECT_EQ(b->output(dev)[0], 20);
  EXPECT_EQ(b->output(call_c)[0], 0);
  // Hold B: A and B stop hearing each other; B hears the music.
  b->disconnect_both(dev, call_b);
  ASSERT_TRUE(b->connect(moh, call_b));
  tick();  // the player's second frame
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(b->output(call_b)[i], music_clip[n + i]) << i;
  EXPECT_EQ(b->output(dev)[0], 0);
  EXPECT_FALSE(b->hears(moh, call_b));
  // Resume and add C: a three-way conference (everyone hears the two others, nobody the music).
  b->disconnect(moh, call_b);
  ASSERT_TRUE(b->connect_both(dev, call_b));
  ASSERT_TRUE(b->connect_both(dev, call_c));
  ASSERT_TRUE(b->connect_both(call_b, call_c));
  tick();
  EXPECT_EQ(b->output(dev)[0], 20 - 3);
  EXPECT_EQ(b->output(call_b)[0], 1000 - 3);
  EXPECT_EQ(b->output(call_c)[n - 1], 1000 + 20);
  // Transfer: B and C keep talking, A's device leaves.
  b->disconnect_both(dev, call_b);
  b->disconnect_both(dev, call_c);
  tick();
  EXPECT_EQ(b->output(call_b)[0], -3);
  EXPECT_EQ(b->output(call_c)[0], 20);
  EXPECT_EQ(b->output(dev)[0], 0);
  EXPECT_TRUE(std::all_of(b->output(dev).begin(), b->output(dev).end(), [](int16_t s) { return s == 0; }));
}

TEST(BridgeTest, NoAllocationOrLockAfterCreate) {
  auto b = make_bridge(best_kernels(), 16, 48000);
  test::RtCounts counts;
  {
    test::RtProbe probe;
    for (int p = 0; p < 16; ++p) (void)b->open_port();
    for (int round = 0; round < 50; ++round) {
      for (PortId p = 0; p < 16; ++p) {
        for (PortId q = static_cast<PortId>(p + 1); q < 16; ++q) b->connect_both(p, q);
      }
      b->set_input_gain(3, round % 2 == 0 ? 0.5f : 1.0f);
      for (PortId p = 0; p < 16; ++p) b->input(p)[0] = static_cast<int16_t>(p * round);
      b->mix();
      b->disconnect_both(1, 2);
      b->close_port(5);
      (void)b->open_port();
      b->mix();
      (void)b->hears(1, 2);
    }
    counts = probe.counts();
  }
  EXPECT_EQ(counts.allocations, 0u);
  EXPECT_EQ(counts.mutex_locks, 0u);
}

}  // namespace
}  // namespace offhook
