#include "rtp/telephone_event.hpp"

#include <algorithm>

#include "rtp/seq.hpp"

namespace offhook::rtp {

namespace {
constexpr uint32_t kMaxSegmentUnits = 0xffff;  // §2.5.1.3: the 16-bit duration field
}

const char* telephone_event_status_name(TelephoneEventStatus status) noexcept {
  switch (status) {
    case TelephoneEventStatus::ok: return "ok";
    case TelephoneEventStatus::truncated: return "truncated";
    case TelephoneEventStatus::bad_length: return "bad length";
  }
  return "unknown";
}

TelephoneEventStatus parse_telephone_event(std::span<const uint8_t> payload,
                                           TelephoneEventPayload& out) noexcept {
  if (payload.size() < kTelephoneEventBytes) return TelephoneEventStatus::truncated;
  if (payload.size() > kTelephoneEventBytes) return TelephoneEventStatus::bad_length;
  out.event = payload[0];
  out.end = (payload[1] & 0x80) != 0;
  out.volume = payload[1] & 0x3f;
  out.duration = static_cast<uint16_t>((payload[2] << 8) | payload[3]);
  return TelephoneEventStatus::ok;
}

size_t write_telephone_event(const TelephoneEventPayload& event, std::span<uint8_t> out) noexcept {
  if (out.size() < kTelephoneEventBytes || event.volume > kMaxEventVolume) return 0;
  out[0] = event.event;
  out[1] = static_cast<uint8_t>((event.end ? 0x80 : 0) | event.volume);  // R = 0 (§2.3.3)
  out[2] = static_cast<uint8_t>(event.duration >> 8);
  out[3] = static_cast<uint8_t>(event.duration);
  return kTelephoneEventBytes;
}

int dtmf_event_code(char key) noexcept {
  if (key >= '0' && key <= '9') return key - '0';
  if (key == '*') return 10;
  if (key == '#') return 11;
  if (key >= 'A' && key <= 'D') return 12 + (key - 'A');
  if (key >= 'a' && key <= 'd') return 12 + (key - 'a');
  return -1;
}

// --- sender -------------------------------------------------------------------------------

Result<TelephoneEventSender> TelephoneEventSender::create(const Config& config) {
  const uint64_t units = uint64_t{config.packet_interval_ms} * config.clock_rate_hz / 1000;
  if (config.clock_rate_hz == 0 || units == 0 || units > kMaxSegmentUnits) {
    return Error{Errc::invalid_argument, "telephone-event packet interval must be 1..65535 RTP units"};
  }
  if (config.end_packets == 0) return Error{Errc::invalid_argument, "end_packets must be at least 1"};
  return TelephoneEventSender(config);
}

TelephoneEventSender::TelephoneEventSender(const Config& config) noexcept
    : config_(config),
      interval_units_(static_cast<uint32_t>(uint64_t{config.packet_interval_ms} * config.clock_rate_hz / 1000)) {}

bool TelephoneEventSender::start(uint8_t event, uint32_t duration_ms, uint8_t volume) noexcept {
  if (state_ != State::idle || duration_ms == 0 || volume > kMaxEventVolume) return false;
  const uint64_t units = uint64_t{duration_ms} * config_.clock_rate_hz / 1000;
  if (units == 0 || units > 0x7fffffff) return false;
  event_ = event;
  volume_ = volume;
  total_units_ = static_cast<uint32_t>(units);
  state_ = State::pending;
  return true;
}

bool TelephoneEventSender::poll(uint32_t rtp_now, Packet& out) noexcept {
  if (state_ == State::idle) return false;
  bool first = false;
  if (state_ == State::pending) {
    start_ts_ = rtp_now;
    segment_offset_ = 0;
    covered_units_ = 0;
    next_due_ts_ = rtp_now;
    state_ = State::sending;
    first = true;
  }
  if (static_cast<int32_t>(rtp_now - next_due_ts_) < 0) return false;
  next_due_ts_ += interval_units_;

  if (state_ == State::sending) {
    // Each packet reports the duration up to the end of its interval (§2.5.1.2).
    covered_units_ = std::min(covered_units_ + interval_units_, total_units_);
    if (covered_units_ - segment_offset_ > kMaxSegmentUnits) {
      // §2.5.1.3: a new segment starts where the full one ends; no marker, no E bit.
      segment_offset_ += kMaxSegmentUnits;
    }
    if (covered_units_ == total_units_) {
      state_ = State::ending;
      end_left_ = config_.end_packets;
    }
  }
  const bool end = state_ == State::ending;
  out.marker = first;
  out.timestamp = start_ts_ + segment_offset_;
  (void)write_telephone_event({.event = event_, .end = end, .volume = volume_,
                               .duration = static_cast<uint16_t>(covered_units_ - segment_offset_)},
                              out.payload);
  if (end && --end_left_ == 0) state_ = State::idle;  // §2.5.1.4: same timestamp, same duration
  return true;
}

// --- receiver -----------------------------------------------------------------------------

Result<TelephoneEventReceiver> TelephoneEventReceiver::create(const Config& config) {
  if (config.clock_rate_hz == 0 || config.end_timeout_ms == 0) {
    return Error{Errc::invalid_argument, "telephone-event receiver needs a clock rate and a timeout"};
  }
  return TelephoneEventReceiver(config);
}

TelephoneEventReceiver::TelephoneEventReceiver(const Config& config) noexcept : config_(config) {}

void TelephoneEventReceiver::push(const Report& r) noexcept {
  if (count_ == kQueueSize) {
    head_ = (head_ + 1) % kQueueSize;
    --count_;
    ++dropped_reports_;
  }
  queue_[(head_ + count_) % kQueueSize] = r;
  ++count_;
}

bool TelephoneEventReceiver::pop(Report& out) noexcept {
  if (count_ == 0) return false;
  out = queue_[head_];
  head_ = (head_ + 1) % kQueueSize;
  --count_;
  return true;
}

void TelephoneEventReceiver::begin(const TelephoneEventPayload& p, uint32_t timestamp,
                                   uint64_t now_us) noexcept {
  active_ = true;
  event_ = p.event;
  volume_ = p.volume;
  first_ts_ = timestamp;
  segment_ts_ = timestamp;
  segment_base_ = 0;
  duration_ = p.duration;
  last_packet_us_ = now_us;
  push({.kind = Report::Kind::begin, .event = event_, .volume = volume_, .timestamp = first_ts_});
}

void TelephoneEventReceiver::finish(bool end_seen) noexcept {
  push({.kind = Report::Kind::end, .event = event_, .volume = volume_, .timestamp = first_ts_,
        .duration_units = segment_base_ + duration_, .end_seen = end_seen});
  active_ = false;
  have_ended_ = true;
  ended_ts_ = segment_ts_;
}

TelephoneEventStatus TelephoneEventReceiver::on_packet(bool marker, uint32_t timestamp,
                                                       std::span<const uint8_t> payload,
                                                       uint64_t now_us) noexcept {
  TelephoneEventPayload p;
  const TelephoneEventStatus s = parse_telephone_event(payload, p);
  if (s != TelephoneEventStatus::ok) return s;
  const RtpTimestamp ts(timestamp);

  if (active_) {
    if (timestamp == segment_ts_) {  // an update, a retransmission or the end (§2.5.2.1)
      if (p.event != event_) return s;  // a different event cannot share the timestamp: ignore
      duration_ = std::max(duration_, p.duration);
      last_packet_us_ = now_us;
      if (p.end) finish(true);
      return s;
    }
    if (!is_newer(ts, RtpTimestamp(segment_ts_))) return s;  // a late packet of an older segment
    const auto step = static_cast<uint32_t>(ts_diff(ts, RtpTimestamp(segment_ts_)));
    if (!marker && p.event == event_ && step == kMaxSegmentUnits) {
      // §2.5.1.3: the next segment of the same long event.
      segment_base_ += step;
      segment_ts_ = timestamp;
      duration_ = p.duration;
      last_packet_us_ = now_us;
      if (p.end) finish(true);
      return s;
    }
    finish(false);  // a newer event while this one never ended: its end packets were lost
  } else if (have_ended_ && !is_newer(ts, RtpTimestamp(ended_ts_))) {
    return s;  // retransmitted end packets or late updates of an event already reported
  }
  begin(p, timestamp, now_us);  // with or without the marker bit (§2.5.2.1 lost first packet)
  if (p.end) finish(true);
  return s;
}

void TelephoneEventReceiver::tick(uint64_t now_us) noexcept {
  if (active_ && now_us - last_packet_us_ >= uint64_t{config_.end_timeout_ms} * 1000) finish(false);
}

}  // namespace offhook::rtp
