// offhook call: two phones, A and B, inside this process, over real UDP on loopback with SRTP.
// A sends the WAV; B records what it hears; B sends silence back. Prints per-direction statistics.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <algorithm>
#include <string>

#include "core/clock.hpp"
#include "rtp/srtp_session.hpp"
#include "rtp/telephone_event.hpp"
#include "sim/profiles.hpp"
#include "src/call_leg.hpp"
#include "src/engine.hpp"
#include "src/wav_device.hpp"
#include "tools/cli_common.hpp"
#include "tools/commands.hpp"

namespace offhook::cli {

const char* const kCallUsage =
    "  offhook call --in A.wav --out B.wav [--codec PCMU|PCMA|G722|opus|G729] [--srtp SUITE|none]\n"
    "               [--duration S] [--ptime MS] [--jitter-delay MS] [--ipv6]\n"
    "               [--port-a N] [--port-b N] [--key-a INLINE] [--key-b INLINE]\n"
    "               [--simd scalar|sse2|avx2] [--loss PCT] [--seed N] [--jb fixed|adaptive]\n"
    "               [--dtmf KEYS]   (A presses KEYS as RFC 4733 events; B reports what it received)\n"
    "               [--profile lan|wifi|mobile|lossy|satellite|congested] [--jitter MS]\n"
    "  --loss PCT drops PCT % of the packets in each direction (seeded by --seed, default 1)\n"
    "  --profile NAME sends each direction through a simulated network path (delay, jitter, spikes,\n"
    "  burst loss, reordering); --jitter MS adds exponential jitter of that mean (with --loss: on top)\n"
    "  SUITE: AES_CM_128_HMAC_SHA1_80 (default), AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM,\n"
    "         AES_256_CM_HMAC_SHA1_80, or none for plain RTP\n";

namespace {

void print_direction(const char* label, const CallLegStats& tx, const CallLegStats& rx) {
  const uint64_t expected = rx.packets_received + rx.packets_lost;
  const double loss_pct = expected ? 100.0 * static_cast<double>(rx.packets_lost) / static_cast<double>(expected) : 0.0;
  char rtt[16] = "-";
  if (tx.rtt_ms >= 0) std::snprintf(rtt, sizeof rtt, "%.1f", tx.rtt_ms);
  std::printf("%-7s %8llu %9llu %6llu %6.2f %10.2f %9.1f/%-6.1f %9llu %7s %7llu/%llu/%llu\n", label,
              static_cast<unsigned long long>(tx.packets_sent), static_cast<unsigned long long>(rx.packets_received),
              static_cast<unsigned long long>(rx.packets_lost), loss_pct, rx.jitter_ms, rx.jb_delay_mean_ms,
              rx.jb_delay_max_ms, static_cast<unsigned long long>(rx.frames_concealed), rtt,
              static_cast<unsigned long long>(rx.dropped_auth), static_cast<unsigned long long>(rx.dropped_replay),
              static_cast<unsigned long long>(rx.dropped_malformed));
}

}  // namespace

int run_call(int argc, char** argv) {
  auto opts_result = parse_options(argc, argv, 2,
                                   {"--in", "--out", "--codec", "--srtp", "--duration", "--ptime", "--jitter-delay",
                                    "--port-a", "--port-b", "--key-a", "--key-b", "--simd", "--loss", "--seed", "--jb", "--dtmf",
                                    "--profile", "--jitter"},
                                   {"--ipv6"});
  if (!opts_result) return fail(opts_result.error(), kExitUsage);
  const auto& opts = *opts_result;
  if (!opts.count("--in") || !opts.count("--out")) {
    std::fputs(kCallUsage, stderr);
    return kExitUsage;
  }
  auto duration_s = parse_number(opts, "--duration", 0, 1, 3600);
  auto ptime = parse_number(opts, "--ptime", 20, 10, 120);
  auto jitter_delay = parse_number(opts, "--jitter-delay", 60, 0, 1000);
  auto port_a = parse_number(opts, "--port-a", 0, 0, 65535);
  auto port_b = parse_number(opts, "--port-b", 0, 0, 65535);
  for (auto* r : {&duration_s, &ptime, &jitter_delay, &port_a, &port_b}) {
    if (!*r) return fail(r->error(), kExitUsage);
  }
  const std::string codec = opts.count("--codec") ? opts.at("--codec") : "PCMU";
  double loss_pct = 0;
  if (opts.count("--loss")) {
    char* end = nullptr;
    loss_pct = std::strtod(opts.at("--loss").c_str(), &end);
    if (opts.at("--loss").empty() || *end != '\0' || !(loss_pct >= 0 && loss_pct <= 100)) {
      return fail(Error{Errc::invalid_argument, "--loss must be a percentage 0..100, got '" + opts.at("--loss") + "'"},
                  kExitUsage);
    }
  }
  double jitter_ms = 0;
  if (opts.count("--jitter")) {
    char* end = nullptr;
    jitter_ms = std::strtod(opts.at("--jitter").c_str(), &end);
    if (opts.at("--jitter").empty() || *end != '\0' || !(jitter_ms >= 0 && jitter_ms <= 1000)) {
      return fail(Error{Errc::invalid_argument, "--jitter must be 0..1000 ms, got '" + opts.at("--jitter") + "'"},
                  kExitUsage);
    }
  }
  // A simulated path (profile and/or jitter) on each direction's send side; plain --loss alone keeps
  // the independent loss of earlier versions.
  std::optional<sim::NetworkConfig> path;
  if (opts.count("--profile") || jitter_ms > 0) {
    auto config = sim::impairment_config(opts.count("--profile") ? opts.at("--profile") : "", loss_pct, jitter_ms);
    if (!config) return fail(config.error(), kExitUsage);
    path = *config;
    loss_pct = 0;  // inside the path model now
  }
  const std::string jb = opts.count("--jb") ? opts.at("--jb") : (path ? "adaptive" : "fixed");
  const std::string dtmf = opts.count("--dtmf") ? opts.at("--dtmf") : "";
  for (char key : dtmf) {
    if (rtp::dtmf_event_code(key) < 0) {
      return fail(Error{Errc::invalid_argument, std::string("--dtmf: '") + key + "' is not a DTMF key (0-9 * # A-D)"},
                  kExitUsage);
    }
  }
  if (jb != "fixed" && jb != "adaptive") {
    return fail(Error{Errc::invalid_argument, "--jb must be fixed or adaptive, got '" + jb + "'"}, kExitUsage);
  }
  auto seed = parse_number(opts, "--seed", 1, 0, 2147483647);
  if (!seed) return fail(seed.error(), kExitUsage);

  // SRTP: a suite name or "none"; keys fresh and random unless given in RFC 4568 inline form.
  std::optional<rtp::SrtpSuite> suite;
  const std::string suite_name = opts.count("--srtp") ? opts.at("--srtp") : "AES_CM_128_HMAC_SHA1_80";
  if (suite_name != "none") {
    auto s = rtp::parse_srtp_suite(suite_name);
    if (!s) return fail(s.error(), kExitUsage);
    suite = *s;
  } else if (opts.count("--key-a") || opts.count("--key-b")) {
    return fail(Error{Errc::invalid_argument, "--key-a/--key-b need --srtp with a suite"}, kExitUsage);
  }
  auto make_key = [&](const char* option) -> Result<rtp::SrtpKey> {
    if (opts.count(option)) {
      auto k = rtp::SrtpKey::from_inline(*suite, opts.at(option));
      if (!k) return Error{k.error().code, std::string(option) + ": " + k.error().message};
      return k;
    }
    return rtp::SrtpKey::random(*suite);
  };

  // Input first: a bad file is reported before anything is created.
  auto source = WavFileSource::open(opts.at("--in"));
  if (!source) return fail(source.error());

  MonotonicClock clock;
  EngineConfig engine_config;
  engine_config.clock = &clock;
  if (opts.count("--simd")) {
    auto t = dsp::parse_target(opts.at("--simd"));
    if (!t) return fail(t.error(), kExitUsage);
    engine_config.simd = *t;
  }
  auto engine_a = Engine::create(engine_config);
  if (!engine_a) return fail(engine_a.error());
  auto engine_b = Engine::create(engine_config);
  if (!engine_b) return fail(engine_b.error());

  const bool ipv6 = opts.count("--ipv6") > 0;
  auto loopback = SocketAddress::from_ip(ipv6 ? "::1" : "127.0.0.1", 0);
  if (!loopback) return fail(loopback.error());

  CallLegConfig config_a, config_b;
  for (CallLegConfig* c : {&config_a, &config_b}) {
    c->codec = codec;
    c->payload_type = default_payload_type(codec);
    c->ptime_ms = static_cast<uint32_t>(*ptime);
    c->jitter_delay_ms = static_cast<uint32_t>(*jitter_delay);
    c->device_rate_hz = (*source)->rate_hz();  // the WAV's rate; the leg resamples to the codec's
    c->jitter_buffer = jb == "adaptive" ? JitterBufferMode::adaptive : JitterBufferMode::fixed;
  }
  // Each direction loses its own packets: A -> B from the seed, B -> A from the next one.
  config_a.impairment = Impairment{.loss_pct = loss_pct, .seed = static_cast<uint64_t>(*seed), .network = path};
  config_b.impairment = Impairment{.loss_pct = loss_pct, .seed = static_cast<uint64_t>(*seed) + 1, .network = path};
  config_a.local = *loopback;
  config_a.local.set_port(static_cast<uint16_t>(*port_a));
  config_b.local = *loopback;
  config_b.local.set_port(static_cast<uint16_t>(*port_b));
  if (suite) {
    auto key_a = make_key("--key-a");  // protects A -> B
    if (!key_a) return fail(key_a.error(), kExitUsage);
    auto key_b = make_key("--key-b");  // protects B -> A
    if (!key_b) return fail(key_b.error(), kExitUsage);
    config_a.srtp = SrtpConfig{*suite, key_a->clone(), key_b->clone()};
    config_b.srtp = SrtpConfig{*suite, key_b->clone(), key_a->clone()};
  }

  auto leg_a = CallLeg::create(config_a, (*engine_a)->kernels());
  if (!leg_a) return fail(leg_a.error());
  auto leg_b = CallLeg::create(config_b, (*engine_b)->kernels());
  if (!leg_b) return fail(leg_b.error());
  (*leg_a)->set_remote((*leg_b)->local_address());
  (*leg_b)->set_remote((*leg_a)->local_address());

  const uint32_t rate = (*leg_a)->device_rate_hz();
  NullSink sink_a(rate);
  NullSource source_b(rate);
  auto sink_b = WavFileSink::create(opts.at("--out"), rate);
  if (!sink_b) return fail(sink_b.error());

  if (auto s = (*engine_a)->attach(**leg_a, **source, sink_a); !s) return fail(s.error());
  if (auto s = (*engine_b)->attach(**leg_b, source_b, **sink_b); !s) return fail(s.error());

  // Long enough for the whole input plus the jitter buffer's delay and a little network slack.
  const uint64_t run_ms = *duration_s > 0 ? static_cast<uint64_t>(*duration_s) * 1000u
                                          : (*source)->duration_ms() + static_cast<uint64_t>(*jitter_delay) + 300u;
  std::printf("offhook call: %s/%u, ptime %ld ms, %s, A %s <-> B %s, %.1f s\n", std::string((*leg_a)->codec().name()).c_str(),
              (*leg_a)->codec().clock_rate_hz(), *ptime, suite ? rtp::suite_name(*suite) : "plain RTP (no SRTP)",
              (*leg_a)->local_address().to_string().c_str(), (*leg_b)->local_address().to_string().c_str(),
              static_cast<double>(run_ms) / 1000.0);
  std::fflush(stdout);

  if (auto s = (*engine_b)->start(); !s) return fail(s.error());
  if (auto s = (*engine_a)->start(); !s) return fail(s.error());
  // The call runs on the engines' threads; this thread presses A's keys (one every 250 ms from
  // 0.5 s, 100 ms each, as RFC 4733 events) and collects what B reports.
  const uint64_t start_us = clock.now_us();
  std::string heard_keys;
  size_t next_key = 0;
  for (uint64_t now = start_us; now < start_us + run_ms * 1000u; now = clock.now_us()) {
    if (next_key < dtmf.size() && now >= start_us + 500'000u + 250'000u * next_key) {
      if (!(*leg_a)->send_dtmf(dtmf[next_key], 100)) std::fprintf(stderr, "offhook: DTMF key '%c' refused\n", dtmf[next_key]);
      ++next_key;
    }
    CallEvent event;
    while ((*leg_b)->poll_event(event)) {
      if (event.kind == CallEvent::Kind::dtmf_begin) heard_keys.push_back(event.key);
    }
    clock.sleep_until(std::min<uint64_t>(now + 20'000, start_us + run_ms * 1000u));
  }
  (*engine_a)->stop();
  (*engine_b)->stop();
  if (auto s = (*sink_b)->finish(); !s) return fail(s.error());

  const CallLegStats a = (*leg_a)->stats();
  const CallLegStats b = (*leg_b)->stats();
  std::printf("%-7s %8s %9s %6s %6s %10s %16s %9s %7s %s\n", "dir", "sent", "received", "lost", "loss%", "jitter_ms",
              "jb_delay_ms avg/max", "concealed", "rtt_ms", "dropped auth/replay/malformed");
  print_direction("A -> B", a, b);
  print_direction("B -> A", b, a);
  if (a.frames_fec_recovered + b.frames_fec_recovered > 0) {
    std::printf("in-band FEC rebuilt %llu lost packets at B and %llu at A\n",
                static_cast<unsigned long long>(b.frames_fec_recovered),
                static_cast<unsigned long long>(a.frames_fec_recovered));
  }
  if (!dtmf.empty()) std::printf("DTMF: A sent %s, B received %s\n", dtmf.c_str(), heard_keys.c_str());
  std::printf("simd: %s; B's recording: %s (%s)\n", dsp::target_name((*engine_a)->kernels().target),
              opts.at("--out").c_str(), (*sink_b)->frames_dropped() ? "frames dropped by the writer!" : "complete");
  return 0;
}

}  // namespace cli
