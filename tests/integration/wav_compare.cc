// wav_compare REF.wav TEST.wav [--min-corr X] [--max-lag-ms N]: aligns TEST against REF by
// cross-correlation and prints the normalised correlation over REF's length. Exit 0 when it reaches
// --min-corr (default 0.99), 1 when not, 2 on bad input. Used by the integration tests to check that
// what a phone heard is what the other phone sent.
#include <sndfile.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
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

double correlation_at(const std::vector<double>& ref, const std::vector<double>& test, size_t lag) {
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double y = lag + i < test.size() ? test[lag + i] : 0.0;
    xy += ref[i] * y;
    xx += ref[i] * ref[i];
    yy += y * y;
  }
  return (xx > 0 && yy > 0) ? xy / std::sqrt(xx * yy) : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: wav_compare REF.wav TEST.wav [--min-corr X] [--max-lag-ms N]\n");
    return 2;
  }
  double min_corr = 0.99;
  long max_lag_ms = 1000;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--min-corr") min_corr = std::atof(argv[i + 1]);
    if (std::string(argv[i]) == "--max-lag-ms") max_lag_ms = std::atol(argv[i + 1]);
  }
  std::vector<double> ref, test;
  int ref_rate = 0, test_rate = 0;
  if (!read_mono(argv[1], ref, ref_rate) || !read_mono(argv[2], test, test_rate)) return 2;
  if (ref_rate != test_rate) {
    std::fprintf(stderr, "wav_compare: rates differ (%d vs %d)\n", ref_rate, test_rate);
    return 2;
  }
  // Coarse search on a short stretch, then the full correlation at the best lag.
  const size_t max_lag = static_cast<size_t>(max_lag_ms) * static_cast<size_t>(ref_rate) / 1000;
  size_t best_lag = 0;
  double best = -2;
  for (size_t lag = 0; lag <= max_lag && lag < test.size(); ++lag) {
    const double c = correlation_at(ref, test, lag);
    if (c > best) {
      best = c;
      best_lag = lag;
    }
  }
  std::printf("correlation %.5f at lag %.1f ms (threshold %.3f)\n", best, 1000.0 * static_cast<double>(best_lag) / ref_rate,
              min_corr);
  return best >= min_corr ? 0 : 1;
}
