#include "dsp/tone/call_progress.hpp"

#include <initializer_list>

namespace offhook::dsp {

namespace {

// A tone of `freqs` (each at `level_dbm0`) with a cadence of on/off durations (empty: continuous).
constexpr ToneSpec tone(std::initializer_list<float> freqs, float level_dbm0,
                        std::initializer_list<uint16_t> cadence_ms = {}, bool repeat = true) {
  ToneSpec s{};
  for (float f : freqs) {
    s.components[s.component_count] = ToneComponent{f, level_dbm0};
    ++s.component_count;
  }
  for (uint16_t ms : cadence_ms) {
    s.cadence_ms[s.cadence_count] = ms;
    ++s.cadence_count;
  }
  s.repeat = repeat;
  return s;
}

// E.180's "f x m": carrier `freq` amplitude-modulated by `mod_hz`.
constexpr ToneSpec modulated(float freq, float mod_hz, float depth, float level_dbm0,
                             std::initializer_list<uint16_t> cadence_ms = {}) {
  ToneSpec s = tone({freq}, level_dbm0, cadence_ms);
  s.am_hz = mod_hz;
  s.am_depth = depth;
  return s;
}

constexpr ToneSpec kNone{};

// Order of each row: dial, ringback, busy, congestion, call_waiting, confirmation.
// Sources: ITU-T E.180 Supplement 2 as remembered; see docs/tones.md for the entries marked there
// as less certain. Levels are nominal per component.
constexpr TonePlan kPlans[] = {
    {"US", "United States",
     {tone({350, 440}, -13), tone({440, 480}, -19, {2000, 4000}), tone({480, 620}, -24, {500, 500}),
      tone({480, 620}, -24, {250, 250}), tone({440}, -13, {300, 9700}),
      tone({350, 440}, -13, {100, 100, 100, 100, 100, 100}, false)}},
    {"CA", "Canada",
     {tone({350, 440}, -13), tone({440, 480}, -19, {2000, 4000}), tone({480, 620}, -24, {500, 500}),
      tone({480, 620}, -24, {250, 250}), tone({440}, -13, {300, 9700}),
      tone({350, 440}, -13, {100, 100, 100, 100, 100, 100}, false)}},
    {"GB", "United Kingdom",
     {tone({350, 440}, -13), tone({400, 450}, -13, {400, 200, 400, 2000}),
      tone({400}, -10, {375, 375}), tone({400}, -10, {400, 350, 225, 525}),
      tone({400}, -10, {100, 3000}), kNone}},
    {"DE", "Germany",
     {tone({425}, -10), tone({425}, -10, {1000, 4000}), tone({425}, -10, {480, 480}),
      tone({425}, -10, {240, 240}), tone({425}, -10, {200, 200, 200, 5000}), kNone}},
    {"AT", "Austria",
     {tone({420}, -10), tone({420}, -10, {1000, 5000}), tone({420}, -10, {400, 400}),
      tone({420}, -10, {200, 200}), tone({420}, -10, {40, 1960}), kNone}},
    {"CH", "Switzerland",
     {tone({425}, -10), tone({425}, -10, {1000, 4000}), tone({425}, -10, {500, 500}),
      tone({425}, -10, {200, 200}), tone({425}, -10, {200, 200, 200, 4000}), kNone}},
    {"FR", "France",
     {tone({440}, -10), tone({440}, -10, {1500, 3500}), tone({440}, -10, {500, 500}),
      tone({440}, -10, {250, 250}), tone({440}, -10, {300, 10000}), kNone}},
    {"IT", "Italy",
     {tone({425}, -10, {200, 200, 600, 1000}), tone({425}, -10, {1000, 4000}),
      tone({425}, -10, {500, 500}), tone({425}, -10, {200, 200}),
      tone({425}, -10, {400, 100, 250, 100, 150, 14000}), kNone}},
    {"ES", "Spain",
     {tone({425}, -10), tone({425}, -10, {1500, 3000}), tone({425}, -10, {200, 200}),
      tone({425}, -10, {200, 200, 200, 200, 200, 600}), tone({425}, -10, {175, 175, 175, 3500}),
      kNone}},
    {"NL", "Netherlands",
     {tone({425}, -10), tone({425}, -10, {1000, 4000}), tone({425}, -10, {500, 500}),
      tone({425}, -10, {250, 250}), tone({425}, -10, {500, 9500}), kNone}},
    {"SE", "Sweden",
     {tone({425}, -10), tone({425}, -10, {1000, 5000}), tone({425}, -10, {250, 250}),
      tone({425}, -10, {250, 750}), tone({425}, -10, {200, 500, 200, 9100}), kNone}},
    {"JP", "Japan",
     {tone({400}, -10), modulated(400, 16, 0.9f, -10, {1000, 2000}), tone({400}, -10, {500, 500}),
      tone({400}, -10, {500, 500}), modulated(400, 16, 0.9f, -10, {100, 100, 100, 3000}), kNone}},
    {"CN", "China",
     {tone({450}, -10), tone({450}, -10, {1000, 4000}), tone({450}, -10, {350, 350}),
      tone({450}, -10, {700, 700}), tone({450}, -10, {400, 4000}), kNone}},
    {"AU", "Australia",
     {tone({413, 438}, -13), tone({413, 438}, -13, {400, 200, 400, 2000}),
      tone({425}, -10, {375, 375}), tone({425}, -13, {375, 375}),
      tone({425}, -10, {200, 100, 200, 4400}), kNone}},
    {"BR", "Brazil",
     {tone({425}, -10), tone({425}, -10, {1000, 4000}), tone({425}, -10, {250, 250}),
      tone({425}, -10, {750, 250, 250, 250}), tone({425}, -10, {50, 1000}), kNone}},
};

constexpr char upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

}  // namespace

const char* call_progress_tone_name(CallProgressTone tone_id) noexcept {
  switch (tone_id) {
    case CallProgressTone::dial: return "dial";
    case CallProgressTone::ringback: return "ringback";
    case CallProgressTone::busy: return "busy";
    case CallProgressTone::congestion: return "congestion";
    case CallProgressTone::call_waiting: return "call_waiting";
    case CallProgressTone::confirmation: return "confirmation";
  }
  return "?";
}

std::span<const TonePlan> tone_plans() noexcept { return kPlans; }

const TonePlan* find_tone_plan(std::string_view country) noexcept {
  if (country.size() != 2) return nullptr;
  for (const TonePlan& plan : kPlans) {
    if (plan.country[0] == upper(country[0]) && plan.country[1] == upper(country[1])) return &plan;
  }
  return nullptr;
}

}  // namespace offhook::dsp
