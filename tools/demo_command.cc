// offhook demo: the attended transfer of a desk IP phone, played by three phones A, B and C — three
// engines in this process with WAV devices — over real UDP on loopback with SRTP and a chosen
// network profile. A small in-process signalling script exchanges the SDP each SIP step would
// carry (SdpSession: offer/answer, hold re-INVITE, INVITE with Replaces):
//
//   1. A calls B: A hears local ring-back until B answers (180 Ringing, then 200 OK with SDP).
//   2. A and B talk.
//   3. A holds B (re-INVITE sendonly; B answers recvonly): B hears music on hold from A; A calls
//      C and hears ring-back again.
//   4. A and C talk; B still hears music.
//   5. A transfers (REFER with Replaces): B's INVITE reaches C, both re-target their running legs
//      at each other (new address and SRTP key, same SSRC and rollover counter); A's legs end.
//      B and C talk; A hears nothing.
//
// It prints the timeline as it happens, a statistics table per leg, writes each phone's recording,
// report.json and timeline.svg to --out DIR, and checks itself: in each phase each phone must have
// heard the right party (normalised cross-correlation of its recording with what that party sent,
// over a search of lags) and no one else; exit status 1 when a check fails.
#include <sndfile.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.hpp"
#include "rtp/emodel.hpp"
#include "rtp/srtp_session.hpp"
#include "sim/profiles.hpp"
#include "src/call_leg.hpp"
#include "src/engine.hpp"
#include "src/pcm_player.hpp"
#include "src/sdp_negotiation.hpp"
#include "src/tone_source.hpp"
#include "src/udp_socket.hpp"
#include "tools/cli_common.hpp"
#include "tools/commands.hpp"

namespace offhook::cli {

const char* const kDemoUsage =
    "  offhook demo [--out DIR] [--a-in A.wav] [--b-in B.wav] [--c-in C.wav] [--codec NAME]\n"
    "               [--profile lan|wifi|mobile|lossy|satellite|congested] [--srtp SUITE|none]\n"
    "               [--talk-s S] [--ring-s S] [--country CC] [--seed N]\n"
    "  The attended transfer of a desk phone: A calls B, holds B (music), calls C, transfers B to C.\n"
    "  Three engines over real UDP on loopback; self-checks who heard whom; writes recordings,\n"
    "  report.json and timeline.svg to DIR (default offhook-demo). Defaults: G722, lan, AES_CM_128_HMAC_SHA1_80.\n";

namespace {

constexpr uint32_t kRate = 16000;  // every phone's bridge and devices
constexpr size_t kFrame = kRate / 100;

// ---------------------------------------------------------------------------------------------
// Audio material.

// A synthetic talker: voiced syllables (a glottal-like harmonic series shaped by two formants)
// with pauses, so each phone's voice is distinct and uncorrelated with the others'.
std::vector<int16_t> synthetic_voice(uint64_t seed, double f0_hz, double seconds) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const size_t total = static_cast<size_t>(seconds * kRate);
  std::vector<double> out(total, 0.0);
  static constexpr double kVowels[][2] = {{730, 1090}, {270, 2290}, {530, 1840}, {300, 870}, {640, 1190}, {440, 1020}};
  size_t pos = 0;
  double phase = 0;
  while (pos < total) {
    const size_t syllable = static_cast<size_t>((0.12 + 0.2 * u(rng)) * kRate);
    const auto& vowel = kVowels[static_cast<size_t>(u(rng) * 6) % 6];
    const double glide = 0.85 + 0.3 * u(rng);
    for (size_t i = 0; i < syllable && pos + i < total; ++i) {
      const double t = static_cast<double>(i) / static_cast<double>(syllable);
      const double f0 = f0_hz * (glide + (1.0 - glide) * t);
      phase += 2 * M_PI * f0 / kRate;
      double s = 0;
      for (int k = 1; k * f0 < 3800; ++k) {
        const double f = k * f0;
        const double g1 = 1.0 / (1.0 + std::pow((f - vowel[0]) / 90.0, 2));
        const double g2 = 0.6 / (1.0 + std::pow((f - vowel[1]) / 120.0, 2));
        s += (g1 + g2 + 0.02) * std::sin(k * phase) / std::sqrt(k);
      }
      out[pos + i] = s * std::sin(M_PI * t);  // syllable envelope
    }
    pos += syllable;
    if (u(rng) < 0.35) pos += static_cast<size_t>((0.08 + 0.3 * u(rng)) * kRate);  // a pause
  }
  double energy = 0;
  for (double v : out) energy += v * v;
  const double gain = 3300.0 / std::sqrt(energy / static_cast<double>(total) + 1e-9);  // about -20 dBFS
  std::vector<int16_t> pcm(total);
  for (size_t i = 0; i < total; ++i) pcm[i] = static_cast<int16_t>(std::clamp(out[i] * gain, -32000.0, 32000.0));
  return pcm;
}

// Music on hold: a little arpeggio of soft chords.
std::vector<int16_t> hold_music(double seconds) {
  static constexpr double kNotes[] = {261.6, 329.6, 392.0, 523.3, 392.0, 329.6, 293.7, 349.2, 440.0, 349.2};
  const size_t total = static_cast<size_t>(seconds * kRate);
  const size_t note = kRate / 4;
  std::vector<int16_t> pcm(total);
  for (size_t i = 0; i < total; ++i) {
    const double f = kNotes[(i / note) % std::size(kNotes)];
    const double t = static_cast<double>(i % note) / note;
    const double env = std::exp(-3.0 * t) * std::min(1.0, t * 50);
    const double x = static_cast<double>(i) / kRate;
    pcm[i] = static_cast<int16_t>(5000 * env * (std::sin(2 * M_PI * f * x) + 0.4 * std::sin(2 * M_PI * 2 * f * x)));
  }
  return pcm;
}

// What one port emitted or heard, with the clock time of its first frame: frame k covers
// [first_us + 10 ms k, first_us + 10 ms (k + 1)). Preallocated; [rt] appends.
struct Tape {
  std::vector<int16_t> samples;
  std::atomic<size_t> length{0};
  std::atomic<uint64_t> first_us{0};
  explicit Tape(size_t capacity) : samples(capacity) {}
  void append(const Clock& clock, std::span<const int16_t> frame) noexcept {
    const size_t at = length.load(std::memory_order_relaxed);
    if (at == 0) first_us.store(clock.now_us(), std::memory_order_relaxed);
    const size_t n = std::min(frame.size(), samples.size() - at);
    std::copy_n(frame.begin(), n, samples.begin() + static_cast<ptrdiff_t>(at));
    length.store(at + n, std::memory_order_release);
  }
  // The sample heard/emitted at clock time `t_us`, or 0 outside the tape.
  double at_time(uint64_t t_us) const noexcept {
    const uint64_t first = first_us.load();
    if (t_us < first) return 0;
    const size_t i = static_cast<size_t>((t_us - first) * kRate / 1'000'000u);
    return i < length.load() ? samples[i] : 0;
  }
};

// A source that records what it emits.
class TappedSource final : public AudioSource {
 public:
  TappedSource(AudioSource& inner, const Clock& clock, size_t capacity) : inner_(inner), clock_(clock), tape(capacity) {}
  uint32_t rate_hz() const noexcept override { return inner_.rate_hz(); }
  bool read(AudioFrame& frame) noexcept override {
    const bool more = inner_.read(frame);
    tape.append(clock_, frame.samples());
    return more;
  }

