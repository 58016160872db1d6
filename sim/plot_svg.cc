#include "sim/plot_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

namespace offhook::sim {

namespace {

constexpr double kFrameMs = 20.0;  // as sim/jbsim.cc

uint64_t to_us(double ms) { return static_cast<uint64_t>(std::llround(ms * 1000.0)); }

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t') out += ch;
    }
  }
  return out;
}

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

// 1, 2 or 5 times a power of ten, so that `range` takes about `want` steps.
double nice_step(double range, int want) {
  const double raw = range / want;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

struct Frame {
  double x0, x1, y0, y1;     // plot area in px
  double t0_ms, t1_ms;       // time range
  double ymax_ms;            // delay range is [0, ymax]
  double x(double t_ms) const { return x0 + (t_ms - t0_ms) / (t1_ms - t0_ms) * (x1 - x0); }
  double y(double d_ms) const { return y1 - std::clamp(d_ms, 0.0, ymax_ms) / ymax_ms * (y1 - y0); }
};

// A line decimated to the pixel grid: per pixel column, the first, lowest, highest and last
// point, in time order.
std::string polyline(const std::vector<std::pair<double, double>>& pts, const Frame& f) {
  std::string out;
  size_t i = 0;
  while (i < pts.size()) {
    const long col = std::lround(std::floor(f.x(pts[i].first)));
    size_t j = i;
    size_t lo = i, hi = i;
    while (j < pts.size() && std::lround(std::floor(f.x(pts[j].first))) == col) {
      if (pts[j].second < pts[lo].second) lo = j;
      if (pts[j].second > pts[hi].second) hi = j;
      ++j;
    }
    std::set<size_t> keep = {i, lo, hi, j - 1};
    for (size_t k : keep) {
      out += fmt("%.1f", f.x(pts[k].first)) + "," + fmt("%.1f", f.y(pts[k].second)) + " ";
    }
    i = j;
  }
  if (!out.empty()) out.pop_back();
  return out;
}

// Marks in a lane: the pixel columns holding at least one event, merged into runs.
std::string lane(const std::vector<double>& times_ms, const Frame& f, double y, double h, const char* color) {
  std::set<long> cols;
  for (double t : times_ms) cols.insert(std::lround(std::floor(f.x(t))));
  std::string out;
  for (auto it = cols.begin(); it != cols.end();) {
    const long start = *it;
    long end = start;
    for (++it; it != cols.end() && *it == end + 1; ++it) end = *it;
    out += "<rect x=\"" + std::to_string(start) + "\" y=\"" + fmt("%.1f", y) + "\" width=\"" +
           std::to_string(end - start + 1) + "\" height=\"" + fmt("%.1f", h) + "\" fill=\"" + color + "\"/>";
  }
  return out;
}

}  // namespace

Result<std::vector<JbTimelinePoint>> jb_timeline(const std::vector<TracePacket>& trace, const JbSimOptions& options) {
  const std::vector<TracePacket> got = arrivals(trace);
  if (got.empty()) return Error{Errc::invalid_argument, "jbsim: the trace has no received packet"};
  auto jb = rtp::AdaptiveJitterBuffer::create(options.config);
  if (!jb) return jb.error();
  const double first_ms = *got.front().arrival_ms;
  const double end_ms = *got.back().arrival_ms + options.tail_ms;
  const uint8_t payload[4] = {0, 0, 0, 0};
  std::vector<JbTimelinePoint> out;
  size_t i = 0;
  for (double tick = first_ms; tick <= end_ms + 1e-9; tick += kFrameMs) {
    const uint64_t tick_us = to_us(tick);
    for (; i < got.size() && to_us(*got[i].arrival_ms) <= tick_us; ++i) {
      const TracePacket& p = got[i];
      (void)jb->insert(1, rtp::SeqNum(static_cast<uint16_t>(p.seq & 0xffff)), p.rtp_ts, payload,
                       to_us(*p.arrival_ms));
    }
    (void)jb->pull(tick_us);
    out.push_back({tick, jb->stats().target_delay_ms, jb->stats().current_delay_ms});
  }
  return out;
}

