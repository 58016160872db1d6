// SRTP/SRTCP (RFC 3711, RFC 7714 AES-GCM) over libsrtp2: crypto suites and their SDES names
// (RFC 4568 §6.2, RFC 7714 §14.2), master keys with `inline:` key material, and a session that
// protects outbound and unprotects inbound RTP and RTCP.
//
// Threads: SrtpSuite/SrtpKey helpers on any thread (control plane, they may allocate). An
// SrtpSession belongs to the network thread: protect/unprotect are noexcept and never block, but
// they are NOT [rt]. libsrtp clones the session's template stream (an allocation) on the first
// packet of each new SSRC, inbound (ssrc_any_inbound) and outbound (ssrc_any_outbound). That
// happens on the network thread, never on the media thread. One thread at a time per session.
//
// Secrets: SrtpKey has no operator<<, errors about keys never contain key material, and every
// copy we make of key bytes is wiped with explicit_bzero (libsrtp wipes its own on dealloc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct srtp_ctx_t_;  // libsrtp's session, kept out of this header

namespace offhook::rtp {

enum class SrtpSuite : uint8_t {
  aes_cm_128_hmac_sha1_80,  // RFC 4568 AES_CM_128_HMAC_SHA1_80
  aes_cm_128_hmac_sha1_32,  // RFC 4568 AES_CM_128_HMAC_SHA1_32 (80-bit tag on SRTCP, §6.2.2)
  aead_aes_128_gcm,         // RFC 7714 AEAD_AES_128_GCM (16-byte tag)
  aes_256_cm_hmac_sha1_80,  // RFC 6188 AES_256_CM_HMAC_SHA1_80
};

// Case-insensitive SDES name, e.g. "AES_CM_128_HMAC_SHA1_80". Error names the unknown suite.
Result<SrtpSuite> parse_srtp_suite(std::string_view name);
// The canonical upper-case SDES name.
const char* suite_name(SrtpSuite suite) noexcept;
// Master key + master salt bytes: 30 (AES_CM_128), 46 (AES_256_CM), 28 (AEAD_AES_128_GCM).
size_t master_key_bytes(SrtpSuite suite) noexcept;
size_t master_salt_bytes(SrtpSuite suite) noexcept;
inline size_t master_key_salt_bytes(SrtpSuite suite) noexcept {
  return master_key_bytes(suite) + master_salt_bytes(suite);
}

// A master key || master salt for one suite. Move-only; the bytes are wiped on destruction, on
// move (the source) and by wipe().
class SrtpKey {
 public:
  static constexpr size_t kMaxBytes = 46;

  // RFC 4568 §6.1 key material: base64 of key||salt, with or without the "inline:" prefix; a
  // "|lifetime" and "|MKI:length" suffix is ignored. Errors never echo the key.
  static Result<SrtpKey> from_inline(SrtpSuite suite, std::string_view text);
  // From raw key||salt bytes; `bytes` must be master_key_salt_bytes(suite) long.
  static Result<SrtpKey> from_bytes(SrtpSuite suite, std::span<const uint8_t> bytes);
  // Fresh key material from the kernel CSPRNG (getrandom, falling back to /dev/urandom).
  static Result<SrtpKey> random(SrtpSuite suite);

  SrtpKey(SrtpKey&& other) noexcept;
  SrtpKey& operator=(SrtpKey&& other) noexcept;
  SrtpKey(const SrtpKey&) = delete;
  SrtpKey& operator=(const SrtpKey&) = delete;
  ~SrtpKey();

  // An explicit copy (the two ends of a loopback call share keys, a re-INVITE keeps one).
  SrtpKey clone() const noexcept {
    SrtpKey copy(suite_, size_);
    copy.bytes_ = bytes_;
    return copy;
  }

