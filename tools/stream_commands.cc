// offhook send / offhook recv: one RTP stream to or from a real peer (ffmpeg, GStreamer, a phone).
//
// send paces a WAV file out in real time; recv records one incoming stream into a WAV file, starting
// with its first packet and stopping after --duration or when the stream has been idle for 1.5 s.
// Keys are given as RFC 4568 SDES key material: SUITE:inline:BASE64(key||salt).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "rtp/srtp_session.hpp"
#include "src/call_leg.hpp"
#include "codecs/codec.hpp"
#include "src/engine.hpp"
#include "src/sdp.hpp"
#include "src/wav_device.hpp"
#include "tools/cli_common.hpp"
#include "tools/commands.hpp"

namespace offhook::cli {

const char* const kSendUsage =
    "  offhook send --in IN.wav --to HOST:PORT [--codec NAME] [--pt N] [--ptime MS] [--ssrc N]\n"
    "               [--srtp SUITE:inline:BASE64] [--bind ADDR[:PORT]] [--rtcp port|mux|off]\n";
const char* const kRecvUsage =
    "  offhook recv (--port PORT | --sdp FILE.sdp) --out OUT.wav [--codec NAME] [--pt N]\n"
    "               [--srtp SUITE:inline:BASE64]\n"
    "               [--duration S] [--bind ADDR] [--jitter-delay MS] [--rate HZ]\n"
    "               [--rtcp port|mux|off]\n"
    "  (recv writes at the codec's rate unless --rate HZ asks for another; RTCP goes to RTP port + 1\n"
    "   unless --rtcp mux puts it on the RTP port (RFC 5761) or --rtcp off sends none)\n";

namespace {

// "AES_CM_128_HMAC_SHA1_80:inline:BASE64" -> suite and key.
Result<SrtpConfig> parse_srtp_option(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return Error{Errc::invalid_argument, "--srtp wants SUITE:inline:BASE64, got no ':'"};
  }
  auto suite = rtp::parse_srtp_suite(text.substr(0, colon));
  if (!suite) return std::move(suite).error();
  auto key = rtp::SrtpKey::from_inline(*suite, text.substr(colon + 1));
  if (!key) return Error{key.error().code, "--srtp: " + key.error().message};
  // One stream in one direction: the same key is used for both directions of the leg.
  return SrtpConfig{*suite, key->clone(), key->clone()};
}

// Records only once the leg has started playing the stream, so the file starts with its first packet.
class StreamStartSink final : public AudioSink {
 public:
  StreamStartSink(const CallLeg& leg, AudioSink& inner) : leg_(leg), inner_(inner) {}
  uint32_t rate_hz() const noexcept override { return inner_.rate_hz(); }
  void write(const AudioFrame& frame) noexcept override {
    if (leg_.packets_played_on_media_thread() > 0) inner_.write(frame);
  }

 private:
  const CallLeg& leg_;
  AudioSink& inner_;
};

// Options both commands share: codec, payload type, ptime, SRTP, local address.
Result<CallLegConfig> leg_config(const std::map<std::string, std::string>& opts, const SocketAddress& default_local) {
  CallLegConfig config;
  config.codec = opts.count("--codec") ? opts.at("--codec") : "PCMU";
  config.payload_type = default_payload_type(config.codec);
  if (opts.count("--pt")) {
    auto pt = parse_number(opts, "--pt", 0, 0, 127);
    if (!pt) return std::move(pt).error();
    config.payload_type = static_cast<uint8_t>(*pt);
  }
  auto ptime = parse_number(opts, "--ptime", 20, 10, 120);
  if (!ptime) return std::move(ptime).error();
  config.ptime_ms = static_cast<uint32_t>(*ptime);
  auto ssrc = parse_number(opts, "--ssrc", 0, 0, 4294967295L);
  if (!ssrc) return std::move(ssrc).error();
  config.ssrc = static_cast<uint32_t>(*ssrc);
  auto delay = parse_number(opts, "--jitter-delay", 60, 0, 1000);
  if (!delay) return std::move(delay).error();
  config.jitter_delay_ms = static_cast<uint32_t>(*delay);
  if (opts.count("--srtp")) {
    auto srtp = parse_srtp_option(opts.at("--srtp"));
    if (!srtp) return std::move(srtp).error();
    config.srtp = std::move(*srtp);
  }
  const std::string rtcp = opts.count("--rtcp") ? opts.at("--rtcp") : "port";
  if (rtcp != "port" && rtcp != "mux" && rtcp != "off") {
    return Error{Errc::invalid_argument, "--rtcp must be port, mux or off, got '" + rtcp + "'"};
  }
  config.rtcp_mux = rtcp == "mux";
  config.send_rtcp = rtcp != "off";
  config.local = default_local;
  if (opts.count("--bind")) {
    auto local = SocketAddress::parse(opts.at("--bind"), default_local.port());
    if (!local) return std::move(local).error();
    config.local = *local;
  }
  return config;
}

}  // namespace

