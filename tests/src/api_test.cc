// The public API (include/offhook/) end to end: two api::Engines on loopback exchange SDP strings
// as two SIP stacks would, and the tests check media, hold/resume, DTMF events, conference wiring,
// errors for malformed SDP and misuse. Only offhook/ headers, libsndfile (a sine WAV as a
// microphone, reading the recording) and the standard library are used.
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "offhook/engine.hpp"

namespace offhook::api {
namespace {

constexpr uint32_t kRate = 16000;

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

EngineOptions options(uint16_t port_base) {
  EngineOptions o;
  o.audio_rate_hz = kRate;
  o.local_ip = "127.0.0.1";
  o.rtp_port_min = port_base;
  o.rtp_port_max = static_cast<uint16_t>(port_base + 400);
  o.codecs = {"G722", "PCMU"};
  o.srtp = SrtpMode::mandatory;
  o.jitter_buffer = JitterBufferMode::fixed;
  o.jitter_delay_ms = 40;
  return o;
}

std::unique_ptr<Engine> make_engine(const EngineOptions& o) {
  auto e = Engine::create(o);
  EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().message);
  return e ? std::move(*e) : nullptr;
}

// A and B with one call each side, set up by offer/answer; both engines started.
struct Pair {
  std::unique_ptr<Engine> a, b;
  Call* ca = nullptr;
  Call* cb = nullptr;
};

Pair connect_pair(EngineOptions oa, EngineOptions ob) {
  Pair p;
  p.a = make_engine(oa);
  p.b = make_engine(ob);
  if (!p.a || !p.b) return p;
  EXPECT_TRUE(p.a->start());
  EXPECT_TRUE(p.b->start());
  auto ca = p.a->create_call();
  auto cb = p.b->create_call();
  EXPECT_TRUE(ca && cb);
  p.ca = *ca;
  p.cb = *cb;
  auto offer = p.ca->create_offer();
  EXPECT_TRUE(offer) << offer.error().message;
  EXPECT_EQ(p.ca->state(), CallState::offering);
  auto answer = p.cb->receive_offer(*offer);
  EXPECT_TRUE(answer) << answer.error().message;
  auto status = p.ca->receive_answer(*answer);
  EXPECT_TRUE(status) << status.error().message;
  return p;
}

// Waits until `done()` or `ms` passed.
template <class F>
bool wait_for(F done, int ms) {
  for (int t = 0; t < ms; t += 20) {
    if (done()) return true;
    sleep_ms(20);
  }
  return done();
}

TEST(ApiTest, CallSetUpBySdpCarriesMediaBothWays) {
  Pair p = connect_pair(options(42000), options(42500));
  ASSERT_TRUE(p.ca && p.cb);
  EXPECT_EQ(p.ca->state(), CallState::active);
  EXPECT_EQ(p.cb->state(), CallState::active);
  Event e;
  ASSERT_TRUE(p.a->poll_event(e));
  EXPECT_EQ(e.kind, Event::Kind::media_started);
  EXPECT_EQ(e.call_id, p.ca->id());
  ASSERT_TRUE(p.b->poll_event(e));
  EXPECT_EQ(e.kind, Event::Kind::media_started);
  ASSERT_TRUE(wait_for([&] { return p.ca->stats().packets_received > 20 && p.cb->stats().packets_received > 20; }, 3000));
  const CallStats sa = p.ca->stats(), sb = p.cb->stats();
  EXPECT_STREQ(sa.codec, "G722");  // A's first choice, accepted by B
  EXPECT_STREQ(sb.codec, "G722");
  EXPECT_GT(sa.packets_sent, 20u);
  EXPECT_GT(sb.packets_sent, 20u);
  EXPECT_LT(sa.loss_pct, 5.0);
  EXPECT_GT(sa.mos, 3.5);  // a clean loopback path with G.722
  EXPECT_LE(sa.mos, 4.5);
  EXPECT_FALSE(sa.remote_hold);
}

TEST(ApiTest, HoldAndResumeChangeDirections) {
  Pair p = connect_pair(options(42000), options(42500));
  ASSERT_TRUE(p.ca && p.cb);
  auto hold = p.ca->hold();
  ASSERT_TRUE(hold) << hold.error().message;
  EXPECT_NE(hold->find("a=sendonly"), std::string::npos);
  EXPECT_EQ(p.ca->state(), CallState::held);
  auto answer = p.cb->receive_offer(*hold);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_NE(answer->find("a=recvonly"), std::string::npos);
  ASSERT_TRUE(p.ca->receive_answer(*answer));
  EXPECT_TRUE(p.cb->stats().remote_hold);
  EXPECT_FALSE(p.ca->stats().remote_hold);
  sleep_ms(150);  // let the direction change reach the media thread
  const uint64_t b_sent = p.cb->stats().packets_sent;
  const uint64_t a_sent = p.ca->stats().packets_sent;
  sleep_ms(300);
  EXPECT_LE(p.cb->stats().packets_sent, b_sent + 1);  // B is recvonly: it stops sending
  EXPECT_GT(p.ca->stats().packets_sent, a_sent + 5);   // A (sendonly) keeps sending (hold music slot)

  auto resume = p.ca->resume();
  ASSERT_TRUE(resume) << resume.error().message;
  EXPECT_NE(resume->find("a=sendrecv"), std::string::npos);
  auto answer2 = p.cb->receive_offer(*resume);
  ASSERT_TRUE(answer2);
  ASSERT_TRUE(p.ca->receive_answer(*answer2));
  EXPECT_EQ(p.ca->state(), CallState::active);
  EXPECT_FALSE(p.cb->stats().remote_hold);
  const uint64_t b_sent2 = p.cb->stats().packets_sent;
  EXPECT_TRUE(wait_for([&] { return p.cb->stats().packets_sent > b_sent2 + 5; }, 2000));
  // Resuming twice is misuse.
  auto again = p.ca->resume();
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("not on hold"), std::string::npos);
}