  SrtpSuite suite() const noexcept { return suite_; }
  // The key||salt bytes (for libsrtp, or hex for GStreamer). Do not log them.
  std::span<const uint8_t> bytes() const noexcept { return {bytes_.data(), size_}; }
  // "inline:<base64>" for an SDP a=crypto line. The returned string is a secret: the caller owns
  // wiping it (std::string cannot be wiped reliably after reallocation).
  std::string to_inline() const;
  // Zeroes the bytes (a write the compiler cannot elide). The key keeps its suite and size.
  void wipe() noexcept;

  friend std::ostream& operator<<(std::ostream&, const SrtpKey&) = delete;

 private:
  SrtpKey(SrtpSuite suite, size_t size) noexcept : suite_(suite), size_(size) {}

  std::array<uint8_t, kMaxBytes> bytes_{};
  SrtpSuite suite_;
  size_t size_;
};

enum class SrtpStatus : uint8_t {
  ok,
  auth_failed,       // the tag did not verify (tampered, wrong key)
  replay,            // already seen, or older than the replay window
  bad_packet,        // too short or malformed to be (S)RTP/(S)RTCP
  buffer_too_small,  // protect: less than kMaxTrailerBytes of room after `length`
  error,             // anything else libsrtp reports
};

const char* srtp_status_name(SrtpStatus status) noexcept;

class SrtpSession {
 public:
  // Room protect_rtp()/protect_rtcp() need after the packet: libsrtp may write up to
  // SRTP_MAX_TRAILER_LEN (tag + MKI) plus the 4-byte SRTCP index.
  static constexpr size_t kMaxTrailerBytes = 16 + 128 + 4;
  // RFC 3711 §3.3.2 replay window (libsrtp default is 128); wide enough for deep reordering.
  static constexpr uint32_t kReplayWindowPackets = 1024;

  // `tx_key` protects what we send, `rx_key` checks what we receive. Both keys must be for
  // `suite`. The session keeps no copy of either key (libsrtp derives its session keys).
  static Result<std::unique_ptr<SrtpSession>> create(SrtpSuite suite, const SrtpKey& tx_key,
                                                     const SrtpKey& rx_key);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;

  // New master keys for an existing session (a re-INVITE with new a=crypto lines). The streams keep
  // their rollover counters and replay windows (libsrtp's srtp_update), so a long call that has
  // wrapped its sequence numbers is not cut off by the re-key: resetting the ROC there is a classic
  // cause of one-way audio. Not concurrent with protect/unprotect: call it on the network thread or
  // while the leg is stopped.
  Status rekey(const SrtpKey& tx_key, const SrtpKey& rx_key);

  // The rollover counter (RFC 3711 §3.3.1) of the stream of `ssrc`, sending or receiving side; an
  // error when no packet of that SSRC has been seen. For diagnostics and tests, not [rt].
  Result<uint32_t> rollover_counter(uint32_t ssrc, bool outbound) const;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place. On entry `length` is the plaintext packet's size in `buffer`, on success the
  // protected size. `buffer.size()` must be at least `length + kMaxTrailerBytes`.
  SrtpStatus protect_rtp(std::span<uint8_t> buffer, size_t& length) noexcept;
  SrtpStatus protect_rtcp(std::span<uint8_t> buffer, size_t& length) noexcept;
  // In place. On success `length` becomes the plaintext size; otherwise it is unchanged.
  SrtpStatus unprotect_rtp(std::span<uint8_t> buffer, size_t& length) noexcept;
  SrtpStatus unprotect_rtcp(std::span<uint8_t> buffer, size_t& length) noexcept;

  SrtpSuite suite() const noexcept { return suite_; }

 private:
  SrtpSession(SrtpSuite suite, srtp_ctx_t_* tx, srtp_ctx_t_* rx) noexcept
      : suite_(suite), tx_(tx), rx_(rx) {}

  SrtpSuite suite_;
  srtp_ctx_t_* tx_;  // ssrc_any_outbound
  srtp_ctx_t_* rx_;  // ssrc_any_inbound
};

}  // namespace offhook::rtp