std::string plot_jbsim_svg(const std::vector<TracePacket>& trace, const JbSimResult& result,
                           std::span<const JbTimelinePoint> timeline, const PlotOptions& options) {
  const int width = std::clamp(options.width_px, 400, 8000);
  const int height = std::clamp(options.height_px, 300, 4000);

  // Series in ms on the receiver's clock.
  std::unordered_map<int64_t, double> send_of;
  std::vector<std::pair<double, double>> net;  // (arrival, delay)
  std::vector<double> lost;                    // send times
  double t0 = 1e300, t1 = -1e300;
  for (const TracePacket& p : trace) {
    send_of.emplace(p.seq, p.send_ms);
    if (p.arrival_ms) {
      net.emplace_back(*p.arrival_ms, *p.arrival_ms - p.send_ms);
      t0 = std::min(t0, *p.arrival_ms);
      t1 = std::max(t1, *p.arrival_ms);
    } else {
      lost.push_back(p.send_ms);
    }
  }
  std::vector<std::pair<double, double>> playout;  // (tick, tick - send)
  std::vector<double> conceal, stretch, shrink;
  for (const JbDecisionRow& r : result.rows) {
    t0 = std::min(t0, r.tick_ms);
    t1 = std::max(t1, r.tick_ms + kFrameMs);
    if (r.action == rtp::JbAction::conceal) conceal.push_back(r.tick_ms);
    if (r.action == rtp::JbAction::stretch) stretch.push_back(r.tick_ms);
    if (r.action == rtp::JbAction::shrink) shrink.push_back(r.tick_ms);
    for (int k = 0; k < r.count && k < 2; ++k) {
      auto it = send_of.find(r.seqs[k]);
      if (it != send_of.end()) playout.emplace_back(r.tick_ms, r.tick_ms - it->second);
    }
  }
  // Target on the same axis: the buffer's current delay is measured above its fastest-path
  // estimate, so (playout delay - current delay) at a played tick is that estimate, carried to
  // the ticks in between.
  std::vector<std::pair<double, double>> target;
  if (!timeline.empty()) {
    std::map<double, double> playout_at(playout.begin(), playout.end());  // last packet of a tick
    bool have_base = false;
    double base = 0;
    for (const JbTimelinePoint& p : timeline) {
      auto it = playout_at.find(p.tick_ms);
      if (it != playout_at.end()) {
        base = it->second - p.current_delay_ms;
        have_base = true;
      }
      if (have_base) target.emplace_back(p.tick_ms, base + p.target_delay_ms);
    }
  }
  if (!(t1 > t0)) {
    t0 = 0;
    t1 = 1000;
  }
  for (double l : lost) t0 = std::min(t0, l);

  // The delay axis covers nearly everything; the rare outliers (seconds-late packets) are drawn
  // at its top as triangles instead of squashing the rest.
  std::vector<double> ys;
  for (const auto& p : net) ys.push_back(p.second);
  double top = quantile(ys, 0.995);
  ys.clear();
  for (const auto& p : playout) ys.push_back(p.second);
  top = std::max(top, quantile(ys, 0.995));
  for (const auto& p : target) top = std::max(top, p.second);
  top = std::max(top * 1.1, 10.0);
  const double ystep = nice_step(top, 6);
  const double ymax = std::ceil(top / ystep) * ystep;

  const double lane_h = 12;
  const int lanes = 4;
  Frame f{70, static_cast<double>(width) - 20, 56, static_cast<double>(height) - 60 - lanes * lane_h - 8, t0, t1,
          ymax};
  const double lanes_y = f.y1 + 6;

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fmt("%.0f", f.x0) + "\" y=\"18\" font-size=\"14\" font-weight=\"bold\">" +
       escape(options.title) + "</text>\n";

  // Grid and axes.
  s += "<g id=\"axes\" stroke=\"#ccc\" stroke-width=\"1\">\n";
  for (double v = 0; v <= ymax + 1e-9; v += ystep) {
    s += "<line x1=\"" + fmt("%.1f", f.x0) + "\" x2=\"" + fmt("%.1f", f.x1) + "\" y1=\"" + fmt("%.1f", f.y(v)) +
         "\" y2=\"" + fmt("%.1f", f.y(v)) + "\"/>";
    s += "<text x=\"" + fmt("%.1f", f.x0 - 6) + "\" y=\"" + fmt("%.1f", f.y(v) + 4) +
         "\" text-anchor=\"end\" stroke=\"none\" fill=\"black\">" + fmt("%g", v) + "</text>\n";
  }
  const double tstep_s = nice_step((t1 - t0) / 1000.0, 10);
  for (double v = std::ceil(t0 / 1000.0 / tstep_s) * tstep_s; v * 1000.0 <= t1 + 1e-6; v += tstep_s) {
    const double x = f.x(v * 1000.0);
    s += "<line x1=\"" + fmt("%.1f", x) + "\" x2=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", f.y0) +
         "\" y2=\"" + fmt("%.1f", lanes_y + lanes * lane_h) + "\"/>";
    s += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", lanes_y + lanes * lane_h + 16) +
         "\" text-anchor=\"middle\" stroke=\"none\" fill=\"black\">" + fmt("%g", v) + "</text>\n";
  }
  s += "<rect x=\"" + fmt("%.1f", f.x0) + "\" y=\"" + fmt("%.1f", f.y0) + "\" width=\"" + fmt("%.1f", f.x1 - f.x0) +
       "\" height=\"" + fmt("%.1f", f.y1 - f.y0) + "\" fill=\"none\" stroke=\"black\"/>\n</g>\n";
  s += "<text x=\"" + fmt("%.1f", (f.x0 + f.x1) / 2) + "\" y=\"" + std::to_string(height - 8) +
       "\" text-anchor=\"middle\">time (s, receiver clock)</text>\n";
  s += "<text transform=\"translate(16," + fmt("%.1f", (f.y0 + f.y1) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">one-way delay from sender (ms)</text>\n";

  // Network delay dots, one per occupied half-pixel; off-scale ones as triangles at the top.
  s += "<g id=\"network-delay\" fill=\"#1f77b4\" fill-opacity=\"0.55\">\n";
  std::set<std::pair<long, long>> seen;
  size_t offscale = 0;
  std::string tri;
  for (const auto& [t, d] : net) {
    const double x = f.x(t);
    if (d > ymax) {
      ++offscale;
      tri += "<path d=\"M" + fmt("%.1f", x - 3) + " " + fmt("%.1f", f.y0 + 6) + "h6l-3,-6z\"/>";
      continue;
    }
    const double y = f.y(d);
    if (!seen.insert({std::lround(x * 2), std::lround(y * 2)}).second) continue;
    s += "<circle cx=\"" + fmt("%.1f", x) + "\" cy=\"" + fmt("%.1f", y) + "\" r=\"1.6\"/>";
  }
  s += "\n</g>\n";
  if (offscale > 0) s += "<g id=\"network-delay-offscale\" fill=\"#1f77b4\">" + tri + "</g>\n";

  if (!target.empty()) {
    s += "<polyline id=\"target-delay\" fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"1.5\" "
         "stroke-dasharray=\"5,3\" points=\"" + polyline(target, f) + "\"/>\n";
  }
  s += "<polyline id=\"playout-delay\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1.5\" points=\"" +
       polyline(playout, f) + "\"/>\n";

  // Event lanes under the plot.
  struct Lane { const char* id; const char* label; const std::vector<double>* times; const char* color; };
  const Lane lane_list[lanes] = {{"lost", "lost", &lost, "#d62728"},
                                 {"conceal", "conceal", &conceal, "#9467bd"},
                                 {"stretch", "stretch", &stretch, "#17becf"},
                                 {"shrink", "shrink", &shrink, "#8c564b"}};
  for (int k = 0; k < lanes; ++k) {
    const double y = lanes_y + k * lane_h;
    s += "<text x=\"" + fmt("%.1f", f.x0 - 6) + "\" y=\"" + fmt("%.1f", y + 10) + "\" text-anchor=\"end\" fill=\"" +
         lane_list[k].color + "\">" + lane_list[k].label + " (" + std::to_string(lane_list[k].times->size()) +
         ")</text>";
    s += "<g id=\"" + std::string(lane_list[k].id) + "\">" +
         lane(*lane_list[k].times, f, y + 1, lane_h - 2, lane_list[k].color) + "</g>\n";
  }

  // Legend, above the plot.
  s += "<g id=\"legend\">";
  double lx = f.x0;
  const double ly = 40;
  auto item = [&](const std::string& mark, const std::string& text) {
    s += mark + "<text x=\"" + fmt("%.1f", lx + 22) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" + escape(text) +
         "</text>";
    lx += 30 + 7.0 * static_cast<double>(text.size());
  };
  item("<circle cx=\"" + fmt("%.1f", lx + 9) + "\" cy=\"" + fmt("%.1f", ly) + "\" r=\"3\" fill=\"#1f77b4\"/>",
       "network delay (" + std::to_string(net.size()) + " packets" +
           (offscale ? ", " + std::to_string(offscale) + " off scale" : std::string()) + ")");
  item("<line x1=\"" + fmt("%.1f", lx) + "\" x2=\"" + fmt("%.1f", lx + 18) + "\" y1=\"" + fmt("%.1f", ly) +
           "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"#2ca02c\" stroke-width=\"2\"/>",
       "playout delay");
  if (!target.empty()) {
    item("<line x1=\"" + fmt("%.1f", lx) + "\" x2=\"" + fmt("%.1f", lx + 18) + "\" y1=\"" + fmt("%.1f", ly) +
             "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>",
         "target delay");
  }
  item("<rect x=\"" + fmt("%.1f", lx + 5) + "\" y=\"" + fmt("%.1f", ly - 5) +
           "\" width=\"8\" height=\"10\" fill=\"#9467bd\"/>",
       "lanes: packets lost in the network; frames concealed, stretched, shrunk");
  s += "</g>\n</svg>\n";
  return s;
}

}  // namespace offhook::sim
