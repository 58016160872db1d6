// SDP offer/answer for one audio stream (RFC 3264, syntax RFC 8866): what this phone can do
// (LocalMedia), the SDP it offers and answers, and what was agreed (Negotiated), which apply()
// turns into a CallLegConfig. SDES-SRTP keys (RFC 4568 a=crypto) are generated and kept here.
//
// Control thread only (the SIP stack's thread): allocates, not [rt]. One SdpSession per call.
// Secrets: keys appear only in the SDP text this class returns (a=crypto lines) and in
// Negotiated::srtp; no error message or reason carries key material.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/codec.hpp"
#include "core/result.hpp"
#include "rtp/srtp_session.hpp"
#include "src/call_leg.hpp"
#include "src/sdp.hpp"
#include "src/socket_address.hpp"

namespace offhook {

// off: plain RTP only; an RTP/SAVP offer is rejected, a=crypto in an RTP/AVP offer ignored.
// optional: offers RTP/AVP *with* a=crypto lines (best-effort SRTP, the widespread practice of
//   desk phones and PBXes; RFC 3264 has no "maybe"): SRTP when the peer answers with a=crypto,
//   plain RTP otherwise. Answers RTP/SAVP offers with SRTP, RTP/AVP offers with SRTP when they
//   carry a usable a=crypto line.
// mandatory: offers RTP/SAVP; rejects offers and answers without a usable a=crypto line.
enum class SrtpPolicy : uint8_t { off, optional, mandatory };

// What this phone can do, for one audio stream.
struct LocalMedia {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal for c= (and o=)
  uint16_t port = 0;                 // RTP port; RTCP is port + 1 without rtcp-mux
  std::vector<std::string> codecs = {"opus", "G722", "PCMU", "PCMA"};  // preference order
  CodecOptions codec_options;        // passed through apply(); opus fmtp of the peer may lower them
  uint32_t ptime_ms = 20;            // a=ptime we ask for, and what we send unless the peer asks
  MediaDirection direction = MediaDirection::sendrecv;  // sendonly = we put the call on hold
  std::optional<uint8_t> telephone_event_pt = 101;      // RFC 4733 /8000; nullopt: no DTMF events
  bool rtcp_mux = true;              // offer/accept a=rtcp-mux (RFC 5761)
  SrtpPolicy srtp = SrtpPolicy::optional;
  std::vector<rtp::SrtpSuite> suites = {rtp::SrtpSuite::aes_cm_128_hmac_sha1_80,
                                        rtp::SrtpSuite::aead_aes_128_gcm,
                                        rtp::SrtpSuite::aes_256_cm_hmac_sha1_80,
                                        rtp::SrtpSuite::aes_cm_128_hmac_sha1_32};  // preference order
  // Answering: pick the first offered codec that we support (false, what desk phones do), or our
  // first codec that the offer has (true).
  bool answer_in_our_order = false;
  std::string session_name = "offhook";  // s=
};

// The outcome of one offer/answer exchange for the audio stream.
struct Negotiated {
  bool rejected = true;        // no media flows (port 0 in the answer, or the answer rejected ours)
  std::string reason;          // why, when rejected (never key material)
  std::string codec;           // registry name: "opus", "G722", "PCMU", ...
  uint32_t clock_rate_hz = 0;  // RTP clock
  uint8_t channels = 1;
  uint8_t payload_type = 0;    // the one both sides use for the codec (the offerer's number)
  std::string remote_fmtp;     // the peer's a=fmtp for the codec
  uint32_t ptime_ms = 20;      // what we send (the peer's a=ptime when the codec allows it)
  SocketAddress remote_rtp;    // where we send; 0.0.0.0 for a legacy hold (RFC 3264 §8.4)
  std::optional<SocketAddress> remote_rtcp;  // a=rtcp (RFC 3605), else RTP port + 1; nullopt with mux
  bool rtcp_mux = false;
  MediaDirection direction = MediaDirection::inactive;  // OUR direction: what we send / play
  bool remote_hold = false;    // the peer does not want our media (sendonly, inactive, c=0.0.0.0)
  std::optional<uint8_t> telephone_event_pt;  // RFC 4733 events at the codec's clock
  std::optional<SrtpConfig> srtp;             // suite, our key, their key; nullopt: plain RTP
  uint32_t srtp_tag = 0;                      // the a=crypto tag both sides use

