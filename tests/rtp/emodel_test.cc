#include "rtp/emodel.hpp"

#include <gtest/gtest.h>

namespace offhook::rtp {
namespace {

TEST(EModelTest, DefaultsGiveTheG107DefaultRating) {
  // G.107: all parameters at their defaults give R = 93.2 (MOS 4.41), an independent check of the
  // Idte/Idle formulas and the Ro/Is constants.
  const EModelResult r = evaluate_emodel({.ie = 0, .bpl = 25.1});
  EXPECT_NEAR(r.r_conversational, 93.2, 0.05);
  EXPECT_NEAR(r.r_listening, 93.2, 0.05);
  EXPECT_NEAR(r.mos_cq, 4.41, 0.01);
}

TEST(EModelTest, RToMosKnownPoints) {
  EXPECT_DOUBLE_EQ(r_to_mos(-5), 1.0);
  EXPECT_DOUBLE_EQ(r_to_mos(120), 4.5);
  EXPECT_NEAR(r_to_mos(70), 3.60, 0.01);   // the usual "R 70 = MOS 3.6" boundary
  EXPECT_NEAR(r_to_mos(50), 2.58, 0.01);
  double prev = 0;
  for (int r = 0; r <= 100; ++r) {  // monotonic over the whole range
    EXPECT_GE(r_to_mos(r), prev);
    prev = r_to_mos(r);
  }
}

TEST(EModelTest, DelayImpairmentGrowsAndIddStartsAt100ms) {
  double prev = -1;
  for (double ta = 0; ta <= 600; ta += 10) {
    const double id = delay_impairment(ta);
    EXPECT_GE(id, prev - 1e-9) << ta;
    prev = id;
  }
  // Above 177 ms the E-model's delay penalty rises steeply: 400 ms costs far more than 150 ms.
  EXPECT_GT(delay_impairment(400) - delay_impairment(150), 3 * (delay_impairment(150) - delay_impairment(0)));
  // Listening quality ignores delay, conversational quality does not.
  const EModelResult r = evaluate_emodel({.ie = 0, .bpl = 25.1, .one_way_delay_ms = 300});
  EXPECT_NEAR(r.r_listening, 93.2, 0.05);
  EXPECT_LT(r.r_conversational, 85);
}

TEST(EModelTest, PacketLossAndBurstiness) {
  const CodecImpairment* pcmu = find_codec_impairment("PCMU");
  ASSERT_NE(pcmu, nullptr);
  EXPECT_EQ(find_codec_impairment("OPUS-not-in-table"), nullptr);
  // G.107 Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl): 2% random loss on G.711+PLC.
  EXPECT_NEAR(effective_equipment_impairment(pcmu->ie, pcmu->bpl, 2, 1), 95.0 * 2 / 27.1, 1e-9);
  const double random = evaluate_emodel({.ie = pcmu->ie, .bpl = pcmu->bpl, .packet_loss_percent = 2}).r_conversational;
  const double bursty = evaluate_emodel({.ie = pcmu->ie, .bpl = pcmu->bpl, .packet_loss_percent = 2,
                                         .burst_ratio = 3}).r_conversational;
  EXPECT_LT(random, 93.2 - 6);
  EXPECT_LT(bursty, random);
  // A low-rate codec starts lower than G.711 with no loss.
  const CodecImpairment* g729 = find_codec_impairment("G729");
  ASSERT_NE(g729, nullptr);
  EXPECT_NEAR(evaluate_emodel({.ie = g729->ie, .bpl = g729->bpl}).r_conversational, 93.2 - 11, 0.05);
  EXPECT_FALSE(codec_impairment_table().empty());
}

}  // namespace
}  // namespace offhook::rtp
