// first_call: the README's first example, compiled and run by the test suite so it stays true.
//
//   first_call IN.wav OUT.wav
//
// One engine carries two call legs that talk to each other over UDP on 127.0.0.1 with SRTP: the
// "phone" leg sends IN.wav, the "peer" leg records what it hears into OUT.wav. In a real phone the
// SIP stack supplies the peer's address and key from the SDP answer.
#include <cstdio>

#include "core/clock.hpp"
#include "src/call_leg.hpp"
#include "src/engine.hpp"
#include "src/wav_device.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: first_call IN.wav OUT.wav\n");
    return 2;
  }
  offhook::MonotonicClock clock;
  auto engine = offhook::Engine::create({.clock = &clock});  // picks the SIMD kernels once
  if (!engine) return std::fprintf(stderr, "%s\n", engine.error().message.c_str()), 1;

  // Keys as SDES would carry them: each side protects with its own key, checks with the other's.
  const auto suite = offhook::rtp::SrtpSuite::aes_cm_128_hmac_sha1_80;
  auto our_key = offhook::rtp::SrtpKey::random(suite);
  auto peer_key = offhook::rtp::SrtpKey::random(suite);
  if (!our_key || !peer_key) return std::fprintf(stderr, "no random key\n"), 1;
  const std::string peer_inline = peer_key->to_inline();  // what the peer's a=crypto line says

  offhook::CallLegConfig config;
  config.codec = "PCMU";
  config.local = *offhook::SocketAddress::parse("127.0.0.1:0");  // port 0: any free port
  config.srtp = offhook::SrtpConfig{suite, our_key->clone(),
                                    *offhook::rtp::SrtpKey::from_inline(suite, peer_inline)};
  auto leg = offhook::CallLeg::create(config, (*engine)->kernels());
  if (!leg) return std::fprintf(stderr, "%s\n", leg.error().message.c_str()), 1;

  offhook::CallLegConfig peer_config;
  peer_config.local = config.local;
  peer_config.srtp = offhook::SrtpConfig{suite, peer_key->clone(), our_key->clone()};
  auto peer = offhook::CallLeg::create(peer_config, (*engine)->kernels());
  if (!peer) return std::fprintf(stderr, "%s\n", peer.error().message.c_str()), 1;
  (*leg)->set_remote((*peer)->local_address());
  (*peer)->set_remote((*leg)->local_address());

  auto mic = offhook::WavFileSource::open(argv[1]);
  if (!mic) return std::fprintf(stderr, "%s\n", mic.error().message.c_str()), 1;
  auto recorder = offhook::WavFileSink::create(argv[2], 8000);
  if (!recorder) return std::fprintf(stderr, "%s\n", recorder.error().message.c_str()), 1;
  offhook::NullSink speaker(8000);
  offhook::NullSource silence(8000);
  if (auto s = (*engine)->attach(**leg, **mic, speaker); !s) return std::fprintf(stderr, "%s\n", s.error().message.c_str()), 1;
  if (auto s = (*engine)->attach(**peer, silence, **recorder); !s) return std::fprintf(stderr, "%s\n", s.error().message.c_str()), 1;

  if (auto s = (*engine)->start(); !s) return std::fprintf(stderr, "%s\n", s.error().message.c_str()), 1;
  clock.sleep_until(clock.now_us() + ((*mic)->duration_ms() + 300) * 1000);  // the call runs on the engine's threads
  (*engine)->stop();
  if (auto s = (*recorder)->finish(); !s) return std::fprintf(stderr, "%s\n", s.error().message.c_str()), 1;

  const offhook::CallLegStats stats = (*peer)->stats();  // any thread, any time
  std::printf("peer received %llu packets, lost %llu, jitter %.2f ms\n",
              static_cast<unsigned long long>(stats.packets_received), static_cast<unsigned long long>(stats.packets_lost),
              stats.jitter_ms);
  return stats.packets_received > 0 ? 0 : 1;
}
