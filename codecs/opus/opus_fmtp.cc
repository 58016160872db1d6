#include "codecs/opus/opus_fmtp.hpp"

#include <charconv>

namespace offhook {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::optional<uint32_t> parse_uint(std::string_view s, uint32_t lo, uint32_t hi) {
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<bool> parse_flag(std::string_view s) {  // RFC 7587 §6.1: "0" or "1"
  if (s == "0") return false;
  if (s == "1") return true;
  return std::nullopt;
}

}  // namespace

OpusFmtp parse_opus_fmtp(std::string_view fmtp) {
  OpusFmtp out;
  while (!fmtp.empty()) {
    const size_t semi = fmtp.find(';');
    const std::string_view item = trim(fmtp.substr(0, semi));
    fmtp = semi == std::string_view::npos ? std::string_view{} : fmtp.substr(semi + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      ++out.ignored;
      continue;
    }
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    bool ok = true;
    auto set_rate = [&](uint32_t& field) {
      const auto v = parse_uint(value, 8000, 48000);
      if (v) field = *v;
      ok = v.has_value();
    };
    auto set_flag = [&](bool& field) {
      const auto v = parse_flag(value);
      if (v) field = *v;
      ok = v.has_value();
    };
    auto set_ms = [&](std::optional<uint16_t>& field) {
      const auto v = parse_uint(value, 3, 120);
      if (v) field = static_cast<uint16_t>(*v);
      ok = v.has_value();
    };
    if (iequals(key, "maxplaybackrate")) {
      set_rate(out.max_playback_rate_hz);
    } else if (iequals(key, "sprop-maxcapturerate")) {
      set_rate(out.sprop_max_capture_rate_hz);
    } else if (iequals(key, "stereo")) {
      set_flag(out.stereo);
    } else if (iequals(key, "sprop-stereo")) {
      set_flag(out.sprop_stereo);
    } else if (iequals(key, "useinbandfec")) {
      set_flag(out.use_inband_fec);
    } else if (iequals(key, "usedtx")) {
      set_flag(out.use_dtx);
    } else if (iequals(key, "cbr")) {
      set_flag(out.cbr);
    } else if (iequals(key, "maxaveragebitrate")) {
      const auto v = parse_uint(value, 6000, 510000);
      if (v) out.max_average_bitrate_bps = *v;
      ok = v.has_value();
    } else if (iequals(key, "ptime")) {
      set_ms(out.ptime_ms);
    } else if (iequals(key, "maxptime")) {
      set_ms(out.max_ptime_ms);
    } else if (iequals(key, "minptime")) {
      set_ms(out.min_ptime_ms);
    } else {
      ok = false;
    }
    if (!ok) ++out.ignored;
  }
  return out;
}

std::string format_opus_fmtp(const OpusFmtp& f) {
  std::string out;
  auto add = [&out](std::string_view key, const std::string& value) {
    if (!out.empty()) out += ';';
    out += key;
    out += '=';
    out += value;
  };
  if (f.min_ptime_ms) add("minptime", std::to_string(*f.min_ptime_ms));
  if (f.max_playback_rate_hz != 48000) add("maxplaybackrate", std::to_string(f.max_playback_rate_hz));
  if (f.sprop_max_capture_rate_hz != 48000) add("sprop-maxcapturerate", std::to_string(f.sprop_max_capture_rate_hz));
  if (f.max_average_bitrate_bps) add("maxaveragebitrate", std::to_string(*f.max_average_bitrate_bps));
  if (f.stereo) add("stereo", "1");
  if (f.sprop_stereo) add("sprop-stereo", "1");
  if (f.cbr) add("cbr", "1");
  if (f.use_inband_fec) add("useinbandfec", "1");
  if (f.use_dtx) add("usedtx", "1");
  return out;
}

}  // namespace offhook
