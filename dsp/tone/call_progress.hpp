// Call-progress tone plans: per country, the dial, ring-back, busy, congestion, call-waiting and
// confirmation tones as ToneSpec data (frequencies, levels, cadences), after ITU-T E.180
// Supplement 2 ("Various tones used in national networks"). The values and which of them are less
// certain are listed in docs/tones.md. An engine (or SIP stack) picks a plan by ISO 3166 code with
// find_tone_plan("DE") and feeds plan->tone(CallProgressTone::busy) to a ToneGenerator; a custom
// plan is just another TonePlan value.
//
// Pure constant data and lookups: any thread, [rt] (no allocation, no locks).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dsp/tone/tone_generator.hpp"

namespace offhook::dsp {

enum class CallProgressTone : uint8_t {
  dial,
  ringback,
  busy,
  congestion,    // also "reorder" / "fast busy"
  call_waiting,
  confirmation,  // positive acknowledgement of a supplementary-service request
};
inline constexpr size_t kCallProgressToneCount = 6;
const char* call_progress_tone_name(CallProgressTone tone) noexcept;

struct TonePlan {
  std::string_view country;  // ISO 3166-1 alpha-2, upper case
  std::string_view name;     // English country name
  std::array<ToneSpec, kCallProgressToneCount> tones{};

  const ToneSpec& tone(CallProgressTone t) const noexcept { return tones[static_cast<size_t>(t)]; }
  // False where the country's plan defines no such tone (component_count == 0).
  bool has(CallProgressTone t) const noexcept { return tone(t).component_count > 0; }
};

// Every built-in plan, in a stable order.
std::span<const TonePlan> tone_plans() noexcept;
// The plan for `country` (ISO 3166-1 alpha-2, any case), or nullptr.
const TonePlan* find_tone_plan(std::string_view country) noexcept;

}  // namespace offhook::dsp
