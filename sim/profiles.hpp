// Named network profiles: NetworkConfig presets (sim/network_sim.hpp) for the simulator and for the
// real send path's impairment stage (src/net_impairment.hpp), so `jbsim`, tests and `offhook call`
// speak of the same networks by name. Control plane (CLI, tests, leg creation): allocates, not [rt].
//
// Profiles (one-way; jitter is the mean of an exponential; loss as realised on average):
//   lan        2 ms base, 0.5 ms jitter, 0.1 % random loss
//   wifi       15 ms base, 4 ms jitter, spikes 30-120 ms ~0.4/s, ~1 % loss in short bursts,
//              2 % of packets +15..45 ms (reordering), 1 % duplicates
//   mobile     90 ms base, 12 ms jitter, stalls 150-450 ms ~every 6 s (bursts after them),
//              ~2 % loss (random + short bursts)
//   lossy      30 ms base, 5 ms jitter, Gilbert-Elliott bursts (mean 2.5 packets) ~7.5 % loss
//   satellite  300 ms base (GEO hop), 10 ms jitter, spikes 50-200 ms ~every 20 s, 0.5 % loss
//   congested  40 ms base, 25 ms jitter (bufferbloat), spikes 40-200 ms ~1/s, stalls 200-600 ms
//              ~every 20 s, ~3 % tail-drop bursts, 1 % reordering
// Every profile keeps the simulator's stream defaults (20 ms packets at 8 kHz, 60 s, seed 1, no
// DTX, no drift): callers set those themselves.
#pragma once

#include <span>
#include <string_view>

#include "core/result.hpp"
#include "sim/network_sim.hpp"

namespace offhook::sim {

// The profile `name` (exact, lower case). Unknown: Error{invalid_argument} listing the known names.
Result<NetworkConfig> network_profile(std::string_view name);

// The known names, in the order of the list above.
std::span<const std::string_view> profile_names() noexcept;

// A clean network (no base delay, no loss) with exponential jitter of mean `jitter_ms`, for a plain
// `--jitter MS` flag. The RFC 3550 interarrival jitter of such a path is about `jitter_ms` (the
// difference of two exponentials has mean |D| equal to their mean), as long as packets are spaced
// further apart than the jitter.
NetworkConfig jitter_config(double jitter_ms);

// What a CLI's `--profile NAME --loss PCT --jitter MS` means: the profile (or a clean network when
// `profile` is empty), with `loss_pct` > 0 replacing its random loss in the good state and
// `jitter_ms` > 0 replacing its jitter. Errors: unknown profile, loss outside [0, 100], negative or
// non-finite jitter.
Result<NetworkConfig> impairment_config(std::string_view profile, double loss_pct, double jitter_ms);

}  // namespace offhook::sim
