#include "src/socket_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace offhook {

Result<SocketAddress> SocketAddress::from_ip(std::string_view ip, uint16_t port) {
  const std::string host(ip);
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return a;
  }
  a = SocketAddress{};
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return a;
  }
  return Error{Errc::invalid_argument, "not a numeric IPv4 or IPv6 address: '" + host + "'"};
}

Result<SocketAddress> SocketAddress::parse(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {  // [v6]:port
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Error{Errc::invalid_argument, "missing ']' in '" + std::string(text) + "'"};
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{Errc::invalid_argument, "expected ':port' after ']' in '" + std::string(text) + "'"};
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);  // exactly one ':' -> v4:port; several -> bare v6
    port_text = text.substr(colon + 1);
    has_port = true;
  }
  uint16_t port = default_port;
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value > 65535) {
      return Error{Errc::invalid_argument, "bad port '" + std::string(port_text) + "' in '" + std::string(text) + "'"};
    }
    port = static_cast<uint16_t>(value);
  }
  return from_ip(host, port);
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
  SocketAddress a;
  if (sa != nullptr && len <= static_cast<socklen_t>(sizeof a.storage_)) std::memcpy(&a.storage_, sa, len);
  return a;
}

uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

socklen_t SocketAddress::length() const noexcept {
  if (family() == AF_INET) return sizeof(sockaddr_in);
  if (family() == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

std::string SocketAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
    // Built with append() rather than operator+ chains: GCC 12 at -O3 reports a false -Wrestrict
    // on `"[" + std::string(...)` (GCC bug 105329).
    std::string out = "[";
    out.append(buf).append("]:").append(std::to_string(port()));
    return out;
  }
  return "(none)";
}

bool SocketAddress::operator==(const SocketAddress& other) const noexcept {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return true;
}

}  // namespace offhook
