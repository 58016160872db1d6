// Helpers shared by the offhook CLI's subcommands: option parsing and error reporting.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace offhook::cli {

inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 1;

// Prints "offhook: <message>" on stderr (one line) and returns `code`.
int fail(const Error& e, int code = kExitFailure);

// --name value pairs from argv[first..]; flags without a value are listed in `switches`. Unknown
// options and missing values are errors.
Result<std::map<std::string, std::string>> parse_options(int argc, char** argv, int first,
                                                         const std::vector<std::string_view>& valued,
                                                         const std::vector<std::string_view>& switches);

// The integer option `name` in [min, max], or `fallback` when absent.
Result<long> parse_number(const std::map<std::string, std::string>& opts, const std::string& name, long fallback,
                          long min, long max);

// The payload type a CLI stream uses for `codec`: its RFC 3551 static one, else the first dynamic
// type (96), as an SDP offer with that single codec would assign.
uint8_t default_payload_type(std::string_view codec);

}  // namespace offhook::cli
