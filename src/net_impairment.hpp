// NetImpairment: the impairment stage of one leg's real UDP send path. Each outgoing datagram is
// either dropped or held in a preallocated delay line until its delivery time, then handed to the
// socket; the model is sim/network_sim.hpp's (base delay, exponential jitter, spikes, stalls, route
// change, Gilbert-Elliott loss, outage, reordering, duplicates), run online one packet at a time
// instead of over a precomputed trace. `sim/profiles.hpp` names ready-made configs and turns
// `--profile/--loss/--jitter` flags into one (`sim::impairment_config`).
//
// Thread: the network thread owns it. create() allocates everything (delay line of `capacity`
// datagrams of up to `max_datagram_bytes`); submit(), poll(), next_due_us() and stats() are [rt]:
// noexcept, no allocation, no lock, no syscall, bounded loops.
//
// Differences from sim::simulate_network (whose deterministic output is untouched):
// - time is the caller's clock: route_change_s and outage_s count from the first submit();
//   spike and stall start times are Poisson chains drawn lazily from their own generators, so the
//   timeline of events depends on the seed only, not on how many packets were sent;
// - `fifo` (default): a packet not chosen for reordering never overtakes an earlier one (a real
//   link is a queue); exponential jitter then delays rather than reorders. Reordered packets
//   (`reorder_prob`) and duplicates may be overtaken. The simulator lets jitter reorder too
//   (`fifo = false` here gives the same behaviour);
// - ptime, clock rate, sequence numbers, drift and DTX are the sender's business, not the path's:
//   those fields of NetworkConfig are ignored.
// The same seed and the same submit times give the same drops and delivery times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "sim/network_sim.hpp"

namespace offhook {

// The path model, online: one verdict per packet, in send order. [rt] after construction.
class OnlineNetworkModel {
 public:
  struct Verdict {
    bool lost = false;
    bool outage = false;          // lost because it was sent inside the outage
    bool reordered = false;       // took the reorder detour
    bool duplicate = false;       // a second copy arrives at duplicate_arrival_ms
    double arrival_ms = 0;        // on the model's time line (ms since the first packet)
    double duplicate_arrival_ms = 0;
  };

  OnlineNetworkModel(const sim::NetworkConfig& config, uint64_t seed);
  // [rt] `send_ms`: ms since the first packet, non-decreasing from call to call.
  Verdict next(double send_ms) noexcept;

 private:
  // Poisson events (start, length) drawn lazily; reports the one that covers `t_ms`, as the
  // simulator does: the first event by start whose end is not before `t_ms`, if it has started.
  class EventChain {
   public:
    EventChain(double rate_per_s, double min_ms, double max_ms, uint64_t seed);
    bool covering(double t_ms, double& at_ms, double& len_ms) noexcept;

   private:
    double exponential() noexcept;
    double mean_gap_ms_;
    double min_ms_, max_ms_;
    double next_at_ms_;
    double cur_at_ms_, cur_len_ms_;
    std::mt19937_64 rng_;
  };

  double uni() noexcept;
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uni(); }
  double exponential(double mean) noexcept;

  sim::NetworkConfig c_;
  std::mt19937_64 rng_;
  bool bad_ = false;
  EventChain spikes_;
  EventChain stalls_;
};

struct NetImpairmentOptions {
  uint32_t capacity = 256;            // datagrams held at once (beyond: dropped, counted overflow)
  uint32_t max_datagram_bytes = 1500; // larger datagrams are dropped (counted too_large)
  bool fifo = true;                   // see above
};

// Lifetime counters; only grow (except `queued`).
struct NetImpairmentStats {
  uint64_t submitted = 0;
  uint64_t dropped = 0;          // by the loss model (Gilbert-Elliott, random, outage)
  uint64_t dropped_outage = 0;   //   of which inside the outage
  uint64_t delayed = 0;          // accepted into the delay line (originals)
  uint64_t reordered = 0;        //   of which sent on the reorder detour
  uint64_t duplicated = 0;       // extra copies accepted into the delay line
  uint64_t overflow = 0;         // copies dropped because the delay line was full
  uint64_t too_large = 0;        // datagrams above max_datagram_bytes, dropped
  uint64_t delivered = 0;        // handed to poll()'s `send`
  uint32_t queued = 0;           // held now
  uint32_t max_queue = 0;        // the most ever held at once
};

class NetImpairment {
 public:
  // `seed` replaces config.seed (each leg and direction gets its own). Errors: probabilities outside
  // [0, 1], negative or non-finite times, capacity not in 1..65536, max bytes not in 1..65535.
  static Result<NetImpairment> create(const sim::NetworkConfig& config, uint64_t seed,
                                      const NetImpairmentOptions& options = {});

  // [rt] Decides the fate of `datagram`, sent now: false when it is dropped (loss model, too large
  // or delay line full), true when it is queued for delivery (its copy is taken, `datagram` may be
  // reused at once). `now_us` must not go backwards.
  bool submit(uint64_t now_us, std::span<const uint8_t> datagram) noexcept;

  // [rt] Hands every datagram due at `now_us` to `send(std::span<const uint8_t>)`, earliest
  // delivery time first (submit order among equals). The span is valid during the call only.
  template <class F>
  void poll(uint64_t now_us, F&& send) noexcept {
    for (int32_t i = pop_due(now_us); i >= 0; i = pop_due(now_us)) {
      send(slot_data(static_cast<uint32_t>(i)));
      release(static_cast<uint32_t>(i));
    }
  }

  // [rt] The earliest delivery time held, or UINT64_MAX when empty (for the network thread's
  // epoll timeout).
  uint64_t next_due_us() const noexcept;
  size_t queued() const noexcept { return heap_size_; }
  const NetImpairmentStats& stats() const noexcept { return stats_; }

 private:
  struct Slot {
    uint64_t due_us = 0;
    uint64_t order = 0;
    uint32_t len = 0;
  };

  NetImpairment(const sim::NetworkConfig& config, uint64_t seed, const NetImpairmentOptions& options);
  bool enqueue(uint64_t due_us, std::span<const uint8_t> datagram) noexcept;
  bool before(uint32_t a, uint32_t b) const noexcept;
  int32_t pop_due(uint64_t now_us) noexcept;
  std::span<const uint8_t> slot_data(uint32_t i) const noexcept {
    return {bytes_.data() + static_cast<size_t>(i) * options_.max_datagram_bytes, slots_[i].len};
  }
  void release(uint32_t i) noexcept;

  NetImpairmentOptions options_;
  OnlineNetworkModel model_;
  std::vector<uint8_t> bytes_;      // capacity * max_datagram_bytes
  std::vector<Slot> slots_;
  std::vector<uint32_t> heap_;      // min-heap of slot indices by (due_us, order)
  size_t heap_size_ = 0;
  std::vector<uint32_t> free_;      // stack of free slot indices
  size_t free_size_ = 0;
  bool started_ = false;
  uint64_t start_us_ = 0;
  uint64_t last_fifo_due_us_ = 0;
  uint64_t order_ = 0;
  NetImpairmentStats stats_;
};

}  // namespace offhook