TEST(ApiTest, DtmfArrivesAsAnEvent) {
  Pair p = connect_pair(options(42000), options(42500));
  ASSERT_TRUE(p.ca && p.cb);
  Event e;
  while (p.b->poll_event(e)) {
  }
  sleep_ms(100);
  ASSERT_TRUE(p.ca->send_dtmf('7', 120));
  bool got = false;
  ASSERT_TRUE(wait_for([&] {
    while (p.b->poll_event(e)) {
      if (e.kind == Event::Kind::dtmf) {
        got = true;
        return true;
      }
    }
    return false;
  }, 3000));
  ASSERT_TRUE(got);
  EXPECT_EQ(e.key, '7');
  EXPECT_EQ(e.call_id, p.cb->id());
  EXPECT_GE(e.duration_ms, 100u);
  EXPECT_LE(e.duration_ms, 200u);
  EXPECT_FALSE(p.ca->send_dtmf('x', 100));  // not a key
}

TEST(ApiTest, RtpTimeoutWhenThePeerGoesSilent) {
  EngineOptions oa = options(42000);
  oa.rtp_timeout_ms = 300;
  Pair p = connect_pair(oa, options(42500));
  ASSERT_TRUE(p.ca && p.cb);
  Event e;
  auto timed_out = [&] {
    while (p.a->poll_event(e)) {
      if (e.kind == Event::Kind::rtp_timeout) return true;
    }
    return false;
  };
  sleep_ms(500);
  EXPECT_FALSE(timed_out());  // media flows: no timeout
  ASSERT_TRUE(p.cb->hangup());  // B vanishes without a BYE reaching A
  ASSERT_TRUE(wait_for(timed_out, 2000));
  EXPECT_EQ(e.call_id, p.ca->id());
  sleep_ms(400);
  EXPECT_FALSE(timed_out());  // reported once per silence
}

TEST(ApiTest, MalformedSdpIsAnErrorNamingTheLine) {
  auto b = make_engine(options(42500));
  ASSERT_TRUE(b);
  auto call = b->create_call();
  ASSERT_TRUE(call);
  const std::string bad = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio notaport RTP/AVP 0\r\n";
  auto answer = (*call)->receive_offer(bad);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, Errc::bad_format);
  EXPECT_NE(answer.error().message.find("line 6"), std::string::npos) << answer.error().message;
  EXPECT_EQ((*call)->state(), CallState::idle);
}

TEST(ApiTest, NoCommonCodecGivesARejectedAnswer) {
  EngineOptions oa = options(42000), ob = options(42500);
  oa.codecs = {"PCMA"};
  ob.codecs = {"PCMU"};
  auto a = make_engine(oa);
  auto b = make_engine(ob);
  ASSERT_TRUE(a && b);
  auto ca = a->create_call();
  auto cb = b->create_call();
  ASSERT_TRUE(ca && cb);
  auto offer = (*ca)->create_offer();
  ASSERT_TRUE(offer);
  auto answer = (*cb)->receive_offer(*offer);
  ASSERT_TRUE(answer) << answer.error().message;  // a valid answer that rejects the stream
  EXPECT_NE(answer->find("m=audio 0 "), std::string::npos) << *answer;
  EXPECT_EQ((*cb)->state(), CallState::idle);
  Status s = (*ca)->receive_answer(*answer);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::not_supported);
  EXPECT_EQ((*ca)->state(), CallState::idle);
  Event e;
  EXPECT_FALSE(a->poll_event(e));  // no media started
  EXPECT_FALSE(b->poll_event(e));
}

