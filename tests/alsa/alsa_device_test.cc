// ALSA devices against user-space plugins (no sound card): a file plugin for capture from and
// playback to raw files, a null plugin for the error paths. The plugins are not paced, so these
// tests also check that the I/O threads pace themselves instead of spinning.
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "src/alsa/alsa_device.hpp"

namespace offhook {
namespace {

namespace fs = std::filesystem;

fs::path g_dir;  // per process; every test uses its own file names in it

// Writes the plugin configuration and sets ALSA_CONFIG_PATH before any test calls into alsa-lib.
class AlsaConfigEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_dir = fs::temp_directory_path() / ("offhook_alsa_" + std::to_string(getpid()));
    fs::create_directories(g_dir);
    const fs::path conf = g_dir / "test.conf";
    std::ofstream out(conf);
    const std::string d = g_dir.string();
    out << "pcm.offhook_null { type null }\n";
    for (const char* name : {"capture_exact", "capture_drift", "errors"}) {
      out << "pcm.offhook_in_" << name << " { type file slave.pcm \"null\" file \"/dev/null\" infile \"" << d << "/"
          << name << ".raw\" format \"raw\" }\n";
    }
    for (const char* name : {"playback_exact", "playback_drift", "playback_idle"}) {
      out << "pcm.offhook_out_" << name << " { type file slave.pcm \"null\" file \"" << d << "/" << name
          << ".raw\" format \"raw\" }\n";
    }
    out.close();
    // alsa.conf first: it defines the plugin types and "null" itself.
    setenv("ALSA_CONFIG_PATH", ("/usr/share/alsa/alsa.conf:" + conf.string()).c_str(), 1);
  }
  void TearDown() override { fs::remove_all(g_dir); }
};

[[maybe_unused]] const auto* const g_env = ::testing::AddGlobalTestEnvironment(new AlsaConfigEnvironment);

void write_raw(const std::string& name, const std::vector<int16_t>& samples) {
  std::ofstream out(g_dir / (name + ".raw"), std::ios::binary);
  out.write(reinterpret_cast<const char*>(samples.data()), static_cast<std::streamsize>(samples.size() * 2));
}

std::vector<int16_t> read_raw(const std::string& name) {
  std::ifstream in(g_dir / (name + ".raw"), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<int16_t> samples(bytes.size() / 2);
  std::memcpy(samples.data(), bytes.data(), samples.size() * 2);
  return samples;
}

// Never zero, so silence inserted by priming or an underrun can be told apart from the signal.
std::vector<int16_t> test_signal(size_t n) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<int16_t>(1 + (i * 7919) % 30000);
  return s;
}

std::vector<int16_t> without_zeros(const std::vector<int16_t>& in) {
  std::vector<int16_t> out;
  for (int16_t s : in) {
    if (s != 0) out.push_back(s);
  }
  return out;
}