int run_send(int argc, char** argv) {
  auto opts = parse_options(argc, argv, 2, {"--in", "--to", "--codec", "--pt", "--ptime", "--ssrc", "--srtp", "--bind", "--rtcp"}, {});
  if (!opts) return fail(opts.error(), kExitUsage);
  if (!opts->count("--in") || !opts->count("--to")) {
    std::fputs(kSendUsage, stderr);
    return kExitUsage;
  }
  auto to = SocketAddress::parse(opts->at("--to"));
  if (!to) return fail(to.error(), kExitUsage);
  if (to->port() == 0) return fail(Error{Errc::invalid_argument, "--to needs a port"}, kExitUsage);
  auto any = SocketAddress::from_ip(to->family() == AF_INET6 ? "::" : "0.0.0.0", 0);
  auto config = leg_config(*opts, *any);
  if (!config) return fail(config.error(), kExitUsage);
  config->direction = MediaDirection::sendonly;
  auto source = WavFileSource::open(opts->at("--in"));
  if (!source) return fail(source.error());
  config->device_rate_hz = (*source)->rate_hz();
  config->latching = false;

  MonotonicClock clock;
  auto engine = Engine::create({.clock = &clock});
  if (!engine) return fail(engine.error());
  auto leg = CallLeg::create(*config, (*engine)->kernels());
  if (!leg) return fail(leg.error());
  (*leg)->set_remote(*to);
  NullSink sink((*leg)->device_rate_hz());
  if (auto s = (*engine)->attach(**leg, **source, sink); !s) return fail(s.error());
  if (auto s = (*engine)->start(); !s) return fail(s.error());
  clock.sleep_until(clock.now_us() + ((*source)->duration_ms() + 100) * 1000);
  (*engine)->stop();
  const CallLegStats stats = (*leg)->stats();
  std::printf("sent %llu packets (%llu bytes) to %s, %llu send failures\n",
              static_cast<unsigned long long>(stats.packets_sent), static_cast<unsigned long long>(stats.bytes_sent),
              to->to_string().c_str(), static_cast<unsigned long long>(stats.send_failures));
  return stats.packets_sent > 0 ? 0 : kExitFailure;
}

namespace {

// The incoming stream an SDP file describes (as ffmpeg and GStreamer write it): its port and
// address, the first codec offhook supports, and the first crypto line with a suite it supports.
Result<CallLegConfig> config_from_sdp(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error{Errc::not_found, "cannot open SDP file '" + path + "'"};
  std::stringstream text;
  text << file.rdbuf();
  auto sdp = parse_sdp(text.str());
  if (!sdp) return Error{sdp.error().code, path + ": " + sdp.error().message};
  const SdpMedia* audio = sdp->first_audio();
  if (audio == nullptr) return Error{Errc::not_supported, path + ": no m=audio line with a port"};
  CallLegConfig config;
  bool found = false;
  for (const SdpCodec& c : audio->codecs) {
    if (find_codec(c.name, c.clock_rate_hz) == nullptr) continue;
    config.codec = c.name;
    config.payload_type = c.payload_type;
    found = true;
    break;
  }
  if (!found) return Error{Errc::not_supported, path + ": none of the m=audio codecs is supported"};
  const std::string address = audio->connection_address.value_or(sdp->connection_address.value_or("127.0.0.1"));
  auto local = SocketAddress::from_ip(address, audio->port);
  if (!local) return Error{local.error().code, path + ": " + local.error().message};
  config.local = *local;
  config.rtcp_mux = audio->rtcp_mux;
  if (audio->protocol == "RTP/SAVP" || !audio->crypto.empty()) {
    for (const SdpCrypto& crypto : audio->crypto) {
      auto suite = rtp::parse_srtp_suite(crypto.suite);
      if (!suite) continue;
      auto key = rtp::SrtpKey::from_inline(*suite, crypto.key_params);
      if (!key) return Error{key.error().code, path + ": a=crypto:" + std::to_string(crypto.tag) + ": " + key.error().message};
      config.srtp = SrtpConfig{*suite, key->clone(), key->clone()};
      break;
    }
    if (!config.srtp) return Error{Errc::not_supported, path + ": no a=crypto line with a supported suite"};
  }
  return config;
}

}  // namespace

