#include "dsp/preprocess/preprocessor.hpp"

#include <speex/speex_preprocess.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace offhook::dsp {

namespace {
constexpr int kMinSuppressDb = -60;
constexpr int kMaxSuppressDb = -1;
constexpr float kMinTargetDbfs = -40.0F;
constexpr float kMaxTargetDbfs = -1.0F;

// speexdsp's float build takes the AGC target as a loudness level (SPEEX_PREPROCESS_SET_AGC_LEVEL):
// a weighted sum over its power spectrum, so for the same speech it grows by 3 dB per doubling of
// the frame size (sample rate at 10 ms). Measured: the output's active-speech RMS settles at
// level - (10.1 + 10*log10(rate/8000)) dB on espeak-ng voices (en-us, en-gb+f3) at 8..48 kHz.
constexpr float kLoudnessOffsetDb8k = 10.1F;

float dbfs_to_level(float dbfs, uint32_t rate_hz) noexcept {
  const float offset_db = kLoudnessOffsetDb8k + 10.0F * std::log10(static_cast<float>(rate_hz) / 8000.0F);
  return 32768.0F * std::pow(10.0F, (dbfs + offset_db) / 20.0F);
}

void clamp_config(PreprocessorConfig& c) noexcept {
  c.noise_suppress_db = std::clamp(c.noise_suppress_db, kMinSuppressDb, kMaxSuppressDb);
  c.agc_target_dbfs = std::clamp(c.agc_target_dbfs, kMinTargetDbfs, kMaxTargetDbfs);
  c.agc_max_gain_db = std::clamp(c.agc_max_gain_db, 0, 60);
  c.vad_prob_start = std::clamp(c.vad_prob_start, 0, 100);
  c.vad_prob_continue = std::clamp(c.vad_prob_continue, 0, 100);
}
}  // namespace

Result<std::unique_ptr<Preprocessor>> Preprocessor::create(const Config& config) {
  if (config.rate_hz != 8000 && config.rate_hz != 16000 && config.rate_hz != 32000 && config.rate_hz != 48000) {
    return Error{Errc::invalid_argument, "preprocessor: rate " + std::to_string(config.rate_hz) + " Hz (8000, 16000, 32000, 48000)"};
  }
  auto pre = std::unique_ptr<Preprocessor>(new Preprocessor(config));
  clamp_config(pre->config_);
  pre->frame_samples_ = config.rate_hz * kFrameMs / 1000;
  pre->state_ = speex_preprocess_state_init(static_cast<int>(pre->frame_samples_), static_cast<int>(config.rate_hz));
  if (pre->state_ == nullptr) return Error{Errc::internal, "preprocessor: speex_preprocess_state_init failed"};
  int off = 0;
  speex_preprocess_ctl(pre->state_, SPEEX_PREPROCESS_SET_DEREVERB, &off);
  pre->apply_all();
  return pre;
}

Preprocessor::~Preprocessor() {
  if (state_ != nullptr) speex_preprocess_state_destroy(state_);
}

// [rt] Pushes every setting to speexdsp (speex_preprocess_ctl stores values, no allocation).
void Preprocessor::apply_all() noexcept {
  int denoise = config_.noise_suppression ? 1 : 0;
  int suppress = config_.noise_suppress_db;
  int agc = config_.agc ? 1 : 0;
  float level = dbfs_to_level(config_.agc_target_dbfs, config_.rate_hz);
  int max_gain = config_.agc_max_gain_db;
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_DENOISE, &denoise);
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &suppress);
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC, &agc);
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level);
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &max_gain);
}

// [rt]
PreprocessResult Preprocessor::process(std::span<int16_t> frame) noexcept {
  if (frame.size() != frame_samples_ || !any_on()) return {};
  speex_preprocess_run(state_, frame.data());
  if (!config_.vad) return {};
  // speexdsp computes the speech probability whether or not its noise suppression is on.
  int32_t prob_percent = 0;
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_GET_PROB, &prob_percent);
  was_voice_ = prob_percent >= config_.vad_prob_start || (was_voice_ && prob_percent >= config_.vad_prob_continue);
  return {.voice = was_voice_};
}

// [rt]
void Preprocessor::set_noise_suppression(bool on) noexcept {
  config_.noise_suppression = on;
  int v = on ? 1 : 0;
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_DENOISE, &v);
}

// [rt]
void Preprocessor::set_noise_suppress_db(int db) noexcept {
  config_.noise_suppress_db = std::clamp(db, kMinSuppressDb, kMaxSuppressDb);
  int v = config_.noise_suppress_db;
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &v);
}

// [rt]
void Preprocessor::set_agc(bool on) noexcept {
  config_.agc = on;
  int v = on ? 1 : 0;
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC, &v);
}

// [rt]
void Preprocessor::set_agc_target_dbfs(float dbfs) noexcept {
  config_.agc_target_dbfs = std::clamp(dbfs, kMinTargetDbfs, kMaxTargetDbfs);
  float level = dbfs_to_level(config_.agc_target_dbfs, config_.rate_hz);
  speex_preprocess_ctl(state_, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level);
}

// [rt]
void Preprocessor::set_vad(bool on) noexcept {
  config_.vad = on;
  was_voice_ = false;
}

// [rt]
void Preprocessor::set_vad_probabilities(int start_percent, int continue_percent) noexcept {
  config_.vad_prob_start = std::clamp(start_percent, 0, 100);
  config_.vad_prob_continue = std::clamp(continue_percent, 0, 100);
}

}  // namespace offhook::dsp
