// dsp/kernels: scalar G.711 against spandsp (the CCITT/Sun reference) over every input; every compiled
// and supported target (sse2/avx2 on x86-64, neon on ARM under qemu: scripts/test_arm) bit-exact
// against scalar, over every input and at every tail length 0..67; target selection (OFFHOOK_SIMD,
// checked_best_target, force_target_for_process, parse_target).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <limits>
#include <random>
#include <vector>

// spandsp's headers need the fixed-width types first; its G.711 functions are static inline.
#include <cstdint>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

#include "dsp/kernels.hpp"

#if defined(__arm__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace offhook::dsp {
namespace {

std::vector<int16_t> all_s16() {
  std::vector<int16_t> v(65536);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int16_t>(static_cast<int32_t>(i) - 32768);
  return v;
}

std::vector<uint8_t> all_codes() {
  std::vector<uint8_t> v(256);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i);
  return v;
}

// Supported targets other than scalar: the ones compared against scalar.
std::vector<Target> simd_targets() {
  std::vector<Target> out;
  for (Target t : compiled_targets()) {
    if (t != Target::scalar && target_supported(t)) out.push_back(t);
  }
  return out;
}

// Floats that exercise float_to_s16's rounding and saturation: every tie k + 0.5 and its neighbours
// around the int16 range, the saturation edges, infinities, NaNs, signed zeros, denormals, randoms.
std::vector<float> float_inputs() {
  std::vector<float> v;
  for (int k = -32780; k <= 32780; ++k) {
    const float tie = static_cast<float>(k) + 0.5f;
    v.push_back(static_cast<float>(k));
    v.push_back(tie);
    v.push_back(std::nextafter(tie, 0.0f));
    v.push_back(std::nextafter(tie, tie * 2.0f));
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (float f : {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                  -std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::signaling_NaN(),
                  std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                  std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(), 2147483648.0f,
                  -2147483648.0f, -2147483904.0f, 4194304.5f, 32767.49f, 32767.5f, -32768.5f, -32768.51f}) {
    v.push_back(f);
  }
  std::mt19937 rng{42};
  std::uniform_real_distribution<float> dist(-40000.0f, 40000.0f);
  for (int i = 0; i < 100000; ++i) v.push_back(dist(rng));
  return v;
}

// Independent definition of float_to_s16 for the scalar reference.
int16_t reference_float_to_s16(float x) {
  if (std::isnan(x)) return 0;
  const float r = std::nearbyint(x);  // default rounding mode: nearest, ties to even
  if (r >= 32767.0f) return 32767;
  if (r <= -32768.0f) return -32768;
  return static_cast<int16_t>(r);
}

TEST(DspKernels, CompiledTargetsStartWithScalarAndAreAllReachable) {
  const auto targets = compiled_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets.front(), Target::scalar);
  EXPECT_TRUE(target_supported(Target::scalar));
  for (Target t : targets) {
    SCOPED_TRACE(target_name(t));
    EXPECT_EQ(kernels_for(t).target, t);
    const Kernels& k = kernels_for(t);
    for (auto* fn : {reinterpret_cast<const void*>(k.ulaw_encode), reinterpret_cast<const void*>(k.ulaw_decode),
                     reinterpret_cast<const void*>(k.alaw_encode), reinterpret_cast<const void*>(k.alaw_decode),
                     reinterpret_cast<const void*>(k.s16_to_float), reinterpret_cast<const void*>(k.float_to_s16),
                     reinterpret_cast<const void*>(k.mix_sat)}) {
      EXPECT_NE(fn, nullptr);
    }
  }
#if defined(__x86_64__)
  EXPECT_TRUE(target_supported(Target::sse2));
#endif
}

