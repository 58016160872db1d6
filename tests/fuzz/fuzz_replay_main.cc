// Replays fuzz inputs without libFuzzer (gcc builds, ctest): each file named on the command line,
// or every file in a named directory, goes to LLVMFuzzerTestOneInput, followed by a fixed-seed
// set of mutations of it (byte flips, truncations, splices), so ctest exercises more than the
// seeds. Exit status 0 unless the target crashes or aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr int kMutationsPerFile = 500;

void run(const std::vector<uint8_t>& input) {
  // An exact-size heap copy so ASan sees reads past the end.
  std::vector<uint8_t> copy(input);
  copy.shrink_to_fit();
  LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
}

void replay(const std::vector<uint8_t>& seed, std::mt19937& rng) {
  run(seed);
  for (int i = 0; i < kMutationsPerFile; ++i) {
    std::vector<uint8_t> m = seed;
    switch (rng() % 4) {
      case 0:  // flip a few bytes
        for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n && !m.empty(); ++k)
          m[rng() % m.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // truncate
        if (!m.empty()) m.resize(rng() % m.size());
        break;
      case 2:  // set a byte to an interesting value
        if (!m.empty()) m[rng() % m.size()] = static_cast<uint8_t>((rng() & 1) ? 0xff : rng() % 4);
        break;
      default:  // append random bytes
        for (int k = 0, n = 1 + static_cast<int>(rng() % 32); k < n; ++k) m.push_back(static_cast<uint8_t>(rng()));
        break;
    }
    run(m);
  }
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  std::mt19937 rng{42};
  size_t files = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> paths;
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file()) paths.push_back(entry.path());
      std::sort(paths.begin(), paths.end());  // same order, same mutations, every run
      for (const auto& p : paths) {
        replay(read_file(p), rng);
        ++files;
      }
    } else {
      replay(read_file(arg), rng);
      ++files;
    }
  }
  std::printf("replayed %zu inputs with %d mutations each\n", files, kMutationsPerFile);
  return files > 0 ? 0 : 1;
}
