// The codec registry: SDP encoding name -> codec instance.
#include <array>

#include "codecs/codec.hpp"
#include "codecs/g711/g711_codec.hpp"

namespace offhook {
namespace {

constexpr std::array<std::string_view, 2> kNames = {"PCMU", "PCMA"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels) {
  if (iequals(name, "PCMU")) return std::unique_ptr<Codec>(std::make_unique<G711Codec>(G711Codec::Law::ulaw, kernels));
  if (iequals(name, "PCMA")) return std::unique_ptr<Codec>(std::make_unique<G711Codec>(G711Codec::Law::alaw, kernels));
  return Error{Errc::not_supported, "unknown codec '" + std::string(name) + "'"};
}

std::span<const std::string_view> supported_codec_names() { return kNames; }

}  // namespace offhook