// Largest step between consecutive samples inside runs of signal. Silence (priming, or an underrun
// on an unpaced plugin, which has no clock to keep the ring full) and the 3 samples after it are
// skipped: the compensator restarts from its history there.
double max_jump_within_runs(const std::vector<int16_t>& s, size_t& checked) {
  double max_jump = 0;
  checked = 0;
  size_t since_zero = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == 0 && (s[i - 1] == 0 || (i + 1 < s.size() && s[i + 1] == 0))) {
      since_zero = 0;
      continue;
    }
    if (++since_zero <= 3) continue;
    max_jump = std::max(max_jump, std::abs(static_cast<double>(s[i]) - s[i - 1]));
    ++checked;
  }
  return max_jump;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(AlsaDeviceTest, CaptureFromAFilePluginGivesTheFileSamples) {
  const std::vector<int16_t> input = test_signal(8000);  // 1 s at 8 kHz
  write_raw("capture_exact", input);
  auto capture =
      AlsaCapture::create({.device = "offhook_in_capture_exact", .rate_hz = 8000, .drift_compensation = false});
  ASSERT_TRUE(capture) << capture.error().message;
  EXPECT_EQ((*capture)->period_frames(), 80u);
  std::vector<int16_t> got;
  AudioFrame frame;
  ASSERT_TRUE(wait_for([&] {
    EXPECT_TRUE((*capture)->read(frame));
    EXPECT_EQ(frame.samples_per_channel, 80);
    for (int16_t s : frame.samples()) {
      if (s != 0) got.push_back(s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return got.size() >= input.size();
  })) << "captured only " << got.size() << " samples";
  got.resize(input.size());
  EXPECT_EQ(got, input) << "the file's samples, in order (silence of priming removed)";
  const AlsaStats stats = (*capture)->stats();
  EXPECT_EQ(stats.state, DeviceState::running);
  EXPECT_GE(stats.frames, input.size());
  EXPECT_EQ(stats.xruns, 0u);
  (*capture)->finish();
  EXPECT_EQ((*capture)->state(), DeviceState::stopped);
}

TEST(AlsaDeviceTest, CaptureWithDriftCompensationKeepsTheSignalContinuous) {
  // An unpaced plugin looks like a fast clock until the ring's high-water mark stops the reader;
  // either way the compensator must output the file's waveform without jumps.
  std::vector<int16_t> input(16000);
  for (size_t i = 0; i < input.size(); ++i) {
    const double phase = 2.0 * 3.14159265358979 * 200.0 * static_cast<double>(i) / 8000.0;
    input[i] = static_cast<int16_t>(std::lround(8000.0 * std::sin(phase)));
  }
  write_raw("capture_drift", input);
  auto capture = AlsaCapture::create({.device = "offhook_in_capture_drift", .rate_hz = 8000});
  ASSERT_TRUE(capture) << capture.error().message;
  AudioFrame frame;
  std::vector<int16_t> got;
  for (int i = 0; i < 150; ++i) {  // 1.5 s of ticks: well inside the 2 s file
    (*capture)->read(frame);
    got.insert(got.end(), frame.samples().begin(), frame.samples().end());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const AlsaStats stats = (*capture)->stats();
  // The slope of a 200 Hz sine of amplitude 8000 at 8 kHz is at most 1257 per sample.
  size_t checked = 0;
  const double max_jump = max_jump_within_runs(got, checked);
  EXPECT_GT(checked, 2000u) << "underruns " << stats.ring_underruns;
  EXPECT_LE(max_jump, 1257.0 * 1.01 + 2.0);
  EXPECT_LE(std::abs(stats.correction_ppm), 1000.0 + 1e-6);
}

TEST(AlsaDeviceTest, PlaybackToAFilePluginWritesWhatWasWritten) {
  const std::vector<int16_t> input = test_signal(8000);
  {
    auto playback =
        AlsaPlayback::create({.device = "offhook_out_playback_exact", .rate_hz = 8000, .drift_compensation = false});
    ASSERT_TRUE(playback) << playback.error().message;
    AudioFrame frame;
    for (size_t at = 0; at < input.size(); at += 80) {
      frame.reset(8000, 1, 80);
      std::copy_n(input.begin() + static_cast<ptrdiff_t>(at), 80, frame.data.begin());
      (*playback)->write(frame);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));  // the media thread's pace, shortened
    }
    (*playback)->finish();
    const AlsaStats stats = (*playback)->stats();
    EXPECT_EQ(stats.state, DeviceState::stopped);
    EXPECT_EQ(stats.ring_overruns, 0u);
    EXPECT_GE(stats.frames, input.size());
  }
  const std::vector<int16_t> written = read_raw("playback_exact");
  EXPECT_EQ(without_zeros(written), input) << "every sample, in order (silence while priming aside)";
}

TEST(AlsaDeviceTest, PlaybackWithDriftCompensationWritesAContinuousSine) {
  {
    auto playback = AlsaPlayback::create({.device = "offhook_out_playback_drift", .rate_hz = 8000});
    ASSERT_TRUE(playback) << playback.error().message;
    AudioFrame frame;
    for (size_t at = 0; at < 8000; at += 80) {
      frame.reset(8000, 1, 80);
      for (size_t i = 0; i < 80; ++i) {
        const double phase = 2.0 * 3.14159265358979 * 200.0 * static_cast<double>(at + i) / 8000.0;
        frame.data[i] = static_cast<int16_t>(std::lround(8000.0 * std::sin(phase)));
      }
      (*playback)->write(frame);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    (*playback)->finish();
    EXPECT_LE(std::abs((*playback)->stats().correction_ppm), 1000.0 + 1e-6);
  }
  const std::vector<int16_t> written = read_raw("playback_drift");
  size_t checked = 0;
  const double max_jump = max_jump_within_runs(written, checked);
  EXPECT_GT(checked, 2000u);
  EXPECT_LE(max_jump, 1257.0 * 1.01 + 2.0) << "200 Hz at 8000: at most 1257 per sample";
}

TEST(AlsaDeviceTest, AMissingDeviceIsAClearError) {
  auto capture = AlsaCapture::create({.device = "offhook_no_such_pcm", .rate_hz = 8000});
  ASSERT_FALSE(capture);
  EXPECT_EQ(capture.error().code, Errc::not_found);
  EXPECT_NE(capture.error().message.find("offhook_no_such_pcm"), std::string::npos) << capture.error().message;
  auto playback = AlsaPlayback::create({.device = "hw:97,0", .rate_hz = 8000});
  ASSERT_FALSE(playback);
  EXPECT_EQ(playback.error().code, Errc::not_found) << playback.error().message;
  EXPECT_NE(playback.error().message.find("hw:97,0"), std::string::npos);
}

TEST(AlsaDeviceTest, BadConfigurationIsRefusedBeforeOpening) {
  auto stereo = AlsaCapture::create({.device = "offhook_null", .rate_hz = 8000, .channels = 2});
  ASSERT_FALSE(stereo);
  EXPECT_EQ(stereo.error().code, Errc::not_supported);
  auto rate = AlsaPlayback::create({.device = "offhook_null", .rate_hz = 96000});
  ASSERT_FALSE(rate);
  EXPECT_EQ(rate.error().code, Errc::invalid_argument);
  EXPECT_NE(rate.error().message.find("96000"), std::string::npos) << rate.error().message;
}

TEST(AlsaDeviceTest, XrunAndSuspendAreRecoveredAndCountedThenLossIsReported) {
  write_raw("errors", test_signal(800));
  auto capture = AlsaCapture::create({.device = "offhook_in_errors", .rate_hz = 8000});
  ASSERT_TRUE(capture) << capture.error().message;
  AlsaCapture& c = **capture;
  c.inject_error_for_test(-EPIPE);
  ASSERT_TRUE(wait_for([&] { return c.stats().xruns == 1; }));
  c.inject_error_for_test(-ESTRPIPE);
  ASSERT_TRUE(wait_for([&] { return c.stats().suspends == 1; }));
  ASSERT_TRUE(wait_for([&] { return c.state() == DeviceState::running; })) << device_state_name(c.state());
  const uint64_t frames = c.stats().frames;
  AudioFrame frame;
  ASSERT_TRUE(wait_for([&] {
    c.read(frame);
    return c.stats().frames > frames;
  })) << "still reading after recovery";

  c.inject_error_for_test(-ENODEV);
  ASSERT_TRUE(wait_for([&] { return c.state() == DeviceState::lost; }));
  EXPECT_EQ(c.stats().last_error, -ENODEV);
  frame.data.fill(123);
  EXPECT_TRUE(c.read(frame)) << "a lost microphone still gives frames";
  EXPECT_EQ(frame.samples_per_channel, 80);
  EXPECT_TRUE(std::all_of(frame.samples().begin(), frame.samples().end(), [](int16_t s) { return s == 0; }));
  c.finish();
  EXPECT_EQ(c.state(), DeviceState::lost) << "finish() does not hide the loss";

  auto playback = AlsaPlayback::create({.device = "offhook_null", .rate_hz = 16000});
  ASSERT_TRUE(playback) << playback.error().message;
  (*playback)->inject_error_for_test(-EPIPE);
  ASSERT_TRUE(wait_for([&] { return (*playback)->stats().xruns == 1; }));
  (*playback)->inject_error_for_test(-EIO);  // not recoverable
  ASSERT_TRUE(wait_for([&] { return (*playback)->state() == DeviceState::lost; }));
  frame.reset(16000, 1, 160);
  for (int i = 0; i < 100; ++i) (*playback)->write(frame);  // discarded, never blocks
  EXPECT_EQ((*playback)->stats().ring_overruns, 0u) << "a lost device discards without counting drops";
}

TEST(AlsaDeviceTest, IdleDevicesOnUnpacedPluginsDoNotSpinTheCpu) {
  write_raw("capture_exact", test_signal(80000));
  auto capture = AlsaCapture::create({.device = "offhook_in_capture_exact", .rate_hz = 8000});
  ASSERT_TRUE(capture) << capture.error().message;
  auto playback = AlsaPlayback::create({.device = "offhook_out_playback_idle", .rate_hz = 8000});
  ASSERT_TRUE(playback) << playback.error().message;
  const double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double used = cpu_seconds() - before;
  // Two I/O threads with nobody reading or writing: they wait on the ring (half a period at a time).
  EXPECT_LT(used, 0.1) << "CPU seconds used in 0.5 s";
  EXPECT_LE((*capture)->stats().frames, 8000u * 2) << "the reader stops at the ring's high-water mark";
}

}  // namespace
}  // namespace offhook