  Negotiated clone() const;  // an explicit copy (the keys are move-only)
};

// Fills codec, payload type, ptime, direction, RTCP mux, telephone-event PT, SRTP keys and, for
// opus, codec options the peer's fmtp asks for. The caller still calls CallLeg::set_remote() with
// `negotiated.remote_rtp`. Errc::invalid_argument when the stream was rejected.
Status apply(const Negotiated& negotiated, CallLegConfig& config);

struct AnswerResult {
  std::string sdp;        // the answer to send (the stream has port 0 when rejected)
  Negotiated negotiated;
};

class SdpSession {
 public:
  // `session_id` 0 picks a random one (RFC 8866 §5.2 suggests an NTP timestamp or random).
  explicit SdpSession(uint64_t session_id = 0);

  // Our offer (initial or re-offer). Errors: an unknown codec name, a bad address, no codec.
  Result<std::string> create_offer(const LocalMedia& local);
  // The peer's answer to our last offer. Malformed SDP is an Error; a rejected stream, no common
  // codec or missing crypto under SrtpPolicy::mandatory is a Negotiated with rejected = true.
  Result<Negotiated> receive_answer(std::string_view answer_sdp);
  // The peer's offer (initial or re-offer, e.g. hold): our answer and what it agreed. Malformed SDP
  // (and glare: an offer while ours is pending) is an Error; everything we cannot or will not do
  // gives a rejected stream (port 0) with the reason.
  Result<AnswerResult> receive_offer(std::string_view offer_sdp, const LocalMedia& local);

  // New SRTP keys in the next offer or answer (RFC 4568 §7.1.4 re-keying); otherwise a key, once
  // generated for a suite, stays for the whole call.
  void rekey() { keys_.clear(); }
  // Drops a pending offer (the SIP transaction failed, e.g. 488): the next offer starts afresh.
  void cancel_offer() { pending_.reset(); }

  uint64_t session_id() const noexcept { return session_id_; }
  uint64_t version() const noexcept { return version_; }  // o= version of the last SDP we produced
  bool offer_pending() const noexcept { return pending_.has_value(); }
  // The last successful negotiation, or nullptr.
  const Negotiated* negotiated() const noexcept { return last_ ? &*last_ : nullptr; }

 private:
  struct OfferedCodec {
    const CodecInfo* info;
    uint8_t payload_type;
  };
  struct PendingOffer {
    LocalMedia local;
    std::vector<OfferedCodec> codecs;
    std::vector<std::pair<uint8_t, uint32_t>> telephone_events;  // payload type, clock
    std::vector<std::pair<uint32_t, rtp::SrtpSuite>> crypto;   // tag, suite
  };

  Result<const rtp::SrtpKey*> key_for(rtp::SrtpSuite suite);
  // Wraps an SDP body (everything after o=) with v= and o=, bumping the version when it changed.
  std::string finish(const LocalMedia& local, std::string body);
  uint8_t payload_type_for(const CodecInfo& info, std::vector<uint8_t>& used);

  uint64_t session_id_ = 0;
  uint64_t version_ = 0;
  std::string last_body_;
  std::map<std::string, uint8_t> payload_types_;  // rtpmap -> PT used so far (RFC 3264 §8.3.2)
  std::map<rtp::SrtpSuite, rtp::SrtpKey> keys_;
  std::optional<PendingOffer> pending_;
  std::optional<Negotiated> last_;
};

}  // namespace offhook
