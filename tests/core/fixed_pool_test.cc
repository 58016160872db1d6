#include "core/fixed_pool.hpp"

#include <gtest/gtest.h>

#include <set>

namespace offhook {
namespace {

struct Buffer {
  int payload[16];
};

TEST(FixedPoolTest, HandsOutDistinctObjectsUntilEmpty) {
  FixedPool<Buffer> pool(4);
  std::set<Buffer*> seen;
  for (int i = 0; i < 4; ++i) {
    Buffer* b = pool.acquire();
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(seen.insert(b).second);
  }
  EXPECT_EQ(pool.acquire(), nullptr);
  EXPECT_EQ(pool.available(), 0u);
  Buffer* first = *seen.begin();
  EXPECT_TRUE(pool.release(first));
  EXPECT_EQ(pool.acquire(), first) << "a released object is reused";
}

TEST(FixedPoolTest, RejectsForeignAndDoubleRelease) {
  FixedPool<Buffer> pool(2);
  Buffer outsider{};
  EXPECT_FALSE(pool.release(&outsider));
  Buffer* b = pool.acquire();
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(pool.release(b));
  EXPECT_EQ(pool.available(), 2u);
  EXPECT_FALSE(pool.release(b)) << "releasing into a full pool is a double release";
}

}  // namespace
}  // namespace offhook