// NEON is compiled exactly on ARM builds; x86 targets never are, and vice versa.
TEST(DspKernels, NeonIsCompiledOnArmOnly) {
  const auto targets = compiled_targets();
  const bool has_neon = std::find(targets.begin(), targets.end(), Target::neon) != targets.end();
  const bool has_sse2 = std::find(targets.begin(), targets.end(), Target::sse2) != targets.end();
#if defined(__aarch64__)
  EXPECT_TRUE(has_neon);
  EXPECT_TRUE(target_supported(Target::neon));  // Advanced SIMD is mandatory on AArch64 Linux
  EXPECT_EQ(best_target(), Target::neon);
#elif defined(__arm__)
  EXPECT_TRUE(has_neon);
  // qemu-arm's default CPU and every ARMv7 desk-phone SoC we target report HWCAP_NEON; a CPU without it
  // must get scalar from best_target(), never the NEON table.
  EXPECT_EQ(target_supported(Target::neon), (getauxval(AT_HWCAP) & HWCAP_NEON) != 0);
  EXPECT_EQ(best_target(), target_supported(Target::neon) ? Target::neon : Target::scalar);
#else
  EXPECT_FALSE(has_neon);
  EXPECT_FALSE(target_supported(Target::neon));
#endif
#if defined(__x86_64__)
  EXPECT_TRUE(has_sse2);
#else
  EXPECT_FALSE(has_sse2);
  EXPECT_FALSE(target_supported(Target::avx2));
#endif
}


TEST(DspKernels, ScalarG711MatchesSpandspForEveryInput) {
  const Kernels& k = kernels_for(Target::scalar);
  const std::vector<int16_t> pcm = all_s16();
  std::vector<uint8_t> ulaw(pcm.size()), alaw(pcm.size());
  k.ulaw_encode(pcm.data(), ulaw.data(), pcm.size());
  k.alaw_encode(pcm.data(), alaw.data(), pcm.size());
  int ulaw_mismatches = 0, alaw_mismatches = 0;
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (ulaw[i] != linear_to_ulaw(pcm[i]) && ulaw_mismatches++ < 5) ADD_FAILURE() << "ulaw x=" << pcm[i];
    if (alaw[i] != linear_to_alaw(pcm[i]) && alaw_mismatches++ < 5) ADD_FAILURE() << "alaw x=" << pcm[i];
  }
  EXPECT_EQ(ulaw_mismatches, 0);
  EXPECT_EQ(alaw_mismatches, 0);

  const std::vector<uint8_t> codes = all_codes();
  std::vector<int16_t> ulin(codes.size()), alin(codes.size());
  k.ulaw_decode(codes.data(), ulin.data(), codes.size());
  k.alaw_decode(codes.data(), alin.data(), codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(ulin[i], ulaw_to_linear(codes[i])) << "ulaw code " << i;
    EXPECT_EQ(alin[i], alaw_to_linear(codes[i])) << "alaw code " << i;
  }
  // Spot values from G.711's tables: full scale and the first steps.
  EXPECT_EQ(ulin[0x00], -32124);
  EXPECT_EQ(ulin[0x80], 32124);
  EXPECT_EQ(ulin[0xFF], 0);
  EXPECT_EQ(alin[0xD5], 8);
  EXPECT_EQ(alin[0xAA], 32256);
}

TEST(DspKernels, ScalarConversionsMatchTheirDefinitions) {
  const Kernels& k = kernels_for(Target::scalar);
  const std::vector<int16_t> pcm = all_s16();
  std::vector<float> f(pcm.size());
  k.s16_to_float(pcm.data(), f.data(), pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) ASSERT_EQ(f[i], static_cast<float>(pcm[i]) / 32768.0f) << pcm[i];

  const std::vector<float> in = float_inputs();
  std::vector<int16_t> out(in.size());
  k.float_to_s16(in.data(), out.data(), in.size());
  for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], reference_float_to_s16(in[i])) << "x=" << in[i];
  const float ties[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 32766.5f, -32767.5f};
  int16_t tie_out[7];
  k.float_to_s16(ties, tie_out, 7);
  EXPECT_EQ(std::vector<int16_t>(tie_out, tie_out + 7), (std::vector<int16_t>{0, 2, 2, 0, -2, 32766, -32768}));

  const int16_t a[] = {32767, -32768, 100, -100, 32000, -32000, 0};
  const int16_t b[] = {1, -1, -300, 50, 767, -768, -32768};
  int16_t mix[7];
  k.mix_sat(a, b, mix, 7);
  EXPECT_EQ(std::vector<int16_t>(mix, mix + 7), (std::vector<int16_t>{32767, -32768, -200, -50, 32767, -32768, -32768}));
}

