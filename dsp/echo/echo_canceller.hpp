// EchoCanceller: acoustic echo cancellation for one call, 10 ms frames. speexdsp's MDF adaptive
// filter does the linear cancellation; around it this class adds what speexdsp lacks:
//  - echo-path delay estimation (DelayEstimator, no hint needed) and alignment of the far-end
//    reference through a delay line, so the filter's tail covers the room response and not the
//    bulk delay (up to max_delay_ms);
//  - clock-drift tolerance: the filter window starts lead_ms before the estimated delay, and
//    alignment moves only when the estimate leaves that window, so slow drift (±100 ppm) is
//    tracked by the filter taps without resets; a large move (path change) realigns and resets;
//  - divergence detection (output persistently louder than the mic) with a filter reset;
//  - residual-echo and noise suppression (speex_preprocess driven by the canceller's echo
//    estimate), with a mild suppression during double talk so the near-end stays audible;
//  - statistics (ERLE, estimated delay, realignments, divergences).
// With estimate_delay = false and nlp = false it is speexdsp used alone (reference).
//
// create() runs off the media thread and allocates everything; process() and stats() are [rt]
// (noexcept, no allocation, no locks) and run on the media thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/echo/delay_estimator.hpp"

struct SpeexEchoState_;
struct SpeexPreprocessState_;

namespace offhook::dsp {

struct EchoCancellerConfig {
  uint32_t rate_hz = 16000;       // 8000..48000, a multiple of 2000
  uint32_t frame_ms = 10;         // samples per process() = rate_hz * frame_ms / 1000
  uint32_t tail_ms = 200;         // adaptive filter length
  uint32_t max_delay_ms = 400;    // largest bulk delay found and compensated
  uint32_t lead_ms = 20;          // the filter window starts this long before the estimated delay
  uint32_t realign_hold_ms = 100; // estimate outside the window this long (far active) to realign
  double poor_erle_db = 6.0;      // ... and only while the filter cancels less than this
  bool estimate_delay = true;     // false: no estimator, no alignment (speexdsp alone)
  bool residual_suppression = true;  // speex_preprocess residual echo + noise suppression
  int noise_suppress_db = -15;    // speex_preprocess noise attenuation
  int echo_suppress_db = -40;     // residual echo attenuation, far-end single talk
  int echo_suppress_active_db = -15;  // residual echo attenuation while the near end talks
  bool nlp = true;                // attenuate far-end single talk after suppression (not speex alone)
  double nlp_attenuation_db = 20.0;
};

struct EchoCancellerStats {
  uint64_t frames = 0;
  double erle_db = 0.0;            // smoothed mic/output power over far-active frames
  int32_t estimated_delay_samples = -1;  // delay estimator's adopted delay (-1: none yet)
  double estimated_delay_ms = -1.0;
  int32_t aligned_delay_samples = 0;     // far-end delay applied before the filter
  uint32_t realignments = 0;       // alignment moves (each resets the filter)
  uint32_t divergences = 0;        // filter resets after output > mic
  uint64_t near_active_frames = 0; // frames the double-talk detector called near-end active
  float delay_confidence = 0.0F;   // estimator's peak ratio
  int32_t fast_delay_samples = -1; // the fast (path-change) estimator's delay
  float fast_confidence = 0.0F;
};

class EchoCanceller {
 public:
  using Config = EchoCancellerConfig;
  static Result<std::unique_ptr<EchoCanceller>> create(const Config& config);
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  // [rt] One frame: `far` is what went to the loudspeaker at the instant `mic` was captured; all
  // three spans are frame_samples() long (otherwise `out` is a copy of `mic`, or untouched if it
  // has the wrong size). `out` may alias `mic`.
  void process(std::span<const int16_t> far, std::span<const int16_t> mic, std::span<int16_t> out) noexcept;
  // [rt] Snapshot of the statistics (call from the thread that runs process()).
  EchoCancellerStats stats() const noexcept { return stats_; }
  // [rt] Forgets everything learnt (a new call on the same instance).
  void reset() noexcept;
  size_t frame_samples() const noexcept { return frame_samples_; }
  const Config& config() const noexcept { return config_; }

 private:
  explicit EchoCanceller(const Config& config) noexcept;
  void realign(int32_t delay_samples) noexcept;

  Config config_;
  size_t frame_samples_ = 0;
  int32_t lead_samples_ = 0;
  int32_t tail_samples_ = 0;
  uint32_t hold_frames_ = 1;
  SpeexEchoState_* echo_ = nullptr;
  SpeexPreprocessState_* pre_ = nullptr;
  std::unique_ptr<DelayEstimator> estimator_;       // learns outside double talk only
  std::unique_ptr<DelayEstimator> fast_estimator_;  // short memory, always learns: path changes
  std::vector<int16_t> far_ring_;     // far-end history; far_ring_[write_pos_] is the next write
  size_t write_pos_ = 0;
  std::vector<int16_t> far_aligned_;  // one frame of delayed far-end
  std::vector<int16_t> mic_copy_;     // mic frame (out may alias mic)
  std::vector<int16_t> linear_out_;   // filter output before suppression
  double mic_power_ = 0.0;            // smoothed powers for ERLE (far-active frames)
  double out_power_ = 0.0;
  uint32_t loud_frames_ = 0;          // consecutive frames with filter output above the mic
  double linear_erle_db_ = 0.0;       // smoothed mic/linear-output ratio (far-active frames)
  uint32_t outside_frames_ = 0;       // far-active frames with the estimate outside the window
  bool alignment_decided_ = false;    // the first estimate has been acted on
  double far_envelope_ = 0.0;         // recent far-end peak power (releases over ~max delay)
  double far_release_ = 0.0;          // per-frame release factor of far_envelope_
  double echo_gain_ = 0.25;           // learnt mic/far power ratio of the echo path (upper envelope)
  double residual_gain_ = 1.0;        // learnt filter-output/far power ratio (upper envelope)
  uint32_t near_hangover_ = 0;        // frames left in the near-end-active state (either test)
  uint32_t mic_hangover_ = 0;         // the same for the mic-level test alone
  double nlp_gain_ = 1.0;             // current non-linear-processor gain (1 = open)
  double nlp_floor_ = 1.0;            // its gain in far-end single talk
  EchoCancellerStats stats_;
};

}  // namespace offhook::dsp