TEST(ApiTest, MisuseIsAnErrorNeverACrash) {
  auto a = make_engine(options(42000));
  ASSERT_TRUE(a);
  auto call = a->create_call();
  ASSERT_TRUE(call);
  Call* c = *call;
  // An answer with no offer, hold before media, DTMF before media.
  Status s = c->receive_answer("v=0\r\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("without an offer"), std::string::npos) << s.error().message;
  EXPECT_FALSE(c->hold());
  EXPECT_FALSE(c->send_dtmf('1', 100));
  EXPECT_EQ(a->use_alsa_device("nosuchdevice_x", "nosuchdevice_x").has_value(), false);
  ASSERT_TRUE(a->start());
  EXPECT_FALSE(a->start());                      // twice
  EXPECT_FALSE(a->use_null_device());            // devices are chosen before start
  // Hang up twice.
  ASSERT_TRUE(c->hangup());
  Status twice = c->hangup();
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("ended"), std::string::npos);
  EXPECT_FALSE(a->end_call(c));
  EXPECT_FALSE(c->create_offer());
  EXPECT_EQ(c->state(), CallState::ended);
  EXPECT_FALSE(a->end_call(nullptr));
  // A call of another engine.
  auto other = make_engine(options(42500));
  ASSERT_TRUE(other);
  auto foreign = other->create_call();
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(a->end_call(*foreign));
  // After stop: everything is an error, and stop is idempotent.
  auto live = a->create_call();
  ASSERT_TRUE(live);
  a->stop();
  a->stop();
  EXPECT_FALSE(a->running());
  EXPECT_EQ((*live)->state(), CallState::ended);
  EXPECT_FALSE((*live)->create_offer());
  EXPECT_FALSE(a->create_call());
  EXPECT_FALSE(a->play_tone(Tone::ringback));
  EXPECT_FALSE(a->start());
}

TEST(ApiTest, ControlCallsFromSeveralThreadsAreSerialised) {
  // One thread polls events and statistics while another holds, resumes and sends keys: the
  // engine's mutex serialises them (run under ASan/UBSan and TSan builds to catch a race).
  Pair p = connect_pair(options(42000), options(42500));
  ASSERT_TRUE(p.ca && p.cb);
  std::atomic<bool> done{false};
  std::atomic<int> keys{0};
  std::thread poller([&] {
    Event e;
    while (!done.load()) {
      while (p.b->poll_event(e)) {
        if (e.kind == Event::Kind::dtmf) keys.fetch_add(1);
      }
      (void)p.ca->stats();
      (void)p.cb->state();
      sleep_ms(2);
    }
  });
  for (int i = 0; i < 3; ++i) {
    auto hold = p.ca->hold();
    ASSERT_TRUE(hold);
    auto answer = p.cb->receive_offer(*hold);
    ASSERT_TRUE(answer);
    ASSERT_TRUE(p.ca->receive_answer(*answer));
    auto resume = p.ca->resume();
    ASSERT_TRUE(resume);
    answer = p.cb->receive_offer(*resume);
    ASSERT_TRUE(answer);
    ASSERT_TRUE(p.ca->receive_answer(*answer));
    EXPECT_TRUE(p.ca->send_dtmf(static_cast<char>('1' + i), 60));
    sleep_ms(150);
  }
  EXPECT_TRUE(wait_for([&] { return keys.load() == 3; }, 2000));
  done.store(true);
  poller.join();
  EXPECT_EQ(keys.load(), 3);
  EXPECT_EQ(p.ca->state(), CallState::active);
}

TEST(ApiTest, BadOptionsAreNamed) {
  EngineOptions o = options(42000);
  o.codecs = {"G722", "nonsense"};
  auto e = Engine::create(o);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("nonsense"), std::string::npos);
  o = options(42000);
  o.country = "ZZ";
  EXPECT_FALSE(Engine::create(o));
  o = options(42000);
  o.network_profile = "moon";
  EXPECT_FALSE(Engine::create(o));
  o = options(42000);
  o.srtp_suites = {"ROT13"};
  EXPECT_FALSE(Engine::create(o));
  o = options(42000);
  o.audio_rate_hz = 11025;
  EXPECT_FALSE(Engine::create(o));
}

