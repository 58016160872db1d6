// api_phone: the public API (include/offhook/) as a SIP stack uses it, in one process.
//
//   api_phone [IN.wav OUT.wav]
//
// Two phones, A and B, each an offhook::api::Engine; the strings a SIP stack would carry in its
// INVITE / 200 OK / re-INVITE bodies are passed by hand here. A calls B, they talk for 2 s (A's
// microphone is IN.wav and B's loudspeaker records to OUT.wav when given; null devices otherwise),
// A holds B for 1 s, resumes for 1 s and hangs up; then both print their call statistics.
// Exit status 1 if anything fails or no audio flowed.
#include <chrono>
#include <cstdio>
#include <thread>

#include "offhook/engine.hpp"

namespace {

int fail(const char* what, const offhook::Error& error) {
  std::fprintf(stderr, "api_phone: %s: %s\n", what, error.message.c_str());
  return 1;
}

void print_stats(const char* phone, const offhook::api::CallStats& s) {
  std::printf("%s: %s sent %llu received %llu lost %llu (%.1f %%) jitter %.1f ms JB %.0f ms concealed %llu "
              "RTT %.1f ms MOS %.2f\n",
              phone, s.codec, static_cast<unsigned long long>(s.packets_sent),
              static_cast<unsigned long long>(s.packets_received), static_cast<unsigned long long>(s.packets_lost),
              s.loss_pct, s.jitter_ms, s.jb_delay_ms, static_cast<unsigned long long>(s.frames_concealed), s.rtt_ms,
              s.mos);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  namespace api = offhook::api;
  if (argc != 1 && argc != 3) {
    std::fprintf(stderr, "usage: api_phone [IN.wav OUT.wav]\n");
    return 2;
  }
  api::EngineOptions options;                  // 16 kHz, US tones, 127.0.0.1, optional SRTP
  options.codecs = {"G722", "PCMU"};
  options.srtp = api::SrtpMode::mandatory;     // RTP/SAVP with a=crypto (SDES)
  auto a = api::Engine::create(options);
  auto b = api::Engine::create(options);
  if (!a) return fail("engine A", a.error());
  if (!b) return fail("engine B", b.error());
  if (argc == 3) {  // A talks IN.wav and hears nothing; B says nothing and records OUT.wav
    if (auto s = (*a)->use_wav_devices(argv[1], ""); !s) return fail("A's devices", s.error());
    if (auto s = (*b)->use_wav_devices("", argv[2]); !s) return fail("B's devices", s.error());
  }
  if (auto s = (*a)->start(); !s) return fail("start A", s.error());
  if (auto s = (*b)->start(); !s) return fail("start B", s.error());

  // A: INVITE with our offer. B: 200 OK with its answer. A: the answer from the 200 OK.
  auto call_a = (*a)->create_call();
  auto call_b = (*b)->create_call();
  if (!call_a || !call_b) return fail("create_call", call_a ? call_b.error() : call_a.error());
  auto offer = (*call_a)->create_offer();
  if (!offer) return fail("offer", offer.error());
  auto answer = (*call_b)->receive_offer(*offer);
  if (!answer) return fail("answer", answer.error());
  if (auto s = (*call_a)->receive_answer(*answer); !s) return fail("A takes the answer", s.error());
  std::printf("call up: A and B talk\n");
  std::this_thread::sleep_for(2s);

  // Hold: a re-INVITE with a=sendonly, answered with a=recvonly; then resume with a=sendrecv.
  auto hold = (*call_a)->hold();
  if (!hold) return fail("hold", hold.error());
  auto hold_answer = (*call_b)->receive_offer(*hold);
  if (!hold_answer) return fail("B takes the hold", hold_answer.error());
  if (auto s = (*call_a)->receive_answer(*hold_answer); !s) return fail("A takes the hold answer", s.error());
  std::printf("A holds B\n");
  std::this_thread::sleep_for(1s);
  auto resume = (*call_a)->resume();
  if (!resume) return fail("resume", resume.error());
  auto resume_answer = (*call_b)->receive_offer(*resume);
  if (!resume_answer) return fail("B takes the resume", resume_answer.error());
  if (auto s = (*call_a)->receive_answer(*resume_answer); !s) return fail("A takes the resume answer", s.error());
  std::printf("A resumes\n");
  std::this_thread::sleep_for(1s);

  // BYE: both sides hang up; the statistics stay readable.
  (void)(*call_a)->hangup();
  (void)(*call_b)->hangup();
  (*a)->stop();
  (*b)->stop();  // writes B's recording
  const api::CallStats sa = (*call_a)->stats(), sb = (*call_b)->stats();
  print_stats("A", sa);
  print_stats("B", sb);
  return sa.packets_received > 0 && sb.packets_received > 0 ? 0 : 1;
}
