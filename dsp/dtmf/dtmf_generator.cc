#include "dsp/dtmf/dtmf_generator.hpp"

#include <algorithm>
#include <string>

namespace offhook::dsp {

namespace {
constexpr float kRowHz[4] = {697.0f, 770.0f, 852.0f, 941.0f};
constexpr float kColHz[4] = {1209.0f, 1336.0f, 1477.0f, 1633.0f};
// Keypad layout (Q.23): rows by low frequency, columns by high frequency.
constexpr char kKeypad[4][4] = {{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'},
                                {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}};
constexpr char kEventKeys[] = "0123456789*#ABCD";

char upper(char c) noexcept { return (c >= 'a' && c <= 'd') ? static_cast<char>(c - 32) : c; }
}  // namespace

bool dtmf_frequencies(char key, float& low_hz, float& high_hz) noexcept {
  const char k = upper(key);
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (kKeypad[r][c] == k) {
        low_hz = kRowHz[r];
        high_hz = kColHz[c];
        return true;
      }
    }
  }
  return false;
}

int dtmf_event_code(char key) noexcept {
  const char k = upper(key);
  for (int i = 0; i < 16; ++i) {
    if (kEventKeys[i] == k) return i;
  }
  return -1;
}

char dtmf_key_from_event(int code) noexcept {
  return (code >= 0 && code < 16) ? kEventKeys[code] : '\0';
}

Result<DtmfGenerator> DtmfGenerator::create(const DtmfGeneratorConfig& config) {
  auto tone = ToneGenerator::create(config.rate_hz);
  if (!tone) return std::move(tone).error();
  if (config.on_ms == 0 || config.on_ms > 60000 || config.off_ms > 60000) {
    return Error{Errc::invalid_argument, "dtmf generator: on_ms must be 1..60000, off_ms <= 60000"};
  }
  ToneSpec probe{};  // the loudest key pair must be representable
  probe.components[0] = {697.0f, config.low_level_dbm0};
  probe.components[1] = {1633.0f, config.high_level_dbm0};
  probe.component_count = 2;
  const ToneSpecStatus status = validate(probe, config.rate_hz);
  if (status != ToneSpecStatus::ok) {
    return Error{Errc::invalid_argument,
                 std::string("dtmf generator: levels: ") + tone_spec_status_name(status)};
  }
  return DtmfGenerator(config, *tone);
}

bool DtmfGenerator::push(char key) noexcept {
  if (dtmf_event_code(key) < 0 || count_ == kQueueSize) return false;
  queue_[(head_ + count_) % kQueueSize] = key;
  ++count_;
  return true;
}

size_t DtmfGenerator::push(std::span<const char> keys) noexcept {
  size_t n = 0;
  for (char k : keys) {
    if (!push(k)) break;
    ++n;
  }
  return n;
}

void DtmfGenerator::clear() noexcept {
  count_ = 0;
  remaining_ = 0;
  tone_.stop();
}

void DtmfGenerator::start_next() noexcept {
  const char key = queue_[head_];
  head_ = (head_ + 1) % kQueueSize;
  --count_;
  float low_hz = 0.0f;
  float high_hz = 0.0f;
  (void)dtmf_frequencies(key, low_hz, high_hz);
  ToneSpec spec{};
  spec.components[0] = {low_hz, config_.low_level_dbm0};
  spec.components[1] = {high_hz, config_.high_level_dbm0};
  spec.component_count = 2;
  spec.cadence_ms[0] = static_cast<uint16_t>(config_.on_ms);
  spec.cadence_ms[1] = static_cast<uint16_t>(config_.off_ms);
  spec.cadence_count = 2;
  spec.repeat = false;
  (void)tone_.set_tone(spec);  // validated in create()
  remaining_ = static_cast<size_t>(config_.on_ms + config_.off_ms) * (config_.rate_hz / 1000);
}

// [rt]
void DtmfGenerator::generate(std::span<int16_t> out) noexcept {
  size_t done = 0;
  while (done < out.size()) {
    if (remaining_ == 0) {
      if (count_ == 0) {
        tone_.generate(out.subspan(done));  // silence
        return;
      }
      start_next();
    }
    // Up to the end of the current key, so the next one starts on the exact sample.
    const size_t n = std::min(out.size() - done, remaining_);
    tone_.generate(out.subspan(done, n));
    done += n;
    remaining_ -= n;
  }
}

}  // namespace offhook::dsp
