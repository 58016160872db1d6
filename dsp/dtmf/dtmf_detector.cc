#include "dsp/dtmf/dtmf_detector.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "dsp/tone/tone_generator.hpp"

namespace offhook::dsp {

namespace {
constexpr float kFreqHz[8] = {697.0f, 770.0f, 852.0f, 941.0f, 1209.0f, 1336.0f, 1477.0f, 1633.0f};
constexpr char kKeypad[4][4] = {{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'},
                                {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}};
constexpr size_t kHalf = DtmfDetector::kBlockSamples / 2;
constexpr float kRate8k = 8000.0f;
constexpr float kDecimCutoffHz = 3600.0f;
constexpr int kConfirmBlocks = 2;  // blocks to confirm key-down and key-up

float db_to_power_ratio(float db) noexcept { return std::pow(10.0f, db / 10.0f); }
}  // namespace

Result<DtmfDetector> DtmfDetector::create(const DtmfDetectorConfig& config) {
  if (config.rate_hz != 8000 && config.rate_hz != 16000) {
    return Error{Errc::invalid_argument, "dtmf detector: rate " + std::to_string(config.rate_hz) +
                                             " Hz (8000 or 16000; resample others first)"};
  }
  if (!(config.max_freq_deviation > 0.0f && config.max_freq_deviation < 0.06f) ||
      !(config.min_tone_energy_fraction >= 0.0f && config.min_tone_energy_fraction <= 1.0f) ||
      !(config.max_forward_twist_db >= 0.0f) || !(config.max_reverse_twist_db >= 0.0f) ||
      !(config.min_group_margin_db >= 0.0f) || !(config.min_level_dbm0 <= 0.0f)) {
    return Error{Errc::invalid_argument, "dtmf detector: threshold out of range"};
  }
  return DtmfDetector(config);
}

DtmfDetector::DtmfDetector(const DtmfDetectorConfig& config) noexcept : config_(config) {
  min_amplitude_ = dbm0_to_amplitude(config.min_level_dbm0);
  forward_twist_ = db_to_power_ratio(config.max_forward_twist_db);
  reverse_twist_ = db_to_power_ratio(config.max_reverse_twist_db);
  group_margin_ = db_to_power_ratio(config.min_group_margin_db);
  for (size_t i = 0; i < 8; ++i) {
    const double w = 2.0 * std::numbers::pi * kFreqHz[i] / kRate8k;
    w_[i] = static_cast<float>(w);
    coef_[i] = static_cast<float>(2.0 * std::cos(w));
    step_re_[i] = static_cast<float>(std::cos(w));
    step_im_[i] = static_cast<float>(-std::sin(w));
    half_re_[i] = static_cast<float>(std::cos(w * kHalf));
    half_im_[i] = static_cast<float>(-std::sin(w * kHalf));
    for (int side = 0; side < 2; ++side) {
      const double probe = w * (1.0 + (side == 0 ? -2.0 : 2.0) * config.max_freq_deviation);
      probe_coef_[i][side] = static_cast<float>(2.0 * std::cos(probe));
    }
  }
  // Hamming-windowed sinc low-pass for 16 -> 8 kHz, unity gain at DC.
  const double fc = kDecimCutoffHz / 16000.0;
  const double mid = (kDecimTaps - 1) / 2.0;
  double sum = 0.0;
  std::array<double, kDecimTaps> h{};
  for (size_t n = 0; n < kDecimTaps; ++n) {
    const double t = static_cast<double>(n) - mid;
    const double sinc = t == 0.0 ? 2.0 * fc : std::sin(2.0 * std::numbers::pi * fc * t) / (std::numbers::pi * t);
    const double win = 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * static_cast<double>(n) / (kDecimTaps - 1));
    h[n] = sinc * win;
    sum += h[n];
  }
  for (size_t n = 0; n < kDecimTaps; ++n) decim_coef_[n] = static_cast<float>(h[n] / sum);
}

void DtmfDetector::reset() noexcept {
  fill_ = 0;
  block_start_8k_ = 0;
  decim_hist_.fill(0.0f);
  decim_pos_ = 0;
  decim_phase_ = false;
  last_block_key_ = '\0';
  current_ = '\0';
  misses_ = 0;
  down_time_8k_ = 0;
  ev_head_ = 0;
  ev_count_ = 0;
  dropped_ = 0;
  blocks_ = 0;
}

// [rt]
void DtmfDetector::process(std::span<const int16_t> pcm) noexcept {
  if (config_.rate_hz == 8000) {
    for (int16_t s : pcm) push_sample(static_cast<float>(s));
    return;
  }
  for (int16_t s : pcm) {
    decim_hist_[decim_pos_] = static_cast<float>(s);
    decim_pos_ = (decim_pos_ + 1) % kDecimTaps;
    decim_phase_ = !decim_phase_;
    if (!decim_phase_) continue;
    float acc = 0.0f;  // decim_hist_[decim_pos_] is the oldest sample
    size_t idx = decim_pos_;
    for (size_t k = 0; k < kDecimTaps; ++k) {
      acc += decim_coef_[k] * decim_hist_[idx];
      idx = idx + 1 == kDecimTaps ? 0 : idx + 1;
    }
    push_sample(acc);
  }
}

void DtmfDetector::push_sample(float x) noexcept {
  block_[fill_++] = x;
  if (fill_ < kBlockSamples) return;
  const char key = analyse_block();
  ++blocks_;
  debounce(key);
  fill_ = 0;
  block_start_8k_ += kBlockSamples;
}

char DtmfDetector::analyse_block() noexcept {
  double energy = 0.0;
  for (float x : block_) energy += static_cast<double>(x) * x;
  // Quick exit: a block too quiet to hold two tones at the minimum level.
  const double min_tone_energy = static_cast<double>(min_amplitude_) * min_amplitude_ * kBlockSamples / 2.0;
  if (energy < 2.0 * min_tone_energy) return '\0';

  // The 8 filters run side by side over each half (the compiler vectorises the inner loop).
  float y_re[2][8];
  float y_im[2][8];
  for (size_t h = 0; h < 2; ++h) {
    float s1[8] = {};
    float s2[8] = {};
    const float* x = block_.data() + h * kHalf;
    for (size_t n = 0; n < kHalf; ++n) {
      for (size_t i = 0; i < 8; ++i) {
        const float s0 = x[n] + coef_[i] * s1[i] - s2[i];
        s2[i] = s1[i];
        s1[i] = s0;
      }
    }
    // y = s1 - e^{-jw} s2 (the common factor e^{-jw(M-1)} cancels below)
    for (size_t i = 0; i < 8; ++i) {
      y_re[h][i] = s1[i] - step_re_[i] * s2[i];
      y_im[h][i] = -step_im_[i] * s2[i];
    }
  }
  std::array<float, 8> power{};   // |X|^2 over the whole block
  std::array<float, 8> phase_re{};
  std::array<float, 8> phase_im{};
  for (size_t i = 0; i < 8; ++i) {
    // Second half moved to the block's origin: z2 = e^{-jwM} y2.
    const float z2_re = half_re_[i] * y_re[1][i] - half_im_[i] * y_im[1][i];
    const float z2_im = half_re_[i] * y_im[1][i] + half_im_[i] * y_re[1][i];
    const float full_re = y_re[0][i] + z2_re;
    const float full_im = y_im[0][i] + z2_im;
    power[i] = full_re * full_re + full_im * full_im;
    // Phase advance over M samples beyond the nominal: arg(z2 * conj(y1)) = delta * M.
    phase_re[i] = z2_re * y_re[0][i] + z2_im * y_im[0][i];
    phase_im[i] = z2_im * y_re[0][i] - z2_re * y_im[0][i];
  }

  size_t row = 0;
  size_t col = 4;
  for (size_t i = 1; i < 4; ++i) {
    if (power[i] > power[row]) row = i;
    if (power[i + 4] > power[col]) col = i + 4;
  }
  for (size_t i = 0; i < 4; ++i) {
    if (i != row && power[i] * group_margin_ > power[row]) return '\0';
    if (i + 4 != col && power[i + 4] * group_margin_ > power[col]) return '\0';
  }
  const size_t picked[2] = {row, col};
  // Frequency: each tone must be nearer its nominal frequency than either probe at
  // +-2 * max_freq_deviation, i.e. filter power at nominal >= power at both probes.
  const float probe[4] = {probe_coef_[row][0], probe_coef_[row][1], probe_coef_[col][0], probe_coef_[col][1]};
  float probe_power[4];
  goertzel_power4(probe, probe_power);
  if (probe_power[0] > power[row] || probe_power[1] > power[row] || probe_power[2] > power[col] ||
      probe_power[3] > power[col]) {
    return '\0';
  }
  double fit_w[2];  // the tones' estimated frequencies, rad/sample
  for (size_t k = 0; k < 2; ++k) {
    const size_t i = picked[k];
    const float d_max = config_.max_freq_deviation * w_[i];
    const float delta = std::atan2(phase_im[i], phase_re[i]) / static_cast<float>(kHalf);  // rad/sample
    fit_w[k] = static_cast<double>(w_[i]) + std::clamp(delta, -d_max, d_max);
  }
  // Least-squares fit of the two sinusoids: their amplitudes (level, twist) and the share of the
  // block's energy they explain, free of the filters' scalloping and of leakage between them.
  double amplitude[2];
  double fitted_energy = 0.0;
  if (!fit_two_tones(fit_w[0], fit_w[1], amplitude, fitted_energy)) return '\0';
  for (double a : amplitude) {
    if (a < min_amplitude_) return '\0';
  }
  const double low_power = amplitude[0] * amplitude[0];
  const double high_power = amplitude[1] * amplitude[1];
  if (high_power > low_power * forward_twist_) return '\0';
  if (low_power > high_power * reverse_twist_) return '\0';
  if (fitted_energy < config_.min_tone_energy_fraction * energy) return '\0';
  return kKeypad[row][col - 4];
}

bool DtmfDetector::fit_two_tones(double w1, double w2, double (&amplitude)[2],
                                 double& fitted_energy) const noexcept {
  // Basis cos(w1 n), sin(w1 n), cos(w2 n), sin(w2 n), n = 0..N-1; normal equations G c = b.
  // b: the block's DFT at w1 and w2 (two Goertzel filters side by side).
  float s1[2] = {};
  float s2[2] = {};
  const float gcoef[2] = {static_cast<float>(2.0 * std::cos(w1)), static_cast<float>(2.0 * std::cos(w2))};
  for (float x : block_) {
    for (size_t i = 0; i < 2; ++i) {
      const float s0 = x + gcoef[i] * s1[i] - s2[i];
      s2[i] = s1[i];
      s1[i] = s0;
    }
  }
  constexpr double n = static_cast<double>(kBlockSamples);
  double b[4];
  const double w[2] = {w1, w2};
  for (size_t i = 0; i < 2; ++i) {
    // X = sum x e^{-jwn} = e^{-jw(N-1)} (s1 - e^{-jw} s2); b = (Re X, -Im X).
    const double y_re = s1[i] - std::cos(w[i]) * s2[i];
    const double y_im = std::sin(w[i]) * s2[i];
    const double rot = -w[i] * (n - 1.0);
    b[2 * i] = y_re * std::cos(rot) - y_im * std::sin(rot);
    b[2 * i + 1] = -(y_re * std::sin(rot) + y_im * std::cos(rot));
  }
  // G in closed form from sum_{n<N} e^{jan} = e^{ja(N-1)/2} sin(Na/2) / sin(a/2).
  auto dirichlet = [n](double a) {
    const double den = std::sin(a / 2.0);
    return std::fabs(den) < 1e-12 ? n : std::sin(n * a / 2.0) / den;
  };
  auto sum_cos = [&](double a) { return std::cos(a * (n - 1.0) / 2.0) * dirichlet(a); };
  auto sum_sin = [&](double a) { return std::sin(a * (n - 1.0) / 2.0) * dirichlet(a); };
  double g[4][4];
  for (size_t i = 0; i < 2; ++i) {
    const double c2 = sum_cos(2.0 * w[i]);
    g[2 * i][2 * i] = (n + c2) / 2.0;          // sum cos^2
    g[2 * i + 1][2 * i + 1] = (n - c2) / 2.0;  // sum sin^2
    g[2 * i][2 * i + 1] = sum_sin(2.0 * w[i]) / 2.0;
  }
  const double cd = sum_cos(w1 - w2), cs = sum_cos(w1 + w2);
  const double sd = sum_sin(w1 - w2), ss = sum_sin(w1 + w2);
  g[0][2] = (cd + cs) / 2.0;  // cos w1 n . cos w2 n
  g[1][3] = (cd - cs) / 2.0;  // sin . sin
  g[0][3] = (ss - sd) / 2.0;  // cos w1 n . sin w2 n
  g[1][2] = (ss + sd) / 2.0;  // sin w1 n . cos w2 n
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < r; ++c) g[r][c] = g[c][r];
  }
  // Gaussian elimination with partial pivoting (G is symmetric positive definite for w1 != w2).
  double m[4][5];
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) m[r][c] = g[r][c];
    m[r][4] = b[r];
  }
  for (int col = 0; col < 4; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 4; ++r) {
      if (std::fabs(m[r][col]) > std::fabs(m[pivot][col])) pivot = r;
    }
    if (std::fabs(m[pivot][col]) < 1e-9) return false;
    for (int c = 0; c < 5; ++c) std::swap(m[col][c], m[pivot][c]);
    for (int r = col + 1; r < 4; ++r) {
      const double f = m[r][col] / m[col][col];
      for (int c = col; c < 5; ++c) m[r][c] -= f * m[col][c];
    }
  }
  double coef[4];
  for (int r = 3; r >= 0; --r) {
    double acc = m[r][4];
    for (int c = r + 1; c < 4; ++c) acc -= m[r][c] * coef[c];
    coef[r] = acc / m[r][r];
  }
  amplitude[0] = std::sqrt(coef[0] * coef[0] + coef[1] * coef[1]);
  amplitude[1] = std::sqrt(coef[2] * coef[2] + coef[3] * coef[3]);
  fitted_energy = 0.0;  // |B c|^2 = b . c for the least-squares solution
  for (int r = 0; r < 4; ++r) fitted_energy += b[r] * coef[r];
  return true;
}

