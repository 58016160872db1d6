#include "src/net_impairment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace offhook {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxEventSteps = 64;  // bounds covering(): events that start within one event length

// splitmix64: independent seeds for the per-packet and the two event generators from one seed.
uint64_t mix(uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit(std::mt19937_64& rng) noexcept {
  // 53 random bits in [0, 1), like std::generate_canonical but without its rare 1.0 result.
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// OnlineNetworkModel

OnlineNetworkModel::EventChain::EventChain(double rate_per_s, double min_ms, double max_ms, uint64_t seed)
    : mean_gap_ms_(rate_per_s > 0 ? 1000.0 / rate_per_s : 0),
      min_ms_(min_ms),
      max_ms_(std::max(min_ms, max_ms)),
      next_at_ms_(kInf),
      cur_at_ms_(-kInf),
      cur_len_ms_(0),
      rng_(seed) {
  if (mean_gap_ms_ > 0) next_at_ms_ = exponential();
}

double OnlineNetworkModel::EventChain::exponential() noexcept { return -mean_gap_ms_ * std::log(1.0 - unit(rng_)); }

bool OnlineNetworkModel::EventChain::covering(double t_ms, double& at_ms, double& len_ms) noexcept {
  if (cur_at_ms_ + cur_len_ms_ < t_ms && next_at_ms_ + max_ms_ < t_ms) {
    // Every event still to come before t_ms - max_ms ends before t_ms: skip them. Poisson starts
    // are memoryless, so restarting the chain there gives the same process (and keeps a long idle
    // period from costing one step per skipped event).
    next_at_ms_ = t_ms - max_ms_ + exponential();
  }
  for (int step = 0; cur_at_ms_ + cur_len_ms_ < t_ms && step < kMaxEventSteps; ++step) {
    if (next_at_ms_ > t_ms) return false;  // the next event has not started
    cur_at_ms_ = next_at_ms_;
    cur_len_ms_ = min_ms_ + (max_ms_ - min_ms_) * unit(rng_);
    next_at_ms_ += exponential();
  }
  if (cur_at_ms_ + cur_len_ms_ < t_ms || t_ms < cur_at_ms_) return false;
  at_ms = cur_at_ms_;
  len_ms = cur_len_ms_;
  return true;
}

OnlineNetworkModel::OnlineNetworkModel(const sim::NetworkConfig& config, uint64_t seed)
    : c_(config),
      rng_(mix(seed)),
      spikes_(config.spike_rate_per_s, config.spike_min_ms, config.spike_max_ms, mix(seed ^ 0x5350494b45ULL)),
      stalls_(config.stall_rate_per_s, config.stall_min_ms, config.stall_max_ms, mix(seed ^ 0x5354414c4cULL)) {}

double OnlineNetworkModel::uni() noexcept { return unit(rng_); }

double OnlineNetworkModel::exponential(double mean) noexcept {
  return mean > 0 ? -mean * std::log(1.0 - uni()) : 0.0;
}

// The per-packet steps follow sim/network_sim.cc in the same order.
OnlineNetworkModel::Verdict OnlineNetworkModel::next(double send_ms) noexcept {
  Verdict v;
  // Loss: Gilbert-Elliott two-state chain, random loss in the good state, and the outage.
  bad_ = bad_ ? uni() >= c_.ge_bad_to_good : uni() < c_.ge_good_to_bad;
  v.lost = bad_ ? uni() < c_.ge_loss_bad : uni() < c_.loss_good;
  if (c_.outage_s >= 0 && send_ms >= c_.outage_s * 1000 && send_ms < c_.outage_s * 1000 + c_.outage_ms) {
    v.lost = true;
    v.outage = true;
  }
  // Delay: base + exponential jitter (+ the route step) + a decaying spike + the reorder detour.
  double delay = c_.base_delay_ms + exponential(c_.jitter_mean_ms);
  if (c_.route_change_s >= 0 && send_ms >= c_.route_change_s * 1000) delay += c_.route_step_ms;
  double at = 0;
  double len = 0;
  if (spikes_.covering(send_ms, at, len)) delay += len - (send_ms - at);
  if (uni() < c_.reorder_prob) {
    delay += uniform(c_.reorder_min_ms, c_.reorder_max_ms);
    v.reordered = true;
  }
  delay = std::max(0.0, delay);  // a negative route step cannot deliver before sending
  double arrival = send_ms + delay;
  // Stall: what is sent during it leaves when it ends, as a burst.
  if (stalls_.covering(send_ms, at, len)) arrival = std::max(arrival, at + len + delay);
  v.arrival_ms = arrival;
  if (!v.lost && uni() < c_.duplicate_prob) {
    v.duplicate = true;
    v.duplicate_arrival_ms = arrival + uniform(0, 30);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// NetImpairment

Result<NetImpairment> NetImpairment::create(const sim::NetworkConfig& c, uint64_t seed,
                                            const NetImpairmentOptions& options) {
  auto prob = [](double p) { return std::isfinite(p) && p >= 0 && p <= 1; };
  for (double p : {c.ge_good_to_bad, c.ge_bad_to_good, c.ge_loss_bad, c.loss_good, c.reorder_prob, c.duplicate_prob}) {
    if (!prob(p)) return Error{Errc::invalid_argument, "network impairment: a probability is outside [0, 1]"};
  }
  for (double t : {c.base_delay_ms, c.jitter_mean_ms, c.spike_rate_per_s, c.spike_min_ms, c.spike_max_ms,
                   c.stall_rate_per_s, c.stall_min_ms, c.stall_max_ms, c.reorder_min_ms, c.reorder_max_ms,
                   c.outage_ms}) {
    if (!std::isfinite(t) || t < 0) {
      return Error{Errc::invalid_argument, "network impairment: a delay, length or rate is negative or not finite"};
    }
  }
  if (!std::isfinite(c.route_step_ms) || !std::isfinite(c.route_change_s) || !std::isfinite(c.outage_s)) {
    return Error{Errc::invalid_argument, "network impairment: route change or outage time is not finite"};
  }
  if (options.capacity < 1 || options.capacity > 65536) {
    return Error{Errc::invalid_argument, "network impairment: capacity must be in 1..65536"};
  }
  if (options.max_datagram_bytes < 1 || options.max_datagram_bytes > 65535) {
    return Error{Errc::invalid_argument, "network impairment: max datagram size must be in 1..65535"};
  }
  return NetImpairment(c, seed, options);
}

NetImpairment::NetImpairment(const sim::NetworkConfig& config, uint64_t seed, const NetImpairmentOptions& options)
    : options_(options),
      model_(config, seed),
      bytes_(static_cast<size_t>(options.capacity) * options.max_datagram_bytes),
      slots_(options.capacity),
      heap_(options.capacity),
      free_(options.capacity) {
  for (uint32_t i = 0; i < options.capacity; ++i) free_[i] = options.capacity - 1 - i;
  free_size_ = options.capacity;
}

bool NetImpairment::submit(uint64_t now_us, std::span<const uint8_t> datagram) noexcept {
  ++stats_.submitted;
  if (datagram.size() > options_.max_datagram_bytes) {
    ++stats_.too_large;
    return false;
  }
  if (!started_) {
    started_ = true;
    start_us_ = now_us;
  }
  const uint64_t rel_us = now_us >= start_us_ ? now_us - start_us_ : 0;
  const double send_ms = static_cast<double>(rel_us) / 1000.0;
  const OnlineNetworkModel::Verdict v = model_.next(send_ms);
  if (v.lost) {
    ++stats_.dropped;
    stats_.dropped_outage += v.outage;
    return false;
  }
  auto due = [&](double arrival_ms) {
    const double delay_us = std::max(0.0, (arrival_ms - send_ms) * 1000.0);
    return now_us + static_cast<uint64_t>(std::llround(delay_us));
  };
  uint64_t due_us = due(v.arrival_ms);
  if (options_.fifo && !v.reordered) {
    due_us = std::max(due_us, last_fifo_due_us_);
    last_fifo_due_us_ = due_us;
  }
  if (!enqueue(due_us, datagram)) return false;
  ++stats_.delayed;
  stats_.reordered += v.reordered;
  if (v.duplicate && enqueue(std::max(due_us, due(v.duplicate_arrival_ms)), datagram)) ++stats_.duplicated;
  return true;
}

bool NetImpairment::before(uint32_t a, uint32_t b) const noexcept {
  const Slot& x = slots_[a];
  const Slot& y = slots_[b];
  return x.due_us < y.due_us || (x.due_us == y.due_us && x.order < y.order);
}

bool NetImpairment::enqueue(uint64_t due_us, std::span<const uint8_t> datagram) noexcept {
  if (free_size_ == 0) {
    ++stats_.overflow;
    return false;
  }
  const uint32_t i = free_[--free_size_];
  Slot& s = slots_[i];
  s.due_us = due_us;
  s.order = order_++;
  s.len = static_cast<uint32_t>(datagram.size());
  if (!datagram.empty()) {
    std::copy(datagram.begin(), datagram.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(i) * options_.max_datagram_bytes);
  }
  // Sift up.
  size_t at = heap_size_++;
  while (at > 0) {
    const size_t parent = (at - 1) / 2;
    if (!before(i, heap_[parent])) break;
    heap_[at] = heap_[parent];
    at = parent;
  }
  heap_[at] = i;
  stats_.queued = static_cast<uint32_t>(heap_size_);
  stats_.max_queue = std::max(stats_.max_queue, stats_.queued);
  return true;
}

uint64_t NetImpairment::next_due_us() const noexcept {
  return heap_size_ == 0 ? std::numeric_limits<uint64_t>::max() : slots_[heap_[0]].due_us;
}

int32_t NetImpairment::pop_due(uint64_t now_us) noexcept {
  if (heap_size_ == 0 || slots_[heap_[0]].due_us > now_us) return -1;
  const uint32_t top = heap_[0];
  const uint32_t last = heap_[--heap_size_];
  // Sift the last element down from the root.
  size_t at = 0;
  while (heap_size_ > 0) {
    size_t child = 2 * at + 1;
    if (child >= heap_size_) break;
    if (child + 1 < heap_size_ && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], last)) break;
    heap_[at] = heap_[child];
    at = child;
  }
  if (heap_size_ > 0) heap_[at] = last;
  stats_.queued = static_cast<uint32_t>(heap_size_);
  return static_cast<int32_t>(top);
}

void NetImpairment::release(uint32_t i) noexcept {
  free_[free_size_++] = i;
  ++stats_.delivered;
}

}  // namespace offhook
