#include "core/result.hpp"

namespace offhook {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_supported: return "not supported";
    case Errc::bad_format: return "bad format";
    case Errc::io_error: return "I/O error";
    case Errc::address_in_use: return "address in use";
    case Errc::auth_failed: return "authentication failed";
    case Errc::not_found: return "not found";
    case Errc::resource_exhausted: return "resource exhausted";
    case Errc::internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace offhook
