// offhook::api::Call: one audio call (one RTP session) of an api::Engine, driven by a SIP stack
// with SDP strings: create_offer / receive_answer for calls we place, receive_offer for calls we
// answer, hold / resume (re-offers), send_dtmf, hangup. Statistics as a plain struct.
//
// Threads: every member is a control-thread call (the SIP stack's thread, any thread, one mutex of
// the owning engine serialises them; the media and network threads never take it). Not [rt].
// Lifetime: the engine owns its calls; a Call* stays valid until the Engine is destroyed, also after
// hangup (then every call returns an Error and stats() the last snapshot), so a stale pointer held
// by a SIP dialog can never crash. Public header: includes only the standard library and offhook/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "offhook/result.hpp"

namespace offhook::api {

namespace detail {
struct EngineImpl;
}

enum class CallState : uint8_t {
  idle,       // created; no offer sent or received yet (or the first offer/answer was rejected)
  offering,   // our first offer is out, no media yet: waiting for receive_answer()
  active,     // media flows (both ways unless the peer holds us)
  held,       // we hold the call (hold() was called); the device no longer hears or feeds it
  ended,      // hung up (or the engine stopped); every call but stats()/state()/id() is an Error
};
const char* call_state_name(CallState state) noexcept;

// Statistics of one call, a snapshot (plain data, copyable anywhere).
struct CallStats {
  char codec[16] = {};             // "PCMU", "G722", "opus", ...; empty before media
  uint64_t packets_sent = 0;
  uint64_t packets_received = 0;
  uint64_t packets_lost = 0;       // RFC 3550 §A.3 cumulative loss of the received stream
  double loss_pct = 0;             // lost / expected, 0..100
  double jitter_ms = 0;            // RFC 3550 §A.8 interarrival jitter
  double jb_delay_ms = 0;          // mean jitter-buffer delay
  uint64_t frames_concealed = 0;   // 10 ms frames made up by concealment
  double rtt_ms = -1;              // RTCP round-trip time (RFC 3550 §6.4.1); -1 before the first report
  double mos = 0;                  // ITU-T G.107 E-model MOS-CQ estimate (1..4.5); 0 before media
  uint64_t dtmf_sent = 0;          // RFC 4733 key presses sent
  uint64_t dtmf_received = 0;
  bool remote_hold = false;        // the peer holds us (a=sendonly / inactive / c=0.0.0.0)
};

class Call {
 public:
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call() = default;  // the engine destroys its calls; never delete a Call* yourself

  // The engine-wide call id (events carry it). Any thread, never fails.
  uint32_t id() const noexcept { return id_; }

  // Our offer: the body of an INVITE (first call) or of a re-INVITE (an existing call). Binds the
  // call's RTP port the first time. Errors: ended call, engine stopped, no free port.
  Result<std::string> create_offer();
  // The peer's offer (INVITE or re-INVITE body): returns our answer (the 200 OK body) and starts or
  // updates media. An offer we cannot accept (no common codec, SRTP required but missing) gives an
  // answer rejecting the stream (m=audio 0, RFC 3264 §6) and no media: state() stays as it was.
  // Malformed SDP is Errc::bad_format naming the line.
  Result<std::string> receive_offer(std::string_view offer_sdp);
  // The peer's answer to our last offer (200 OK body): starts or updates media. Errors: no offer
  // pending, malformed SDP (names the line), a rejected stream (Errc::not_supported with the reason).
  Status receive_answer(std::string_view answer_sdp);
  // Re-offers with a=sendonly (RFC 3264 §8.4). Locally at once: the device stops hearing and feeding
  // the call and hold music (Engine::set_hold_music) plays to it. The direction of the RTP session
  // changes when the answer arrives (receive_answer). Errors: no media yet, ended, already held.
  Result<std::string> hold();
  // Re-offers with a=sendrecv; the device is connected again at once. Errors: not held, ended.
  Result<std::string> resume();
  // Sends an RFC 4733 key press (0-9 * # A-D) for `duration_ms`. False when the call has no media,
  // has ended, the peer did not agree on telephone-event, the key is unknown or 8 are queued.
  bool send_dtmf(char key, uint32_t duration_ms = 100);
  // Ends the call: frees its port and bridge connection. The second hangup is an Error.
  Status hangup();

  CallState state() const;
  CallStats stats() const;

 private:
  friend struct detail::EngineImpl;
  Call(detail::EngineImpl* engine, uint32_t id) noexcept : engine_(engine), id_(id) {}
  detail::EngineImpl* engine_;
  uint32_t id_;
};

}  // namespace offhook::api
