#include "src/alsa/alsa_device.hpp"

#include <alsa/asoundlib.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "core/log.hpp"

namespace offhook {
namespace {

constexpr int kMaxConsecutiveErrors = 8;  // errors in a row (after recovery) before the device is lost
constexpr uint64_t kMediaBlockMs = 10;

uint64_t monotonic_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// alsa-lib prints its errors to stderr by default; the library never prints, so they go to the
// log handler at debug level instead.
void alsa_error_to_log(const char* file, int line, const char* function, int err, const char* fmt, ...) {
  char text[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  log(LogLevel::debug, "alsa-lib %s:%d %s: %s (%s)", file, line, function, text, err != 0 ? snd_strerror(err) : "");
}

void install_error_handler() {
  static std::once_flag once;
  std::call_once(once, [] { snd_lib_error_set_handler(&alsa_error_to_log); });
}

snd_pcm_t* as_pcm(void* p) noexcept { return static_cast<snd_pcm_t*>(p); }

std::string describe(const AlsaConfig& c, snd_pcm_stream_t stream) {
  return std::string("ALSA ") + (stream == SND_PCM_STREAM_CAPTURE ? "capture" : "playback") + " device '" +
         c.device + "'";
}

struct Opened {
  snd_pcm_t* pcm = nullptr;
  size_t period_frames = 0;
};

// Opens and configures the PCM; on failure closes it and names the device, the direction and
// what was refused.
Result<Opened> open_pcm(const AlsaConfig& c, snd_pcm_stream_t stream) {
  install_error_handler();
  const std::string what = describe(c, stream);
  if (c.channels != 1) {
    return Error{Errc::not_supported, what + ": " + std::to_string(c.channels) + " channels (mono only)"};
  }
  if (c.rate_hz < 8000 || c.rate_hz > 48000 || c.period_ms == 0 || c.period_ms > 100 || c.buffer_periods < 2 ||
      c.buffer_periods > 32 || c.device.empty()) {
    return Error{Errc::invalid_argument, what + ": rate " + std::to_string(c.rate_hz) + " Hz (8000..48000), period " +
                                             std::to_string(c.period_ms) + " ms (1..100), " +
                                             std::to_string(c.buffer_periods) + " periods (2..32)"};
  }
  snd_pcm_t* pcm = nullptr;
  int err = snd_pcm_open(&pcm, c.device.c_str(), stream, 0);
  if (err < 0) {
    const std::string reason = snd_strerror(err);
    if (err == -EBUSY) return Error{Errc::io_error, what + " is busy (used by another program): " + reason};
    if (err == -ENOENT || err == -ENODEV || err == -ENXIO || err == -EINVAL) {  // EINVAL: no such card index
      return Error{Errc::not_found, what + " does not exist or is not present: " + reason};
    }
    return Error{Errc::io_error, what + " cannot be opened: " + reason};
  }
  std::unique_ptr<snd_pcm_t, int (*)(snd_pcm_t*)> guard(pcm, &snd_pcm_close);

  snd_pcm_hw_params_t* hw = nullptr;
  snd_pcm_hw_params_alloca(&hw);
  auto fail = [&](Errc code, const std::string& step, int e) {
    return Error{code, what + ": " + step + ": " + snd_strerror(e)};
  };
  if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0) return fail(Errc::io_error, "no configuration", err);
  // Let alsa-lib's plug layer convert the rate where the PCM is a plug device ("default", plughw).
  (void)snd_pcm_hw_params_set_rate_resample(pcm, hw, 1);
  if ((err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) {
    return fail(Errc::not_supported, "interleaved access refused", err);
  }
  if ((err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16)) < 0) {
    return fail(Errc::not_supported, "16-bit samples refused (try the plughw: or default device)", err);
  }
  if ((err = snd_pcm_hw_params_set_channels(pcm, hw, c.channels)) < 0) {
    return fail(Errc::not_supported, "mono refused (try the plughw: or default device)", err);
  }
  if ((err = snd_pcm_hw_params_set_rate(pcm, hw, c.rate_hz, 0)) < 0) {
    return Error{Errc::not_supported, what + " does not support " + std::to_string(c.rate_hz) +
                                          " Hz (try the plughw: or default device): " + snd_strerror(err)};
  }
  snd_pcm_uframes_t period = c.rate_hz * c.period_ms / 1000;
  int dir = 0;
  if ((err = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir)) < 0) {
    return fail(Errc::not_supported, "period of " + std::to_string(c.period_ms) + " ms refused", err);
  }
  snd_pcm_uframes_t buffer = period * c.buffer_periods;
  if ((err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)) < 0) {
    return fail(Errc::not_supported, "buffer of " + std::to_string(c.buffer_periods) + " periods refused", err);
  }
  if ((err = snd_pcm_hw_params(pcm, hw)) < 0) return fail(Errc::not_supported, "hardware parameters refused", err);
  (void)snd_pcm_hw_params_get_period_size(hw, &period, &dir);
  (void)snd_pcm_hw_params_get_buffer_size(hw, &buffer);
  if (period == 0 || period > 48000 / 10 || buffer < 2 * period) {
    return Error{Errc::not_supported, what + ": unusable period " + std::to_string(period) + " / buffer " +
                                          std::to_string(buffer) + " frames"};
  }

