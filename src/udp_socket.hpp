// UdpSocket: a non-blocking UDP socket (IPv4 or IPv6) owned by one call leg.
//
// bind() runs on the control thread. receive() runs on the network thread; send() on the media
// thread. Both are [rt]: non-blocking syscalls that never wait (a full socket buffer is reported as
// `would_block` and counted by the caller, never retried in a loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hpp"
#include "src/socket_address.hpp"

namespace offhook {

enum class IoStatus : uint8_t { ok, would_block, error };

struct RtpSocketPair;

class UdpSocket {
 public:
  // Binds to `local` (port 0 picks a free port). A port in use is Errc::address_in_use.
  static Result<UdpSocket> bind(const SocketAddress& local);

  UdpSocket() = default;
  UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), local_(other.local_) { other.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  // Marks outgoing packets with DiffServ code point `dscp` (0..63; 46 = EF, RFC 3246, the voice
  // default) through IP_TOS or IPV6_TCLASS.
  Status set_dscp(uint8_t dscp);

  int fd() const noexcept { return fd_; }
  const SocketAddress& local_address() const noexcept { return local_; }

  // [rt]
  IoStatus send(std::span<const uint8_t> datagram, const SocketAddress& to) noexcept;
  // [rt] Writes one datagram into `buffer`, its size into `length` and the sender into `from`. A
  // datagram larger than `buffer` is truncated and reported as an error (dropped).
  IoStatus receive(std::span<uint8_t> buffer, size_t& length, SocketAddress& from) noexcept;

 private:
  int fd_ = -1;
  SocketAddress local_;
};

// An RTP socket on an even port and its RTCP socket on the next (odd) port (RFC 3550 §11), or just
// the RTP socket when RTCP is multiplexed on it (RFC 5761).
struct RtpSocketPair {
  UdpSocket rtp;
  UdpSocket rtcp;  // fd() < 0 with rtcp-mux
};

// Binds an RTP (and, unless `rtcp_mux`, RTCP) port in [`port_min`, `port_max`] on `ip`, trying pairs
// from a pseudo-random start so that legs created together do not race for the same pair. Ports in
// use are skipped; when the whole range is taken the error is Errc::address_in_use.
Result<RtpSocketPair> bind_rtp_pair(const SocketAddress& ip, uint16_t port_min, uint16_t port_max, bool rtcp_mux);

}  // namespace offhook
