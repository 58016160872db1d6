// A jbsim run drawn as a plain SVG (written by hand, no dependency): over time, each packet's
// network delay (dots; lost packets as marks in a lane of their own), the buffer's target delay and
// the actual playout delay (lines), and lanes marking the frames it concealed, stretched
// (expand) or shrank (accelerate). Axes with labels, a legend. Series are decimated to the pixel
// grid, so a 60 s trace and a one-hour one give files of similar size.
//
// Delays are one-way from the sender (ground truth send_ms of the trace, which the jitter buffer
// never sees): network delay = arrival - send; playout delay = the tick that played the packet -
// send; target = the buffer's target above its fastest-path estimate, put on the same axis.
// Control plane (the CLI, tests): allocates, not [rt].
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sim/jbsim.hpp"
#include "sim/trace.hpp"

namespace offhook::sim {

// The buffer's own delays at one tick (ms, as in rtp::JbStats): the target and the current
// playout delay, both above the fastest path the buffer has seen.
struct JbTimelinePoint {
  double tick_ms = 0;
  uint32_t target_delay_ms = 0;
  uint32_t current_delay_ms = 0;
};

// Runs the trace through our buffer exactly as run_jbsim does (same ticks, same insertion rule)
// and records the target and current delay after each tick. Errors: as run_jbsim.
Result<std::vector<JbTimelinePoint>> jb_timeline(const std::vector<TracePacket>& trace, const JbSimOptions& options);

struct PlotOptions {
  std::string title;       // first line of the picture (escaped)
  int width_px = 1200;     // 400..8000
  int height_px = 520;     // 300..4000
};

// The SVG document. `timeline` may be empty (speexdsp's run has no target): the target line is
// then left out of the picture and the legend.
std::string plot_jbsim_svg(const std::vector<TracePacket>& trace, const JbSimResult& result,
                           std::span<const JbTimelinePoint> timeline, const PlotOptions& options);

}  // namespace offhook::sim
