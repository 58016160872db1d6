#include "src/udp_socket.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace offhook {

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local) {
  if (!local.is_valid()) return Error{Errc::invalid_argument, "bind: no valid local address"};
  UdpSocket s;
  s.fd_ = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (s.fd_ < 0) return Error{Errc::io_error, std::string("socket: ") + std::strerror(errno)};
  if (local.family() == AF_INET6) {
    const int v6only = 1;  // ::1 means IPv6 only; an IPv4 leg binds an IPv4 address
    setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(s.fd_, local.sockaddr_ptr(), local.length()) != 0) {
    const int err = errno;
    const Errc code = err == EADDRINUSE ? Errc::address_in_use : Errc::io_error;
    return Error{code, "cannot bind UDP " + local.to_string() + ": " + std::strerror(err)};
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(s.fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  s.local_ = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), len);
  return s;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    local_ = other.local_;
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Status UdpSocket::set_dscp(uint8_t dscp) {
  if (dscp > 63) return Error{Errc::invalid_argument, "DSCP must be 0..63, got " + std::to_string(dscp)};
  const int tos = dscp << 2;  // the DS field is the upper six bits of TOS / Traffic Class
  const int rc = local_.family() == AF_INET6 ? setsockopt(fd_, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
                                             : setsockopt(fd_, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  if (rc != 0) return Error{Errc::io_error, std::string("cannot set DSCP: ") + std::strerror(errno)};
  return ok();
}

Result<RtpSocketPair> bind_rtp_pair(const SocketAddress& ip, uint16_t port_min, uint16_t port_max, bool rtcp_mux) {
  if (port_min == 0 || port_max < port_min) {
    return Error{Errc::invalid_argument, "bad RTP port range " + std::to_string(port_min) + "-" + std::to_string(port_max)};
  }
  // Even RTP ports only, each with its odd RTCP neighbour inside the range.
  const uint32_t first = (port_min + 1u) & ~1u;
  const uint32_t last = rtcp_mux ? port_max : port_max - 1u;
  if (first > last) return Error{Errc::invalid_argument, "RTP port range " + std::to_string(port_min) + "-" +
                                                            std::to_string(port_max) + " holds no even port pair"};
  const uint32_t pairs = (last - first) / 2 + 1;
  uint32_t start = 0;
  if (getrandom(&start, sizeof start, 0) != sizeof start) start = 0;
  for (uint32_t i = 0; i < pairs; ++i) {
    const auto port = static_cast<uint16_t>(first + 2 * ((start + i) % pairs));
    SocketAddress a = ip;
    a.set_port(port);
    auto rtp = UdpSocket::bind(a);
    if (!rtp) {
      if (rtp.error().code == Errc::address_in_use) continue;
      return std::move(rtp).error();
    }
    RtpSocketPair pair{std::move(*rtp), UdpSocket{}};
    if (!rtcp_mux) {
      a.set_port(static_cast<uint16_t>(port + 1));
      auto rtcp = UdpSocket::bind(a);
      if (!rtcp) {
        if (rtcp.error().code == Errc::address_in_use) continue;
        return std::move(rtcp).error();
      }
      pair.rtcp = std::move(*rtcp);
    }
    return pair;
  }
  return Error{Errc::address_in_use, "no free RTP port pair in " + std::to_string(port_min) + "-" + std::to_string(port_max)};
}

IoStatus UdpSocket::send(std::span<const uint8_t> datagram, const SocketAddress& to) noexcept {
  const ssize_t n = ::sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT, to.sockaddr_ptr(), to.length());
  if (n == static_cast<ssize_t>(datagram.size())) return IoStatus::ok;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IoStatus::would_block;
  return IoStatus::error;
}

IoStatus UdpSocket::receive(std::span<uint8_t> buffer, size_t& length, SocketAddress& from) noexcept {
  sockaddr_storage sa{};
  socklen_t sa_len = sizeof sa;
  const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&sa), &sa_len);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? IoStatus::would_block : IoStatus::error;
  from = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sa), sa_len);
  if (static_cast<size_t>(n) > buffer.size()) {
    length = 0;
    return IoStatus::error;  // MSG_TRUNC reported the real size: an oversized datagram
  }
  length = static_cast<size_t>(n);
  return IoStatus::ok;
}

}  // namespace offhook
