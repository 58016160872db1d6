#include "src/udp_socket.hpp"

#include <fcntl.h>
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
