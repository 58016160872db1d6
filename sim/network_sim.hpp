// Seeded network simulator for one RTP stream (20 ms packets by default): produces a
// packet-arrival trace (sim/trace.hpp) with the impairments of real networks. The same config and
// seed give the same trace on the same standard library. A one-hour call is generated in well
// under a second. Control plane: allocates, not [rt].
//
// Model, per packet sent at send_ms (the sender's clock, stretched by `drift_ppm`):
//   one-way delay = base (+ route_step_ms after route_change_s) + exponential jitter
//                 + spike (a jump of spike_ms decaying linearly over spike_ms, Poisson in time)
//   stalls: Poisson in time; every packet sent during a stall arrives when it ends (a burst);
//   loss: Gilbert-Elliott two-state chain, plus outages (everything sent inside is lost);
//   reordering: with `reorder_prob`, a packet takes reorder_extra_ms more;
//   duplicates: with `duplicate_prob`, a second copy arrives 0..30 ms later;
//   DTX: exponential talkspurts (>= 0.4 s) separated by silences with no packets; seq stays
//   contiguous, rtp_ts and send time jump over the silence.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/trace.hpp"

namespace offhook::sim {

struct NetworkConfig {
  uint64_t seed = 1;
  double duration_s = 60;
  uint32_t ptime_ms = 20;
  uint32_t clock_rate_hz = 8000;
  uint32_t first_rtp_ts = 123456;
  int64_t first_seq = 0;
  double base_delay_ms = 20;
  double jitter_mean_ms = 2;          // exponential
  double spike_rate_per_s = 0;
  double spike_min_ms = 30, spike_max_ms = 120;
  double stall_rate_per_s = 0;
  double stall_min_ms = 150, stall_max_ms = 450;
  double ge_good_to_bad = 0;          // Gilbert-Elliott transition probabilities per packet
  double ge_bad_to_good = 0.4;
  double ge_loss_bad = 1.0;
  double loss_good = 0;               // random loss in the good state
  double reorder_prob = 0, reorder_min_ms = 15, reorder_max_ms = 45;
  double duplicate_prob = 0;
  double drift_ppm = 0;               // sender clock: send times stretched by (1 + ppm 1e-6)
  double route_change_s = -1;         // < 0: none
  double route_step_ms = 0;
  double outage_s = -1, outage_ms = 0;
  bool dtx = false;
  double talk_mean_s = 2, silence_min_s = 0.3, silence_max_s = 1.5;
};

std::vector<TracePacket> simulate_network(const NetworkConfig& config);

}  // namespace offhook::sim
