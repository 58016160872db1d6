// DriftCompensator: absorbs the clock drift between two sides of a PCM buffer that run from
// different clocks (a sound card's crystal and the engine's clock), so the buffer between them
// stays near a target fill instead of slowly overflowing or running dry.
//
// It sits on the consumer side of the buffer. Each block the consumer reports how many samples the
// buffer holds; the compensator low-passes that fill level (one-pole, `fill_smoothing_s`) and a PI
// controller turns its distance from `target_fill` into a resampling ratio (input samples consumed
// per output sample) within 1 +- max_correction_ppm. The fill it controls is the buffer's plus what
// the producer has accumulated towards its next push (producer_phase * producer_block_samples), so
// the loop does not chase the phase between the two clocks. A 4-point cubic (Catmull-Rom) interpolator
// then makes exactly `out_samples` output samples from exactly the number of input samples
// begin_block() asked for. The interpolator is its own (dsp::Resampler has no fractional-ratio
// setter); at +-1000 ppm it is transparent for speech.
//
// Start-up and underrun: until the buffer first holds target_fill samples (counting the producer's
// partial block) the compensator is
// "priming" and asks for no input (the consumer outputs silence). If the buffer ever holds less than
// a block needs, that is an underrun: counted, and priming starts again (one gap, then a clean restart
// at the target instead of a stream of crackles).
//
// Threads: create() anywhere (allocates the work buffer); every other member is [rt] on the one
// consumer thread (noexcept, no allocation, no lock). Counters are plain values: read them on the
// consumer thread or after it stops (the ALSA devices publish copies through atomics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace offhook {

struct DriftCompensatorConfig {
  uint32_t rate_hz = 48000;        // sample rate on both sides (the compensator only absorbs drift)
  size_t max_block_samples = 480;  // largest `out_samples` a block asks for
  // Samples the buffer should hold, counting the producer's partial block (see begin_block). At
  // least max_block_samples + producer_block_samples + 4; add a margin for scheduling jitter.
  size_t target_fill = 1200;
  // The producer adds this many samples at a time (a device period, a 10 ms frame). Where in the
  // producer's cycle the consumer looks moves slowly with the drift itself (a 10 ms block at
  // 100 ppm: one cycle in 100 s), so the bare fill wanders over a whole block even when nothing
  // drifts; begin_block() takes the producer's phase to remove that sawtooth.
  size_t producer_block_samples = 480;
  bool enabled = true;             // false: ratio fixed at 1, samples pass bit-exact (priming and
                                   // underrun handling still apply)
  double max_correction_ppm = 1000.0;  // |ratio - 1| limit
  double settle_s = 8.0;               // PI loop natural period scale: larger is slower and smoother
  double fill_smoothing_s = 0.5;       // time constant of the fill-level low-pass
};

class DriftCompensator {
 public:
  // Errc::invalid_argument for a zero rate or block, a target below a consumer block plus a
  // producer block (+4), or a correction limit outside (0, 50000] ppm.
  static Result<std::unique_ptr<DriftCompensator>> create(const DriftCompensatorConfig& config);

  // [rt] Starts a block of `out_samples` (<= max_block_samples) outputs with `available` samples in
  // the buffer. `producer_phase` in [0, 1) is how far the producer is into its next block (time
  // since its last push / its block duration; 0 if unknown). Returns how many input samples the
  // consumer must take from the buffer and pass to process(); 0 while priming or after an underrun
  // (process() then outputs silence).
  size_t begin_block(size_t available, size_t out_samples, double producer_phase = 0.0) noexcept;
  // [rt] Produces out.size() samples (the block's out_samples) from `in`, which holds exactly what
  // begin_block() returned. A shorter `in` (should not happen) is padded by holding the last sample.
  void process(std::span<const int16_t> in, std::span<int16_t> out) noexcept;

  // [rt] Back to priming with a fresh controller (after a device restart).
  void reset() noexcept;

  bool priming() const noexcept { return priming_; }
  double ratio() const noexcept { return ratio_; }
  // Drift the loop is correcting, in ppm of the consumer's rate (positive: the producer runs fast).
  double correction_ppm() const noexcept { return (ratio_ - 1.0) * 1e6; }
  double smoothed_fill() const noexcept { return fill_avg_; }
  uint64_t underruns() const noexcept { return underruns_; }
  const DriftCompensatorConfig& config() const noexcept { return config_; }

 private:
  explicit DriftCompensator(const DriftCompensatorConfig& config);
  size_t input_for(size_t out_samples) const noexcept;

  DriftCompensatorConfig config_;
  double kp_;  // ratio change per sample of fill error
  double ki_;  // integral gain: ratio change per sample of fill error per second
  double integral_ = 0.0;
  double fill_avg_ = 0.0;
  double ratio_ = 1.0;
  bool priming_ = true;
  bool avg_valid_ = false;
  uint64_t underruns_ = 0;
  // Interpolator: work_[0 .. work_size_) holds history + pending input; output k of a block reads
  // around position pos_ + k * ratio_ (work_[floor(p) - 1 .. floor(p) + 2]).
  std::vector<int16_t> work_;
  size_t work_size_ = 0;
  double pos_ = 1.0;
  size_t pending_in_ = 0;   // what begin_block() asked for
  size_t pending_out_ = 0;  // 0 => silence block
};

}  // namespace offhook
