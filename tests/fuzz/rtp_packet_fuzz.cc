// Fuzz target for parse_rtp() (RFC 3550 §5.1): never crashes, the view stays inside the input and
// accounts for every byte, and rebuilding an unpadded packet from the view gives the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtp/rtp_packet.hpp"

using namespace offhook::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  (void)looks_like_rtcp(in);
  RtpPacketView v;
  if (parse_rtp(in, v) != ParseStatus::ok) return 0;
  if (v.header_bytes + v.payload.size() + v.padding_bytes != size) std::abort();
  if (v.payload.data() != data + v.header_bytes) std::abort();
  if (v.padding_bytes != 0) return 0;

  std::vector<uint32_t> csrcs;
  for (size_t i = 0; i < v.csrc_count; ++i) csrcs.push_back(v.csrc(i));
  const RtpHeaderFields f{.marker = v.marker, .payload_type = v.payload_type, .sequence = v.sequence,
                          .timestamp = v.timestamp, .ssrc = v.ssrc, .csrcs = csrcs,
                          .has_extension = v.has_extension, .extension_profile = v.extension_profile,
                          .extension_data = v.extension_data, .pad_to_multiple = 0};
  std::vector<uint8_t> out(size);
  if (build_rtp(f, v.payload, out) != size) std::abort();
  if (size != 0 && std::memcmp(out.data(), data, size) != 0) std::abort();
  return 0;
}
