// wav_compare REF.wav TEST.wav [--min-corr X] [--max-lag-ms N] [--segment-ms N]: aligns TEST
// against REF by cross-correlation and prints the normalised correlation over REF's length. With
// --segment-ms, each segment of REF is aligned on its own and the energy-weighted mean correlation
// is reported: for playout that changes the delay as it goes (an adaptive jitter buffer's
// time-stretching), where no single lag fits the whole file. Exit 0 when it reaches
// --min-corr (default 0.99), 1 when not, 2 on bad input. Used by the integration tests to check that
// what a phone heard is what the other phone sent.
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <utility>
#include <string>
#include <vector>

namespace {

bool read_mono(const char* path, std::vector<double>& out, int& rate) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path, SFM_READ, &info);
  if (f == nullptr || info.channels != 1) {
    std::fprintf(stderr, "wav_compare: cannot read mono '%s'\n", path);
    if (f) sf_close(f);
    return false;
  }
  out.resize(static_cast<size_t>(info.frames));
  sf_read_double(f, out.data(), info.frames);
  sf_close(f);
  rate = info.samplerate;
  return true;
}

// Correlation of ref[begin, end) with test shifted by `lag`.
double correlation_at(const std::vector<double>& ref, const std::vector<double>& test, size_t lag, size_t begin,
                      size_t end) {
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = begin; i < end; ++i) {
    const double y = lag + i < test.size() ? test[lag + i] : 0.0;
    xy += ref[i] * y;
    xx += ref[i] * ref[i];
    yy += y * y;
  }
  return (xx > 0 && yy > 0) ? xy / std::sqrt(xx * yy) : 0.0;
}

// The best correlation of ref[begin, end) over lags 0..max_lag, and that lag.
std::pair<double, size_t> best_alignment(const std::vector<double>& ref, const std::vector<double>& test,
                                         size_t max_lag, size_t begin, size_t end) {
  double best = -2;
  size_t best_lag = 0;
  for (size_t lag = 0; lag <= max_lag && lag < test.size(); ++lag) {
    const double c = correlation_at(ref, test, lag, begin, end);
    if (c > best) {
      best = c;
      best_lag = lag;
    }
  }
  return {best, best_lag};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: wav_compare REF.wav TEST.wav [--min-corr X] [--max-lag-ms N]\n");
    return 2;
  }
  double min_corr = 0.99;
  long max_lag_ms = 1000;
  long segment_ms = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--min-corr") min_corr = std::atof(argv[i + 1]);
    if (std::string(argv[i]) == "--max-lag-ms") max_lag_ms = std::atol(argv[i + 1]);
    if (std::string(argv[i]) == "--segment-ms") segment_ms = std::atol(argv[i + 1]);
  }
  std::vector<double> ref, test;
  int ref_rate = 0, test_rate = 0;
  if (!read_mono(argv[1], ref, ref_rate) || !read_mono(argv[2], test, test_rate)) return 2;
  if (ref_rate != test_rate) {
    std::fprintf(stderr, "wav_compare: rates differ (%d vs %d)\n", ref_rate, test_rate);
    return 2;
  }
  const size_t max_lag = static_cast<size_t>(max_lag_ms) * static_cast<size_t>(ref_rate) / 1000;
  if (segment_ms <= 0) {
    const auto [best, lag] = best_alignment(ref, test, max_lag, 0, ref.size());
    std::printf("correlation %.5f at lag %.1f ms (threshold %.3f)\n", best, 1000.0 * static_cast<double>(lag) / ref_rate,
                min_corr);
    return best >= min_corr ? 0 : 1;
  }
  const size_t segment = static_cast<size_t>(segment_ms) * static_cast<size_t>(ref_rate) / 1000;
  double weighted = 0, total_energy = 0, worst = 2;
  size_t segments = 0;
  for (size_t begin = 0; begin + segment <= ref.size(); begin += segment) {
    double energy = 0;
    for (size_t i = begin; i < begin + segment; ++i) energy += ref[i] * ref[i];
    if (energy < 1e-6 * static_cast<double>(segment)) continue;  // silence says nothing
    const double c = best_alignment(ref, test, max_lag, begin, begin + segment).first;
    weighted += c * energy;
    total_energy += energy;
    worst = std::min(worst, c);
    ++segments;
  }
  const double mean = total_energy > 0 ? weighted / total_energy : 0.0;
  std::printf("segmental correlation %.5f over %zu segments of %ld ms (worst %.3f, threshold %.3f)\n", mean, segments,
              segment_ms, worst, min_corr);
  return mean >= min_corr ? 0 : 1;
}
