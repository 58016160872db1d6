#include "rtp/srtp_session.hpp"

#include <fcntl.h>
#include <srtp2/srtp.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>

namespace offhook::rtp {
namespace {

static_assert(SrtpSession::kMaxTrailerBytes == SRTP_MAX_TRAILER_LEN + 4,
              "SRTCP may append its 4-byte index after the tag and MKI");
static_assert(SrtpKey::kMaxBytes == SRTP_AES_ICM_256_KEY_LEN_WSALT);

struct SuiteInfo {
  SrtpSuite suite;
  const char* name;
  size_t key_bytes;
  size_t salt_bytes;
};

// RFC 4568 §6.2, RFC 6188 §7.1, RFC 7714 §14.2.
constexpr SuiteInfo kSuites[] = {
    {SrtpSuite::aes_cm_128_hmac_sha1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14},
    {SrtpSuite::aes_cm_128_hmac_sha1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14},
    {SrtpSuite::aead_aes_128_gcm, "AEAD_AES_128_GCM", 16, 12},
    {SrtpSuite::aes_256_cm_hmac_sha1_80, "AES_256_CM_HMAC_SHA1_80", 32, 14},
};

const SuiteInfo& info(SrtpSuite suite) noexcept {
  for (const SuiteInfo& s : kSuites)
    if (s.suite == suite) return s;
  return kSuites[0];
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

enum class Base64Result : uint8_t { ok, bad_char, bad_padding, too_long };

// RFC 4648 §4 base64 into `out` (at most out.size() bytes, the count goes to `written`). Padding
// is optional but must be right when present. Never writes past `out`.
Base64Result base64_decode(std::string_view in, std::span<uint8_t> out, size_t& written) noexcept {
  size_t end = in.size();
  size_t pad = 0;
  while (end > 0 && in[end - 1] == '=' && pad < 2) {
    --end;
    ++pad;
  }
  for (size_t i = 0; i < end; ++i)
    if (base64_value(in[i]) < 0) return Base64Result::bad_char;
  if (pad > 0 && in.size() % 4 != 0) return Base64Result::bad_padding;
  if (end % 4 == 1) return Base64Result::bad_padding;
  written = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    acc = (acc << 6) | static_cast<uint32_t>(base64_value(in[i]));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (written == out.size()) return Base64Result::too_long;
      out[written++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  // Leftover bits must be zero (canonical encoding).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return Base64Result::bad_padding;
  return Base64Result::ok;
}

SrtpStatus map_status(srtp_err_status_t s) noexcept {
  switch (s) {
    case srtp_err_status_ok: return SrtpStatus::ok;
    case srtp_err_status_auth_fail: return SrtpStatus::auth_failed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpStatus::replay;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return SrtpStatus::bad_packet;
    default: return SrtpStatus::error;
  }
}

void set_policy(SrtpSuite suite, srtp_crypto_policy_t& rtp, srtp_crypto_policy_t& rtcp) noexcept {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
      break;
    case SrtpSuite::aes_cm_128_hmac_sha1_32:
      // RFC 4568 §6.2.2 / RFC 3711 §5.2: the short tag is for SRTP only; SRTCP keeps 80 bits.
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&rtcp);
      break;
    case SrtpSuite::aead_aes_128_gcm:
      // RFC 7714 §14.2: AEAD_AES_128_GCM has a 16-octet tag.
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp);
      break;
    case SrtpSuite::aes_256_cm_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp);
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp);
      break;
  }
}

srtp_err_status_t global_init() noexcept {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_fail;
  std::call_once(once, [] { status = srtp_init(); });
  return status;
}

uint16_t load16(const uint8_t* p) noexcept { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Enough of RFC 3550 §5.1 for libsrtp to read the header safely: version, CSRCs, extension.
bool plausible_rtp_header(std::span<const uint8_t> p, size_t length) noexcept {
  if (length < 12 || length > p.size() || length > INT_MAX) return false;
  if ((p[0] >> 6) != 2) return false;
  size_t header = 12 + 4 * size_t{p[0] & 0x0fu};
  if ((p[0] & 0x10) != 0) {
    if (length < header + 4) return false;
    header += 4 + 4 * size_t{load16(p.data() + header + 2)};
  }
  return length >= header;
}

bool plausible_rtcp_header(std::span<const uint8_t> p, size_t length) noexcept {
  // RFC 3550 §6.4: every compound packet starts with an 8-byte SR/RR header.
  return length >= 8 && length <= p.size() && length <= INT_MAX && (p[0] >> 6) == 2;
}

}  // namespace

Result<SrtpSuite> parse_srtp_suite(std::string_view name) {
  for (const SuiteInfo& s : kSuites)
    if (iequals(name, s.name)) return s.suite;
  return Error{Errc::not_supported, "unknown SRTP crypto suite '" + std::string(name.substr(0, 64)) + "'"};
}

