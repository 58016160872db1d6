#include "core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace offhook {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return Error{Errc::invalid_argument, "not positive: " + std::to_string(x)};
  return x;
}

TEST(ResultTest, HoldsValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.has_value());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 3);
  EXPECT_EQ(good.value_or(7), 3);

  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message, "not positive: -1");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r{std::make_unique<int>(5)};
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(ResultTest, VoidStatus) {
  Status fine = ok();
  EXPECT_TRUE(fine.has_value());
  Status failed = Error{Errc::io_error, "disk gone"};
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, Errc::io_error);
  EXPECT_STREQ(errc_name(Errc::address_in_use), "address in use");
}

}  // namespace
}  // namespace offhook
