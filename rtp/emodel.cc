#include "rtp/emodel.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace offhook::rtp {

namespace {

constexpr std::string_view kG113 = "ITU-T G.113 (2007) Appendix I, Tables I.1 and I.3";

// Ie and Bpl per codec. G.711 with packet-loss concealment (G.711 Appendix I) is what offhook's
// receive path does; the no-PLC row is kept for peers that report PLC disabled.
constexpr std::array<CodecImpairment, 6> kCodecTable = {{
    {"PCMU", 0, 25.1, kG113},
    {"PCMA", 0, 25.1, kG113},
    {"G711-noplc", 0, 4.3, kG113},
    {"G729", 11, 19.0, kG113},       // G.729A + VAD
    {"G723", 15, 16.1, kG113},       // G.723.1 6.3 kbit/s + VAD
    {"GSM-EFR", 5, 10.0, kG113},
}};

// G.107 default parameter values (Table 3): SLR 8, RLR 2, STMRdB 15, Ds 3, TELR 65, WEPL 110,
// Nc -70, Nfor -64, Ps = Pr = 35, qdu 1, A 0. They give Ro = 94.77 and Is = 1.41 (rounded in
// G.107 to the default R of 93.2 once Idle(T = 0) = 0.15 is subtracted).
constexpr double kRo = 94.77;
constexpr double kIs = 1.41;
constexpr double kNo = -61.18;  // total noise power No (dBm0p) at defaults
constexpr double kTelr = 65;
constexpr double kWepl = 110;

}  // namespace

std::span<const CodecImpairment> codec_impairment_table() noexcept { return kCodecTable; }

const CodecImpairment* find_codec_impairment(std::string_view name) noexcept {
  for (const CodecImpairment& c : kCodecTable) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

double effective_equipment_impairment(double ie, double bpl, double ppl_percent, double burst_ratio) noexcept {
  const double ppl = std::clamp(ppl_percent, 0.0, 100.0);
  const double burst_r = std::max(burst_ratio, 1e-3);
  if (ppl == 0) return ie;
  return ie + (95 - ie) * ppl / (ppl / burst_r + bpl);
}

double delay_impairment(double ta_ms) noexcept {
  const double t = std::max(ta_ms, 0.0);  // T = Ta at defaults (echo path = mouth-to-ear)
  const double tr = 2 * t;
  // Talker echo Idte.
  const double roe = -1.5 * (kNo - 2);
  const double terv = kTelr - 40 * std::log10((1 + t / 10) / (1 + t / 150)) + 6 * std::exp(-0.3 * t * t);
  const double re = 80 + 2.5 * (terv - 14);
  const double d = roe - re;
  const double idte = (d / 2 + std::sqrt(d * d / 4 + 100) - 1) * (1 - std::exp(-t));
  // Listener echo Idle.
  const double rle = 10.5 * (kWepl + 7) * std::pow(tr + 1, -0.25);
  const double e = kRo - rle;
  const double idle = e / 2 + std::sqrt(e * e / 4 + 169);
  // Absolute delay Idd (0 up to 100 ms).
  double idd = 0;
  if (ta_ms > 100) {
    const double x = std::log10(ta_ms / 100) / std::log10(2.0);
    idd = 25 * (std::pow(1 + std::pow(x, 6), 1.0 / 6) - 3 * std::pow(1 + std::pow(x / 3, 6), 1.0 / 6) + 2);
  }
  return idte + idle + idd;
}

double r_to_mos(double r) noexcept {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  // The cubic dips slightly below 1 for R < 6.5; MOS is never below 1.
  return std::max(1.0, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}

EModelResult evaluate_emodel(const EModelInput& in) noexcept {
  EModelResult out;
  out.ie_eff = effective_equipment_impairment(in.ie, in.bpl, in.packet_loss_percent, in.burst_ratio);
  out.id = delay_impairment(in.one_way_delay_ms);
  const double base = kRo - kIs;
  out.r_conversational = std::clamp(base - out.id - out.ie_eff, 0.0, 100.0);
  out.r_listening = std::clamp(base - delay_impairment(0) - out.ie_eff, 0.0, 100.0);
  out.mos_cq = r_to_mos(out.r_conversational);
  out.mos_lq = r_to_mos(out.r_listening);
  return out;
}

}  // namespace offhook::rtp