// Every integer kernel bit-exact with scalar over all inputs in one call (exercises the vector loop).
TEST(DspKernels, EveryTargetMatchesScalarOverAllInputs) {
  const Kernels& ref = kernels_for(Target::scalar);
  const std::vector<int16_t> pcm = all_s16();
  const std::vector<uint8_t> codes = all_codes();
  const std::vector<float> floats = float_inputs();
  std::vector<int16_t> shuffled = pcm;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937{42});
  for (Target t : simd_targets()) {
    SCOPED_TRACE(target_name(t));
    const Kernels& k = kernels_for(t);
    std::vector<uint8_t> want8(pcm.size()), got8(pcm.size());
    ref.ulaw_encode(pcm.data(), want8.data(), pcm.size());
    k.ulaw_encode(pcm.data(), got8.data(), pcm.size());
    EXPECT_EQ(got8, want8) << "ulaw_encode";
    ref.alaw_encode(pcm.data(), want8.data(), pcm.size());
    k.alaw_encode(pcm.data(), got8.data(), pcm.size());
    EXPECT_EQ(got8, want8) << "alaw_encode";

    std::vector<int16_t> want16(codes.size()), got16(codes.size());
    ref.ulaw_decode(codes.data(), want16.data(), codes.size());
    k.ulaw_decode(codes.data(), got16.data(), codes.size());
    EXPECT_EQ(got16, want16) << "ulaw_decode";
    ref.alaw_decode(codes.data(), want16.data(), codes.size());
    k.alaw_decode(codes.data(), got16.data(), codes.size());
    EXPECT_EQ(got16, want16) << "alaw_decode";

    // s16_to_float: tolerance 0. x * 2^-15 is exact in float for every int16, so all targets agree bit for bit.
    std::vector<float> wantf(pcm.size()), gotf(pcm.size());
    ref.s16_to_float(pcm.data(), wantf.data(), pcm.size());
    k.s16_to_float(pcm.data(), gotf.data(), pcm.size());
    EXPECT_EQ(0, std::memcmp(gotf.data(), wantf.data(), gotf.size() * sizeof(float))) << "s16_to_float";

    want16.resize(floats.size());
    got16.resize(floats.size());
    ref.float_to_s16(floats.data(), want16.data(), floats.size());
    k.float_to_s16(floats.data(), got16.data(), floats.size());
    EXPECT_EQ(got16, want16) << "float_to_s16";

    // mix_sat: every a against a shuffled b, then in place (out == a).
    want16.resize(pcm.size());
    got16.resize(pcm.size());
    ref.mix_sat(pcm.data(), shuffled.data(), want16.data(), pcm.size());
    k.mix_sat(pcm.data(), shuffled.data(), got16.data(), pcm.size());
    EXPECT_EQ(got16, want16) << "mix_sat";
    std::vector<int16_t> in_place = pcm;
    k.mix_sat(in_place.data(), shuffled.data(), in_place.data(), in_place.size());
    EXPECT_EQ(in_place, want16) << "mix_sat in place";
  }
}

