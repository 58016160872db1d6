// Fuzz target for parse_sdp() and SDP offer/answer: never crashes on any bytes; what the parser
// accepts is self-consistent (every codec's payload type is a valid one, every audio stream it
// reports has a port); answering it as an offer gives an answer that parses, has one m= line per
// offered one with at most one active stream, and only a payload type the offer had.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/sdp.hpp"
#include "src/sdp_negotiation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sdp = offhook::parse_sdp(text);
  if (!sdp) {
    if (sdp.error().message.empty()) std::abort();  // every rejection says why
    return 0;
  }
  if (sdp->media.empty()) std::abort();
  for (const offhook::SdpMedia& m : sdp->media) {
    for (const offhook::SdpCodec& c : m.codecs) {
      if (c.payload_type > 127 || c.channels == 0) std::abort();
    }
  }
  if (const offhook::SdpMedia* audio = sdp->first_audio(); audio != nullptr && audio->port == 0) std::abort();

  offhook::SdpSession session(1);
  offhook::LocalMedia local;
  local.address = "192.0.2.1";
  local.port = 4000;
  auto answer = session.receive_offer(text, local);
  if (!answer) {
    if (answer.error().message.empty()) std::abort();
    return 0;
  }
  auto parsed = offhook::parse_sdp(answer->sdp);
  if (!parsed || parsed->media.size() != sdp->media.size()) std::abort();
  int active = 0;
  for (const offhook::SdpMedia& m : parsed->media) active += m.port != 0;
  const offhook::Negotiated& n = answer->negotiated;
  if (active != (n.rejected ? 0 : 1)) std::abort();
  if (!n.rejected) {
    const offhook::SdpMedia* offered = sdp->first_audio();
    bool found = false;
    for (const offhook::SdpCodec& c : offered->codecs) found = found || c.payload_type == n.payload_type;
    if (!found || n.codec.empty()) std::abort();
    offhook::CallLegConfig config;
    if (!offhook::apply(n, config)) std::abort();
  }
  return 0;
}
