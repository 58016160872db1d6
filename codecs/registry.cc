// The codec registry: SDP encoding name -> codec instance, and the table an SDP offer is built from.
#include <array>

#include "codecs/codec.hpp"
#include "codecs/g711/g711_codec.hpp"
#include "codecs/g722/g722_codec.hpp"
#include "codecs/opus/opus_codec.hpp"
#if OFFHOOK_HAVE_G729
#include "codecs/g729/g729_codec.hpp"
#endif

namespace offhook {
namespace {

// Offer preference: wideband first, then G.711, then G.729 (issue 3).
#if OFFHOOK_HAVE_G729
constexpr std::array<std::string_view, 5> kNames = {"opus", "G722", "PCMU", "PCMA", "G729"};
#else
constexpr std::array<std::string_view, 4> kNames = {"opus", "G722", "PCMU", "PCMA"};
#endif

// RFC 3551 table 4 for the static entries; RFC 7587 §7 for opus ("opus/48000/2" whatever is sent).
constexpr std::array<CodecInfo, kNames.size()> kCapabilities = {{
    {"opus", 48000, 2, std::nullopt, "minptime=10;useinbandfec=1"},
    {"G722", 8000, 1, uint8_t{9}, ""},
    {"PCMU", 8000, 1, uint8_t{0}, ""},
    {"PCMA", 8000, 1, uint8_t{8}, ""},
#if OFFHOOK_HAVE_G729
    {"G729", 8000, 1, uint8_t{18}, "annexb=no"},
#endif
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

template <class T>
Result<std::unique_ptr<Codec>> upcast(Result<std::unique_ptr<T>> r) {
  if (!r) return std::move(r).error();
  return std::unique_ptr<Codec>(std::move(*r));
}

}  // namespace

Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels) {
  return create_codec(name, kernels, CodecOptions{});
}

Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels,
                                            const CodecOptions& options) {
  if (iequals(name, "PCMU")) return std::unique_ptr<Codec>(std::make_unique<G711Codec>(G711Codec::Law::ulaw, kernels));
  if (iequals(name, "PCMA")) return std::unique_ptr<Codec>(std::make_unique<G711Codec>(G711Codec::Law::alaw, kernels));
  if (iequals(name, "G722")) return upcast(G722Codec::create(options.bitrate_bps));
  if (iequals(name, "opus")) return upcast(OpusCodec::create(options));
#if OFFHOOK_HAVE_G729
  if (iequals(name, "G729")) return upcast(G729Codec::create(options.dtx));
#endif
  // Built by append: gcc 12 at -O3 misreports operator+ chains here (-Wrestrict false positive).
  std::string message = "unknown codec '";
  message.append(name).append("'");
  return Error{Errc::not_supported, std::move(message)};
}

std::span<const std::string_view> supported_codec_names() { return kNames; }

std::span<const CodecInfo> codec_capabilities() { return kCapabilities; }

const CodecInfo* find_codec(std::string_view name, uint32_t clock_rate_hz, uint16_t channels) {
  for (const CodecInfo& info : kCapabilities) {
    if (!iequals(info.name, name) || info.clock_rate_hz != clock_rate_hz) continue;
    // RFC 4566 §6: channels default to 1 when a=rtpmap omits them; opus always says 2.
    if (channels != 0 && channels != info.channels) continue;
    return &info;
  }
  return nullptr;
}

const CodecInfo* find_static_payload_type(uint8_t payload_type) {
  for (const CodecInfo& info : kCapabilities) {
    if (info.static_payload_type == payload_type) return &info;
  }
  return nullptr;
}

std::vector<PayloadTypeAssignment> assign_payload_types(std::span<const CodecInfo> codecs) {
  std::vector<PayloadTypeAssignment> out;
  uint8_t next_dynamic = 96;  // RFC 3551 §3: 96..127 are dynamic
  for (const CodecInfo& info : codecs) {
    if (info.static_payload_type) {
      out.push_back({&info, *info.static_payload_type});
    } else if (next_dynamic <= 127) {
      out.push_back({&info, next_dynamic++});
    }
  }
  return out;
}

std::string rtpmap_for(const CodecInfo& info) {
  std::string out(info.name);
  out.append("/").append(std::to_string(info.clock_rate_hz));
  if (info.channels != 1) out.append("/").append(std::to_string(info.channels));
  return out;
}

}  // namespace offhook
