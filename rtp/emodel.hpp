// ITU-T G.107 E-model, simplified for VoIP: R = (Ro - Is) - Id - Ie,eff (+ A = 0), with every
// parameter at its G.107 default except the codec's Ie/Bpl (G.113 Appendix I, as a data table),
// packet loss (Ppl, BurstR) and the mean one-way delay Ta (= T, Tr = 2T). R to MOS by G.107
// Annex B. With defaults and no impairment R = 93.2 (the G.107 default rating).
//
// Any thread; pure functions, [rt]: noexcept, no allocation (pow/log/exp/sqrt only).
#pragma once

#include <span>
#include <string_view>

namespace offhook::rtp {

// One row of the codec table: equipment impairment factor Ie and packet-loss robustness Bpl.
struct CodecImpairment {
  std::string_view name;   // RTP encoding name as in SDP (PCMU, PCMA, G729, ...) or a variant
  double ie;
  double bpl;
  std::string_view source;
};

// The whole table (docs/rtcp.md lists it with its sources).
std::span<const CodecImpairment> codec_impairment_table() noexcept;
// Case-sensitive lookup by name; nullptr when the codec is not in the table.
const CodecImpairment* find_codec_impairment(std::string_view name) noexcept;

struct EModelInput {
  double ie = 0;                    // from the codec table
  double bpl = 25.1;                // from the codec table
  double packet_loss_percent = 0;   // Ppl: lost + discarded (late) packets, 0..100
  double burst_ratio = 1;           // BurstR: 1 for random loss, > 1 for bursty loss
  double one_way_delay_ms = 0;      // Ta: mouth-to-ear, including jitter buffer and codec
};

struct EModelResult {
  double r_conversational = 0;  // with the delay impairment: RFC 3611 R factor, MOS-CQ
  double r_listening = 0;       // without it (delay does not affect listening quality): MOS-LQ
  double id = 0;                // delay impairment Idte + Idle + Idd
  double ie_eff = 0;            // effective equipment impairment
  double mos_cq = 1;
  double mos_lq = 1;
};

// G.107 §7.4 (2015 numbering): Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl).
double effective_equipment_impairment(double ie, double bpl, double ppl_percent, double burst_ratio) noexcept;
// G.107 delay impairment Id = Idte + Idle + Idd for mean one-way delay `ta_ms`, defaults elsewhere.
double delay_impairment(double ta_ms) noexcept;
// G.107 Annex B: R to MOS (1..4.5).
double r_to_mos(double r) noexcept;
EModelResult evaluate_emodel(const EModelInput& in) noexcept;

}  // namespace offhook::rtp