// Lengths 0..67 at misaligned offsets; the bytes after `n` must stay untouched.
TEST(DspKernels, EveryTargetMatchesScalarOnTails) {
  constexpr size_t kMaxN = 67;
  constexpr size_t kGuard = 40;
  std::mt19937 rng{42};
  std::uniform_int_distribution<int> s16(-32768, 32767);
  std::uniform_real_distribution<float> f32(-40000.0f, 40000.0f);
  std::vector<int16_t> a(kMaxN + 8), b(kMaxN + 8);
  std::vector<uint8_t> codes(kMaxN + 8);
  std::vector<float> f(kMaxN + 8);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int16_t>(s16(rng));
    b[i] = static_cast<int16_t>(s16(rng));
    codes[i] = static_cast<uint8_t>(s16(rng));
    f[i] = f32(rng);
  }
  const Kernels& ref = kernels_for(Target::scalar);
  for (Target t : simd_targets()) {
    SCOPED_TRACE(target_name(t));
    const Kernels& k = kernels_for(t);
    for (size_t n = 0; n <= kMaxN; ++n) {
      for (size_t off = 0; off < 3; ++off) {
        SCOPED_TRACE(testing::Message() << "n=" << n << " offset=" << off);
        std::vector<uint8_t> want8(n + kGuard, 0xA5), got8(n + kGuard + off, 0xA5);
        ref.ulaw_encode(a.data() + off, want8.data(), n);
        k.ulaw_encode(a.data() + off, got8.data() + off, n);
        EXPECT_TRUE(std::equal(want8.begin(), want8.end(), got8.begin() + static_cast<ptrdiff_t>(off))) << "ulaw_encode";
        ref.alaw_encode(a.data() + off, want8.data(), n);
        k.alaw_encode(a.data() + off, got8.data() + off, n);
        EXPECT_TRUE(std::equal(want8.begin(), want8.end(), got8.begin() + static_cast<ptrdiff_t>(off))) << "alaw_encode";

        std::vector<int16_t> want16(n + kGuard, 0x5A5A), got16(n + kGuard + off, 0x5A5A);
        auto same16 = [&] { return std::equal(want16.begin(), want16.end(), got16.begin() + static_cast<ptrdiff_t>(off)); };
        ref.ulaw_decode(codes.data() + off, want16.data(), n);
        k.ulaw_decode(codes.data() + off, got16.data() + off, n);
        EXPECT_TRUE(same16()) << "ulaw_decode";
        ref.alaw_decode(codes.data() + off, want16.data(), n);
        k.alaw_decode(codes.data() + off, got16.data() + off, n);
        EXPECT_TRUE(same16()) << "alaw_decode";
        ref.float_to_s16(f.data() + off, want16.data(), n);
        k.float_to_s16(f.data() + off, got16.data() + off, n);
        EXPECT_TRUE(same16()) << "float_to_s16";
        ref.mix_sat(a.data() + off, b.data(), want16.data(), n);
        k.mix_sat(a.data() + off, b.data(), got16.data() + off, n);
        EXPECT_TRUE(same16()) << "mix_sat";

        std::vector<float> wantf(n + kGuard, -7.0f), gotf(n + kGuard + off, -7.0f);
        ref.s16_to_float(a.data() + off, wantf.data(), n);
        k.s16_to_float(a.data() + off, gotf.data() + off, n);
        EXPECT_TRUE(std::equal(wantf.begin(), wantf.end(), gotf.begin() + static_cast<ptrdiff_t>(off))) << "s16_to_float";
      }
    }
  }
}

Target highest_supported() {
  Target best = Target::scalar;
  for (Target t : compiled_targets()) {
    if (target_supported(t)) best = t;
  }
  return best;
}

TEST(DspTargets, ParseTargetAcceptsKnownNamesCaseInsensitively) {
  for (Target t : {Target::scalar, Target::sse2, Target::avx2, Target::neon}) {
    SCOPED_TRACE(target_name(t));
    Result<Target> parsed = parse_target(target_name(t));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, t);
  }
  Result<Target> upper = parse_target("AVX2");
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, Target::avx2);
}

TEST(DspTargets, ParseTargetRejectsUnknownNames) {
  for (const char* bad : {"", "avx512", "sse", "scalar ", "avx2x", "n"}) {
    SCOPED_TRACE(bad);
    Result<Target> parsed = parse_target(bad);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find(std::string("'") + bad + "'"), std::string::npos) << parsed.error().message;
  }
}

// Sets OFFHOOK_SIMD for one scope and restores the previous state.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* value) {
    if (const char* old = std::getenv("OFFHOOK_SIMD")) old_ = old, had_ = true;
    ::setenv("OFFHOOK_SIMD", value, 1);
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv("OFFHOOK_SIMD", old_.c_str(), 1);
    } else {
      ::unsetenv("OFFHOOK_SIMD");
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string old_;
  bool had_ = false;
};