 private:
  AudioSource& inner_;
  const Clock& clock_;

 public:
  Tape tape;
};

// A phone's earpiece: records what the phone hears.
class Recorder final : public AudioSink {
 public:
  Recorder(const Clock& clock, size_t capacity) : clock_(clock), tape(capacity) {}
  uint32_t rate_hz() const noexcept override { return kRate; }
  void write(const AudioFrame& frame) noexcept override { tape.append(clock_, frame.samples()); }

 private:
  const Clock& clock_;

 public:
  Tape tape;
};

Status write_wav(const std::string& path, const Tape& tape) {
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return Error{Errc::io_error, "cannot write " + path + ": " + sf_strerror(nullptr)};
  const sf_count_t n = static_cast<sf_count_t>(tape.length.load());
  const sf_count_t written = sf_write_short(f, tape.samples.data(), n);
  sf_close(f);
  if (written != n) return Error{Errc::io_error, "short write to " + path};
  return ok();
}

// ---------------------------------------------------------------------------------------------
// Signal checks.

// The best normalised cross-correlation between what `heard` recorded in [t0, t1) and what `said`
// emitted `lag` earlier, over lags 0..max_lag (the path's delay: packetisation, network, buffer).
struct Match {
  double correlation = 0;
  double lag_ms = 0;
};

Match best_match_span(const Tape& heard, const Tape& said, uint64_t t0_us, uint64_t t1_us, uint64_t max_lag_us) {
  const size_t n = static_cast<size_t>((t1_us - t0_us) * kRate / 1'000'000u);
  const size_t lags = static_cast<size_t>(max_lag_us * kRate / 1'000'000u);
  std::vector<float> h(n), s(n + lags);
  for (size_t i = 0; i < n; ++i) h[i] = static_cast<float>(heard.at_time(t0_us + i * 1'000'000u / kRate));
  // s[j] is what was said at t0 - max_lag + j.
  const uint64_t s0 = t0_us - max_lag_us;
  for (size_t j = 0; j < n + lags; ++j) s[j] = static_cast<float>(said.at_time(s0 + j * 1'000'000u / kRate));
  double hh = 0;
  for (float v : h) hh += double{v} * v;
  double ss = 0;  // running energy of the said window s[k, k + n)
  for (size_t i = 0; i < n; ++i) ss += double{s[i]} * s[i];
  Match best;
  for (size_t k = 0; k <= lags; ++k) {  // lag = max_lag - k
    if (k > 0) ss += double{s[k + n - 1]} * s[k + n - 1] - double{s[k - 1]} * s[k - 1];
    double hs = 0;
    for (size_t i = 0; i < n; ++i) hs += h[i] * s[k + i];
    const double denom = std::sqrt(hh * std::max(ss, 1.0));
    const double c = denom > 0 ? hs / denom : 0;
    if (c > best.correlation) {
      best.correlation = c;
      best.lag_ms = static_cast<double>(lags - k) * 1000.0 / kRate;
    }
  }
  return best;
}

// An adaptive jitter buffer moves the delay by time-stretching, so one lag does not fit a whole
// phase: the window is cut into 400 ms segments, each aligned on its own; the result is the median
// over the segments where the listener heard something (silence in both is no evidence).
Match best_match(const Tape& heard, const Tape& said, uint64_t t0_us, uint64_t t1_us, uint64_t max_lag_us) {
  constexpr uint64_t kSegmentUs = 400'000;
  std::vector<Match> found;
  for (uint64_t t = t0_us; t + kSegmentUs <= t1_us; t += kSegmentUs) {
    double e = 0;
    for (uint64_t u = t; u < t + kSegmentUs; u += 1'000'000u / kRate) e += heard.at_time(u) * heard.at_time(u);
    if (e / (kSegmentUs * kRate / 1e6) < 100.0 * 100.0) continue;  // below about -50 dBFS: nothing heard
    found.push_back(best_match_span(heard, said, t, t + kSegmentUs, max_lag_us));
  }
  if (found.empty()) return {};
  std::sort(found.begin(), found.end(), [](const Match& x, const Match& y) { return x.correlation < y.correlation; });
  return found[found.size() / 2];
}

double level_dbfs(const Tape& tape, uint64_t t0_us, uint64_t t1_us) {
  double e = 0;
  size_t n = 0;
  for (uint64_t t = t0_us; t < t1_us; t += 1'000'000u / kRate, ++n) {
    const double v = tape.at_time(t);
    e += v * v;
  }
  return n ? 10 * std::log10(e / static_cast<double>(n) / (32768.0 * 32768.0) + 1e-12) : -120;
}

// Fraction of the energy of [t0, t1) that lies at the frequencies of the country's ring-back tone.
double tone_fraction(const Tape& tape, uint64_t t0_us, uint64_t t1_us, const dsp::ToneSpec& spec) {
  const size_t n = static_cast<size_t>((t1_us - t0_us) * kRate / 1'000'000u);
  std::vector<double> x(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = tape.at_time(t0_us + i * 1'000'000u / kRate);
    total += x[i] * x[i];
  }
  if (total <= 0) return 0;
  double tone = 0;
  for (size_t c = 0; c < spec.component_count; ++c) {
    const double fc = spec.components[c].freq_hz, am = spec.am_hz;
    for (double f : {fc - am, fc, fc + am}) {  // an amplitude-modulated tone has side bands
      if (f <= 0 || (am == 0 && f != fc)) continue;
      const double w = 2 * M_PI * f / kRate;
      double s1 = 0, s2 = 0;
      for (double v : x) {
        const double s0 = v + 2 * std::cos(w) * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      tone += 2 * (s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2) / static_cast<double>(n);
    }
  }
  return std::min(1.0, tone / total);
}

// ---------------------------------------------------------------------------------------------
// Phones and legs.

struct Phone {
  std::string name;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<PcmPlayer> voice;
  std::unique_ptr<TappedSource> mouth;
  std::unique_ptr<Recorder> ear;
  EnginePort device = 0;
};

// One side of one call: the SDP state and, once negotiated, the running leg.
struct Side {
  std::string label;  // "A->B"
  Phone* phone = nullptr;
  SdpSession sdp{0};
  LocalMedia local;
  std::optional<RtpSocketPair> sockets;  // bound before the offer/answer, handed to the leg
  std::unique_ptr<CallLeg> leg;
  std::optional<EnginePort> port;
  CallLegStats final_stats{};
  bool ended = false;
};

struct Sample {
  double t_s;
  std::string leg;
  double jb_ms;
  double loss_pct;
};

struct PhaseWindow {
  std::string name;
  uint64_t start_us, end_us;
};

struct Check {
  std::string what;
  bool passed;
  std::string detail;
};

struct Demo {
  MonotonicClock clock;
  uint64_t t0_us = 0;
  std::string codec = "G722";
  std::optional<rtp::SrtpSuite> suite = rtp::SrtpSuite::aes_cm_128_hmac_sha1_80;
  std::optional<sim::NetworkConfig> network;
  std::string profile = "lan";
  uint64_t seed = 1;
  std::vector<Sample> samples;
  std::vector<PhaseWindow> phases;
  std::vector<std::string> timeline;

  double now_s() const { return static_cast<double>(clock.now_us() - t0_us) / 1e6; }
  void say(const std::string& line) {
    char head[32];
    std::snprintf(head, sizeof head, "[%6.2f s] ", now_s());
    timeline.push_back(head + line);
    std::printf("%s%s\n", head, line.c_str());
    std::fflush(stdout);
  }

  LocalMedia local_for(const std::string& address, uint16_t port) const {
    LocalMedia m;
    m.address = address;
    m.port = port;
    m.codecs = {codec};
    m.srtp = suite ? SrtpPolicy::mandatory : SrtpPolicy::off;
    if (suite) m.suites = {*suite};
    return m;
  }

  Status bind(Side& side) {
    auto loopback = SocketAddress::from_ip("127.0.0.1", 0);
    if (!loopback) return std::move(loopback).error();
    auto pair = bind_rtp_pair(*loopback, 40000, 49998, /*rtcp_mux=*/true);
    if (!pair) return std::move(pair).error();
    side.local = local_for("127.0.0.1", pair->rtp.local_address().port());
    side.sockets.emplace(std::move(*pair));
    return ok();
  }

  // Creates the side's leg from what was negotiated and plugs it into the phone's bridge.
  Status start_leg(Side& side, const Negotiated& n, uint64_t seed_offset) {
    if (n.rejected) return Error{Errc::not_supported, side.label + ": the stream was rejected: " + n.reason};
    CallLegConfig config;
    if (auto s = apply(n, config); !s) return s;
    config.device_rate_hz = kRate;
    config.jitter_buffer = JitterBufferMode::adaptive;
    config.local = side.sockets->rtp.local_address();
    config.cname = side.label + "@offhook-demo";
    if (network) config.impairment = Impairment{.loss_pct = 0, .seed = seed * 100 + seed_offset, .network = *network};
    auto leg = CallLeg::create(config, side.phone->engine->kernels(), std::move(side.sockets->rtp),
                               std::move(side.sockets->rtcp));
    if (!leg) return std::move(leg).error();
    side.sockets.reset();
    side.leg = std::move(*leg);
    side.leg->set_remote(n.remote_rtp);
    auto port = side.phone->engine->add_leg(*side.leg);
    if (!port) return std::move(port).error();
    side.port = *port;
    return ok();
  }

  // Waits until `until_us`, sampling every live leg's buffer delay and loss for the plot.
  void run_until(uint64_t until_us, const std::vector<Side*>& sides) {
    while (clock.now_us() < until_us) {
      clock.sleep_until(std::min(until_us, clock.now_us() + 250'000));
      for (Side* s : sides) {
        if (!s->leg || s->ended) continue;
        const CallLegStats st = s->leg->stats();
        const uint64_t expected = st.packets_received + st.packets_lost;
        samples.push_back({now_s(), s->label, st.jb_target_delay_ms > 0 ? st.jb_target_delay_ms : st.jb_delay_mean_ms,
                           expected ? 100.0 * static_cast<double>(st.packets_lost) / static_cast<double>(expected) : 0});
      }
    }
  }
};

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string svg_timeline(const Demo& d, double end_s) {
  const double w = 1000, left = 90, right = 20, plot_w = w - left - right;
  auto x = [&](double t) { return left + plot_w * t / end_s; };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='430' font-family='sans-serif' font-size='12'>\n";
  o << "<rect width='100%' height='100%' fill='white'/>\n";
  o << "<text x='" << left << "' y='18' font-size='14'>offhook demo: attended transfer (" << d.codec << ", "
    << (d.suite ? rtp::suite_name(*d.suite) : "plain RTP") << ", profile " << d.profile << ")</text>\n";
  // Phase bands.
  static const char* kColors[] = {"#fde2b8", "#c7e9c0", "#dadaeb", "#c6dbef", "#fcbba1"};
  for (size_t i = 0; i < d.phases.size(); ++i) {
    const auto& p = d.phases[i];
    const double a = static_cast<double>(p.start_us - d.t0_us) / 1e6, b = static_cast<double>(p.end_us - d.t0_us) / 1e6;
    o << "<rect x='" << x(a) << "' y='30' width='" << x(b) - x(a) << "' height='360' fill='" << kColors[i % 5]
      << "' opacity='0.5'/>\n<text x='" << x(a) + 3 << "' y='44'>" << p.name << "</text>\n";
  }
  // Legs as bars: when each side's leg existed.
  const char* legs[] = {"A->B", "B->A", "A->C", "C->A"};
  std::map<std::string, std::pair<double, double>> span;
  for (const Sample& s : d.samples) {
    auto it = span.find(s.leg);
    if (it == span.end()) span[s.leg] = {s.t_s, s.t_s};
    else it->second.second = s.t_s;
  }
  for (size_t i = 0; i < std::size(legs); ++i) {
    const double y = 60 + 22.0 * static_cast<double>(i);
    o << "<text x='5' y='" << y + 12 << "'>leg " << legs[i] << "</text>\n";
    if (auto it = span.find(legs[i]); it != span.end()) {
      o << "<rect x='" << x(it->second.first) << "' y='" << y << "' width='" << std::max(1.0, x(it->second.second) - x(it->second.first))
        << "' height='14' fill='#3182bd'/>\n";
    }
  }
  // Buffer delay and loss per leg over time.
  const double py = 170, ph = 200;
  double max_jb = 100;
  for (const Sample& s : d.samples) max_jb = std::max(max_jb, s.jb_ms * 1.1);
  o << "<text x='5' y='" << py + 10 << "'>JB delay</text><text x='5' y='" << py + 24 << "'>(ms)</text>\n";
  o << "<line x1='" << left << "' y1='" << py + ph << "' x2='" << w - right << "' y2='" << py + ph << "' stroke='black'/>\n";
  o << "<line x1='" << left << "' y1='" << py << "' x2='" << left << "' y2='" << py + ph << "' stroke='black'/>\n";
  for (int tick = 0; tick <= 4; ++tick) {
    const double v = max_jb * tick / 4;
    o << "<text x='" << left - 30 << "' y='" << py + ph - ph * tick / 4 + 4 << "'>" << static_cast<int>(v) << "</text>\n";
  }
  for (int t = 0; t <= static_cast<int>(end_s); t += 2) {
    o << "<text x='" << x(t) - 5 << "' y='" << py + ph + 16 << "'>" << t << "s</text>\n";
  }
  static const char* kLegColors[] = {"#e6550d", "#31a354", "#756bb1", "#3182bd"};
  for (size_t i = 0; i < std::size(legs); ++i) {
    std::ostringstream pts;
    double last_loss = 0;
    for (const Sample& s : d.samples) {
      if (s.leg != legs[i]) continue;
      pts << x(s.t_s) << ',' << py + ph - ph * std::min(1.0, s.jb_ms / max_jb) << ' ';
      if (s.loss_pct > last_loss + 0.05) {
        o << "<circle cx='" << x(s.t_s) << "' cy='" << py + ph - 4 << "' r='3' fill='red'/>\n";
      }
      last_loss = s.loss_pct;
    }
    o << "<polyline fill='none' stroke='" << kLegColors[i] << "' stroke-width='2' points='" << pts.str() << "'/>\n";
    o << "<text x='" << w - 170 + 0.0 << "' y='" << py + 14 + 14.0 * static_cast<double>(i) << "' fill='" << kLegColors[i]
      << "'>JB target " << legs[i] << "</text>\n";
  }
  o << "<circle cx='" << w - 175 << "' cy='" << py + 70 << "' r='3' fill='red'/><text x='" << w - 170 << "' y='" << py + 74
    << "'>new loss</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace

int run_demo(int argc, char** argv) {
  auto opts_result = parse_options(argc, argv, 2,
                                   {"--out", "--a-in", "--b-in", "--c-in", "--codec", "--profile", "--srtp", "--talk-s",
                                    "--ring-s", "--country", "--seed"},
                                   {});
  if (!opts_result) return fail(opts_result.error(), kExitUsage);
  const auto& opts = *opts_result;
  auto talk_s = parse_number(opts, "--talk-s", 4, 2, 600);
  auto ring_s = parse_number(opts, "--ring-s", 2, 1, 60);
  auto seed = parse_number(opts, "--seed", 1, 0, 2147483647);
  for (auto* r : {&talk_s, &ring_s, &seed}) {
    if (!*r) return fail(r->error(), kExitUsage);
  }
  Demo d;
  d.seed = static_cast<uint64_t>(*seed);
  if (opts.count("--codec")) {
    const CodecInfo* info = nullptr;
    for (const CodecInfo& c : codec_capabilities()) {
      if (find_codec(opts.at("--codec"), c.clock_rate_hz) == &c) info = &c;
    }
    if (info == nullptr) return fail(Error{Errc::not_supported, "unknown codec '" + opts.at("--codec") + "'"}, kExitUsage);
    d.codec = std::string(info->name);
  }
  if (opts.count("--srtp")) {
    if (opts.at("--srtp") == "none") {
      d.suite.reset();
    } else {
      auto s = rtp::parse_srtp_suite(opts.at("--srtp"));
      if (!s) return fail(s.error(), kExitUsage);
      d.suite = *s;
    }
  }
  d.profile = opts.count("--profile") ? opts.at("--profile") : "lan";
  {
    auto net = sim::network_profile(d.profile);
    if (!net) return fail(net.error(), kExitUsage);
    d.network = *net;
  }
  const std::string country = opts.count("--country") ? opts.at("--country") : "US";
  const std::string out_dir = opts.count("--out") ? opts.at("--out") : "offhook-demo";

  // Material first: a bad file is reported before anything runs.
  const double talk = static_cast<double>(*talk_s), ring = static_cast<double>(*ring_s);
  const double total_s = 3 * talk + 2 * ring + 1.5;
  const size_t capacity = static_cast<size_t>((total_s + 5) * kRate);
  Phone a{"A"}, b{"B"}, c{"C"};
  const double f0[] = {115, 210, 160};
  Phone* phones[] = {&a, &b, &c};
  for (size_t i = 0; i < 3; ++i) {
    Phone& p = *phones[i];
    const std::string option = std::string("--") + static_cast<char>('a' + i) + "-in";
    auto voice = opts.count(option) ? PcmPlayer::open(opts.at(option), kRate, PlayMode::loop)
                                    : PcmPlayer::create(synthetic_voice(d.seed * 7 + i, f0[i], 23.0), kRate, PlayMode::loop);
    if (!voice) return fail(voice.error());
    p.voice = std::move(*voice);
    p.mouth = std::make_unique<TappedSource>(*p.voice, d.clock, capacity);
    p.ear = std::make_unique<Recorder>(d.clock, capacity);
    auto engine = Engine::create({.clock = &d.clock, .bridge_rate_hz = kRate});
    if (!engine) return fail(engine.error());
    p.engine = std::move(*engine);
    auto dev = p.engine->add_device(*p.mouth, *p.ear);
    if (!dev) return fail(dev.error());
    p.device = *dev;
  }
  auto music_player = PcmPlayer::create(hold_music(10.0), kRate, PlayMode::loop);
  if (!music_player) return fail(music_player.error());
  TappedSource music(**music_player, d.clock, capacity);
  auto ringback = ToneSource::create(kRate, country);
  if (!ringback) return fail(ringback.error(), kExitUsage);
  auto music_port = a.engine->add_source(music);
  auto ring_port = a.engine->add_tone(**ringback);
  if (!music_port || !ring_port) return fail(Error{Errc::internal, "bridge ports for music and ring-back"});
  if (auto s = a.engine->connect(*ring_port, a.device); !s) return fail(s.error());
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Error{Errc::io_error, "cannot create " + out_dir + ": " + ec.message()});

  std::printf("offhook demo: attended transfer, codec %s, %s, network profile %s, country %s\n", d.codec.c_str(),
              d.suite ? rtp::suite_name(*d.suite) : "plain RTP", d.profile.c_str(), country.c_str());
  for (Phone* p : phones) {
    if (auto s = p->engine->start(); !s) return fail(s.error());
  }
  d.t0_us = d.clock.now_us();
  const uint64_t talk_us = static_cast<uint64_t>(talk * 1e6), ring_us = static_cast<uint64_t>(ring * 1e6);

  Side ab, ba, ac, ca;
  for (auto [side, label, phone] : {std::tuple{&ab, "A->B", &a}, std::tuple{&ba, "B->A", &b}, std::tuple{&ac, "A->C", &a},
                                    std::tuple{&ca, "C->A", &c}}) {
    side->label = label;
    side->phone = phone;
  }
  std::vector<Side*> sides = {&ab, &ba, &ac, &ca};
  auto die = [&](const Error& e) {
    for (Phone* p : phones) p->engine->stop();
    return fail(e);
  };

  // 1. A calls B.
  if (auto s = d.bind(ab); !s) return die(s.error());
  auto offer = ab.sdp.create_offer(ab.local);
  if (!offer) return die(offer.error());
  d.say("A -> B  INVITE (SDP offer: " + d.codec + ", " + (d.suite ? "RTP/SAVP with a=crypto" : "RTP/AVP") + ")");
  d.say("B -> A  180 Ringing; A plays local ring-back");
  if (auto s = a.engine->play_tone(*ring_port, dsp::CallProgressTone::ringback); !s) return die(s.error());
  uint64_t phase_start = d.clock.now_us();
  d.run_until(phase_start + ring_us, sides);
  if (auto s = d.bind(ba); !s) return die(s.error());
  auto answer = ba.sdp.receive_offer(*offer, ba.local);
  if (!answer) return die(answer.error());
  if (auto s = d.start_leg(ba, answer->negotiated, 2); !s) return die(s.error());
  auto neg = ab.sdp.receive_answer(answer->sdp);
  if (!neg) return die(neg.error());
  if (auto s = d.start_leg(ab, *neg, 1); !s) return die(s.error());
  (void)a.engine->stop_tone(*ring_port);
  (void)a.engine->connect_both(a.device, *ab.port);
  (void)b.engine->connect_both(b.device, *ba.port);
  d.phases.push_back({"A rings B", phase_start, d.clock.now_us()});
  d.say("B -> A  200 OK (SDP answer: " + neg->codec + "/" + std::to_string(neg->clock_rate_hz) + " pt " +
        std::to_string(neg->payload_type) + (neg->srtp ? ", SRTP" : "") + "); A and B talk");
  phase_start = d.clock.now_us();
  d.run_until(phase_start + talk_us, sides);
  d.phases.push_back({"A-B talk", phase_start, d.clock.now_us()});

  // 2. A holds B (re-INVITE sendonly) and calls C.
  ab.local.direction = MediaDirection::sendonly;
  auto hold = ab.sdp.create_offer(ab.local);
  if (!hold) return die(hold.error());
  auto hold_answer = ba.sdp.receive_offer(*hold, ba.local);
  if (!hold_answer) return die(hold_answer.error());
  auto hold_neg = ab.sdp.receive_answer(hold_answer->sdp);
  if (!hold_neg) return die(hold_neg.error());
  ba.leg->set_direction(hold_answer->negotiated.direction);
  ab.leg->set_direction(hold_neg->direction);
  (void)a.engine->disconnect_both(a.device, *ab.port);
  (void)a.engine->connect(*music_port, *ab.port);
  d.say("A -> B  re-INVITE a=sendonly (hold); B answers a=recvonly; B hears music on hold");
  if (auto s = d.bind(ac); !s) return die(s.error());
  auto offer_c = ac.sdp.create_offer(ac.local);
  if (!offer_c) return die(offer_c.error());
  d.say("A -> C  INVITE; C -> A 180 Ringing; A plays local ring-back");
  (void)a.engine->play_tone(*ring_port, dsp::CallProgressTone::ringback);
  phase_start = d.clock.now_us();
  d.run_until(phase_start + ring_us, sides);
  if (auto s = d.bind(ca); !s) return die(s.error());
  auto answer_c = ca.sdp.receive_offer(*offer_c, ca.local);
  if (!answer_c) return die(answer_c.error());
  if (auto s = d.start_leg(ca, answer_c->negotiated, 4); !s) return die(s.error());
  auto neg_c = ac.sdp.receive_answer(answer_c->sdp);
  if (!neg_c) return die(neg_c.error());
  if (auto s = d.start_leg(ac, *neg_c, 3); !s) return die(s.error());
  (void)a.engine->stop_tone(*ring_port);
  (void)a.engine->connect_both(a.device, *ac.port);
  (void)c.engine->connect_both(c.device, *ca.port);
  d.phases.push_back({"B held, A rings C", phase_start, d.clock.now_us()});
  d.say("C -> A  200 OK; A and C talk (B on hold)");
  phase_start = d.clock.now_us();
  d.run_until(phase_start + talk_us, sides);
  d.phases.push_back({"A-C talk, B held", phase_start, d.clock.now_us()});

  // 3. Transfer: A -> B REFER (Refer-To: C;Replaces=A-C dialog). B -> C INVITE with Replaces,
  //    offering the media its running leg already has; C answers from its running leg too. Both
  //    re-target; A's dialogs end with BYE.
  d.say("A -> B  REFER Refer-To: <C?Replaces=...>; B -> C INVITE with Replaces");
  ba.local.direction = MediaDirection::sendrecv;
  auto offer_bc = ba.sdp.create_offer(ba.local);
  if (!offer_bc) return die(offer_bc.error());
  auto answer_bc = ca.sdp.receive_offer(*offer_bc, ca.local);
  if (!answer_bc) return die(answer_bc.error());
  auto neg_bc = ba.sdp.receive_answer(answer_bc->sdp);
  if (!neg_bc) return die(neg_bc.error());
  for (auto [side, n] : {std::pair{&ba, &*neg_bc}, std::pair{&ca, &answer_bc->negotiated}}) {
    if (n->rejected || n->codec != std::string(side->leg->codec().name())) {
      return die(Error{Errc::not_supported, side->label + ": the transfer needs the running codec; got " + n->codec});
    }
    std::optional<rtp::SrtpKey> key;
    if (n->srtp) key = n->srtp->remote_key.clone();
    if (auto s = side->leg->retarget(n->remote_rtp, std::move(key)); !s) return die(s.error());
    side->leg->set_direction(n->direction);
  }
  // A's legs end (BYE): their final statistics are kept for the table.
  for (Side* s : {&ab, &ac}) {
    if (auto r = a.engine->remove(*s->port); !r) return die(r.error());
    s->final_stats = s->leg->stats();
    s->ended = true;
  }
  (void)c.engine->connect_both(c.device, *ca.port);
  d.say("C -> B  200 OK; B and C re-target their legs at each other (same SSRC, SRTP ROC kept); A -> B/C BYE");
  phase_start = d.clock.now_us();
  d.run_until(phase_start + talk_us, sides);
  d.phases.push_back({"B-C talk (transferred)", phase_start, d.clock.now_us()});
  for (Phone* p : phones) p->engine->stop();
  for (Side* s : {&ba, &ca}) s->final_stats = s->leg->stats();
  d.say("B -> C  BYE; demo over");

  // Self-check: who heard whom in each phase (windows trimmed for the path delay and set-up).
  const uint64_t max_lag_us = 300'000 + static_cast<uint64_t>(d.network ? d.network->base_delay_ms * 1000 * 2 : 0);
  std::vector<Check> checks;
  auto window = [&](size_t phase) {
    const PhaseWindow& p = d.phases[phase];
    const uint64_t settle = std::min<uint64_t>(1'000'000, (p.end_us - p.start_us) / 3);
    return std::pair{p.start_us + settle, p.end_us - 100'000};
  };
  auto hears = [&](const char* what, const Tape& ear, const Tape& source, size_t phase, bool expect) {
    auto [t0, t1] = window(phase);
    const Match m = best_match(ear, source, t0, t1, max_lag_us);
    char detail[96];
    std::snprintf(detail, sizeof detail, "correlation %.2f at %.0f ms", m.correlation, m.lag_ms);
    checks.push_back({what, expect ? m.correlation >= 0.6 : m.correlation < 0.35, detail});
  };
  const dsp::ToneSpec& ring_spec = (*ringback)->plan().tone(dsp::CallProgressTone::ringback);
  auto rings = [&](const char* what, const Tape& ear, size_t phase) {
    const PhaseWindow& p = d.phases[phase];
    const double f = tone_fraction(ear, p.start_us + 100'000, p.end_us, ring_spec);
    char detail[64];
    std::snprintf(detail, sizeof detail, "%.0f %% of the energy at the ring-back tone", 100 * f);
    checks.push_back({what, f > 0.8, detail});
  };
  rings("1 A hears ring-back while B rings", a.ear->tape, 0);
  hears("2 B hears A", b.ear->tape, a.mouth->tape, 1, true);
  hears("2 A hears B", a.ear->tape, b.mouth->tape, 1, true);
  rings("3 A hears ring-back while C rings", a.ear->tape, 2);
  hears("3 B hears music on hold", b.ear->tape, music.tape, 2, true);
  hears("4 B hears music on hold", b.ear->tape, music.tape, 3, true);
  hears("4 B does not hear A while held", b.ear->tape, a.mouth->tape, 3, false);
  hears("4 A does not hear B while B is held", a.ear->tape, b.mouth->tape, 3, false);
  hears("4 C hears A", c.ear->tape, a.mouth->tape, 3, true);
  hears("4 A hears C", a.ear->tape, c.mouth->tape, 3, true);
  hears("5 B hears C after the transfer", b.ear->tape, c.mouth->tape, 4, true);
  hears("5 C hears B after the transfer", c.ear->tape, b.mouth->tape, 4, true);
  hears("5 C no longer hears A", c.ear->tape, a.mouth->tape, 4, false);
  {
    auto [t0, t1] = window(4);
    const double level = level_dbfs(a.ear->tape, t0, t1);
    char detail[48];
    std::snprintf(detail, sizeof detail, "%.1f dBFS", level);
    checks.push_back({"5 A hears silence after the transfer", level < -60, detail});
  }

  // The statistics table.
  std::printf("\n%-6s %-6s %8s %8s %6s %6s %9s %9s %9s %5s\n", "leg", "codec", "sent", "received", "lost", "loss%",
              "jitter_ms", "jb_ms", "concealed", "MOS");
  std::ostringstream json;
  json << "{\n  \"codec\": \"" << esc(d.codec) << "\",\n  \"srtp\": \"" << (d.suite ? rtp::suite_name(*d.suite) : "none")
       << "\",\n  \"profile\": \"" << esc(d.profile) << "\",\n  \"legs\": [\n";
  for (size_t i = 0; i < sides.size(); ++i) {
    const Side& s = *sides[i];
    const CallLegStats& st = s.final_stats;
    const uint64_t expected = st.packets_received + st.packets_lost;
    const double loss = expected ? 100.0 * static_cast<double>(st.packets_lost) / static_cast<double>(expected) : 0;
    // ITU-T G.107 E-model (rtp/emodel): one-way delay from RTCP's round trip, the buffer and one
    // packet of codec delay; the loss the leg measured (late packets count as lost).
    rtp::EModelInput in;
    if (const rtp::CodecImpairment* ci = rtp::find_codec_impairment(d.codec)) {
      in.ie = ci->ie;
      in.bpl = ci->bpl;
    }
    const uint64_t played_or_lost = expected + st.jb_late;
    in.packet_loss_percent =
        played_or_lost ? 100.0 * static_cast<double>(st.packets_lost + st.jb_late) / static_cast<double>(played_or_lost) : 0;
    in.one_way_delay_ms = (st.rtt_ms > 0 ? st.rtt_ms / 2 : 0) + st.jb_delay_mean_ms + 20;
    const double mos = rtp::evaluate_emodel(in).mos_cq;
    std::printf("%-6s %-6s %8llu %8llu %6llu %6.2f %9.2f %9.1f %9llu %5.2f\n", s.label.c_str(),
                s.leg ? std::string(s.leg->codec().name()).c_str() : "-", static_cast<unsigned long long>(st.packets_sent),
                static_cast<unsigned long long>(st.packets_received), static_cast<unsigned long long>(st.packets_lost), loss,
                st.jitter_ms, st.jb_delay_mean_ms, static_cast<unsigned long long>(st.frames_concealed), mos);
    json << "    {\"leg\": \"" << s.label << "\", \"packets_sent\": " << st.packets_sent << ", \"packets_received\": "
         << st.packets_received << ", \"packets_lost\": " << st.packets_lost << ", \"loss_pct\": " << loss
         << ", \"jitter_ms\": " << st.jitter_ms << ", \"jb_delay_mean_ms\": " << st.jb_delay_mean_ms
         << ", \"frames_concealed\": " << st.frames_concealed << ", \"dropped_auth\": " << st.dropped_auth
         << ", \"rtt_ms\": " << st.rtt_ms << ", \"mos_estimate\": " << mos << "}" << (i + 1 < sides.size() ? "," : "")
         << "\n";
  }
  json << "  ],\n  \"timeline\": [\n";
  for (size_t i = 0; i < d.timeline.size(); ++i) {
    json << "    \"" << esc(d.timeline[i]) << "\"" << (i + 1 < d.timeline.size() ? "," : "") << "\n";
  }
  json << "  ],\n  \"checks\": [\n";
  bool all_passed = true;
  std::printf("\nself-check:\n");
  for (size_t i = 0; i < checks.size(); ++i) {
    const Check& k = checks[i];
    all_passed = all_passed && k.passed;
    std::printf("  %-4s %-42s %s\n", k.passed ? "ok" : "FAIL", k.what.c_str(), k.detail.c_str());
    json << "    {\"check\": \"" << esc(k.what) << "\", \"passed\": " << (k.passed ? "true" : "false") << ", \"detail\": \""
         << esc(k.detail) << "\"}" << (i + 1 < checks.size() ? "," : "") << "\n";
  }
  json << "  ],\n  \"passed\": " << (all_passed ? "true" : "false") << "\n}\n";

  for (Phone* p : phones) {
    const std::string path = out_dir + "/" + (p->name == "A" ? "a" : p->name == "B" ? "b" : "c") + "_heard.wav";
    if (auto s = write_wav(path, p->ear->tape); !s) return fail(s.error());
  }
  std::ofstream(out_dir + "/report.json") << json.str();
  std::ofstream(out_dir + "/timeline.svg") << svg_timeline(d, d.now_s());
  std::printf("\nwrote %s/{a,b,c}_heard.wav, report.json, timeline.svg\n", out_dir.c_str());
  if (!all_passed) {
    std::fprintf(stderr, "offhook: demo self-check failed\n");
    return kExitFailure;
  }
  std::printf("demo: all %zu checks passed\n", checks.size());
  return 0;
}

}  // namespace offhook::cli
