#include "core/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace offhook {
namespace {

void collect(LogLevel level, const char* message, void* user) {
  auto* lines = static_cast<std::vector<std::string>*>(user);
  lines->push_back(std::to_string(static_cast<int>(level)) + ":" + message);
}

TEST(LogTest, GoesToHandlerAboveMinLevelOnly) {
  std::vector<std::string> lines;
  set_log_handler(&collect, &lines, LogLevel::info);
  log(LogLevel::debug, "hidden %d", 1);
  log(LogLevel::warning, "port %d busy", 4000);
  set_log_handler(nullptr, nullptr);
  log(LogLevel::error, "dropped");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "2:port 4000 busy");
}

TEST(LogTest, LongLinesAreTruncatedNotOverflowed) {
  std::vector<std::string> lines;
  set_log_handler(&collect, &lines, LogLevel::debug);
  const std::string big(4000, 'x');
  log(LogLevel::info, "%s", big.c_str());
  set_log_handler(nullptr, nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), 2u + 511u);
}

}  // namespace
}  // namespace offhook