// A sine WAV as A's microphone; B's speaker records; B must hear the tone, and not while A holds.
class ApiWavTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("offhook_api_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    SF_INFO info{};
    info.samplerate = kRate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open((dir_ / "sine.wav").c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr);
    std::vector<int16_t> pcm(kRate * 3);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440.0 * static_cast<double>(i) / kRate));
    }
    ASSERT_EQ(sf_write_short(f, pcm.data(), static_cast<sf_count_t>(pcm.size())), static_cast<sf_count_t>(pcm.size()));
    sf_close(f);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<int16_t> read_wav(const std::filesystem::path& path) {
    SF_INFO info{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
    if (f == nullptr) return {};
    std::vector<int16_t> pcm(static_cast<size_t>(info.frames));
    sf_read_short(f, pcm.data(), info.frames);
    sf_close(f);
    return pcm;
  }

  static double rms(const std::vector<int16_t>& pcm, size_t from, size_t to) {
    double e = 0;
    to = std::min(to, pcm.size());
    if (from >= to) return 0;
    for (size_t i = from; i < to; ++i) e += static_cast<double>(pcm[i]) * pcm[i];
    return std::sqrt(e / static_cast<double>(to - from));
  }

  std::filesystem::path dir_;
};

TEST_F(ApiWavTest, DeviceHearsTheCallUntilHeld) {
  auto a = make_engine(options(42000));
  auto b = make_engine(options(42500));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->use_wav_devices((dir_ / "sine.wav").string(), (dir_ / "a_heard.wav").string()));
  ASSERT_TRUE(b->use_null_device());
  ASSERT_TRUE(b->use_wav_devices((dir_ / "sine.wav").string(), (dir_ / "b_heard.wav").string()));
  EXPECT_FALSE(b->use_wav_devices((dir_ / "missing.wav").string(), (dir_ / "x.wav").string()));
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  auto ca = a->create_call();
  auto cb = b->create_call();
  ASSERT_TRUE(ca && cb);
  auto offer = (*ca)->create_offer();
  ASSERT_TRUE(offer);
  auto answer = (*cb)->receive_offer(*offer);
  ASSERT_TRUE(answer);
  ASSERT_TRUE((*ca)->receive_answer(*answer));
  sleep_ms(700);  // B hears A's sine
  auto hold = (*ca)->hold();  // A's device is disconnected at once; B hears silence (no music set)
  ASSERT_TRUE(hold);
  auto hold_answer = (*cb)->receive_offer(*hold);
  ASSERT_TRUE(hold_answer);
  ASSERT_TRUE((*ca)->receive_answer(*hold_answer));
  sleep_ms(1000);
  const CallStats sb = (*cb)->stats();
  b->stop();
  a->stop();
  EXPECT_EQ((*cb)->state(), CallState::ended);
  EXPECT_GT((*cb)->stats().packets_received, 0u);  // the last snapshot survives the hangup
  EXPECT_EQ((*cb)->stats().packets_received, sb.packets_received);
  const auto heard = read_wav(dir_ / "b_heard.wav");
  ASSERT_GT(heard.size(), kRate);  // at least 1 s recorded
  // The recording starts at b->start(); how soon the call is up depends on the machine's load, so
  // the talk phase is found by level: the loudest 200 ms before the last second (the hold). The
  // hold window is its last 300 ms (measured from the end: a loaded machine may skip ticks).
  double talk = 0;
  for (size_t at = 0; at + kRate / 5 + kRate <= heard.size(); at += kRate / 20) {
    talk = std::max(talk, rms(heard, at, at + kRate / 5));
  }
  const double held = rms(heard, heard.size() - kRate * 3 / 10 - kRate / 20, heard.size() - kRate / 20);
  EXPECT_GT(talk, 2000.0);  // the 8000-peak sine is about 5600 RMS
  EXPECT_LT(held, 100.0);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "a_heard.wav"));
}

