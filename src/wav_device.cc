#include "src/wav_device.hpp"

#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace offhook {
namespace {

std::string describe_format(const SF_INFO& info) {
  SF_FORMAT_INFO fi{};
  fi.format = info.format & SF_FORMAT_SUBMASK;
  const char* subtype = sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 ? fi.name : "unknown encoding";
  return std::to_string(info.samplerate) + " Hz, " + std::to_string(info.channels) + " channel(s), " + subtype;
}

}  // namespace

Result<std::unique_ptr<WavFileSource>> WavFileSource::open(const std::string& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    FILE* probe = std::fopen(path.c_str(), "rb");
    if (probe == nullptr) return Error{Errc::not_found, "cannot open '" + path + "': no such file or not readable"};
    std::fclose(probe);
    return Error{Errc::bad_format, "'" + path + "' is not a readable audio file: " + sf_strerror(nullptr)};
  }
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> guard(file, &sf_close);
  const int major = info.format & SF_FORMAT_TYPEMASK;
  const int rate = info.samplerate;
  if (major != SF_FORMAT_WAV && major != SF_FORMAT_WAVEX) {
    return Error{Errc::not_supported, "'" + path + "' is not a WAV file"};
  }
  if (info.channels != 1 || (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000)) {
    return Error{Errc::not_supported, "'" + path + "' is " + describe_format(info) +
                                          "; offhook needs mono WAV at 8, 16, 32 or 48 kHz"};
  }
  std::vector<int16_t> samples(static_cast<size_t>(info.frames));
  const sf_count_t got = sf_read_short(file, samples.data(), info.frames);
  if (got != info.frames) return Error{Errc::bad_format, "'" + path + "' is truncated or unreadable"};
  return std::unique_ptr<WavFileSource>(new WavFileSource(std::move(samples), static_cast<uint32_t>(rate)));
}

bool WavFileSource::read(AudioFrame& frame) noexcept {
  const size_t n = samples_in_ms(rate_hz_, 10);
  frame.reset(rate_hz_, 1, static_cast<uint16_t>(n));
  const size_t available = samples_.size() - position_;
  const size_t take = std::min(n, available);
  std::copy_n(samples_.begin() + static_cast<ptrdiff_t>(position_), take, frame.data.begin());
  position_ += take;
  return take == n;
}

Result<std::unique_ptr<WavFileSink>> WavFileSink::create(const std::string& path, uint32_t rate_hz) {
  SF_INFO info{};
  info.samplerate = static_cast<int>(rate_hz);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  const std::string partial = path + ".partial";
  SNDFILE* file = sf_open(partial.c_str(), SFM_WRITE, &info);
  if (file == nullptr) return Error{Errc::io_error, "cannot create '" + partial + "': " + sf_strerror(nullptr)};
  return std::unique_ptr<WavFileSink>(new WavFileSink(path, rate_hz, file));
}

WavFileSink::WavFileSink(std::string path, uint32_t rate_hz, void* file)
    : path_(std::move(path)), rate_hz_(rate_hz), file_(file), ring_(std::make_unique<SpscRing<AudioFrame, 512>>()) {
  writer_ = std::thread([this] { writer_loop(); });
}

WavFileSink::~WavFileSink() {
  if (file_ != nullptr) {
    stop_writer();
    sf_close(static_cast<SNDFILE*>(file_));
    std::remove((path_ + ".partial").c_str());
  }
}

void WavFileSink::write(const AudioFrame& frame) noexcept {
  if (!ring_->try_push(frame)) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void WavFileSink::writer_loop() {
  auto* file = static_cast<SNDFILE*>(file_);
  for (;;) {
    const bool stopping = stop_.load(std::memory_order_acquire);
    while (AudioFrame* frame = ring_->front()) {
      const auto n = static_cast<sf_count_t>(frame->size());
      if (sf_write_short(file, frame->data.data(), n) != n) write_failed_.store(true, std::memory_order_relaxed);
      ring_->pop();
    }
    if (stopping) return;  // the ring was drained after stop was seen
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void WavFileSink::stop_writer() {
  stop_.store(true, std::memory_order_release);
  if (writer_.joinable()) writer_.join();
}

Status WavFileSink::finish() {
  if (file_ == nullptr) return Error{Errc::invalid_argument, "finish() called twice on '" + path_ + "'"};
  stop_writer();
  const int close_error = sf_close(static_cast<SNDFILE*>(file_));
  file_ = nullptr;
  const std::string partial = path_ + ".partial";
  if (close_error != 0 || write_failed_.load()) {
    std::remove(partial.c_str());
    return Error{Errc::io_error, "writing '" + path_ + "' failed (disk full?)"};
  }
  if (std::rename(partial.c_str(), path_.c_str()) != 0) {
    std::remove(partial.c_str());
    return Error{Errc::io_error, "cannot rename '" + partial + "' to '" + path_ + "'"};
  }
  return ok();
}

}  // namespace offhook
