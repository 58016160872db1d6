#include <poll.h>

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "src/socket_address.hpp"
#include "src/udp_socket.hpp"

namespace offhook {
namespace {

TEST(SocketAddressTest, ParsesV4AndV6) {
  auto v4 = SocketAddress::parse("127.0.0.1:4000");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->port(), 4000);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:4000");

  auto v6 = SocketAddress::parse("[::1]:5004");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(v6->port(), 5004);
  EXPECT_EQ(v6->to_string(), "[::1]:5004");

  auto bare6 = SocketAddress::parse("::1", 7000);
  ASSERT_TRUE(bare6);
  EXPECT_EQ(bare6->port(), 7000);
  auto bare4 = SocketAddress::parse("127.0.0.1", 7002);
  ASSERT_TRUE(bare4);
  EXPECT_EQ(bare4->port(), 7002);
}

TEST(SocketAddressTest, RejectsMalformed) {
  for (const char* bad : {"", "localhost:5000", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:12x", "[::1",
                          "[::1]5000", "300.1.1.1:10", "[::1]:-1"}) {
    SCOPED_TRACE(bad);
    auto r = SocketAddress::parse(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_FALSE(r.error().message.empty());
  }
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 2000) == 1;
}

void round_trip(const char* ip) {
  auto a = UdpSocket::bind(*SocketAddress::from_ip(ip, 0));
  auto b = UdpSocket::bind(*SocketAddress::from_ip(ip, 0));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_NE(b->local_address().port(), 0);
  const std::array<uint8_t, 5> msg{1, 2, 3, 4, 5};
  ASSERT_EQ(a->send(msg, b->local_address()), IoStatus::ok);
  ASSERT_TRUE(wait_readable(b->fd()));
  std::array<uint8_t, 64> buf{};
  size_t len = 0;
  SocketAddress from;
  ASSERT_EQ(b->receive(buf, len, from), IoStatus::ok);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(buf[4], 5);
  EXPECT_EQ(from, a->local_address());
  EXPECT_EQ(b->receive(buf, len, from), IoStatus::would_block) << "non-blocking: nothing more to read";
}

TEST(UdpSocketTest, LoopbackV4) { round_trip("127.0.0.1"); }
TEST(UdpSocketTest, LoopbackV6) { round_trip("::1"); }

TEST(UdpSocketTest, PortInUseIsAClearError) {
  auto a = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  ASSERT_TRUE(a);
  auto b = UdpSocket::bind(a->local_address());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Errc::address_in_use);
  EXPECT_NE(b.error().message.find(a->local_address().to_string()), std::string::npos) << b.error().message;
}

TEST(UdpSocketTest, OversizedDatagramIsReportedNotTruncatedSilently) {
  auto a = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  auto b = UdpSocket::bind(*SocketAddress::from_ip("127.0.0.1", 0));
  ASSERT_TRUE(a && b);
  const std::vector<uint8_t> big(3000, 0xab);
  ASSERT_EQ(a->send(big, b->local_address()), IoStatus::ok);
  ASSERT_TRUE(wait_readable(b->fd()));
  std::array<uint8_t, 1500> buf{};
  size_t len = 99;
  SocketAddress from;
  EXPECT_EQ(b->receive(buf, len, from), IoStatus::error);
  EXPECT_EQ(len, 0u);
}

}  // namespace
}  // namespace offhook