const char* suite_name(SrtpSuite suite) noexcept { return info(suite).name; }
size_t master_key_bytes(SrtpSuite suite) noexcept { return info(suite).key_bytes; }
size_t master_salt_bytes(SrtpSuite suite) noexcept { return info(suite).salt_bytes; }

// --- SrtpKey ---

SrtpKey::SrtpKey(SrtpKey&& other) noexcept : bytes_(other.bytes_), suite_(other.suite_), size_(other.size_) {
  other.wipe();
}

SrtpKey& SrtpKey::operator=(SrtpKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    suite_ = other.suite_;
    size_ = other.size_;
    other.wipe();
  }
  return *this;
}

SrtpKey::~SrtpKey() { wipe(); }

void SrtpKey::wipe() noexcept { explicit_bzero(bytes_.data(), bytes_.size()); }

Result<SrtpKey> SrtpKey::from_bytes(SrtpSuite suite, std::span<const uint8_t> bytes) {
  const size_t want = master_key_salt_bytes(suite);
  if (bytes.size() != want) {
    return Error{Errc::invalid_argument, std::string(suite_name(suite)) + " key: " + std::to_string(bytes.size()) +
                                             " bytes, expected " + std::to_string(want)};
  }
  SrtpKey key(suite, want);
  std::memcpy(key.bytes_.data(), bytes.data(), want);
  return key;
}

Result<SrtpKey> SrtpKey::from_inline(SrtpSuite suite, std::string_view text) {
  // RFC 4568 §6.1: key-params = "inline:" key-salt ["|" lifetime] ["|" MKI ":" length]
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  constexpr std::string_view kPrefix = "inline:";
  if (text.size() >= kPrefix.size() && iequals(text.substr(0, kPrefix.size()), kPrefix))
    text.remove_prefix(kPrefix.size());
  if (const size_t bar = text.find('|'); bar != std::string_view::npos) text = text.substr(0, bar);

  const std::string what = std::string(suite_name(suite)) + " inline key: ";
  if (text.empty()) return Error{Errc::invalid_argument, what + "empty"};
  const size_t want = master_key_salt_bytes(suite);
  SrtpKey key(suite, want);
  size_t written = 0;
  switch (base64_decode(text, key.bytes_, written)) {
    case Base64Result::ok: break;
    case Base64Result::bad_char: return Error{Errc::invalid_argument, what + "invalid base64 character"};
    case Base64Result::bad_padding: return Error{Errc::invalid_argument, what + "invalid base64 padding"};
    case Base64Result::too_long:
      return Error{Errc::invalid_argument, what + "more than " + std::to_string(want) + " bytes"};
  }
  if (written != want) {
    return Error{Errc::invalid_argument,
                 what + std::to_string(written) + " bytes, expected " + std::to_string(want)};
  }
  return key;
}