  snd_pcm_sw_params_t* sw = nullptr;
  snd_pcm_sw_params_alloca(&sw);
  if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0) return fail(Errc::io_error, "software parameters", err);
  (void)snd_pcm_sw_params_set_avail_min(pcm, sw, period);
  // Playback starts once two periods are queued (a cushion against the first wake-up jitter);
  // capture starts on the first read.
  (void)snd_pcm_sw_params_set_start_threshold(pcm, sw, stream == SND_PCM_STREAM_PLAYBACK ? 2 * period : 1);
  if ((err = snd_pcm_sw_params(pcm, sw)) < 0) return fail(Errc::not_supported, "software parameters refused", err);
  if ((err = snd_pcm_prepare(pcm)) < 0) return fail(Errc::io_error, "prepare", err);
  return Opened{guard.release(), static_cast<size_t>(period)};
}

size_t target_samples(const AlsaConfig& c, size_t period_frames) {
  const size_t block = samples_in_ms(c.rate_hz, kMediaBlockMs);
  const size_t fallback = period_frames + block + samples_in_ms(c.rate_hz, 5);
  const size_t minimum = period_frames + block + 4;
  return c.target_ms == 0 ? fallback : std::max(minimum, samples_in_ms(c.rate_hz, c.target_ms));
}

}  // namespace

const char* device_state_name(DeviceState state) noexcept {
  switch (state) {
    case DeviceState::running: return "running";
    case DeviceState::recovering: return "recovering";
    case DeviceState::lost: return "lost";
    case DeviceState::stopped: return "stopped";
  }
  return "unknown";
}

// ---- AlsaStream ----

AlsaStream::AlsaStream(const AlsaConfig& config, void* pcm, size_t period_frames)
    : config_(config), pcm_(pcm), period_frames_(period_frames) {}

AlsaStream::~AlsaStream() {
  stop_thread();
  if (pcm_ != nullptr) snd_pcm_close(as_pcm(pcm_));
}

void AlsaStream::start_thread() { thread_ = std::thread([this] { io_loop(); }); }

