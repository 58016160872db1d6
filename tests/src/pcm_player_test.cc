// PcmPlayer: looping and one-shot playback sample by sample, WAV loading with and without resampling
// (a sine stays a time-aligned sine of the same frequency), errors that name the path, and no
// allocation in read()/restart().
#include "src/pcm_player.hpp"

#include <sndfile.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <vector>

#include "tests/support/rt_probe.hpp"

namespace offhook {
namespace {

namespace fs = std::filesystem;

class PcmPlayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("offhook_pcm_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_wav(const std::string& name, int rate, const std::vector<int16_t>& samples) {
    const std::string path = (dir_ / name).string();
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    if (f == nullptr) return path;
    sf_write_short(f, samples.data(), static_cast<sf_count_t>(samples.size()));
    sf_close(f);
    return path;
  }

  fs::path dir_;
};

std::vector<int16_t> ramp(size_t n) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>(i + 1);  // never 0: padding is visible
  return v;
}

std::vector<int16_t> sine(size_t n, double freq_hz, uint32_t rate_hz, double amplitude) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = static_cast<int16_t>(std::lround(amplitude * std::sin(2 * std::numbers::pi * freq_hz * i / rate_hz)));
  }
  return v;
}

TEST_F(PcmPlayerTest, LoopsForeverAcrossFrameBoundaries) {
  for (size_t clip_len : {250u, 3u, 80u}) {  // not a frame multiple, shorter than a frame, exactly one
    const auto clip = ramp(clip_len);
    auto p = PcmPlayer::create(clip, 8000, PlayMode::loop);
    ASSERT_TRUE(p) << p.error().message;
    AudioFrame f;
    size_t t = 0;
    for (int frame = 0; frame < 20; ++frame) {
      ASSERT_TRUE((*p)->read(f));
      ASSERT_EQ(f.size(), 80u);
      for (int16_t s : f.samples()) ASSERT_EQ(s, clip[t++ % clip_len]) << "clip " << clip_len << " t " << t;
    }
    EXPECT_FALSE((*p)->finished());
  }
}

TEST_F(PcmPlayerTest, PlaysOnceThenSilenceAndRestarts) {
  const auto clip = ramp(250);  // 3 full frames and 10 samples
  auto p = PcmPlayer::create(clip, 8000, PlayMode::once);
  ASSERT_TRUE(p);
  AudioFrame f;
  for (int frame = 0; frame < 3; ++frame) {
    ASSERT_TRUE((*p)->read(f));
    EXPECT_EQ(f.data[0], clip[static_cast<size_t>(frame) * 80]);
  }
  EXPECT_FALSE((*p)->finished());
  ASSERT_TRUE((*p)->read(f));  // the tail, zero-padded
  EXPECT_EQ(f.data[9], 250);
  EXPECT_EQ(f.data[10], 0);
  EXPECT_TRUE((*p)->finished());
  EXPECT_FALSE((*p)->read(f));
  EXPECT_EQ(f.size(), 80u);
  EXPECT_TRUE(std::all_of(f.samples().begin(), f.samples().end(), [](int16_t s) { return s == 0; }));
  (*p)->restart();
  EXPECT_FALSE((*p)->finished());
  ASSERT_TRUE((*p)->read(f));
  EXPECT_EQ(f.data[0], 1);
  EXPECT_EQ(f.data[79], 80);
}

TEST_F(PcmPlayerTest, RejectsBadRateAndEmptyClip) {
  auto r = PcmPlayer::create(ramp(10), 44100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  auto e = PcmPlayer::create({}, 8000);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::invalid_argument);
}

TEST_F(PcmPlayerTest, MissingOrUnreadableFileNamesThePath) {
  const std::string missing = (dir_ / "no_such_music.wav").string();
  auto m = PcmPlayer::open(missing, 16000);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::not_found);
  EXPECT_NE(m.error().message.find(missing), std::string::npos) << m.error().message;

  const std::string text = (dir_ / "notes.wav").string();
  std::ofstream(text) << "this is not audio\n";
  auto t = PcmPlayer::open(text, 16000);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find(text), std::string::npos) << t.error().message;

  const std::string empty = write_wav("empty.wav", 8000, {});
  auto z = PcmPlayer::open(empty, 8000);
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().message.find(empty), std::string::npos) << z.error().message;
}

TEST_F(PcmPlayerTest, LoadsWavAtItsOwnRateUnchanged) {
  const auto clip = sine(4000, 300, 16000, 8000);
  const std::string path = write_wav("moh16.wav", 16000, clip);
  auto p = PcmPlayer::open(path, 16000, PlayMode::once);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->samples(), clip);
  EXPECT_EQ((*p)->duration_ms(), 250u);
}

TEST_F(PcmPlayerTest, ResamplesWavTimeAligned) {
  // 1 s of 500 Hz at 8 kHz played by a 16 kHz player (and back down from 48 kHz): the result is the
  // same sine sampled at the new rate, in phase (the resampler's delay removed), to within 2 %.
  struct Case { uint32_t file_rate, player_rate; };
  for (const Case c : {Case{8000, 16000}, Case{48000, 8000}, Case{16000, 48000}}) {
    const double amp = 10000;
    const std::string path = write_wav("moh.wav", static_cast<int>(c.file_rate), sine(c.file_rate, 500, c.file_rate, amp));
    auto p = PcmPlayer::open(path, c.player_rate, PlayMode::loop);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ((*p)->samples().size(), c.player_rate);
    const auto want = sine(c.player_rate, 500, c.player_rate, amp);
    double worst = 0;
    for (size_t i = c.player_rate / 10; i < c.player_rate * 9 / 10; ++i) {  // away from the clip's edges
      worst = std::max(worst, std::abs(static_cast<double>((*p)->samples()[i]) - want[i]));
    }
    EXPECT_LT(worst, 0.02 * amp) << c.file_rate << " -> " << c.player_rate;
  }
}

TEST_F(PcmPlayerTest, ReadAndRestartDoNotAllocate) {
  auto p = PcmPlayer::create(ramp(1000), 48000, PlayMode::loop);
  ASSERT_TRUE(p);
  AudioFrame f;
  int64_t sum = 0;
  test::RtCounts counts;
  {
    test::RtProbe probe;
    for (int i = 0; i < 100; ++i) {
      (void)(*p)->read(f);
      sum += f.data[0];
      if (i % 7 == 0) (*p)->restart();
    }
    counts = probe.counts();
  }
  EXPECT_GT(sum, 0);
  EXPECT_EQ(counts.allocations, 0u);
  EXPECT_EQ(counts.mutex_locks, 0u);
}

}  // namespace
}  // namespace offhook
