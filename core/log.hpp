// Log callback. The library never prints: every message goes to the handler the application
// installs (default: none, so messages are dropped). Any thread except the media thread, which
// never logs after a call starts (it counts events in statistics instead).
//
// Secrets (SRTP keys, salts) are never passed to log(); see rtp/srtp_session.hpp.
#pragma once

#include <cstdarg>
#include <cstdint>

namespace offhook {

enum class LogLevel : uint8_t { debug, info, warning, error };

// Called with a complete, NUL-terminated line (no trailing newline). May be called from any
// non-real-time thread of the engine concurrently; the handler must be thread-safe.
using LogHandler = void (*)(LogLevel level, const char* message, void* user);

// Installs `handler` (nullptr removes it). Messages below `min_level` are not formatted at all.
void set_log_handler(LogHandler handler, void* user, LogLevel min_level = LogLevel::info) noexcept;

// printf-style. Lines longer than 512 bytes are truncated.
void log(LogLevel level, const char* format, ...) noexcept __attribute__((format(printf, 2, 3)));

}  // namespace offhook
