// Jitter buffer cost per packet: one insert and one pull (20 ms packets, 160-byte payloads, a
// jittered and slightly reordered arrival pattern), offhook's AdaptiveJitterBuffer against
// speexdsp's jitter buffer (put + get + tick) in the same binary. Report the ratio of the two.
#include <benchmark/benchmark.h>
#include <speex/speex_jitter.h>

#include <cstdint>
#include <random>
#include <vector>

#include "rtp/adaptive_jitter_buffer.hpp"

namespace {

struct Arrival {
  uint16_t seq;
  uint32_t ts;
  uint64_t arrival_us;
};

// 4096 packets; ~5 % arrive one slot late (swapped with the next one).
std::vector<Arrival> pattern() {
  std::mt19937 rng(42);
  std::exponential_distribution<double> jitter(1.0 / 5.0);
  std::vector<Arrival> a;
  for (uint32_t i = 0; i < 4096; ++i) {
    a.push_back({static_cast<uint16_t>(i), i * 160, uint64_t{i} * 20000 + 30000 + static_cast<uint64_t>(jitter(rng) * 1000)});
  }
  for (size_t i = 0; i + 1 < a.size(); ++i) {
    if (rng() % 20 == 0) std::swap(a[i], a[i + 1]);
  }
  return a;
}

void BM_adaptive_insert_pull(benchmark::State& state) {
  const std::vector<Arrival> arrivals = pattern();
  auto jb = offhook::rtp::AdaptiveJitterBuffer::create({});
  std::vector<uint8_t> payload(160, 0x55);
  uint64_t base_us = 0;
  size_t i = 0;
  for (auto _ : state) {
    const Arrival& a = arrivals[i];
    (void)jb->insert(1, offhook::rtp::SeqNum(static_cast<uint16_t>(a.seq + base_us / 20000)), a.ts + static_cast<uint32_t>(base_us / 125),
                     payload, a.arrival_us + base_us);
    benchmark::DoNotOptimize(jb->pull(uint64_t{i} * 20000 + base_us));
    if (++i == arrivals.size()) {
      i = 0;
      base_us += uint64_t{arrivals.size()} * 20000;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_adaptive_insert_pull);

void BM_speex_put_get_tick(benchmark::State& state) {
  const std::vector<Arrival> arrivals = pattern();
  JitterBuffer* jb = jitter_buffer_init(160);
  std::vector<char> payload(160, 0x55);
  char out_buf[160];
  uint32_t base_ts = 0;
  size_t i = 0;
  for (auto _ : state) {
    const Arrival& a = arrivals[i];
    JitterBufferPacket p{};
    p.data = payload.data();
    p.len = static_cast<spx_uint32_t>(payload.size());
    p.timestamp = a.ts + base_ts;
    p.span = 160;
    p.sequence = a.seq;
    jitter_buffer_put(jb, &p);
    JitterBufferPacket out{};
    out.data = out_buf;
    out.len = sizeof out_buf;
    spx_int32_t offset = 0;
    benchmark::DoNotOptimize(jitter_buffer_get(jb, &out, 160, &offset));
    jitter_buffer_tick(jb);
    if (++i == arrivals.size()) {
      i = 0;
      base_ts += static_cast<uint32_t>(arrivals.size()) * 160;
    }
  }
  jitter_buffer_destroy(jb);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_speex_put_get_tick);

}  // namespace

BENCHMARK_MAIN();