TEST_F(ApiWavTest, HoldMusicPlaysToTheHeldCallAndConferenceJoinsCalls) {
  // B holds A with music; then C joins: B conferences A and C.
  auto a = make_engine(options(42000));
  auto b = make_engine(options(42500));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->use_wav_devices((dir_ / "sine.wav").string(), (dir_ / "a_heard.wav").string()));
  ASSERT_FALSE(b->set_hold_music((dir_ / "missing.wav").string()));
  ASSERT_TRUE(b->set_hold_music((dir_ / "sine.wav").string()));
  ASSERT_TRUE(a->start());
  ASSERT_TRUE(b->start());
  auto ca = a->create_call();
  auto cb = b->create_call();
  ASSERT_TRUE(ca && cb);
  auto offer = (*cb)->create_offer();  // B calls A
  ASSERT_TRUE(offer);
  auto answer = (*ca)->receive_offer(*offer);
  ASSERT_TRUE(answer);
  ASSERT_TRUE((*cb)->receive_answer(*answer));
  sleep_ms(300);  // B's device is the null device: A hears silence
  auto hold = (*cb)->hold();
  ASSERT_TRUE(hold);
  auto hold_answer = (*ca)->receive_offer(*hold);
  ASSERT_TRUE(hold_answer);
  ASSERT_TRUE((*cb)->receive_answer(*hold_answer));
  sleep_ms(600);  // A hears the music (the sine)
  // Conference needs calls that are not held.
  auto cb2 = b->create_call();
  ASSERT_TRUE(cb2);
  EXPECT_FALSE(b->conference(**cb, **cb2));
  EXPECT_FALSE(b->conference(**cb, **cb));
  a->stop();
  b->stop();
  const auto heard = read_wav(dir_ / "a_heard.wav");
  ASSERT_GT(heard.size(), kRate * 7 / 10);
  const double before = rms(heard, kRate / 10, kRate * 25 / 100);
  const double music = rms(heard, heard.size() - kRate * 3 / 10, heard.size() - kRate / 10);
  EXPECT_LT(before, 100.0);
  EXPECT_GT(music, 2000.0);
}

TEST_F(ApiWavTest, ConferenceAndTransferRewireTheBridge) {
  // B calls A (whose microphone plays a sine) and C (silent). C records what it hears. Alone, C hears
  // only B's (silent) device; in B's conference C hears A; after B's bridged transfer still A; once
  // A hangs up, nothing.
  EngineOptions oc = options(43000);
  auto a = make_engine(options(42000));
  auto b = make_engine(options(42500));
  auto c = make_engine(oc);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(a->use_wav_devices((dir_ / "sine.wav").string(), ""));
  ASSERT_TRUE(c->use_wav_devices("", (dir_ / "c_heard.wav").string()));
  for (Engine* e : {a.get(), b.get(), c.get()}) ASSERT_TRUE(e->start());
  auto ba = b->create_call();
  auto bc = b->create_call();
  auto ab = a->create_call();
  auto cb = c->create_call();
  ASSERT_TRUE(ba && bc && ab && cb);
  for (auto [from, to] : {std::pair{*ba, *ab}, std::pair{*bc, *cb}}) {
    auto offer = from->create_offer();
    ASSERT_TRUE(offer);
    auto answer = to->receive_offer(*offer);
    ASSERT_TRUE(answer);
    ASSERT_TRUE(from->receive_answer(*answer));
  }
  sleep_ms(500);  // 0-0.5 s: C hears B's null device
  ASSERT_TRUE(b->conference(**ba, **bc));
  sleep_ms(500);  // 0.5-1.0 s: C hears A through B's bridge
  ASSERT_TRUE(b->transfer(**ba, **bc));
  sleep_ms(500);  // 1.0-1.5 s: still A
  ASSERT_TRUE((*ab)->hangup());
  ASSERT_TRUE(b->end_call(*ba));
  sleep_ms(500);  // 1.5-2.0 s: nothing
  for (Engine* e : {a.get(), b.get(), c.get()}) e->stop();
  const auto heard = read_wav(dir_ / "c_heard.wav");
  // Positions drift when a loaded machine makes the media thread skip ticks, so the phases are found
  // by level: quiet at the start and the end, A's sine for the conference and the transfer (1 s).
  ASSERT_GT(heard.size(), kRate * 12 / 10);
  EXPECT_LT(rms(heard, kRate / 10, kRate * 3 / 10), 100.0);
  EXPECT_LT(rms(heard, heard.size() - kRate * 15 / 100, heard.size()), 100.0);
  size_t loud_ms = 0;
  for (size_t at = 0; at + kRate / 100 <= heard.size(); at += kRate / 100) {
    if (rms(heard, at, at + kRate / 100) > 2000.0) loud_ms += 10;
  }
  EXPECT_GT(loud_ms, 750u);   // conference + transfer: about 1000 ms
  EXPECT_LT(loud_ms, 1300u);  // not before the conference, not after A hung up
}

}  // namespace
}  // namespace offhook::api
