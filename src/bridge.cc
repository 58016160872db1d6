#include "src/bridge.hpp"

#include <algorithm>
#include <bit>
#include <string>

namespace offhook {
namespace {

constexpr uint64_t bit(size_t p) noexcept { return uint64_t{1} << p; }

// NaN and negative gains become 0; large ones are capped, so a tick's work and range stay bounded.
float sanitise_gain(float gain) noexcept {
  if (!(gain > 0.0f)) return 0.0f;
  return std::min(gain, Bridge::kMaxGain);
}

// [rt] out = saturate16(a - sub). Written as a plain clamp loop so the compiler vectorises it (the
// kernel table has no int32 -> int16 narrowing kernel; this is the only saturation the int path needs).
void narrow_sat(const int32_t* a, const int16_t* sub, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) {
    const int32_t v = a[i] - int32_t{sub[i]};
    out[i] = static_cast<int16_t>(std::clamp(v, int32_t{-32768}, int32_t{32767}));
  }
}

void narrow_sat(const int32_t* a, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(std::clamp(a[i], int32_t{-32768}, int32_t{32767}));
}

void widen(const int16_t* in, int32_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = in[i];
}

void accumulate(const int16_t* in, int32_t* acc, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) acc[i] += in[i];
}

}  // namespace

Result<std::unique_ptr<Bridge>> Bridge::create(const BridgeConfig& config, const dsp::Kernels& kernels) {
  const uint32_t r = config.rate_hz;
  if (r != 8000 && r != 16000 && r != 32000 && r != 48000) {
    return Error{Errc::invalid_argument,
                 "bridge rate " + std::to_string(r) + " Hz is not supported (8000, 16000, 32000 or 48000)"};
  }
  if (config.max_ports == 0 || config.max_ports > kMaxPorts) {
    return Error{Errc::invalid_argument, "bridge max_ports " + std::to_string(config.max_ports) + " is outside 1.." +
                                             std::to_string(kMaxPorts)};
  }
  return std::unique_ptr<Bridge>(new Bridge(config, kernels));
}

Bridge::Bridge(const BridgeConfig& config, const dsp::Kernels& kernels)
    : kernels_(&kernels),
      rate_hz_(config.rate_hz),
      max_ports_(config.max_ports),
      frame_(samples_in_ms(config.rate_hz, 10)),
      inputs_(size_t{max_ports_} * frame_, 0),
      outputs_(size_t{max_ports_} * frame_, 0),
      link_gain_(size_t{max_ports_} * max_ports_, 0.0f),
      sources_(max_ports_, 0),
      in_gain_(max_ports_, 1.0f),
      out_gain_(max_ports_, 1.0f),
      open_(max_ports_, 0),
      totals_(kTotalSlots * frame_, 0),
      sum_(frame_, 0),
      acc_(frame_, 0.0f),
      total_keys_(kTotalSlots, 0) {}

std::optional<PortId> Bridge::open_port() noexcept {
  for (size_t p = 0; p < max_ports_; ++p) {
    if (open_[p] != 0) continue;
    open_[p] = 1;
    sources_[p] = 0;
    in_gain_[p] = 1.0f;
    out_gain_[p] = 1.0f;
    std::fill_n(in_ptr(p), frame_, int16_t{0});
    std::fill_n(out_ptr(p), frame_, int16_t{0});
    return static_cast<PortId>(p);
  }
  return std::nullopt;
}

void Bridge::close_port(PortId port) noexcept {
  if (!is_open(port)) return;
  open_[port] = 0;
  sources_[port] = 0;
  for (size_t p = 0; p < max_ports_; ++p) sources_[p] &= ~bit(port);
  std::fill_n(in_ptr(port), frame_, int16_t{0});
  std::fill_n(out_ptr(port), frame_, int16_t{0});
}

bool Bridge::connect(PortId from, PortId to, float gain) noexcept {
  if (from == to || !is_open(from) || !is_open(to)) return false;
  sources_[to] |= bit(from);
  link_gain_[size_t{to} * max_ports_ + from] = sanitise_gain(gain);
  return true;
}

void Bridge::disconnect(PortId from, PortId to) noexcept {
  if (from >= max_ports_ || to >= max_ports_) return;
  sources_[to] &= ~bit(from);
}

bool Bridge::connect_both(PortId a, PortId b) noexcept {
  if (a == b || !is_open(a) || !is_open(b)) return false;
  return connect(a, b) && connect(b, a);
}

void Bridge::disconnect_both(PortId a, PortId b) noexcept {
  disconnect(a, b);
  disconnect(b, a);
}

