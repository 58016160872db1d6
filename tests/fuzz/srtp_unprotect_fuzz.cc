// Fuzz target for SRTP/SRTCP unprotect: arbitrary input to every suite never crashes, and a
// packet that authenticates never grows. The first input byte picks the suite.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "rtp/srtp_session.hpp"

using namespace offhook::rtp;

namespace {

// The libsrtp test-driver key (see tests/rtp/srtp_session_test.cc), so KAT packets in the corpus
// reach the authentication step.
constexpr std::array<uint8_t, 46> kKey = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
    0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6, 0xc1, 0x73,
    0xc3, 0x17, 0xf2, 0xda, 0xbe, 0x35, 0x77, 0x93, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};

std::unique_ptr<SrtpSession> make(SrtpSuite suite) {
  auto k = SrtpKey::from_bytes(suite, std::span(kKey).first(master_key_salt_bytes(suite)));
  auto k2 = SrtpKey::from_bytes(suite, std::span(kKey).first(master_key_salt_bytes(suite)));
  if (!k || !k2) std::abort();
  auto s = SrtpSession::create(suite, *k, *k2);
  if (!s) std::abort();
  return std::move(*s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // A fresh session per input: otherwise the replay list makes results depend on input order.
  const auto suite = static_cast<SrtpSuite>(data[0] % 4);
  auto session = make(suite);
  std::vector<uint8_t> buf(data + 1, data + size);
  size_t len = buf.size();
  const SrtpStatus rtp = session->unprotect_rtp(buf, len);
  if (rtp == SrtpStatus::ok && len > size - 1) std::abort();
  buf.assign(data + 1, data + size);
  len = buf.size();
  const SrtpStatus rtcp = session->unprotect_rtcp(buf, len);
  if (rtcp == SrtpStatus::ok && len > size - 1) std::abort();
  return 0;
}
