// offhook jbsim: a packet-arrival trace through the adaptive jitter buffer (or speexdsp's, as the
// reference) in simulated time; writes the playout decisions CSV and prints lifetime statistics.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "sim/jbsim.hpp"
#include "sim/plot_svg.hpp"
#include "sim/trace.hpp"
#include "tools/cli_common.hpp"
#include "tools/commands.hpp"

namespace offhook::cli {

const char* const kJbsimUsage =
    "  offhook jbsim --trace T.csv --out decisions.csv [--reference speex]\n"
    "                [--min-delay MS] [--max-delay MS] [--nominal-delay MS] [--fixed] [--quiet]\n"
    "                [--quantile PERMILLE] [--forget PERMILLE] [--min-window MS] [--shrink-margin MS]\n"
    "                [--shrink-hold MS] [--plot FILE.svg]\n"
    "  runs the trace through the jitter buffer in simulated time (20 ms frames); --plot draws the\n"
    "  network delay, target and playout delay, losses, concealment, stretch and shrink over time\n";

int run_jbsim(int argc, char** argv) {
  auto opts_result = parse_options(argc, argv, 2,
                                   {"--trace", "--out", "--reference", "--min-delay", "--max-delay", "--nominal-delay", "--quantile",
                                    "--forget", "--min-window", "--shrink-margin", "--shrink-hold", "--plot"},
                                   {"--fixed", "--quiet"});
  if (!opts_result) return fail(opts_result.error(), kExitUsage);
  const auto& opts = *opts_result;
  if (!opts.count("--trace") || !opts.count("--out")) {
    std::fputs(kJbsimUsage, stderr);
    return kExitUsage;
  }
  sim::JbSimOptions options;
  if (opts.count("--reference")) {
    if (opts.at("--reference") != "speex") {
      return fail(Error{Errc::invalid_argument, "unknown reference '" + opts.at("--reference") + "' (speex)"},
                  kExitUsage);
    }
    options.kind = sim::JbKind::speex;
  }
  auto min_delay = parse_number(opts, "--min-delay", 0, 0, 10000);
  auto max_delay = parse_number(opts, "--max-delay", 2000, 0, 10000);
  auto nominal = parse_number(opts, "--nominal-delay", 40, 0, 10000);
  for (auto* r : {&min_delay, &max_delay, &nominal}) {
    if (!*r) return fail(r->error(), kExitUsage);
  }
  options.config.min_delay_ms = static_cast<uint32_t>(*min_delay);
  options.config.max_delay_ms = static_cast<uint32_t>(*max_delay);
  options.config.nominal_delay_ms = static_cast<uint32_t>(*nominal);
  options.config.fixed = opts.count("--fixed") != 0;
  auto min_window = parse_number(opts, "--min-window", options.config.min_window_ms, 100, 600000);
  auto margin = parse_number(opts, "--shrink-margin", options.config.shrink_margin_ms, 0, 1000);
  auto hold = parse_number(opts, "--shrink-hold", options.config.shrink_hold_ms, 0, 60000);
  if (!hold) return fail(hold.error(), kExitUsage);
  options.config.shrink_hold_ms = static_cast<uint32_t>(*hold);
  if (!min_window) return fail(min_window.error(), kExitUsage);
  if (!margin) return fail(margin.error(), kExitUsage);
  options.config.min_window_ms = static_cast<uint32_t>(*min_window);
  options.config.shrink_margin_ms = static_cast<uint32_t>(*margin);
  // Estimator tuning, per mille: --quantile 930 = 0.93, --forget 998 = 0.998.
  auto quantile = parse_number(opts, "--quantile", std::lround(options.config.quantile * 1000), 501, 999);
  auto forget = parse_number(opts, "--forget", std::lround(options.config.forget_per_packet * 1000), 901, 999);
  if (!quantile) return fail(quantile.error(), kExitUsage);
  if (!forget) return fail(forget.error(), kExitUsage);
  options.config.quantile = static_cast<double>(*quantile) / 1000.0;
  options.config.forget_per_packet = static_cast<double>(*forget) / 1000.0;

  auto trace = sim::read_trace(opts.at("--trace"));
  if (!trace) return fail(trace.error());
  auto result = sim::run_jbsim(*trace, options);
  if (!result) return fail(result.error());
  const std::string text = sim::format_decisions(result->rows);
  {
    std::ofstream f(opts.at("--out"), std::ios::binary | std::ios::trunc);
    if (!f || !(f << text) || !f.flush()) {
      std::remove(opts.at("--out").c_str());
      return fail(Error{Errc::io_error, "cannot write '" + opts.at("--out") + "'"});
    }
  }
  if (opts.count("--plot")) {
    const std::string& path = opts.at("--plot");
    std::vector<sim::JbTimelinePoint> timeline;
    if (options.kind == sim::JbKind::offhook) {
      auto t = sim::jb_timeline(*trace, options);
      if (!t) return fail(t.error());
      timeline = std::move(*t);
    }
    std::string name = opts.at("--trace");
    if (const size_t slash = name.find_last_of('/'); slash != std::string::npos) name.erase(0, slash + 1);
    const rtp::JbStats& s = result->stats;
    std::string title = "jbsim " + name + (options.kind == sim::JbKind::speex ? " (speexdsp reference)" : " (offhook)");
    if (options.kind == sim::JbKind::offhook) {
      char buf[160];
      std::snprintf(buf, sizeof buf, ": waiting mean %.1f ms, p95 %.0f ms; concealed %.2f %%", s.waiting_mean_ms(),
                    s.waiting_p95_ms(), 100.0 * s.concealed_samples_ratio());
      title += buf;
    }
    const std::string svg = sim::plot_jbsim_svg(*trace, *result, timeline, {.title = title});
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f || !(f << svg) || !f.flush()) {
      std::remove(path.c_str());
      return fail(Error{Errc::io_error, "cannot write '" + path + "'"});
    }
  }
  if (options.kind == sim::JbKind::offhook && !opts.count("--quiet")) {
    const rtp::JbStats& s = result->stats;
    std::printf("received %llu played %llu late %llu dup %llu discarded %llu resyncs %llu\n",
                static_cast<unsigned long long>(s.packets_received), static_cast<unsigned long long>(s.packets_played),
                static_cast<unsigned long long>(s.packets_late), static_cast<unsigned long long>(s.packets_duplicate),
                static_cast<unsigned long long>(s.packets_discarded), static_cast<unsigned long long>(s.resyncs));
    std::printf("frames %llu concealed %llu (%llu events) silence %llu stretched %llu shrunk %llu\n",
                static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.frames_concealed),
                static_cast<unsigned long long>(s.concealment_events),
                static_cast<unsigned long long>(s.frames_silence), static_cast<unsigned long long>(s.frames_stretched),
                static_cast<unsigned long long>(s.frames_shrunk));
    std::printf("waiting mean %.1f ms p95 %.0f ms max %.1f ms; delay now %u ms, target %u ms\n", s.waiting_mean_ms(),
                s.waiting_p95_ms(), static_cast<double>(s.waiting_max_us) / 1000.0, s.current_delay_ms,
                s.target_delay_ms);
  }
  return 0;
}

}  // namespace offhook::cli
