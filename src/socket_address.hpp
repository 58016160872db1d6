// SocketAddress: an IPv4 or IPv6 UDP endpoint. Parsing and formatting run on the control thread;
// copying and comparing are [rt].
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace offhook {

class SocketAddress {
 public:
  SocketAddress() = default;

  // "127.0.0.1:4000", "[::1]:4000", or a bare address with `default_port`. Numeric only (no DNS:
  // a media engine gets addresses from SDP).
  static Result<SocketAddress> parse(std::string_view text, uint16_t default_port = 0);
  static Result<SocketAddress> from_ip(std::string_view ip, uint16_t port);
  static SocketAddress from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;

  int family() const noexcept { return storage_.ss_family; }
  bool is_valid() const noexcept { return family() == AF_INET || family() == AF_INET6; }
  uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;
  const sockaddr* sockaddr_ptr() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sockaddr_ptr() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const noexcept;
  std::string to_string() const;  // "127.0.0.1:4000" / "[::1]:4000"

  bool operator==(const SocketAddress& other) const noexcept;

 private:
  sockaddr_storage storage_{};
};

}  // namespace offhook
