#include "rtp/adaptive_jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace offhook::rtp {

namespace {

constexpr double kPriorWeight = 5.0;       // the nominal delay counts as this many packets at start
constexpr double kRenormalizeAt = 1e12;    // histogram weights grow by 1/forget per packet
constexpr int64_t kFarBehindPackets = 3000;
constexpr int64_t kInf = std::numeric_limits<int64_t>::max();

}  // namespace

double JbStats::waiting_mean_ms() const noexcept {
  return packets_played ? static_cast<double>(waiting_sum_us) / 1000.0 / static_cast<double>(packets_played) : 0.0;
}

double JbStats::waiting_p95_ms() const noexcept {
  uint64_t total = 0;
  for (uint32_t n : waiting_hist) total += n;
  if (total == 0) return 0.0;
  const uint64_t need = (total * 95 + 99) / 100;
  uint64_t acc = 0;
  for (size_t i = 0; i < waiting_hist.size(); ++i) {
    acc += waiting_hist[i];
    if (acc >= need) return static_cast<double>((i + 1) * 10);
  }
  return static_cast<double>(waiting_hist.size() * 10);
}

double JbStats::concealed_samples_ratio() const noexcept {
  return frames ? static_cast<double>(frames_concealed) / static_cast<double>(frames) : 0.0;
}
double JbStats::accelerate_rate() const noexcept {
  return frames ? static_cast<double>(frames_shrunk) / static_cast<double>(frames) : 0.0;
}
double JbStats::expand_rate() const noexcept {
  return frames ? static_cast<double>(frames_stretched) / static_cast<double>(frames) : 0.0;
}

Result<AdaptiveJitterBuffer> AdaptiveJitterBuffer::create(const Config& config) {
  if (config.clock_rate_hz < 1000 || config.clock_rate_hz > 192000) {
    return Error{Errc::invalid_argument, "jitter buffer: clock_rate_hz must be in 1000..192000"};
  }
  if (config.frame_ms < 5 || config.frame_ms > 120) {
    return Error{Errc::invalid_argument, "jitter buffer: frame_ms must be in 5..120"};
  }
  if (config.capacity < 4 || config.capacity > 16384 || (config.capacity & (config.capacity - 1)) != 0) {
    return Error{Errc::invalid_argument,
                 "jitter buffer: capacity " + std::to_string(config.capacity) + " is not a power of two in 4..16384"};
  }
  if (config.max_payload_bytes == 0 || config.max_payload_bytes > 65536) {
    return Error{Errc::invalid_argument, "jitter buffer: max_payload_bytes must be in 1..65536"};
  }
  if (config.max_delay_ms > 10000 || config.min_delay_ms > config.max_delay_ms ||
      config.nominal_delay_ms > config.max_delay_ms) {
    return Error{Errc::invalid_argument, "jitter buffer: need min_delay_ms <= nominal_delay_ms, max_delay_ms <= 10000"};
  }
  if (!(config.quantile > 0.5 && config.quantile < 1.0) ||
      !(config.forget_per_packet > 0.9 && config.forget_per_packet < 1.0)) {
    return Error{Errc::invalid_argument, "jitter buffer: quantile in (0.5, 1), forget_per_packet in (0.9, 1)"};
  }
  if (config.min_window_ms < 100 || config.min_window_ms > 600000 || config.resync_jump_ms < 1000) {
    return Error{Errc::invalid_argument, "jitter buffer: min_window_ms in 100..600000, resync_jump_ms >= 1000"};
  }
  return AdaptiveJitterBuffer(config);
}

AdaptiveJitterBuffer::AdaptiveJitterBuffer(const Config& config)
    : config_(config),
      mask_(config.capacity - 1),
      frame_us_(int64_t{config.frame_ms} * 1000),
      slots_(config.capacity),
      payloads_(size_t{config.capacity} * config.max_payload_bytes),
      hist_(kHistBuckets, 0.0) {
  const int prior = std::min(kHistBuckets - 1, static_cast<int>(int64_t{config.nominal_delay_ms} * 1000 / kHistBucketUs));
  hist_[static_cast<size_t>(prior)] = kPriorWeight;
  hist_total_ = kPriorWeight;
  q_index_ = prior;
  q_below_ = 0;
}

uint32_t AdaptiveJitterBuffer::target_delay_ms() const noexcept {
  return static_cast<uint32_t>(target_us() / 1000);
}

