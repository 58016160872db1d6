#include "rtp/jitter_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace offhook::rtp {

Result<FixedJitterBuffer> FixedJitterBuffer::create(const Config& config) {
  if (config.clock_rate_hz == 0) return Error{Errc::invalid_argument, "jitter buffer: clock_rate_hz is 0"};
  // The window must stay well inside half the 16-bit sequence space for is_newer() to hold.
  if (config.capacity < 2 || config.capacity > 16384 || (config.capacity & (config.capacity - 1)) != 0) {
    return Error{Errc::invalid_argument,
                 "jitter buffer: capacity " + std::to_string(config.capacity) + " is not a power of two in 2..16384"};
  }
  if (config.max_payload_bytes == 0 || config.max_payload_bytes > 65536) {
    return Error{Errc::invalid_argument, "jitter buffer: max_payload_bytes must be in 1..65536"};
  }
  if (config.delay_ms > 10000) return Error{Errc::invalid_argument, "jitter buffer: delay_ms above 10000"};
  return FixedJitterBuffer(config);
}

FixedJitterBuffer::FixedJitterBuffer(const Config& config)
    : config_(config),
      mask_(config.capacity - 1),
      slots_(config.capacity),
      payloads_(size_t{config.capacity} * config.max_payload_bytes),
      out_(config.max_payload_bytes) {}

void FixedJitterBuffer::flush() noexcept {
  for (Slot& s : slots_) {
    if (s.state == SlotState::filled) ++stats_.flushed;
    s.state = SlotState::empty;
  }
  count_ = 0;
}

void FixedJitterBuffer::reset() noexcept {
  for (Slot& s : slots_) s.state = SlotState::empty;
  count_ = 0;
  phase_ = Phase::waiting;
  anchored_ = false;
  have_floor_ = false;
  empty_since_valid_ = false;
}

void FixedJitterBuffer::restart_on(SeqNum seq, uint64_t arrival_us) noexcept {
  phase_ = Phase::waiting;
  anchored_ = true;
  next_ = seq;
  newest_ = seq;
  start_us_ = arrival_us + uint64_t{config_.delay_ms} * 1000;
  empty_since_valid_ = false;
}

void FixedJitterBuffer::store(SeqNum seq, uint32_t rtp_ts, std::span<const uint8_t> payload,
                              uint64_t arrival_us) noexcept {
  Slot& s = slot(seq);
  s.state = SlotState::filled;
  s.seq = seq;
  s.timestamp = rtp_ts;
  s.size = static_cast<uint32_t>(payload.size());
  s.arrival_us = arrival_us;
  if (!payload.empty()) std::memcpy(slot_bytes(seq), payload.data(), payload.size());
  if (is_newer(seq, newest_)) newest_ = seq;
  ++count_;
  ++stats_.inserted;
}

InsertStatus FixedJitterBuffer::behind_floor(SeqNum seq) noexcept {
  const Slot& s = slot(seq);
  if (s.state == SlotState::played && s.seq == seq) {
    ++stats_.duplicates;
    return InsertStatus::duplicate;
  }
  ++stats_.late;
  return InsertStatus::too_late;
}

InsertStatus FixedJitterBuffer::insert(SeqNum seq, uint32_t rtp_ts, std::span<const uint8_t> payload,
                                       uint64_t arrival_us) noexcept {
  if (payload.size() > config_.max_payload_bytes) {
    ++stats_.too_large;
    return InsertStatus::too_large;
  }
  const auto capacity = static_cast<int32_t>(config_.capacity);

  if (!anchored_) {
    // First packet, or first after the buffer ran empty: its arrival sets the playout delay.
    if (have_floor_) {
      const int32_t behind = seq_diff(floor_, seq);
      if (behind > 0 && behind <= capacity) return behind_floor(seq);
    }
    restart_on(seq, arrival_us);
    store(seq, rtp_ts, payload, arrival_us);
    return InsertStatus::ok;
  }

  const int32_t ahead = seq_diff(seq, next_);
  if (ahead >= 0 && ahead < capacity) {
    const Slot& s = slot(seq);
    if (s.state == SlotState::filled && s.seq == seq) {
      ++stats_.duplicates;
      return InsertStatus::duplicate;
    }
    store(seq, rtp_ts, payload, arrival_us);
    return InsertStatus::ok;
  }

  if (ahead < 0 && -ahead <= capacity) {
    if (phase_ == Phase::playing) return behind_floor(seq);  // its turn has passed
    // Waiting: an earlier packet than any stored, reordered before playout starts.
    if (have_floor_) {
      const int32_t behind = seq_diff(floor_, seq);
      if (behind > 0 && behind <= capacity) return behind_floor(seq);
    }
    if (seq_diff(newest_, seq) < capacity) {
      next_ = seq;
      store(seq, rtp_ts, payload, arrival_us);
      return InsertStatus::ok;
    }
  }

  // Far ahead (or a long way behind): a sequence discontinuity or an outage longer than the
  // buffer. Waiting for the play point to catch up would stall; start over on this packet.
  flush();
  have_floor_ = false;
  ++stats_.overflows;
  restart_on(seq, arrival_us);
  store(seq, rtp_ts, payload, arrival_us);
  return InsertStatus::overflow;
}

FixedJitterBuffer::Pulled FixedJitterBuffer::pull(uint64_t now_us) noexcept {
  Pulled out;
  if (phase_ == Phase::waiting) {
    if (!anchored_ || count_ == 0) return out;  // empty
    if (now_us < start_us_) {
      out.kind = Pulled::Kind::not_ready;
      return out;
    }
    phase_ = Phase::playing;
  }

  Slot& s = slot(next_);
  if (s.state == SlotState::filled && s.seq == next_) {
    // Copy out so the slot can take a new packet before the caller is done with this one.
    std::memcpy(out_.data(), slot_bytes(next_), s.size);
    s.state = SlotState::played;
    --count_;
    out.kind = Pulled::Kind::packet;
    out.seq = next_;
    out.timestamp = s.timestamp;
    out.payload = std::span<const uint8_t>(out_.data(), s.size);
    const uint64_t delay_us = now_us > s.arrival_us ? now_us - s.arrival_us : 0;
    ++stats_.played;
    stats_.delay_sum_us += delay_us;
    stats_.max_delay_ms = std::max(stats_.max_delay_ms, static_cast<uint32_t>(std::min<uint64_t>(delay_us / 1000, UINT32_MAX)));
    next_ = next_ + 1;
    empty_since_valid_ = false;
    return out;
  }

  if (count_ > 0) {
    empty_since_valid_ = false;
  } else {
    // Nothing buffered. Conceal for up to `delay_ms`; after that the stream has stopped (or
    // lost more than the delay): wait for the next packet and apply the fixed delay again.
    if (!empty_since_valid_) {
      empty_since_valid_ = true;
      empty_since_us_ = now_us;
      empty_since_seq_ = next_;
    }
    if (now_us >= empty_since_us_ && now_us - empty_since_us_ >= uint64_t{config_.delay_ms} * 1000) {
      phase_ = Phase::waiting;
      anchored_ = false;
      // The sequence numbers concealed during this empty run were never sent (a pause), or
      // were lost: either way a packet carrying one starts the new talkspurt, it is not late.
      have_floor_ = true;
      floor_ = empty_since_seq_;
      empty_since_valid_ = false;
      ++stats_.resyncs;
      return out;  // empty
    }
  }
  out.kind = Pulled::Kind::missing;
  out.seq = next_;
  ++stats_.missing;
  next_ = next_ + 1;
  return out;
}

}  // namespace offhook::rtp
