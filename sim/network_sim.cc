#include "sim/network_sim.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace offhook::sim {

std::vector<TracePacket> simulate_network(const NetworkConfig& c) {
  std::mt19937_64 rng(c.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  auto uniform = [&](double a, double b) { return a + (b - a) * uni(rng); };
  auto exponential = [&](double mean) { return mean > 0 ? -mean * std::log(1.0 - uni(rng)) : 0.0; };

  const double duration_ms = c.duration_s * 1000.0;
  // Spikes and stalls: Poisson event lists over the call.
  struct Event { double at_ms, len_ms; };
  auto events = [&](double rate, double lo, double hi) {
    std::vector<Event> ev;
    if (rate <= 0) return ev;
    for (double t = exponential(1000.0 / rate); t < duration_ms + 5000; t += exponential(1000.0 / rate)) {
      ev.push_back({t, uniform(lo, hi)});
    }
    return ev;
  };
  const std::vector<Event> spikes = events(c.spike_rate_per_s, c.spike_min_ms, c.spike_max_ms);
  const std::vector<Event> stalls = events(c.stall_rate_per_s, c.stall_min_ms, c.stall_max_ms);

  std::vector<TracePacket> out;
  const uint32_t ts_step = c.clock_rate_hz * c.ptime_ms / 1000;
  uint32_t ts = c.first_rtp_ts;
  int64_t seq = c.first_seq;
  bool bad = false;
  double talk_end_ms = c.dtx ? std::max(400.0, exponential(c.talk_mean_s * 1000.0)) : 1e300;
  size_t spike_i = 0;
  size_t stall_i = 0;
  for (double nominal = 0; nominal < duration_ms; nominal += c.ptime_ms) {
    if (nominal >= talk_end_ms) {  // a DTX silence: no packets, media time moves on
      const double silence = std::round(uniform(c.silence_min_s, c.silence_max_s) * 1000.0 / c.ptime_ms) * c.ptime_ms;
      nominal += silence;
      ts += static_cast<uint32_t>(silence / c.ptime_ms) * ts_step;
      talk_end_ms = nominal + std::max(400.0, exponential(c.talk_mean_s * 1000.0));
      if (nominal >= duration_ms) break;
    }
    TracePacket p;
    p.seq = seq++;
    p.rtp_ts = ts;
    ts += ts_step;
    p.send_ms = nominal * (1.0 + c.drift_ppm * 1e-6);
    // loss
    bad = bad ? uni(rng) >= c.ge_bad_to_good : uni(rng) < c.ge_good_to_bad;
    bool lost = bad ? uni(rng) < c.ge_loss_bad : uni(rng) < c.loss_good;
    if (c.outage_s >= 0 && p.send_ms >= c.outage_s * 1000 && p.send_ms < c.outage_s * 1000 + c.outage_ms) lost = true;
    double delay = c.base_delay_ms + exponential(c.jitter_mean_ms);
    if (c.route_change_s >= 0 && p.send_ms >= c.route_change_s * 1000) delay += c.route_step_ms;
    while (spike_i < spikes.size() && spikes[spike_i].at_ms + spikes[spike_i].len_ms < p.send_ms) ++spike_i;
    if (spike_i < spikes.size() && p.send_ms >= spikes[spike_i].at_ms) {
      delay += spikes[spike_i].len_ms - (p.send_ms - spikes[spike_i].at_ms);
    }
    if (uni(rng) < c.reorder_prob) delay += uniform(c.reorder_min_ms, c.reorder_max_ms);
    double arrival = p.send_ms + delay;
    while (stall_i < stalls.size() && stalls[stall_i].at_ms + stalls[stall_i].len_ms < p.send_ms) ++stall_i;
    if (stall_i < stalls.size() && p.send_ms >= stalls[stall_i].at_ms) {
      arrival = std::max(arrival, stalls[stall_i].at_ms + stalls[stall_i].len_ms + delay);
    }
    arrival = std::round(arrival * 1000.0) / 1000.0;
    p.send_ms = std::round(p.send_ms * 1000.0) / 1000.0;
    if (!lost) {
      p.arrival_ms = arrival;
      if (uni(rng) < c.duplicate_prob) {
        TracePacket d = p;
        d.arrival_ms = std::round((arrival + uniform(0, 30)) * 1000.0) / 1000.0;
        out.push_back(d);
      }
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace offhook::sim