int64_t AdaptiveJitterBuffer::target_us() const noexcept {
  if (config_.fixed) return int64_t{config_.nominal_delay_ms} * 1000;
  const int64_t t = int64_t{q_index_ + 1} * kHistBucketUs;
  return std::clamp(t, int64_t{config_.min_delay_ms} * 1000, int64_t{config_.max_delay_ms} * 1000);
}

void AdaptiveJitterBuffer::restart() noexcept {
  for (Slot& s : slots_) {
    if (s.state == SlotState::filled) ++stats_.packets_discarded;
    s.state = SlotState::empty;
  }
  count_ = 0;
  started_ = false;
  have_last_ = false;
  have_min_ = false;
  seq_unwrap_.reset();
  ts_unwrap_.reset();
  conceal_run_ = 0;
}

void AdaptiveJitterBuffer::reset() noexcept {
  restart();
  have_ssrc_ = false;
  last_action_ = JbAction::idle;
}

void AdaptiveJitterBuffer::add_to_histogram(int64_t delay_us) noexcept {
  const int b = static_cast<int>(std::clamp<int64_t>(delay_us / kHistBucketUs, 0, kHistBuckets - 1));
  hist_[static_cast<size_t>(b)] += hist_weight_;
  hist_total_ += hist_weight_;
  if (b < q_index_) q_below_ += hist_weight_;
  // Exponential forgetting without touching every bucket: each new packet weighs 1/forget more.
  hist_weight_ /= config_.forget_per_packet;
  if (hist_weight_ > kRenormalizeAt) {
    const double scale = 1.0 / hist_weight_;
    hist_total_ = 0;
    q_below_ = 0;
    for (int i = 0; i < kHistBuckets; ++i) {
      hist_[static_cast<size_t>(i)] *= scale;
      hist_total_ += hist_[static_cast<size_t>(i)];
      if (i < q_index_) q_below_ += hist_[static_cast<size_t>(i)];
    }
    hist_weight_ = 1.0;
  }
  // q_index_ is the first bucket whose cumulative mass reaches quantile * total.
  const double need = config_.quantile * hist_total_;
  while (q_index_ < kHistBuckets - 1 && q_below_ + hist_[static_cast<size_t>(q_index_)] < need) {
    q_below_ += hist_[static_cast<size_t>(q_index_)];
    ++q_index_;
  }
  while (q_index_ > 0 && q_below_ >= need) {
    --q_index_;
    q_below_ -= hist_[static_cast<size_t>(q_index_)];
  }
  if (q_below_ < 0) q_below_ = 0;
}

void AdaptiveJitterBuffer::observe_delay(int64_t rel_us, uint64_t arrival_us) noexcept {
  const uint64_t part_us = uint64_t{config_.min_window_ms} * 1000 / kMinRing;
  if (!have_min_ || arrival_us >= min_slot_start_us_ + part_us * kMinRing) {
    min_ring_.fill(kInf);
    min_pos_ = 0;
    min_slot_start_us_ = arrival_us;
    min_rel_us_ = kInf;
    have_min_ = true;
  }
  bool rotated = false;
  while (arrival_us >= min_slot_start_us_ + part_us) {  // at most kMinRing steps (checked above)
    min_pos_ = (min_pos_ + 1) % kMinRing;
    min_ring_[static_cast<size_t>(min_pos_)] = kInf;
    min_slot_start_us_ += part_us;
    rotated = true;
  }
  int64_t& cur = min_ring_[static_cast<size_t>(min_pos_)];
  cur = std::min(cur, rel_us);
  if (rotated || rel_us < min_rel_us_ || min_rel_us_ == kInf) {
    int64_t m = kInf;
    for (int64_t v : min_ring_) m = std::min(m, v);
    min_rel_us_ = m;
  }
  if (!config_.fixed) add_to_histogram(rel_us - min_rel_us_);
}