int run_recv(int argc, char** argv) {
  auto opts = parse_options(argc, argv, 2,
                            {"--port", "--out", "--codec", "--pt", "--srtp", "--duration", "--bind", "--jitter-delay",
                             "--rate", "--rtcp", "--sdp"},
                            {});
  if (!opts) return fail(opts.error(), kExitUsage);
  if ((!opts->count("--port") && !opts->count("--sdp")) || !opts->count("--out")) {
    std::fputs(kRecvUsage, stderr);
    return kExitUsage;
  }
  auto duration_s = parse_number(*opts, "--duration", 30, 1, 86400);
  if (!duration_s) return fail(duration_s.error(), kExitUsage);
  Result<CallLegConfig> config = Error{Errc::internal, ""};
  if (opts->count("--sdp")) {
    config = config_from_sdp(opts->at("--sdp"));
    if (!config) return fail(config.error());
    auto delay = parse_number(*opts, "--jitter-delay", 60, 0, 1000);
    if (!delay) return fail(delay.error(), kExitUsage);
    config->jitter_delay_ms = static_cast<uint32_t>(*delay);
  } else {
    auto port = parse_number(*opts, "--port", 0, 1, 65535);
    if (!port) return fail(port.error(), kExitUsage);
    auto local = SocketAddress::from_ip("127.0.0.1", static_cast<uint16_t>(*port));
    config = leg_config(*opts, *local);
    if (!config) return fail(config.error(), kExitUsage);
    if (opts->count("--bind")) config->local.set_port(static_cast<uint16_t>(*port));
  }
  const uint16_t port = config->local.port();
  config->direction = MediaDirection::recvonly;
  auto rate_option = parse_number(*opts, "--rate", 0, 8000, 48000);
  if (!rate_option) return fail(rate_option.error(), kExitUsage);
  config->device_rate_hz = static_cast<uint32_t>(*rate_option);  // 0: the codec's rate

  MonotonicClock clock;
  auto engine = Engine::create({.clock = &clock});
  if (!engine) return fail(engine.error());
  auto leg = CallLeg::create(*config, (*engine)->kernels());
  if (!leg) return fail(leg.error());
  const uint32_t rate = (*leg)->device_rate_hz();
  auto file = WavFileSink::create(opts->at("--out"), rate);
  if (!file) return fail(file.error());
  StreamStartSink sink(**leg, **file);
  NullSource source(rate);
  if (auto s = (*engine)->attach(**leg, source, sink); !s) return fail(s.error());
  if (auto s = (*engine)->start(); !s) return fail(s.error());

  // Until --duration, or 1.5 s after the last packet once the stream has started.
  const uint64_t start_us = clock.now_us();
  uint64_t last_packet_us = start_us;
  uint64_t last_count = 0;
  for (;;) {
    clock.sleep_until(clock.now_us() + 100'000);
    const uint64_t now = clock.now_us();
    const uint64_t count = (*leg)->stats().packets_received;
    if (count != last_count) {
      last_count = count;
      last_packet_us = now;
    }
    if (now - start_us >= static_cast<uint64_t>(*duration_s) * 1'000'000u) break;
    if (count > 0 && now - last_packet_us > 1'500'000) break;
  }
  (*engine)->stop();
  if (auto s = (*file)->finish(); !s) return fail(s.error());
  const CallLegStats stats = (*leg)->stats();
  std::printf("received %llu packets from %s: lost %llu, jitter %.2f ms, concealed %llu, dropped auth %llu, "
              "malformed %llu, other payload types %llu\n",
              static_cast<unsigned long long>(stats.packets_received), (*leg)->remote_address().to_string().c_str(),
              static_cast<unsigned long long>(stats.packets_lost), stats.jitter_ms,
              static_cast<unsigned long long>(stats.frames_concealed), static_cast<unsigned long long>(stats.dropped_auth),
              static_cast<unsigned long long>(stats.dropped_malformed),
              static_cast<unsigned long long>(stats.dropped_payload_type));
  if (stats.packets_received == 0) return fail(Error{Errc::not_found, "no valid RTP arrived on port " + std::to_string(port)});
  return 0;
}

}  // namespace offhook::cli