void DtmfDetector::goertzel_power4(const float (&coef)[4], float (&power)[4]) const noexcept {
  float s1[4] = {};
  float s2[4] = {};
  for (float x : block_) {
    for (size_t i = 0; i < 4; ++i) {  // four independent filters side by side
      const float s0 = x + coef[i] * s1[i] - s2[i];
      s2[i] = s1[i];
      s1[i] = s0;
    }
  }
  for (size_t i = 0; i < 4; ++i) power[i] = s1[i] * s1[i] + s2[i] * s2[i] - coef[i] * s1[i] * s2[i];
}

void DtmfDetector::debounce(char key) noexcept {
  const uint64_t this_block = block_start_8k_;
  if (current_ != '\0') {
    if (key == current_) {
      misses_ = 0;
    } else if (++misses_ >= kConfirmBlocks) {
      const uint64_t up_time = this_block - (kConfirmBlocks - 1) * kBlockSamples;
      emit(DtmfEvent::Type::key_up, current_, up_time,
           static_cast<uint32_t>((up_time - down_time_8k_) / 8));
      current_ = '\0';
      misses_ = 0;
    }
  }
  if (current_ == '\0' && key != '\0' && key == last_block_key_) {
    current_ = key;
    misses_ = 0;
    down_time_8k_ = this_block - (kConfirmBlocks - 1) * kBlockSamples;
    emit(DtmfEvent::Type::key_down, key, down_time_8k_, 0);
  }
  last_block_key_ = key;
}

void DtmfDetector::emit(DtmfEvent::Type type, char key, uint64_t time_8k, uint32_t duration_ms) noexcept {
  if (ev_count_ == kEventQueueSize) {
    ++dropped_;
    return;
  }
  DtmfEvent& e = events_[(ev_head_ + ev_count_) % kEventQueueSize];
  e.type = type;
  e.key = key;
  e.time_samples = time_8k * (config_.rate_hz / 8000);
  e.duration_ms = duration_ms;
  ++ev_count_;
}

bool DtmfDetector::pop(DtmfEvent& event) noexcept {
  if (ev_count_ == 0) return false;
  event = events_[ev_head_];
  ev_head_ = (ev_head_ + 1) % kEventQueueSize;
  --ev_count_;
  return true;
}

}  // namespace offhook::dsp