JbInsertStatus AdaptiveJitterBuffer::insert(uint32_t ssrc, SeqNum seq, uint32_t rtp_ts,
                                            std::span<const uint8_t> payload, uint64_t arrival_us) noexcept {
  ++stats_.packets_received;
  if (payload.size() > config_.max_payload_bytes) {
    ++stats_.packets_too_large;
    return JbInsertStatus::too_large;
  }
  JbInsertStatus status = JbInsertStatus::ok;
  if (have_ssrc_ && ssrc != ssrc_ && started_) {
    restart();
    ++stats_.resyncs;
    status = JbInsertStatus::resync;
  }
  ssrc_ = ssrc;
  have_ssrc_ = true;

  int64_t ext_seq = 0;
  int64_t ext_ts = 0;
  if (started_) {
    ext_seq = seq_unwrap_.peek(seq);
    ext_ts = ts_unwrap_.peek(RtpTimestamp(rtp_ts));
    const int64_t media_us = (ext_ts - first_ts_) * 1'000'000 / config_.clock_rate_hz;
    const int64_t d_media = media_us - last_arrival_media_us_;
    const int64_t d_arrival = static_cast<int64_t>(arrival_us) - static_cast<int64_t>(last_arrival_us_);
    const int64_t mismatch = d_media - d_arrival;
    const int64_t jump_us = int64_t{config_.resync_jump_ms} * 1000;
    const bool far_ahead = ext_seq >= next_seq_ + static_cast<int64_t>(config_.capacity);
    const bool far_behind = ext_seq < next_seq_ - kFarBehindPackets;
    if (far_ahead || far_behind || mismatch > jump_us || mismatch < -jump_us) {
      restart();
      ++stats_.resyncs;
      status = JbInsertStatus::resync;
    }
  }
  if (!started_) {
    ext_seq = seq_unwrap_.unwrap(seq);
    ext_ts = ts_unwrap_.unwrap(RtpTimestamp(rtp_ts));
    first_ts_ = ext_ts;
    next_seq_ = ext_seq;
    newest_seq_ = ext_seq;
    started_ = true;
  } else {
    ext_seq = seq_unwrap_.unwrap(seq);
    ext_ts = ts_unwrap_.unwrap(RtpTimestamp(rtp_ts));
  }
  const int64_t media_us = (ext_ts - first_ts_) * 1'000'000 / config_.clock_rate_hz;

  Slot& s = slot(ext_seq);
  if (s.seq == ext_seq && s.state != SlotState::empty) {
    ++stats_.packets_duplicate;
    return JbInsertStatus::duplicate;
  }
  // Every new packet teaches the estimator, late ones most of all.
  observe_delay(static_cast<int64_t>(arrival_us) - media_us, arrival_us);
  last_arrival_us_ = arrival_us;
  last_arrival_media_us_ = media_us;
  if (ext_seq < next_seq_) {
    ++stats_.packets_late;
    return JbInsertStatus::too_late;
  }
  if (s.state == SlotState::filled) {  // cannot happen inside the window; keep the count honest
    ++stats_.packets_discarded;
    --count_;
  }
  s.state = SlotState::filled;
  s.seq = ext_seq;
  s.media_us = media_us;
  s.timestamp = rtp_ts;
  s.size = static_cast<uint32_t>(payload.size());
  s.arrival_us = arrival_us;
  if (!payload.empty()) std::memcpy(slot_bytes(ext_seq), payload.data(), payload.size());
  newest_seq_ = std::max(newest_seq_, ext_seq);
  ++count_;
  ++stats_.packets_stored;
  return status;
}

AdaptiveJitterBuffer::Slot* AdaptiveJitterBuffer::lowest_from(int64_t seq) noexcept {
  if (count_ == 0) return nullptr;
  for (int64_t s = seq; s <= newest_seq_; ++s) {  // bounded by capacity (insert keeps the window)
    Slot& slot_ref = slot(s);
    if (slot_ref.state == SlotState::filled && slot_ref.seq == s) return &slot_ref;
  }
  return nullptr;
}

void AdaptiveJitterBuffer::consume(Slot& s, int index, uint64_t now_us) noexcept {
  const auto i = static_cast<size_t>(index);
  const uint8_t* dst = slot_bytes(s.seq);  // the slot keeps its bytes until a later insert reuses it
  decision_.seqs[i] = s.seq;
  decision_.timestamps[i] = s.timestamp;
  decision_.payloads[i] = std::span<const uint8_t>(dst, s.size);
  decision_.count = static_cast<uint8_t>(index + 1);
  const uint64_t wait_us = now_us > s.arrival_us ? now_us - s.arrival_us : 0;
  stats_.waiting_sum_us += wait_us;
  stats_.waiting_max_us = std::max(stats_.waiting_max_us, wait_us);
  ++stats_.waiting_hist[std::min<size_t>(wait_us / 10000, stats_.waiting_hist.size() - 1)];
  ++stats_.packets_played;
  s.state = SlotState::played;
  --count_;
  have_last_ = true;
  last_seq_ = s.seq;
  last_media_us_ = s.media_us;
  next_seq_ = s.seq + 1;
}

