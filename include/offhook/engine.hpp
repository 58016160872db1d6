// offhook::api::Engine: the public facade of one phone's media engine. It owns the audio device,
// the conference bridge, call-progress tones, music on hold and the calls (offhook/call.hpp); a
// SIP stack creates calls and passes SDP strings in and out, and polls events (DTMF received,
// media started) on its own thread.
//
// Namespace offhook::api, because the internal classes already use offhook::Engine, offhook::CallLeg.
//
// Threads: every member is a control-thread call: any thread, serialised by one mutex inside the
// engine that the media and network threads never take (they run on their own, started by start()).
// None of it is [rt]. Misuse (a call after hangup, an answer without an offer, anything after stop())
// returns an Error; nothing here throws or aborts. Public header: the standard library and
// offhook/ only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "offhook/call.hpp"
#include "offhook/result.hpp"

namespace offhook::api {

// SDES-SRTP policy (RFC 4568): off = plain RTP/AVP; optional = RTP/AVP offers carrying a=crypto
// (SRTP when the peer answers with a key); mandatory = RTP/SAVP only.
enum class SrtpMode : uint8_t { off, optional, mandatory };

// fixed: a constant delay (jitter_delay_ms); adaptive: follows the network by time-stretching.
enum class JitterBufferMode : uint8_t { fixed, adaptive };

// Call-progress tones of the engine's country (ITU-T E.180 Supplement 2 plans).
enum class Tone : uint8_t { dial, ringback, busy, congestion, call_waiting, confirmation };

struct EngineOptions {
  uint32_t audio_rate_hz = 16000;   // the bridge and device rate: 8000, 16000, 32000 or 48000
  std::string country = "US";       // ISO 3166-1 alpha-2 code of the tone plan
  std::string local_ip = "127.0.0.1";  // RTP is bound here and written in c= (IPv4 or IPv6 literal)
  uint16_t rtp_port_min = 40000;    // RTP takes an even port in [min, max], RTCP the odd one above
  uint16_t rtp_port_max = 49998;
  std::vector<std::string> codecs = {"opus", "G722", "PCMU", "PCMA"};  // preference order
  uint32_t ptime_ms = 20;
  SrtpMode srtp = SrtpMode::optional;
  // Suites in preference order, by their RFC 4568 names; empty means all supported ones.
  std::vector<std::string> srtp_suites = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"};
  JitterBufferMode jitter_buffer = JitterBufferMode::adaptive;
  uint32_t jitter_delay_ms = 60;    // fixed: the delay; adaptive: where it starts
  // Testing: a simulated network applied to everything we send (lan, wifi, mobile, lossy,
  // satellite, congested); empty for none.
  std::string network_profile;
  uint64_t seed = 1;                // seeds the network profile
  // Event::rtp_timeout when a call that expects media has received no RTP for this long; 0: never.
  uint32_t rtp_timeout_ms = 30000;
};

// Something that happened, delivered by Engine::poll_event() on the caller's thread.
struct Event {
  enum class Kind : uint8_t {
    dtmf,           // a key press received (RFC 4733): key, duration_ms
    media_started,  // the call's RTP session was created (first answer sent or received)
    rtp_timeout,    // no RTP for EngineOptions::rtp_timeout_ms on a call that expects it (once
                    // per silence; noticed when poll_event() is called)
  };
  Kind kind = Kind::dtmf;
  uint32_t call_id = 0;
  char key = 0;              // dtmf: '0'-'9', '*', '#', 'A'-'D'
  uint32_t duration_ms = 0;  // dtmf: how long the key was held
};

namespace detail {
struct EngineImpl;
}

class Engine {
 public:
  // Validates the options (rate, country, codec and suite names, port range, profile): an Error
  // names the bad one. Creates nothing that runs yet.
  static Result<std::unique_ptr<Engine>> create(const EngineOptions& options);
  ~Engine();  // stops the engine if running; every Call* of it dies here
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The local audio device, chosen before start() (later: an Error). Without one, start() uses the
  // null device. use_wav_devices plays `in_path` once (any supported WAV rate, resampled) as the
  // microphone and records what the loudspeaker plays to `out_path` (written at stop()); an empty
  // `in_path` is silence, an empty `out_path` discards.
  Status use_wav_devices(const std::string& in_path, const std::string& out_path);
  Status use_null_device();
  // ALSA PCM names ("default", "hw:0,0", ...). Errc::not_supported when built without ALSA.
  Status use_alsa_device(const std::string& capture, const std::string& playback);

  // Starts the media and network threads. stop() hangs up every call, stops the threads and
  // finishes the devices (the WAV recording); it is idempotent and final: after it every call
  // returns an Error (an engine does not restart).
  Status start();
  void stop();
  bool running() const;

  // A tone on the local device (ring-back while the far end rings, busy, ...); stop_tone() ends it.
  Status play_tone(Tone tone);
  Status stop_tone();
  // Music on hold: a WAV played in a loop to every call we hold. Replaces the previous one.
  Status set_hold_music(const std::string& wav_path);

  // A new call, owned by the engine (see offhook/call.hpp for its lifetime).
  Result<Call*> create_call();
  // Same as call->hangup(); an Error for a call of another engine or one already ended.
  Status end_call(Call* call);

  // Local three-way conference: `a`, `b` and the device all hear each other. Both calls must have
  // media and not be held. Ends when either call is held or hung up.
  Status conference(Call& a, Call& b);
  // Local (bridged) transfer: `a` and `b` hear each other and no longer the device; this phone
  // stays in the media path until one of them hangs up. A SIP transfer in which the two parties talk
  // directly (REFER + INVITE with Replaces) needs nothing here: the transferring phone hangs up its
  // calls, and the transferred phones pass the new dialog's SDP to their existing Call
  // (create_offer/receive_answer or receive_offer), which re-targets the running RTP session
  // (same SSRC, SRTP rollover counter kept) — see docs/api.md.
  Status transfer(Call& a, Call& b);

  // The next event, if any. Caller's thread.
  bool poll_event(Event& out);

 private:
  explicit Engine(std::unique_ptr<detail::EngineImpl> impl) noexcept;
  std::unique_ptr<detail::EngineImpl> impl_;
};

}  // namespace offhook::api