Result<SrtpKey> SrtpKey::random(SrtpSuite suite) {
  const size_t want = master_key_salt_bytes(suite);
  SrtpKey key(suite, want);
  size_t got = 0;
  while (got < want) {
    const ssize_t n = getrandom(key.bytes_.data() + got, want - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (got < want) {
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{Errc::io_error, "no random source: getrandom and /dev/urandom failed"};
    while (got < want) {
      const ssize_t n = ::read(fd, key.bytes_.data() + got, want - got);
      if (n > 0) {
        got += static_cast<size_t>(n);
      } else if (!(n < 0 && errno == EINTR)) {
        break;
      }
    }
    ::close(fd);
    if (got < want) return Error{Errc::io_error, "short read from /dev/urandom"};
  }
  return key;
}

std::string SrtpKey::to_inline() const {
  std::string out = "inline:";
  out.reserve(out.size() + (size_ + 2) / 3 * 4);
  for (size_t i = 0; i < size_; i += 3) {
    const size_t n = std::min<size_t>(3, size_ - i);
    uint32_t v = uint32_t{bytes_[i]} << 16;
    if (n > 1) v |= uint32_t{bytes_[i + 1]} << 8;
    if (n > 2) v |= bytes_[i + 2];
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(n > 1 ? kBase64[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kBase64[v & 63] : '=');
  }
  return out;
}

// --- SrtpSession ---

const char* srtp_status_name(SrtpStatus status) noexcept {
  switch (status) {
    case SrtpStatus::ok: return "ok";
    case SrtpStatus::auth_failed: return "auth_failed";
    case SrtpStatus::replay: return "replay";
    case SrtpStatus::bad_packet: return "bad_packet";
    case SrtpStatus::buffer_too_small: return "buffer_too_small";
    case SrtpStatus::error: return "error";
  }
  return "unknown";
}

namespace {

// Creates (`ctx` null) or re-keys (`ctx` set, srtp_update) one direction's libsrtp context. libsrtp
// takes a non-const key pointer and derives session keys from it; it gets a private copy that is
// wiped before returning.
srtp_err_status_t apply_policy(SrtpSuite suite, const SrtpKey& key, srtp_ssrc_type_t direction, srtp_t& ctx) {
  std::array<uint8_t, SrtpKey::kMaxBytes> key_copy{};
  std::memcpy(key_copy.data(), key.bytes().data(), key.bytes().size());
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  set_policy(suite, policy.rtp, policy.rtcp);
  policy.ssrc.type = direction;
  policy.key = key_copy.data();
  policy.window_size = SrtpSession::kReplayWindowPackets;
  policy.allow_repeat_tx = 0;
  policy.next = nullptr;
  const srtp_err_status_t s = ctx == nullptr ? srtp_create(&ctx, &policy) : srtp_update(ctx, &policy);
  explicit_bzero(key_copy.data(), key_copy.size());
  return s;
}

}  // namespace

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(SrtpSuite suite, const SrtpKey& tx_key,
                                                         const SrtpKey& rx_key) {
  if (tx_key.suite() != suite || rx_key.suite() != suite) {
    return Error{Errc::invalid_argument, std::string("SRTP key is not for suite ") + suite_name(suite)};
  }
  if (const srtp_err_status_t s = global_init(); s != srtp_err_status_ok) {
    return Error{Errc::internal, "srtp_init failed: status " + std::to_string(static_cast<int>(s))};
  }
  srtp_t tx = nullptr;
  srtp_t rx = nullptr;
  srtp_err_status_t s = apply_policy(suite, tx_key, ssrc_any_outbound, tx);
  if (s == srtp_err_status_ok) {
    s = apply_policy(suite, rx_key, ssrc_any_inbound, rx);
    if (s != srtp_err_status_ok) srtp_dealloc(tx);
  }
  if (s != srtp_err_status_ok) {
    return Error{Errc::internal, std::string("srtp_create failed for ") + suite_name(suite) + ": status " +
                                     std::to_string(static_cast<int>(s))};
  }
  return std::unique_ptr<SrtpSession>(new SrtpSession(suite, tx, rx));
}

Result<uint32_t> SrtpSession::rollover_counter(uint32_t ssrc, bool outbound) const {
  uint32_t roc = 0;
  if (srtp_get_stream_roc(outbound ? tx_ : rx_, ssrc, &roc) != srtp_err_status_ok) {
    return Error{Errc::not_found, "no SRTP stream for SSRC " + std::to_string(ssrc)};
  }
  return roc;
}

Status SrtpSession::rekey(const SrtpKey& tx_key, const SrtpKey& rx_key) {
  if (tx_key.suite() != suite_ || rx_key.suite() != suite_) {
    return Error{Errc::invalid_argument, std::string("re-key: key is not for suite ") + suite_name(suite_)};
  }
  srtp_err_status_t s = apply_policy(suite_, tx_key, ssrc_any_outbound, tx_);
  if (s == srtp_err_status_ok) s = apply_policy(suite_, rx_key, ssrc_any_inbound, rx_);
  if (s != srtp_err_status_ok) {
    return Error{Errc::internal, "srtp_update failed: status " + std::to_string(static_cast<int>(s))};
  }
  return ok();
}

SrtpSession::~SrtpSession() {
  // srtp_dealloc() wipes the derived session keys before freeing them.
  if (tx_) srtp_dealloc(tx_);
  if (rx_) srtp_dealloc(rx_);
}

namespace {

// One libsrtp call in place on `buffer`, after the header check; `length` changes only on success.
// Protecting needs kMaxTrailerBytes of room after the packet.
template <class LibsrtpFn>
SrtpStatus run_in_place(LibsrtpFn fn, srtp_ctx_t_* ctx, bool header_ok, bool protecting, std::span<uint8_t> buffer,
                        size_t& length) noexcept {
  if (!header_ok) return SrtpStatus::bad_packet;
  if (protecting && buffer.size() - length < SrtpSession::kMaxTrailerBytes) return SrtpStatus::buffer_too_small;
  int len = static_cast<int>(length);
  const SrtpStatus st = map_status(fn(ctx, buffer.data(), &len));
  if (st == SrtpStatus::ok) length = static_cast<size_t>(len);
  return st;
}

}  // namespace

SrtpStatus SrtpSession::protect_rtp(std::span<uint8_t> buffer, size_t& length) noexcept {
  return run_in_place(srtp_protect, tx_, plausible_rtp_header(buffer, length), true, buffer, length);
}

SrtpStatus SrtpSession::protect_rtcp(std::span<uint8_t> buffer, size_t& length) noexcept {
  return run_in_place(srtp_protect_rtcp, tx_, plausible_rtcp_header(buffer, length), true, buffer, length);
}

SrtpStatus SrtpSession::unprotect_rtp(std::span<uint8_t> buffer, size_t& length) noexcept {
  return run_in_place(srtp_unprotect, rx_, plausible_rtp_header(buffer, length), false, buffer, length);
}

SrtpStatus SrtpSession::unprotect_rtcp(std::span<uint8_t> buffer, size_t& length) noexcept {
  return run_in_place(srtp_unprotect_rtcp, rx_, plausible_rtcp_header(buffer, length), false, buffer, length);
}

}  // namespace offhook::rtp
