#include "sim/trace.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace offhook::sim {

namespace {

bool parse_double(const std::string& field, double& out) {
  if (field.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(field.c_str(), &end);
  return errno == 0 && end == field.c_str() + field.size();
}

bool parse_int(const std::string& field, int64_t& out) {
  if (field.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(field.c_str(), &end, 10);
  return errno == 0 && end == field.c_str() + field.size();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

}  // namespace

Result<std::vector<TracePacket>> parse_trace(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || trim(line) != "seq,rtp_ts,send_ms,arrival_ms") {
    return Error{Errc::bad_format, "trace: header must be seq,rtp_ts,send_ms,arrival_ms"};
  }
  std::vector<TracePacket> out;
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    line = trim(line);
    if (line.empty()) continue;
    std::string fields[4];
    size_t n = 0;
    std::string cur;
    for (char c : line) {
      if (c == ',') {
        if (n < 4) fields[n] = trim(cur);
        ++n;
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (n < 4) fields[n] = trim(cur);
    ++n;
    TracePacket p;
    int64_t ts = 0;
    if (n != 4 || !parse_int(fields[0], p.seq) || p.seq < 0 || !parse_int(fields[1], ts) || ts < 0 ||
        ts > int64_t{UINT32_MAX} || !parse_double(fields[2], p.send_ms)) {
      return Error{Errc::bad_format, "trace: line " + std::to_string(line_no) + " is malformed"};
    }
    p.rtp_ts = static_cast<uint32_t>(ts);
    if (!fields[3].empty()) {
      double a = 0;
      if (!parse_double(fields[3], a)) {
        return Error{Errc::bad_format, "trace: line " + std::to_string(line_no) + " has a bad arrival_ms"};
      }
      p.arrival_ms = a;
    }
    out.push_back(p);
  }
  return out;
}

Result<std::vector<TracePacket>> read_trace(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{Errc::not_found, "trace: cannot open '" + path + "'"};
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_trace(ss.str());
}

std::vector<TracePacket> arrivals(const std::vector<TracePacket>& packets) {
  std::vector<TracePacket> got;
  for (const TracePacket& p : packets) {
    if (p.arrival_ms) got.push_back(p);
  }
  std::stable_sort(got.begin(), got.end(),
                   [](const TracePacket& a, const TracePacket& b) { return *a.arrival_ms < *b.arrival_ms; });
  return got;
}

std::string format_trace(const std::vector<TracePacket>& packets) {
  std::vector<TracePacket> lost;
  for (const TracePacket& p : packets) {
    if (!p.arrival_ms) lost.push_back(p);
  }
  std::stable_sort(lost.begin(), lost.end(), [](const TracePacket& a, const TracePacket& b) { return a.seq < b.seq; });
  std::string out = "seq,rtp_ts,send_ms,arrival_ms\n";
  char buf[128];
  for (const TracePacket& p : arrivals(packets)) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ",%" PRIu32 ",%.3f,%.3f\n", p.seq, p.rtp_ts, p.send_ms, *p.arrival_ms);
    out += buf;
  }
  for (const TracePacket& p : lost) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ",%" PRIu32 ",%.3f,\n", p.seq, p.rtp_ts, p.send_ms);
    out += buf;
  }
  return out;
}

Result<bool> write_trace(const std::string& path, const std::vector<TracePacket>& packets) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Error{Errc::io_error, "trace: cannot write '" + path + "'"};
  f << format_trace(packets);
  if (!f.flush()) return Error{Errc::io_error, "trace: write to '" + path + "' failed"};
  return true;
}

}  // namespace offhook::sim
