#include "tools/cli_common.hpp"

#include "codecs/codec.hpp"

#include <cstdio>
#include <cstdlib>

namespace offhook::cli {

int fail(const Error& e, int code) {
  std::fprintf(stderr, "offhook: %s\n", e.message.c_str());
  return code;
}

// --name value pairs; flags without a value are listed in `switches`.
Result<std::map<std::string, std::string>> parse_options(int argc, char** argv, int first,
                                                         const std::vector<std::string_view>& valued,
                                                         const std::vector<std::string_view>& switches) {
  std::map<std::string, std::string> out;
  for (int i = first; i < argc; ++i) {
    const std::string_view arg = argv[i];
    bool known = false;
    for (auto s : switches) {
      if (arg == s) {
        out[std::string(arg)] = "1";
        known = true;
      }
    }
    for (auto v : valued) {
      if (arg == v) {
        if (i + 1 >= argc) return Error{Errc::invalid_argument, "option " + std::string(arg) + " needs a value"};
        out[std::string(arg)] = argv[++i];
        known = true;
      }
    }
    if (!known) return Error{Errc::invalid_argument, "unknown option '" + std::string(arg) + "'"};
  }
  return out;
}

Result<long> parse_number(const std::map<std::string, std::string>& opts, const std::string& name, long fallback,
                          long min, long max) {
  auto it = opts.find(name);
  if (it == opts.end()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || v < min || v > max) {
    return Error{Errc::invalid_argument, name + " must be a number in " + std::to_string(min) + ".." + std::to_string(max) +
                                             ", got '" + it->second + "'"};
  }
  return v;
}

uint8_t default_payload_type(std::string_view codec) {
  for (const CodecInfo& info : codec_capabilities()) {
    if (find_codec(codec, info.clock_rate_hz) == &info && info.static_payload_type) return *info.static_payload_type;
  }
  return 96;
}

}  // namespace offhook::cli
