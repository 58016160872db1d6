#include "sim/profiles.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace offhook::sim {

namespace {

constexpr std::array<std::string_view, 6> kNames = {"lan", "wifi", "mobile", "lossy", "satellite", "congested"};

NetworkConfig clean() {
  NetworkConfig c;
  c.base_delay_ms = 0;
  c.jitter_mean_ms = 0;
  return c;
}

NetworkConfig make(std::string_view name) {
  NetworkConfig c = clean();
  if (name == "lan") {
    c.base_delay_ms = 2;
    c.jitter_mean_ms = 0.5;
    c.loss_good = 0.001;
  } else if (name == "wifi") {
    c.base_delay_ms = 15;
    c.jitter_mean_ms = 4;
    c.spike_rate_per_s = 0.4;
    c.spike_min_ms = 30;
    c.spike_max_ms = 120;
    c.ge_good_to_bad = 0.004;  // bursts of 1/0.6 ~ 1.7 packets: ~0.66 % + 0.3 % random
    c.ge_bad_to_good = 0.6;
    c.loss_good = 0.003;
    c.reorder_prob = 0.02;
    c.reorder_min_ms = 15;
    c.reorder_max_ms = 45;
    c.duplicate_prob = 0.01;
  } else if (name == "mobile") {
    c.base_delay_ms = 90;
    c.jitter_mean_ms = 12;
    c.stall_rate_per_s = 1.0 / 6.0;
    c.stall_min_ms = 150;
    c.stall_max_ms = 450;
    c.ge_good_to_bad = 0.004;  // ~0.8 % in bursts of 2 + 1.2 % random
    c.ge_bad_to_good = 0.5;
    c.loss_good = 0.012;
  } else if (name == "lossy") {
    c.base_delay_ms = 30;
    c.jitter_mean_ms = 5;
    c.ge_good_to_bad = 0.03;  // stationary 0.03 / 0.43 ~ 7 %, mean burst 2.5
    c.ge_bad_to_good = 0.4;
    c.loss_good = 0.005;
  } else if (name == "satellite") {
    c.base_delay_ms = 300;
    c.jitter_mean_ms = 10;
    c.spike_rate_per_s = 0.05;
    c.spike_min_ms = 50;
    c.spike_max_ms = 200;
    c.loss_good = 0.005;
  } else if (name == "congested") {
    c.base_delay_ms = 40;
    c.jitter_mean_ms = 25;
    c.spike_rate_per_s = 1.0;
    c.spike_min_ms = 40;
    c.spike_max_ms = 200;
    c.stall_rate_per_s = 0.05;
    c.stall_min_ms = 200;
    c.stall_max_ms = 600;
    c.ge_good_to_bad = 0.01;  // 0.01 / 0.34 ~ 2.9 %, mean burst 3
    c.ge_bad_to_good = 0.33;
    c.reorder_prob = 0.01;
  }
  return c;
}

}  // namespace

std::span<const std::string_view> profile_names() noexcept { return kNames; }

Result<NetworkConfig> network_profile(std::string_view name) {
  for (std::string_view n : kNames) {
    if (n == name) return make(name);
  }
  std::string known;
  for (std::string_view n : kNames) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return Error{Errc::invalid_argument, "unknown network profile '" + std::string(name) + "' (" + known + ")"};
}

NetworkConfig jitter_config(double jitter_ms) {
  NetworkConfig c = clean();
  c.jitter_mean_ms = std::max(0.0, jitter_ms);
  return c;
}

Result<NetworkConfig> impairment_config(std::string_view profile, double loss_pct, double jitter_ms) {
  if (!std::isfinite(loss_pct) || loss_pct < 0 || loss_pct > 100) {
    return Error{Errc::invalid_argument, "loss must be a percentage in [0, 100]"};
  }
  if (!std::isfinite(jitter_ms) || jitter_ms < 0) {
    return Error{Errc::invalid_argument, "jitter must be a non-negative number of ms"};
  }
  NetworkConfig c = clean();
  if (!profile.empty()) {
    auto p = network_profile(profile);
    if (!p) return p.error();
    c = *p;
  }
  if (loss_pct > 0) c.loss_good = loss_pct / 100.0;
  if (jitter_ms > 0) c.jitter_mean_ms = jitter_ms;
  return c;
}

}  // namespace offhook::sim
