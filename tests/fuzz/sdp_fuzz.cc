// Fuzz target for parse_sdp(): never crashes on any bytes; what it accepts is self-consistent (every
// codec's payload type is a valid one, every audio stream it reports has a port).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/sdp.hpp"

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
  return 0;
}
