// Bridge: a conference-bridge mixer (PJMEDIA-style routing) that the engine's media thread runs once
// per 10 ms tick. Each port is one participant of the routing: the local device, a call leg, a tone
// or music source, a recorder. A port has one 10 ms input (what it says) and one 10 ms output (what
// it hears); one-way connections say who hears whom, with a gain per connection. Hold, transfer and a
// three-way conference are re-wirings of the same bridge (docs/bridge.md shows each).
//
//   output(p) = saturate( out_gain_p * sum over q connected to p, q != p, of gain(q->p) * in_gain_q * in_q )
//
// A port never hears itself (N-1 mixing); a port with no connection hears silence. The cheap cases
// are cheap: a port hearing one source at unity gain is a copy, two sources a saturating add
// (Kernels::mix_sat), and a full mesh of N ports at unity gains sums all inputs once in int32 and
// gives each port "total minus own" (exact integers, saturated once at the end). Any other gain goes
// through a float accumulator converted back by Kernels::float_to_s16 (round-half-even, saturating).
//
// Threads: create() anywhere (it allocates every buffer). After that the bridge belongs to ONE thread,
// the media thread (the engine serialises control onto it): every other member is [rt] — noexcept,
// no allocation, no lock, bounded work (O(max_ports^2) bookkeeping plus O(max_ports^2 * samples)
// worst-case mixing per tick). Invalid port ids, self-connections and closed ports are ignored
// (connect() returns false), never asserted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/audio_frame.hpp"
#include "core/result.hpp"
#include "dsp/kernels.hpp"

namespace offhook {

struct BridgeConfig {
  uint32_t rate_hz = 16000;  // 8000, 16000, 32000 or 48000; every port runs at this rate
  uint16_t max_ports = 16;   // 1..Bridge::kMaxPorts
};

using PortId = uint16_t;

class Bridge {
 public:
  static constexpr uint16_t kMaxPorts = 64;  // connection sets are 64-bit masks
  static constexpr float kMaxGain = 16.0f;   // gains are clamped to [0, kMaxGain]; NaN counts as 0
  // Distinct full-mesh groups whose int32 totals one mix() keeps (two separate conferences on one
  // bridge use two); further groups fall back to per-port summation, still exact.
  static constexpr size_t kTotalSlots = 4;

  // Errc::invalid_argument for an unsupported rate or a port count outside 1..kMaxPorts.
  static Result<std::unique_ptr<Bridge>> create(const BridgeConfig& config, const dsp::Kernels& kernels);

  // [rt] The lowest free slot: no connections, gains 1.0, silent input and output. nullopt when full.
  std::optional<PortId> open_port() noexcept;
  // [rt] Frees the slot and drops every connection to and from it.
  void close_port(PortId port) noexcept;
  bool is_open(PortId port) const noexcept { return port < max_ports_ && open_[port] != 0; }

  // [rt] `to` hears `from` at `gain` (one way; connecting again updates the gain). False (and no
  // change) when either port is not open or from == to.
  bool connect(PortId from, PortId to, float gain = 1.0f) noexcept;
  // [rt] `to` stops hearing `from`. No-op when not connected.
  void disconnect(PortId from, PortId to) noexcept;
  // [rt] Both directions at unity gain / both directions dropped.
  bool connect_both(PortId a, PortId b) noexcept;
  void disconnect_both(PortId a, PortId b) noexcept;
  // [rt] True when `to` hears `from`.
  bool hears(PortId to, PortId from) const noexcept;

  // [rt] Scales what the port says (before it reaches anyone) / what it hears (after mixing).
  // 0 mutes. Ignored for a port that is not open.
  void set_input_gain(PortId port, float gain) noexcept;
  void set_output_gain(PortId port, float gain) noexcept;

  // [rt] Where the port's owner writes this tick's 10 ms (frame_samples() samples). mix() zeroes it
  // afterwards, so a port that writes nothing in a tick says silence. Empty span for a bad id.
  std::span<int16_t> input(PortId port) noexcept;
  // [rt] Computes every open port's output from this tick's inputs, then clears the inputs.
  void mix() noexcept;
  // [rt] What the port heard at the last mix() (silence before the first). Empty span for a bad id.
  std::span<const int16_t> output(PortId port) const noexcept;

  uint32_t rate_hz() const noexcept { return rate_hz_; }
  size_t frame_samples() const noexcept { return frame_; }
  uint16_t max_ports() const noexcept { return max_ports_; }

 private:
  Bridge(const BridgeConfig& config, const dsp::Kernels& kernels);

  int16_t* in_ptr(size_t p) noexcept { return inputs_.data() + p * frame_; }
  int16_t* out_ptr(size_t p) noexcept { return outputs_.data() + p * frame_; }
  float link_gain(size_t from, size_t to) const noexcept { return link_gain_[to * max_ports_ + from]; }
  bool unity_sources(size_t p, uint64_t sources) const noexcept;
  const int32_t* group_total(uint64_t group) noexcept;
  void mix_unity(size_t p, uint64_t sources) noexcept;
  void mix_weighted(size_t p, uint64_t sources) noexcept;

  const dsp::Kernels* kernels_;
  uint32_t rate_hz_;
  uint16_t max_ports_;
  size_t frame_;
  std::vector<int16_t> inputs_;       // max_ports * frame
  std::vector<int16_t> outputs_;      // max_ports * frame
  std::vector<float> link_gain_;      // [to * max_ports + from]
  std::vector<uint64_t> sources_;     // per port: mask of the ports it hears
  std::vector<float> in_gain_;
  std::vector<float> out_gain_;
  std::vector<uint8_t> open_;
  std::vector<int32_t> totals_;       // kTotalSlots * frame
  std::vector<int32_t> sum_;          // frame: per-port int32 summation fallback
  std::vector<float> acc_;            // frame: weighted accumulator
  std::vector<uint64_t> total_keys_;  // group of each valid total this tick
  size_t totals_used_ = 0;
};

}  // namespace offhook
