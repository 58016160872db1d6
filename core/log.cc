#include "core/log.hpp"

#include <atomic>
#include <cstdio>

namespace offhook {
namespace {

struct Sink {
  LogHandler handler;
  void* user;
  LogLevel min_level;
};

// The sink is replaced as a whole: a reader sees either the old or the new triple, never a mix.
std::atomic<const Sink*> g_sink{nullptr};
Sink g_sinks[2];
std::atomic<int> g_next{0};

}  // namespace

void set_log_handler(LogHandler handler, void* user, LogLevel min_level) noexcept {
  if (handler == nullptr) {
    g_sink.store(nullptr, std::memory_order_release);
    return;
  }
  // Two slots alternate so a concurrent reader of the previous sink keeps valid data; installing
  // handlers is a set-up step, not something done in a loop while logging.
  const int slot = g_next.fetch_xor(1, std::memory_order_acq_rel);
  g_sinks[slot] = Sink{handler, user, min_level};
  g_sink.store(&g_sinks[slot], std::memory_order_release);
}

void log(LogLevel level, const char* format, ...) noexcept {
  const Sink* sink = g_sink.load(std::memory_order_acquire);
  if (sink == nullptr || level < sink->min_level) return;
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  sink->handler(level, line, sink->user);
}

}  // namespace offhook