bool Bridge::hears(PortId to, PortId from) const noexcept {
  if (from >= max_ports_ || to >= max_ports_) return false;
  return (sources_[to] & bit(from)) != 0;
}

void Bridge::set_input_gain(PortId port, float gain) noexcept {
  if (is_open(port)) in_gain_[port] = sanitise_gain(gain);
}

void Bridge::set_output_gain(PortId port, float gain) noexcept {
  if (is_open(port)) out_gain_[port] = sanitise_gain(gain);
}

std::span<int16_t> Bridge::input(PortId port) noexcept {
  if (!is_open(port)) return {};
  return {in_ptr(port), frame_};
}

std::span<const int16_t> Bridge::output(PortId port) const noexcept {
  if (!is_open(port)) return {};
  return {outputs_.data() + size_t{port} * frame_, frame_};
}

bool Bridge::unity_sources(size_t p, uint64_t sources) const noexcept {
  if (out_gain_[p] != 1.0f) return false;
  for (uint64_t m = sources; m != 0; m &= m - 1) {
    const size_t q = static_cast<size_t>(std::countr_zero(m));
    if (in_gain_[q] != 1.0f || link_gain(q, p) != 1.0f) return false;
  }
  return true;
}

// [rt] The int32 sum of the raw inputs of `group`, computed once per tick and shared by every port
// whose sources are that group minus itself. nullptr when all slots are taken by other groups.
const int32_t* Bridge::group_total(uint64_t group) noexcept {
  for (size_t s = 0; s < totals_used_; ++s) {
    if (total_keys_[s] == group) return totals_.data() + s * frame_;
  }
  if (totals_used_ == kTotalSlots) return nullptr;
  int32_t* total = totals_.data() + totals_used_ * frame_;
  uint64_t m = group;
  widen(in_ptr(static_cast<size_t>(std::countr_zero(m))), total, frame_);
  for (m &= m - 1; m != 0; m &= m - 1) accumulate(in_ptr(static_cast<size_t>(std::countr_zero(m))), total, frame_);
  total_keys_[totals_used_] = group;
  ++totals_used_;
  return total;
}

void Bridge::mix_unity(size_t p, uint64_t sources) noexcept {
  int16_t* out = out_ptr(p);
  const int count = std::popcount(sources);
  const size_t first = static_cast<size_t>(std::countr_zero(sources));
  if (count == 1) {
    std::copy_n(in_ptr(first), frame_, out);  // point-to-point
    return;
  }
  if (count == 2) {
    const size_t second = static_cast<size_t>(std::countr_zero(sources & (sources - 1)));
    kernels_->mix_sat(in_ptr(first), in_ptr(second), out, frame_);
    return;
  }
  // Total minus own: every member of a full mesh shares one sum of the group's inputs.
  if (const int32_t* total = group_total(sources | bit(p)); total != nullptr) {
    narrow_sat(total, in_ptr(p), out, frame_);
    return;
  }
  int32_t* sum = sum_.data();
  widen(in_ptr(first), sum, frame_);
  for (uint64_t m = sources & (sources - 1); m != 0; m &= m - 1) {
    accumulate(in_ptr(static_cast<size_t>(std::countr_zero(m))), sum, frame_);
  }
  narrow_sat(sum, out, frame_);
}

void Bridge::mix_weighted(size_t p, uint64_t sources) noexcept {
  float* acc = acc_.data();
  std::fill_n(acc, frame_, 0.0f);
  const float out_gain = out_gain_[p];
  for (uint64_t m = sources; m != 0; m &= m - 1) {
    const size_t q = static_cast<size_t>(std::countr_zero(m));
    const float g = link_gain(q, p) * in_gain_[q] * out_gain;
    if (g == 0.0f) continue;
    const int16_t* in = in_ptr(q);
    for (size_t i = 0; i < frame_; ++i) acc[i] += g * static_cast<float>(in[i]);
  }
  kernels_->float_to_s16(acc, out_ptr(p), frame_);
}

void Bridge::mix() noexcept {
  totals_used_ = 0;
  for (size_t p = 0; p < max_ports_; ++p) {
    if (open_[p] == 0) continue;
    const uint64_t sources = sources_[p];
    if (sources == 0 || out_gain_[p] == 0.0f) {
      std::fill_n(out_ptr(p), frame_, int16_t{0});
    } else if (unity_sources(p, sources)) {
      mix_unity(p, sources);
    } else {
      mix_weighted(p, sources);
    }
  }
  for (size_t p = 0; p < max_ports_; ++p) {
    if (open_[p] != 0) std::fill_n(in_ptr(p), frame_, int16_t{0});
  }
}

}  // namespace offhook