const JbDecision& AdaptiveJitterBuffer::emit_missing(uint64_t) noexcept {
  if (have_last_ && conceal_run_ < kMaxConcealFrames && last_action_ != JbAction::silence) {
    decision_.action = JbAction::conceal;
    if (conceal_run_ == 0) ++stats_.concealment_events;
    ++conceal_run_;
    ++stats_.frames_concealed;
  } else {
    decision_.action = JbAction::silence;
    ++stats_.frames_silence;
  }
  last_action_ = decision_.action;
  return decision_;
}

const JbDecision& AdaptiveJitterBuffer::pull(uint64_t now_us) noexcept {
  decision_.count = 0;
  decision_.payloads = {};
  decision_.next_payload = {};
  if (!started_) {
    decision_.action = JbAction::idle;
    return decision_;
  }
  ++stats_.frames;
  const auto now = static_cast<int64_t>(now_us);
  const int64_t half = frame_us_ / 2;
  const int64_t target = target_us();
  stats_.target_delay_ms = static_cast<uint32_t>(target / 1000);

  Slot* p = lowest_from(next_seq_);
  // Fixed mode keeps its schedule: a packet whose slot has passed is late and dropped.
  while (config_.fixed && have_last_ && p != nullptr && now - (p->media_us + offset_us_) > half &&
         p->media_us - last_media_us_ <= (p->seq - last_seq_) * frame_us_ + half) {
    p->state = SlotState::played;
    --count_;
    ++stats_.packets_late;
    next_seq_ = p->seq + 1;
    p = lowest_from(next_seq_);
  }
  if (p == nullptr) return emit_missing(now_us);

  // A talkspurt starts (or playout starts): media time jumped past the sequence spacing, so the
  // frames before it were silence, not loss. Re-time it onto the target delay.
  const bool spurt_start =
      !have_last_ || p->media_us - last_media_us_ > (p->seq - last_seq_) * frame_us_ + half;
  if (spurt_start && (!config_.fixed || !have_last_)) {
    const int64_t desired = config_.fixed ? static_cast<int64_t>(p->arrival_us) + target
                                          : p->media_us + min_rel_us_ + target;
    if (now + half < desired) {
      decision_.action = JbAction::silence;
      ++stats_.frames_silence;
      last_action_ = decision_.action;
      return decision_;
    }
    offset_us_ = now - p->media_us;
  } else {
    const int64_t due = p->media_us + offset_us_;
    if (now + half < due) {  // the packets before `p` are missing
      const JbDecision& d = emit_missing(now_us);
      // `p` is the very next frame: the missing one is its predecessor, which its FEC describes.
      if (d.action == JbAction::conceal && due - now <= frame_us_ + half) {
        decision_.next_payload = {slot_bytes(p->seq), p->size};
      }
      return decision_;
    }
    if (now - due > half) {  // overdue: the schedule slips
      offset_us_ = now - p->media_us;
      slipped_at_us_ = now;
    }
    const int64_t current = offset_us_ - min_rel_us_;
    const bool after_audio = last_action_ == JbAction::play || last_action_ == JbAction::shrink;
    if (!config_.fixed && after_audio && now - due <= half && current < target) {
      decision_.action = JbAction::stretch;  // preemptive expand of the audio just played
      offset_us_ += frame_us_;
      ++stats_.frames_stretched;
      last_action_ = decision_.action;
      stats_.current_delay_ms = static_cast<uint32_t>(std::max<int64_t>(0, offset_us_ - min_rel_us_) / 1000);
      return decision_;
    }
    if (!config_.fixed && current - frame_us_ >= target + int64_t{config_.shrink_margin_ms} * 1000 &&
        now - slipped_at_us_ >= int64_t{config_.shrink_hold_ms} * 1000) {
      Slot& q = slot(p->seq + 1);
      if (q.state == SlotState::filled && q.seq == p->seq + 1 && q.media_us == p->media_us + frame_us_) {
        consume(*p, 0, now_us);
        consume(q, 1, now_us);
        offset_us_ -= frame_us_;
        decision_.action = JbAction::shrink;
        stats_.frames_shrunk += 1;
        ++stats_.frames_played;
        conceal_run_ = 0;
        last_action_ = decision_.action;
        stats_.current_delay_ms = static_cast<uint32_t>(std::max<int64_t>(0, offset_us_ - min_rel_us_) / 1000);
        return decision_;
      }
    }
  }
  consume(*p, 0, now_us);
  decision_.action = JbAction::play;
  ++stats_.frames_played;
  conceal_run_ = 0;
  last_action_ = decision_.action;
  stats_.current_delay_ms = static_cast<uint32_t>(std::max<int64_t>(0, offset_us_ - min_rel_us_) / 1000);
  return decision_;
}

}  // namespace offhook::rtp