void AlsaStream::stop_thread() noexcept {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

AlsaStats AlsaStream::stats() const noexcept {
  AlsaStats s;
  s.state = state();
  s.frames = frames_.load(std::memory_order_relaxed);
  s.xruns = xruns_.load(std::memory_order_relaxed);
  s.suspends = suspends_.load(std::memory_order_relaxed);
  s.ring_underruns = ring_underruns_.load(std::memory_order_relaxed);
  s.ring_overruns = ring_overruns_.load(std::memory_order_relaxed);
  s.last_error = last_error_.load(std::memory_order_relaxed);
  s.correction_ppm = correction_ppm_.load(std::memory_order_relaxed);
  return s;
}

void AlsaStream::sleep_half_period() const noexcept {
  const long ns = static_cast<long>(config_.period_ms) * 500'000L;
  timespec ts{ns / 1'000'000'000L, ns % 1'000'000'000L};
  nanosleep(&ts, nullptr);
}

bool AlsaStream::handle_error(long err) noexcept {
  int& consecutive = consecutive_errors_;
  if (err >= 0) {
    consecutive = 0;
    return true;
  }
  if (err == -EAGAIN || err == -EINTR) return true;
  last_error_.store(static_cast<int>(err), std::memory_order_relaxed);
  snd_pcm_t* pcm = as_pcm(pcm_);
  if ((err == -EPIPE || err == -ESTRPIPE) && ++consecutive <= kMaxConsecutiveErrors) {
    state_.store(DeviceState::recovering, std::memory_order_release);
    (err == -EPIPE ? xruns_ : suspends_).fetch_add(1, std::memory_order_relaxed);
    const int rc = snd_pcm_recover(pcm, static_cast<int>(err), 1);  // silent: we count instead
    if (rc == 0) {
      log(LogLevel::info, "%s: %s recovered", config_.device.c_str(), err == -EPIPE ? "xrun" : "suspend");
      state_.store(DeviceState::running, std::memory_order_release);
      return true;
    }
    last_error_.store(rc, std::memory_order_relaxed);
    err = rc;
  }
  log(LogLevel::error, "ALSA device '%s' lost: %s", config_.device.c_str(), snd_strerror(static_cast<int>(err)));
  state_.store(DeviceState::lost, std::memory_order_release);
  return false;
}

// ---- AlsaCapture ----

Result<std::unique_ptr<AlsaCapture>> AlsaCapture::create(const AlsaConfig& config) {
  auto opened = open_pcm(config, SND_PCM_STREAM_CAPTURE);
  if (!opened) return std::move(opened).error();
  const size_t block = samples_in_ms(config.rate_hz, kMediaBlockMs);
  DriftCompensatorConfig dc;
  dc.rate_hz = config.rate_hz;
  dc.max_block_samples = block;
  dc.producer_block_samples = opened->period_frames;
  dc.target_fill = target_samples(config, opened->period_frames);
  dc.enabled = config.drift_compensation;
  auto comp = DriftCompensator::create(dc);
  if (!comp) {
    snd_pcm_close(opened->pcm);
    return std::move(comp).error();
  }
  std::unique_ptr<AlsaCapture> capture(
      new AlsaCapture(config, opened->pcm, opened->period_frames, std::move(*comp)));
  capture->start_thread();
  return capture;
}

AlsaCapture::AlsaCapture(const AlsaConfig& config, void* pcm, size_t period_frames,
                         std::unique_ptr<DriftCompensator> comp)
    : AlsaStream(config, pcm, period_frames),
      // Room for the target, one period in flight, and one more period of slack.
      ring_(comp->config().target_fill + 2 * period_frames),
      comp_(std::move(comp)),
      media_in_(comp_->config().max_block_samples * 2 + 8, 0),
      io_buffer_(period_frames, 0),
      target_fill_(comp_->config().target_fill) {}

AlsaCapture::~AlsaCapture() { stop_thread(); }

void AlsaCapture::finish() noexcept {
  stop_thread();
  if (state() != DeviceState::lost) state_.store(DeviceState::stopped, std::memory_order_release);
}

bool AlsaCapture::read(AudioFrame& frame) noexcept {
  const size_t n = samples_in_ms(config_.rate_hz, kMediaBlockMs);
  frame.reset(config_.rate_hz, 1, static_cast<uint16_t>(n));
  if (state() == DeviceState::lost) return true;  // silence
  const uint64_t now = monotonic_us();
  const uint64_t pushed = ring_.push_time_us();
  const double period_us = static_cast<double>(config_.period_ms) * 1000.0;
  const double phase = pushed != 0 && now > pushed ? static_cast<double>(now - pushed) / period_us : 0.0;
  const uint64_t underruns = comp_->underruns();
  const size_t need = comp_->begin_block(ring_.size(), n, std::min(phase, 0.999));
  const size_t got = ring_.read(std::span<int16_t>(media_in_.data(), std::min(need, media_in_.size())));
  comp_->process(std::span<const int16_t>(media_in_.data(), got), frame.samples());
  if (comp_->underruns() != underruns) ring_underruns_.fetch_add(1, std::memory_order_relaxed);
  correction_ppm_.store(comp_->correction_ppm(), std::memory_order_relaxed);
  return true;
}

void AlsaCapture::io_loop() noexcept {
  snd_pcm_t* pcm = as_pcm(pcm_);
  const size_t high_water = target_fill_ + period_frames_;
  while (!stop_.load(std::memory_order_acquire)) {
    if (const int injected = take_injected(); injected != 0) {
      if (!handle_error(injected)) return;
      continue;
    }
    // Pacing: read only while the ring is below target + one period. A real device then just
    // blocks in readi; an unpaced plugin waits here for the media thread instead of spinning.
    if (ring_.size() > high_water) {
      sleep_half_period();
      continue;
    }
    // Plugins that run past the end of their input return full counts without writing.
    std::fill(io_buffer_.begin(), io_buffer_.end(), int16_t{0});
    const snd_pcm_sframes_t got = snd_pcm_readi(pcm, io_buffer_.data(), period_frames_);
    if (got < 0) {
      if (!handle_error(got)) return;
      continue;
    }
    (void)handle_error(0);
    const auto n = static_cast<size_t>(got);
    if (!ring_.write(std::span<const int16_t>(io_buffer_.data(), n))) {
      ring_overruns_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ring_.set_push_time_us(monotonic_us());
    }
    frames_.fetch_add(n, std::memory_order_relaxed);
  }
}

// ---- AlsaPlayback ----

Result<std::unique_ptr<AlsaPlayback>> AlsaPlayback::create(const AlsaConfig& config) {
  auto opened = open_pcm(config, SND_PCM_STREAM_PLAYBACK);
  if (!opened) return std::move(opened).error();
  const size_t block = samples_in_ms(config.rate_hz, kMediaBlockMs);
  DriftCompensatorConfig dc;
  dc.rate_hz = config.rate_hz;
  dc.max_block_samples = opened->period_frames;
  dc.producer_block_samples = block;
  dc.target_fill = target_samples(config, opened->period_frames);
  dc.enabled = config.drift_compensation;
  auto comp = DriftCompensator::create(dc);
  if (!comp) {
    snd_pcm_close(opened->pcm);
    return std::move(comp).error();
  }
  std::unique_ptr<AlsaPlayback> playback(
      new AlsaPlayback(config, opened->pcm, opened->period_frames, std::move(*comp)));
  playback->start_thread();
  return playback;
}

AlsaPlayback::AlsaPlayback(const AlsaConfig& config, void* pcm, size_t period_frames,
                           std::unique_ptr<DriftCompensator> comp)
    : AlsaStream(config, pcm, period_frames),
      // The target plus four media frames of slack: a stalled device makes write() drop rather
      // than let latency grow.
      ring_(comp->config().target_fill + 4 * samples_in_ms(config.rate_hz, kMediaBlockMs)),
      comp_(std::move(comp)),
      io_in_(period_frames * 2 + 8, 0),
      io_out_(period_frames, 0) {}

AlsaPlayback::~AlsaPlayback() { stop_thread(); }

void AlsaPlayback::write(const AudioFrame& frame) noexcept {
  if (state() == DeviceState::lost) return;
  if (!ring_.write(frame.samples())) {
    ring_overruns_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ring_.set_push_time_us(monotonic_us());
}

void AlsaPlayback::finish() noexcept {
  drain_.store(true, std::memory_order_release);
  stop_thread();
  if (state() != DeviceState::lost) state_.store(DeviceState::stopped, std::memory_order_release);
}

bool AlsaPlayback::write_period(const int16_t* data, size_t frames) noexcept {
  snd_pcm_t* pcm = as_pcm(pcm_);
  size_t done = 0;
  while (done < frames) {
    if (const int injected = take_injected(); injected != 0) {
      if (!handle_error(injected)) return false;
      continue;
    }
    const snd_pcm_sframes_t n = snd_pcm_writei(pcm, data + done, frames - done);
    if (n < 0) {
      if (!handle_error(n)) return false;
      if (stop_.load(std::memory_order_acquire) && !drain_.load(std::memory_order_acquire)) return true;
      continue;
    }
    (void)handle_error(0);
    done += static_cast<size_t>(n);
    frames_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  return true;
}

void AlsaPlayback::io_loop() noexcept {
  snd_pcm_t* pcm = as_pcm(pcm_);
  const double block_us = static_cast<double>(kMediaBlockMs) * 1000.0;
  while (!stop_.load(std::memory_order_acquire)) {
    if (const int injected = take_injected(); injected != 0) {
      if (!handle_error(injected)) return;
      continue;
    }
    const uint64_t now = monotonic_us();
    const uint64_t pushed = ring_.push_time_us();
    const double phase = pushed != 0 && now > pushed ? static_cast<double>(now - pushed) / block_us : 0.0;
    const uint64_t underruns = comp_->underruns();
    const size_t need = comp_->begin_block(ring_.size(), period_frames_, std::min(phase, 0.999));
    if (comp_->underruns() != underruns) ring_underruns_.fetch_add(1, std::memory_order_relaxed);
    if (need == 0 && comp_->priming()) {
      // No audio yet (start-up, or the media thread fell behind). Once the device runs, keep it fed
      // with silence when it is about to run dry; otherwise wait. Either way at most one period
      // per half period, so an unpaced plugin does not spin.
      const snd_pcm_sframes_t avail = started_ ? snd_pcm_avail_update(pcm) : 0;
      snd_pcm_uframes_t buffer = 0;
      snd_pcm_uframes_t period = 0;
      (void)snd_pcm_get_params(pcm, &buffer, &period);
      if (started_ && avail >= 0 && static_cast<snd_pcm_uframes_t>(avail) + period >= buffer) {
        std::fill(io_out_.begin(), io_out_.end(), int16_t{0});
        if (!write_period(io_out_.data(), period_frames_)) return;
      }
      sleep_half_period();
      continue;
    }
    const size_t got = ring_.read(std::span<int16_t>(io_in_.data(), std::min(need, io_in_.size())));
    comp_->process(std::span<const int16_t>(io_in_.data(), got), io_out_);
    correction_ppm_.store(comp_->correction_ppm(), std::memory_order_relaxed);
    started_ = true;
    if (!write_period(io_out_.data(), period_frames_)) return;
  }
  if (drain_.load(std::memory_order_acquire) && state() != DeviceState::lost) {
    // Play what the media thread queued last, then let the device finish.
    for (;;) {
      const size_t got = ring_.read(std::span<int16_t>(io_out_.data(), io_out_.size()));
      if (got == 0) break;
      if (!write_period(io_out_.data(), got)) return;
    }
    if (frames_.load(std::memory_order_relaxed) > 0) (void)snd_pcm_drain(pcm);
  }
}

}  // namespace offhook