TEST(DspTargets, EnvironmentForcesALowerTarget) {
  ::unsetenv("OFFHOOK_SIMD");
  const Target best = highest_supported();
  EXPECT_EQ(best_target(), best);
  for (Target t : compiled_targets()) {
    if (!target_supported(t)) continue;
    SCOPED_TRACE(target_name(t));
    ScopedEnv env(target_name(t));
    EXPECT_EQ(best_target(), t);
  }
  {
    ScopedEnv env("SCALAR");
    EXPECT_EQ(best_target(), Target::scalar);
  }
  {
    ScopedEnv env("bogus");  // unknown names are ignored
    EXPECT_EQ(best_target(), best);
  }
  {
    // A target missing here (neon on x86-64, avx2 on ARM) is ignored, never selected.
    ScopedEnv env(target_supported(Target::neon) ? "avx2" : "neon");
    EXPECT_EQ(best_target(), best);
  }
}

// A target forced through the environment that this build or CPU lacks is an error at start-up (for
// Engine::create and the CLI), never a crash later; best_target() stays safe and ignores it.
TEST(DspTargets, CheckedBestTargetRejectsUnsupportedEnvironment) {
  ::unsetenv("OFFHOOK_SIMD");
  {
    Result<Target> unset = checked_best_target();
    ASSERT_TRUE(unset);
    EXPECT_EQ(*unset, best_target());
  }
  for (Target t : {Target::scalar, Target::sse2, Target::avx2, Target::neon}) {
    SCOPED_TRACE(target_name(t));
    ScopedEnv env(target_name(t));
    Result<Target> checked = checked_best_target();
    if (target_supported(t)) {
      ASSERT_TRUE(checked);
      EXPECT_EQ(*checked, t);
    } else {
      ASSERT_FALSE(checked);
      EXPECT_EQ(checked.error().code, Errc::not_supported);
      EXPECT_NE(checked.error().message.find(target_name(t)), std::string::npos) << checked.error().message;
      const Target fallback = best_target();  // the unchecked path never selects the missing target
      EXPECT_NE(fallback, t);
      EXPECT_TRUE(target_supported(fallback));
    }
  }
#if defined(__x86_64__)
  {
    ScopedEnv env("neon");
    Result<Target> neon = checked_best_target();
    ASSERT_FALSE(neon);
    EXPECT_EQ(neon.error().code, Errc::not_supported);
  }
#elif defined(__aarch64__) || defined(__arm__)
  {
    ScopedEnv env("avx2");
    Result<Target> avx2 = checked_best_target();
    ASSERT_FALSE(avx2);
    EXPECT_EQ(avx2.error().code, Errc::not_supported);
  }
#endif
  {
    ScopedEnv env("mmx");
    Result<Target> bogus = checked_best_target();
    ASSERT_FALSE(bogus);
    EXPECT_EQ(bogus.error().code, Errc::invalid_argument);
  }
}

TEST(DspTargets, ForceTargetForProcess) {
  ::unsetenv("OFFHOOK_SIMD");
  const Target best = highest_supported();
  for (Target t : compiled_targets()) {
    if (!target_supported(t)) continue;
    SCOPED_TRACE(target_name(t));
    Result<Target> forced = force_target_for_process(t);
    ASSERT_TRUE(forced);
    EXPECT_EQ(*forced, t);
    EXPECT_EQ(best_target(), t);
  }
  {
    ASSERT_TRUE(force_target_for_process(best));
    ScopedEnv env("scalar");  // the environment can still lower it
    EXPECT_EQ(best_target(), Target::scalar);
  }
  // A target this build or CPU lacks: avx2 on ARM, neon on x86-64.
  for (Target missing : {Target::avx2, Target::neon}) {
    if (target_supported(missing)) continue;
    SCOPED_TRACE(target_name(missing));
    Result<Target> forced = force_target_for_process(missing);
    ASSERT_FALSE(forced);
    EXPECT_EQ(forced.error().code, Errc::not_supported);
    EXPECT_NE(forced.error().message.find(target_name(missing)), std::string::npos);
    EXPECT_EQ(best_target(), best);  // a failed force leaves the previous state
  }
}

}  // namespace
}  // namespace offhook::dsp
