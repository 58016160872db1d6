#include <sndfile.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "src/wav_device.hpp"

namespace offhook {
namespace {

namespace fs = std::filesystem;

class WavDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("offhook_wav_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_wav(const std::string& name, int rate, int channels, int format, size_t frames) {
    const std::string path = (dir_ / name).string();
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    std::vector<short> data(frames * static_cast<size_t>(channels));
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<short>(i * 37);
    sf_write_short(f, data.data(), static_cast<sf_count_t>(data.size()));
    sf_close(f);
    return path;
  }

  fs::path dir_;
};

TEST_F(WavDeviceTest, ReadsMonoAndPadsWithSilenceAtTheEnd) {
  const std::string path = write_wav("mono.wav", 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 120);
  auto src = WavFileSource::open(path);
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_EQ((*src)->rate_hz(), 8000u);
  AudioFrame f;
  EXPECT_TRUE((*src)->read(f));
  EXPECT_EQ(f.samples_per_channel, 80);
  EXPECT_EQ(f.data[1], 37);
  EXPECT_FALSE((*src)->read(f)) << "only 40 samples were left";
  EXPECT_EQ(f.data[39], static_cast<int16_t>(119 * 37));
  EXPECT_EQ(f.data[40], 0);
}

TEST_F(WavDeviceTest, RejectsWhatItCannotPlayWithAClearMessage) {
  auto missing = WavFileSource::open((dir_ / "nope.wav").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);

  auto stereo = WavFileSource::open(write_wav("stereo.wav", 8000, 2, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 100));
  ASSERT_FALSE(stereo);
  EXPECT_EQ(stereo.error().code, Errc::not_supported);
  EXPECT_NE(stereo.error().message.find("2 channel"), std::string::npos) << stereo.error().message;

  auto odd_rate = WavFileSource::open(write_wav("11k.wav", 11025, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 100));
  ASSERT_FALSE(odd_rate);
  EXPECT_NE(odd_rate.error().message.find("11025"), std::string::npos) << odd_rate.error().message;

  auto aiff = WavFileSource::open(write_wav("x.aiff", 8000, 1, SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 100));
  ASSERT_FALSE(aiff);
  EXPECT_EQ(aiff.error().code, Errc::not_supported);

  const std::string junk = (dir_ / "junk.wav").string();
  std::ofstream(junk) << "this is not a RIFF file at all";
  auto bad = WavFileSource::open(junk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::bad_format);
}

TEST_F(WavDeviceTest, SinkAppearsOnlyAfterFinish) {
  const std::string out = (dir_ / "out.wav").string();
  {
    auto sink = WavFileSink::create(out, 8000);
    ASSERT_TRUE(sink) << sink.error().message;
    AudioFrame f;
    f.reset(8000, 1, 80);
    for (int i = 0; i < 80; ++i) f.data[static_cast<size_t>(i)] = static_cast<int16_t>(i);
    for (int k = 0; k < 10; ++k) (*sink)->write(f);
    EXPECT_FALSE(fs::exists(out));
    ASSERT_TRUE((*sink)->finish());
  }
  ASSERT_TRUE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".partial"));
  auto back = WavFileSource::open(out);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ((*back)->samples().size(), 800u);
  EXPECT_EQ((*back)->samples()[85], 5);
}

TEST_F(WavDeviceTest, AbandonedSinkLeavesNoFile) {
  const std::string out = (dir_ / "abandoned.wav").string();
  {
    auto sink = WavFileSink::create(out, 8000);
    ASSERT_TRUE(sink);
    AudioFrame f;
    f.reset(8000, 1, 80);
    (*sink)->write(f);
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".partial"));
}

TEST_F(WavDeviceTest, UnwritablePathIsAnError) {
  auto sink = WavFileSink::create((dir_ / "no" / "such" / "dir.wav").string(), 8000);
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, Errc::io_error);
}

}  // namespace
}  // namespace offhook
