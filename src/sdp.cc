#include "src/sdp.hpp"

#include <charconv>
#include <cstdlib>

namespace offhook {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const size_t at = s.find(sep);
    const std::string_view part = s.substr(0, at);
    if (!part.empty()) out.push_back(part);
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

template <class T>
bool to_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

// RFC 3551 table 4: the static payload types an m= line may use without a=rtpmap.
void apply_static_type(SdpCodec& c) {
  struct Static {
    uint8_t pt;
    const char* name;
    uint32_t rate;
  };
  static constexpr Static kStatic[] = {{0, "PCMU", 8000}, {3, "GSM", 8000}, {4, "G723", 8000},
                                       {8, "PCMA", 8000}, {9, "G722", 8000}, {13, "CN", 8000},
                                       {18, "G729", 8000}};
  for (const Static& s : kStatic) {
    if (s.pt == c.payload_type) {
      c.name = s.name;
      c.clock_rate_hz = s.rate;
    }
  }
}

}  // namespace

const SdpMedia* SessionDescription::first_audio() const noexcept {
  for (const SdpMedia& m : media) {
    if (m.media == "audio" && m.port != 0) return &m;
  }
  return nullptr;
}

Result<SessionDescription> parse_sdp(std::string_view text) {
  SessionDescription sdp;
  MediaDirection session_direction = MediaDirection::sendrecv;
  bool session_direction_set = false;
  size_t line_number = 0;
  char line_type = '?';
  auto bad = [&](const std::string& what) {
    std::string message = "SDP line " + std::to_string(line_number) + " (";
    message.push_back(line_type);
    message.append("=): ").append(what);
    return Error{Errc::bad_format, std::move(message)};
  };
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    // CR of CRLF, and trailing blanks some phones leave (they would break the last field).
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    line_type = (line[0] >= 'a' && line[0] <= 'z') ? line[0] : '?';
    // The line itself is not echoed: a broken a=crypto line may carry key material.
    if (line.size() < 2 || line[1] != '=') return bad("not a <type>=<value> line");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    SdpMedia* media = sdp.media.empty() ? nullptr : &sdp.media.back();

    if (type == 'o') {  // o=- 8000 8001 IN IP4 192.0.2.10 (RFC 8866 §5.2)
      const auto f = split(value, ' ');
      if (f.size() != 6) return bad("needs 6 fields");
      SdpOrigin origin;
      origin.username = std::string(f[0]);
      origin.session_id = std::string(f[1]);
      if (!to_number(f[2], origin.version)) origin.version = 0;  // lenient: some stacks overflow 64 bits
      origin.address = std::string(f[5]);
      sdp.origin = std::move(origin);
    } else if (type == 'c') {  // c=IN IP4 127.0.0.1
      const auto f = split(value, ' ');
      if (f.size() != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6")) return bad("expected 'IN IP4|IP6 <address>'");
      std::string address(f[2].substr(0, f[2].find('/')));  // drop a multicast TTL
      (media ? media->connection_address : sdp.connection_address) = address;
    } else if (type == 'm') {  // m=audio 49170 RTP/AVP 0 8 97
      const auto f = split(value, ' ');
      if (f.size() < 3) return bad("needs media, port and protocol");
      SdpMedia m;
      m.media = std::string(f[0]);
      unsigned port = 0;
      if (!to_number(f[1].substr(0, f[1].find('/')), port)) return bad("port not a number");
      if (port > 65535) return bad("port out of range");
      m.port = static_cast<uint16_t>(port);
      m.protocol = std::string(f[2]);
      for (size_t i = 3; i < f.size(); ++i) m.formats.emplace_back(f[i]);
      // RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF (RFC 5764): formats are payload types.
      if (m.protocol.find("RTP/") != std::string::npos) {
        for (size_t i = 3; i < f.size(); ++i) {
          unsigned pt = 0;
          if (!to_number(f[i], pt) || pt > 127) return bad("bad payload type '" + std::string(f[i]) + "'");
          SdpCodec c;
          c.payload_type = static_cast<uint8_t>(pt);
          apply_static_type(c);
          m.codecs.push_back(c);
        }
      }
      sdp.media.push_back(std::move(m));
    } else if (type == 'a') {
      const size_t colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      const std::string_view arg = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
      std::optional<MediaDirection> direction;
      if (name == "sendrecv") direction = MediaDirection::sendrecv;
      if (name == "sendonly") direction = MediaDirection::sendonly;
      if (name == "recvonly") direction = MediaDirection::recvonly;
      if (name == "inactive") direction = MediaDirection::inactive;
      if (direction) {
        if (media) {
          media->direction = *direction;
        } else {
          session_direction = *direction;
          session_direction_set = true;
        }
        continue;
      }
      if (!media) continue;  // other session-level attributes do not concern audio
      if (name == "rtpmap" || name == "fmtp") {
        const size_t space = arg.find(' ');
        unsigned pt = 0;
        if (space == std::string_view::npos || !to_number(arg.substr(0, space), pt)) return bad("malformed a=" + std::string(name) + " (needs '<payload type> <value>')");
        SdpCodec* codec = nullptr;
        for (SdpCodec& c : media->codecs) {
          if (c.payload_type == pt) codec = &c;
        }
        if (!codec) continue;  // an attribute for a payload type the m= line does not list: ignored
        if (name == "fmtp") {
          codec->fmtp = std::string(arg.substr(space + 1));
          continue;
        }
        const auto parts = split(arg.substr(space + 1), '/');  // PCMU/8000[/channels]
        unsigned rate = 0, channels = 1;
        if (parts.size() < 2 || !to_number(parts[1], rate) || rate == 0 ||
            (parts.size() > 2 && (!to_number(parts[2], channels) || channels == 0 || channels > 8))) {
          return bad("malformed a=rtpmap '" + std::string(arg) + "'");
        }
        codec->name = std::string(parts[0]);
        codec->clock_rate_hz = rate;
        codec->channels = static_cast<uint16_t>(channels);
        codec->has_rtpmap = true;
      } else if (name == "ptime" || name == "maxptime") {
        const std::string number(arg);  // RFC 8866 allows fractions ("20.0")
        char* rest = nullptr;
        const double ms = std::strtod(number.c_str(), &rest);
        if (number.empty() || *rest != '\0' || ms <= 0 || ms > 1000) return bad("bad a=" + std::string(name));
        (name == "ptime" ? media->ptime_ms : media->maxptime_ms) = static_cast<uint32_t>(ms + 0.5);
      } else if (name == "rtcp-mux") {
        media->rtcp_mux = true;
      } else if (name == "rtcp") {  // RFC 3605: a=rtcp:53020 [IN IP4 addr]
        const auto f = split(arg, ' ');
        unsigned port = 0;
        if (f.empty() || !to_number(f[0], port) || port == 0 || port > 65535) return bad("bad a=rtcp port");
        media->rtcp_port = static_cast<uint16_t>(port);
        if (f.size() == 4 && f[1] == "IN" && (f[2] == "IP4" || f[2] == "IP6")) {
          media->rtcp_address = std::string(f[3]);
        } else if (f.size() != 1) {
          return bad("a=rtcp address is not 'IN IP4|IP6 <address>'");
        }
      } else if (name == "crypto") {  // RFC 4568: a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20 [params]
        const auto f = split(arg, ' ');
        SdpCrypto c;
        if (f.size() < 3 || !to_number(f[0], c.tag)) return bad("malformed a=crypto");
        c.suite = std::string(f[1]);
        c.key_params = std::string(f[2]);
        for (size_t i = 3; i < f.size(); ++i) {
          if (!c.session_params.empty()) c.session_params.push_back(' ');
          c.session_params.append(f[i]);
        }
        media->crypto.push_back(std::move(c));
      }
    }
    // v=, s=, t=, b=, i=, u=, e=, p=, k=, r=, z= carry nothing offhook needs.
  }
  if (session_direction_set) {
    for (SdpMedia& m : sdp.media) {
      if (m.direction == MediaDirection::sendrecv) m.direction = session_direction;
    }
  }
  if (sdp.media.empty()) return Error{Errc::bad_format, "SDP has no m= line"};
  return sdp;
}

}  // namespace offhook
