#include "rtp/comfort_noise.hpp"

#include <algorithm>
#include <cmath>

namespace offhook::rtp {

namespace {
constexpr double kFullScaleSquare = 32768.0 * 32768.0;
constexpr float kMaxReflection = 0.995f;  // keeps the synthesis filter strictly stable
}  // namespace

CnStatus parse_cn(std::span<const uint8_t> payload, CnParams& out, size_t* coefficients_in_packet) noexcept {
  if (payload.empty()) return CnStatus::truncated;
  out.level_neg_dbov = payload[0] & 0x7f;
  const size_t n = payload.size() - 1;
  out.order = static_cast<uint8_t>(std::min(n, kCnMaxOrder));
  out.reflection = {};
  for (size_t i = 0; i < out.order; ++i) out.reflection[i] = dequantize_reflection(payload[1 + i]);
  if (coefficients_in_packet != nullptr) *coefficients_in_packet = n;
  return CnStatus::ok;
}

uint8_t quantize_reflection(float k) noexcept {
  const float n = std::round(std::clamp(k, -1.0f, 1.0f) * 128.0f) + 127.0f;
  return static_cast<uint8_t>(std::clamp(n, 0.0f, 255.0f));
}

size_t write_cn(const CnParams& params, std::span<uint8_t> out) noexcept {
  if (params.order > kCnMaxOrder || out.size() < size_t{1} + params.order) return 0;
  out[0] = params.level_neg_dbov & 0x7f;
  for (size_t i = 0; i < params.order; ++i) out[1 + i] = quantize_reflection(params.reflection[i]);
  return size_t{1} + params.order;
}

uint8_t level_neg_dbov(std::span<const int16_t> samples) noexcept {
  if (samples.empty()) return kCnSilentLevel;
  double sum = 0;
  for (int16_t s : samples) sum += static_cast<double>(s) * s;
  const double mean_square = sum / static_cast<double>(samples.size());
  if (mean_square <= 0) return kCnSilentLevel;
  const double db = -10.0 * std::log10(mean_square / kFullScaleSquare);
  return static_cast<uint8_t>(std::clamp(std::lround(db), 0L, 127L));
}

CnParams analyse_comfort_noise(std::span<const int16_t> frame, uint8_t order) noexcept {
  CnParams p;
  p.level_neg_dbov = level_neg_dbov(frame);
  size_t m = std::min<size_t>(order, kCnMaxOrder);
  if (frame.size() <= m) m = frame.empty() ? 0 : frame.size() - 1;
  p.order = static_cast<uint8_t>(m);
  if (m == 0 || p.level_neg_dbov == kCnSilentLevel) {
    p.reflection = {};  // flat spectrum
    return p;
  }
  // Autocorrelation with a Gaussian lag window and a tiny white-noise floor (conditioning).
  std::array<double, kCnMaxOrder + 1> r{};
  for (size_t lag = 0; lag <= m; ++lag) {
    double acc = 0;
    for (size_t i = lag; i < frame.size(); ++i) acc += static_cast<double>(frame[i]) * frame[i - lag];
    const double w = std::exp(-0.5 * std::pow(2 * 3.14159265358979 * 60.0 * static_cast<double>(lag) / 8000.0, 2));
    r[lag] = acc * w;
  }
  r[0] *= 1.0001;
  if (r[0] <= 0) {
    p.reflection = {};
    return p;
  }
  // Levinson-Durbin for A(z) = 1 + sum a_i z^-i; k_i = -(r_i + sum a_j r_{i-j}) / E.
  std::array<double, kCnMaxOrder + 1> a{};
  std::array<double, kCnMaxOrder + 1> tmp{};
  double err = r[0];
  for (size_t i = 1; i <= m; ++i) {
    double acc = r[i];
    for (size_t j = 1; j < i; ++j) acc += a[j] * r[i - j];
    double k = -acc / err;
    k = std::clamp(k, -double{kMaxReflection}, double{kMaxReflection});
    // Use the quantized value so the encoder and the decoder model the same filter.
    k = dequantize_reflection(quantize_reflection(static_cast<float>(k)));
    p.reflection[i - 1] = static_cast<float>(k);
    tmp = a;
    for (size_t j = 1; j < i; ++j) a[j] = tmp[j] + k * tmp[i - j];
    a[i] = k;
    err *= (1 - k * k);
    if (err <= 0) err = 1e-9;
  }
  return p;
}

void ComfortNoiseGenerator::update(const CnParams& params) noexcept {
  order_ = std::min<uint8_t>(params.order, kCnMaxOrder);
  // Step-up recursion from reflection to direct-form coefficients, and the prediction gain.
  std::array<float, kCnMaxOrder> prev{};
  lpc_ = {};
  double gain = 1;
  for (size_t m = 0; m < order_; ++m) {
    const float k = std::clamp(params.reflection[m], -kMaxReflection, kMaxReflection);
    prev = lpc_;
    for (size_t i = 0; i < m; ++i) lpc_[i] = prev[i] + k * prev[m - 1 - i];
    lpc_[m] = k;
    gain *= 1.0 - double{k} * k;
  }
  // White excitation of variance g * target gives output variance target (AR process).
  const double target = params.level_neg_dbov >= kCnSilentLevel
                            ? 0.0
                            : kFullScaleSquare * std::pow(10.0, -params.level_neg_dbov / 10.0);
  // Uniform noise in [-1, 1) has variance 1/3.
  excitation_gain_ = static_cast<float>(std::sqrt(3.0 * target * gain));
}

float ComfortNoiseGenerator::next_uniform() noexcept {
  rng_ ^= rng_ << 13;  // xorshift64
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return static_cast<float>(static_cast<double>(rng_ >> 11) * (2.0 / 9007199254740992.0) - 1.0);
}

void ComfortNoiseGenerator::generate(std::span<int16_t> out) noexcept {
  for (int16_t& sample : out) {
    float y = excitation_gain_ * next_uniform();
    for (size_t i = 0; i < order_; ++i) y -= lpc_[i] * history_[i];
    for (size_t i = order_; i-- > 1;) history_[i] = history_[i - 1];
    if (order_ > 0) history_[0] = y;
    sample = static_cast<int16_t>(std::clamp(std::lround(y), -32768L, 32767L));
  }
}

ComfortNoiseSendPolicy::Action ComfortNoiseSendPolicy::on_frame(bool voice, uint8_t level,
                                                                uint64_t now_ms) noexcept {
  if (voice) {
    const bool first = in_silence_;
    in_silence_ = false;
    return first ? Action::send_audio_with_marker : Action::send_audio;
  }
  const int change = std::abs(int{level} - int{sent_level_});
  if (!in_silence_ || change >= config_.level_change_db ||
      (config_.refresh_ms != 0 && now_ms - sent_at_ms_ >= config_.refresh_ms)) {
    in_silence_ = true;
    sent_level_ = level;
    sent_at_ms_ = now_ms;
    return Action::send_cn;
  }
  return Action::send_nothing;
}

}  // namespace offhook::rtp
