#include "src/sdp_negotiation.hpp"

#include <algorithm>
#include <random>

#include "codecs/opus/opus_fmtp.hpp"
#include "dsp/kernels.hpp"

namespace offhook {
namespace {

constexpr std::string_view kTelephoneEvent = "telephone-event";
constexpr uint8_t kFirstDynamicPt = 96;  // RFC 3551 §3
constexpr uint8_t kLastDynamicPt = 127;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool sends(MediaDirection d) { return d == MediaDirection::sendrecv || d == MediaDirection::sendonly; }
bool receives(MediaDirection d) { return d == MediaDirection::sendrecv || d == MediaDirection::recvonly; }

MediaDirection make_direction(bool send, bool receive) {
  if (send && receive) return MediaDirection::sendrecv;
  if (send) return MediaDirection::sendonly;
  if (receive) return MediaDirection::recvonly;
  return MediaDirection::inactive;
}

const char* direction_name(MediaDirection d) {
  switch (d) {
    case MediaDirection::sendrecv: return "sendrecv";
    case MediaDirection::sendonly: return "sendonly";
    case MediaDirection::recvonly: return "recvonly";
    case MediaDirection::inactive: return "inactive";
  }
  return "inactive";
}

// A registry entry by its name alone (LocalMedia::codecs), case-insensitive.
const CodecInfo* codec_by_name(std::string_view name) {
  for (const CodecInfo& info : codec_capabilities()) {
    if (iequals(info.name, name)) return &info;
  }
  return nullptr;
}

// LocalMedia::codecs resolved against the registry, without duplicates.
Result<std::vector<const CodecInfo*>> local_codecs(const LocalMedia& local) {
  std::vector<const CodecInfo*> out;
  for (const std::string& name : local.codecs) {
    const CodecInfo* info = codec_by_name(name);
    if (info == nullptr) return Error{Errc::not_supported, "unknown codec '" + name + "'"};
    if (std::find(out.begin(), out.end(), info) == out.end()) out.push_back(info);
  }
  if (out.empty()) return Error{Errc::invalid_argument, "no codec in LocalMedia::codecs"};
  return out;
}

// An offered or answered codec as the registry knows it, or nullptr (RFC 4566 §6: channels default
// to 1; opus is "/2" by RFC 7587 §7 but a missing "/2" is tolerated).
const CodecInfo* registry_match(const SdpCodec& c) {
  if (c.name.empty() || c.clock_rate_hz == 0) return nullptr;
  const CodecInfo* info = find_codec(c.name, c.clock_rate_hz, 0);
  if (info == nullptr) return nullptr;
  if (c.has_rtpmap && c.channels != info->channels && !iequals(info->name, "opus")) return nullptr;
  return info;
}

bool contains(const std::vector<const CodecInfo*>& codecs, const CodecInfo* info) {
  return std::find(codecs.begin(), codecs.end(), info) != codecs.end();
}

bool is_telephone_event(const SdpCodec& c) { return iequals(c.name, kTelephoneEvent); }

// The packetisation we send (RFC 3264 §6.1, RFC 4566 a=ptime/a=maxptime): the peer's a=ptime when
// the codec has that frame size and it is within its a=maxptime, else ours, else the largest size
// the codec has within a=maxptime.
uint32_t choose_ptime(std::string_view codec, std::optional<uint32_t> remote_ptime,
                      std::optional<uint32_t> remote_maxptime, uint32_t local_ptime) {
  std::vector<uint16_t> sizes;
  if (auto instance = create_codec(codec, dsp::kernels_for(dsp::Target::scalar))) {
    const auto s = (*instance)->frame_sizes_ms();
    sizes.assign(s.begin(), s.end());
  }
  const uint32_t limit = remote_maxptime.value_or(1000);
  auto allowed = [&](uint32_t ms) {
    return ms <= limit && std::find(sizes.begin(), sizes.end(), ms) != sizes.end();
  };
  if (remote_ptime && allowed(*remote_ptime)) return *remote_ptime;
  if (allowed(local_ptime)) return local_ptime;
  uint32_t best = 0;
  for (uint16_t ms : sizes) {
    if (ms <= limit && ms <= std::max<uint32_t>(local_ptime, 10)) best = std::max<uint32_t>(best, ms);
  }
  if (best != 0) return best;
  return sizes.empty() ? 20 : sizes.front();
}

// RFC 4568 §6.1/§6.3: a key line we can use is one key, without MKI, and no session parameter we do
// not implement (WSH, the window-size hint, is harmless).
bool usable_key_params(const SdpCrypto& c) {
  if (c.key_params.find(';') != std::string::npos) return false;  // several keys
  size_t bar = c.key_params.find('|');
  while (bar != std::string::npos) {
    const size_t next = c.key_params.find('|', bar + 1);
    const std::string_view part = std::string_view(c.key_params).substr(bar + 1, next - bar - 1);
    if (part.find(':') != std::string_view::npos) return false;  // MKI:length
    bar = next;
  }
  std::string_view params = c.session_params;
  while (!params.empty()) {
    const size_t space = params.find(' ');
    const std::string_view p = params.substr(0, space);
    if (!p.empty() && p.rfind("WSH=", 0) != 0) return false;
    params.remove_prefix(space == std::string_view::npos ? params.size() : space + 1);
  }
  return true;
}

bool is_secure(std::string_view protocol) { return protocol.find("SAVP") != std::string_view::npos; }

bool known_rtp_protocol(std::string_view protocol) {
  return protocol == "RTP/AVP" || protocol == "RTP/SAVP" || protocol == "RTP/AVPF" || protocol == "RTP/SAVPF";
}

std::string address_type(int family) { return family == AF_INET6 ? "IP6" : "IP4"; }

// Address, hold, direction and RTCP of the peer's audio stream. "" or a reason to reject it; an
// Error when the SDP lacks a connection address altogether (RFC 8866 §5.7).
Result<std::string> negotiate_transport(const SessionDescription& sdp, const SdpMedia& m, const LocalMedia& local,
                                        const SocketAddress& local_address, Negotiated& out) {
  const std::optional<std::string>& c = m.connection_address ? m.connection_address : sdp.connection_address;
  if (!c) return Error{Errc::bad_format, "SDP has no c= line for the audio stream"};
  auto remote = SocketAddress::from_ip(*c, m.port);
  if (!remote) return std::string("connection address '" + *c + "' is not a numeric IPv4 or IPv6 address");
  const bool legacy_hold = *c == "0.0.0.0";  // RFC 3264 §8.4 (RFC 2543 hold)
  if (!legacy_hold && remote->family() != local_address.family()) {
    return std::string("address family mismatch: the peer uses ") + address_type(remote->family()) +
           ", our address is " + address_type(local_address.family());
  }
  out.remote_rtp = *remote;
  MediaDirection theirs = m.direction;
  if (legacy_hold) theirs = make_direction(sends(theirs), false);  // c=0.0.0.0: they send at most
  out.remote_hold = !receives(theirs);
  out.direction = make_direction(sends(local.direction) && receives(theirs), receives(local.direction) && sends(theirs));
  out.rtcp_mux = local.rtcp_mux && m.rtcp_mux;
  out.remote_rtcp.reset();
  if (!out.rtcp_mux) {
    const std::string& rtcp_ip = m.rtcp_address ? *m.rtcp_address : *c;
    const uint16_t rtcp_port = m.rtcp_port ? *m.rtcp_port : static_cast<uint16_t>(m.port + 1);
    if (auto rtcp = SocketAddress::from_ip(rtcp_ip, rtcp_port)) out.remote_rtcp = *rtcp;
  }
  return std::string();
}

std::string rejected_media_line(const SdpMedia& m) {
  std::string line = "m=" + m.media + " 0 " + m.protocol;
  for (const std::string& f : m.formats) line += " " + f;
  if (m.formats.empty()) line += " 0";  // RFC 8866 §5.14: at least one format
  return line + "\r\n";
}

}  // namespace

Negotiated Negotiated::clone() const {
  Negotiated n;
  n.rejected = rejected;
  n.reason = reason;
  n.codec = codec;
  n.clock_rate_hz = clock_rate_hz;
  n.channels = channels;
  n.payload_type = payload_type;
  n.remote_fmtp = remote_fmtp;
  n.ptime_ms = ptime_ms;
  n.remote_rtp = remote_rtp;
  n.remote_rtcp = remote_rtcp;
  n.rtcp_mux = rtcp_mux;
  n.direction = direction;
  n.remote_hold = remote_hold;
  n.telephone_event_pt = telephone_event_pt;
  if (srtp) n.srtp = SrtpConfig{srtp->suite, srtp->local_key.clone(), srtp->remote_key.clone()};
  n.srtp_tag = srtp_tag;
  return n;
}

Status apply(const Negotiated& negotiated, CallLegConfig& config) {
  if (negotiated.rejected) {
    return Error{Errc::invalid_argument, "the audio stream was rejected: " + negotiated.reason};
  }
  config.codec = negotiated.codec;
  config.payload_type = negotiated.payload_type;
  config.ptime_ms = negotiated.ptime_ms;
  config.direction = negotiated.direction;
  config.rtcp_mux = negotiated.rtcp_mux;
  config.telephone_event_pt = negotiated.telephone_event_pt;
  config.srtp.reset();
  if (negotiated.srtp) {
    config.srtp = SrtpConfig{negotiated.srtp->suite, negotiated.srtp->local_key.clone(),
                             negotiated.srtp->remote_key.clone()};
  }
  if (iequals(negotiated.codec, "opus")) {  // RFC 7587 §7: honour what the receiver asks for
    const OpusFmtp fmtp = parse_opus_fmtp(negotiated.remote_fmtp);
    CodecOptions& o = config.codec_options;
    if (fmtp.max_average_bitrate_bps && (o.bitrate_bps == 0 || o.bitrate_bps > *fmtp.max_average_bitrate_bps)) {
      o.bitrate_bps = *fmtp.max_average_bitrate_bps;
    }
    o.fec = o.fec && fmtp.use_inband_fec;
    o.dtx = o.dtx || fmtp.use_dtx;
    o.cbr = o.cbr || fmtp.cbr;
    const uint32_t current = o.sample_rate_hz == 0 ? 48000 : o.sample_rate_hz;
    if (fmtp.max_playback_rate_hz < current) {
      for (uint32_t rate : {48000u, 24000u, 16000u, 12000u, 8000u}) {
        if (rate <= fmtp.max_playback_rate_hz) {
          o.sample_rate_hz = rate;
          break;
        }
      }
    }
  }
  return ok();
}

SdpSession::SdpSession(uint64_t session_id) : session_id_(session_id) {
  if (session_id_ == 0) {
    std::random_device rd;
    // Below 2^62 so that stacks parsing it as a signed 64-bit number are happy.
    session_id_ = ((uint64_t{rd()} << 32 | rd()) >> 2) | 1;
  }
}

Result<const rtp::SrtpKey*> SdpSession::key_for(rtp::SrtpSuite suite) {
  auto it = keys_.find(suite);
  if (it == keys_.end()) {
    auto key = rtp::SrtpKey::random(suite);
    if (!key) return std::move(key).error();
    it = keys_.emplace(suite, std::move(*key)).first;
  }
  return &it->second;
}

std::string SdpSession::finish(const LocalMedia& local, std::string body) {
  if (version_ == 0 || body != last_body_) ++version_;  // RFC 3264 §8: only when something changed
  last_body_ = body;
  const auto address = SocketAddress::from_ip(local.address, 0);
  const int family = address ? address->family() : AF_INET;
  return "v=0\r\no=- " + std::to_string(session_id_) + " " + std::to_string(version_) + " IN " +
         address_type(family) + " " + local.address + "\r\n" + body;
}

uint8_t SdpSession::payload_type_for(const CodecInfo& info, std::vector<uint8_t>& used) {
  const std::string key = rtpmap_for(info);
  uint8_t pt = 0;
  bool found = false;
  if (auto it = payload_types_.find(key); it != payload_types_.end()) {
    pt = it->second;
    found = std::find(used.begin(), used.end(), pt) == used.end();
  }
  if (!found) {
    // assign_payload_types() gives the static type, or a dynamic one counted from 96.
    const auto suggestion = assign_payload_types(std::span<const CodecInfo>(&info, 1));
    if (!suggestion.empty() && std::find(used.begin(), used.end(), suggestion[0].payload_type) == used.end()) {
      pt = suggestion[0].payload_type;
      found = true;
    }
  }
  for (uint8_t candidate = kFirstDynamicPt; !found && candidate <= kLastDynamicPt; ++candidate) {
    if (std::find(used.begin(), used.end(), candidate) == used.end()) {
      pt = candidate;
      found = true;
    }
  }
  used.push_back(pt);
  payload_types_[key] = pt;
  return pt;
}

Result<std::string> SdpSession::create_offer(const LocalMedia& local) {
  auto address = SocketAddress::from_ip(local.address, local.port);
  if (!address) return Error{Errc::invalid_argument, "local address: " + address.error().message};
  auto codecs = local_codecs(local);
  if (!codecs) return std::move(codecs).error();
  if (local.srtp != SrtpPolicy::off && local.suites.empty()) {
    return Error{Errc::invalid_argument, "SRTP is on but LocalMedia::suites is empty"};
  }

  PendingOffer offer;
  offer.local = local;
  std::vector<uint8_t> used;
  if (local.telephone_event_pt) used.push_back(*local.telephone_event_pt);
  for (const CodecInfo* info : *codecs) offer.codecs.push_back({info, payload_type_for(*info, used)});
  // RFC 4733 §2.1: one telephone-event per codec clock. The configured PT goes to 8 kHz (or to the
  // only clock), further clocks (opus: 48 kHz) get a dynamic type.
  if (local.telephone_event_pt) {
    std::vector<uint32_t> clocks;
    for (const OfferedCodec& c : offer.codecs) {
      if (std::find(clocks.begin(), clocks.end(), c.info->clock_rate_hz) == clocks.end()) {
        clocks.push_back(c.info->clock_rate_hz);
      }
    }
    std::stable_sort(clocks.begin(), clocks.end(), [](uint32_t a, uint32_t b) { return a == 8000 && b != 8000; });
    for (size_t i = 0; i < clocks.size(); ++i) {
      uint8_t pt = *local.telephone_event_pt;
      if (i > 0) {
        const std::string key = std::string(kTelephoneEvent) + "/" + std::to_string(clocks[i]);
        const CodecInfo info{kTelephoneEvent, clocks[i], 1, std::nullopt, ""};
        pt = payload_type_for(info, used);
        payload_types_[key] = pt;
      }
      offer.telephone_events.emplace_back(pt, clocks[i]);
    }
  }

  const bool secure = local.srtp == SrtpPolicy::mandatory;
  std::string body = "s=" + (local.session_name.empty() ? std::string("-") : local.session_name) + "\r\n";
  body += "c=IN " + address_type(address->family()) + " " + local.address + "\r\nt=0 0\r\n";
  body += "m=audio " + std::to_string(local.port) + (secure ? " RTP/SAVP" : " RTP/AVP");
  for (const OfferedCodec& c : offer.codecs) body += " " + std::to_string(c.payload_type);
  for (const auto& [pt, clock] : offer.telephone_events) body += " " + std::to_string(pt);
  body += "\r\n";
  for (const OfferedCodec& c : offer.codecs) {
    body += "a=rtpmap:" + std::to_string(c.payload_type) + " " + rtpmap_for(*c.info) + "\r\n";
    if (!c.info->default_fmtp.empty()) {
      body += "a=fmtp:" + std::to_string(c.payload_type) + " " + std::string(c.info->default_fmtp) + "\r\n";
    }
  }
  for (const auto& [pt, clock] : offer.telephone_events) {
    body += "a=rtpmap:" + std::to_string(pt) + " telephone-event/" + std::to_string(clock) + "\r\n";
    body += "a=fmtp:" + std::to_string(pt) + " 0-15\r\n";
  }
  body += "a=ptime:" + std::to_string(local.ptime_ms) + "\r\n";
  if (local.rtcp_mux) body += "a=rtcp-mux\r\n";
  body += std::string("a=") + direction_name(local.direction) + "\r\n";
  if (local.srtp != SrtpPolicy::off) {
    uint32_t tag = 1;
    for (rtp::SrtpSuite suite : local.suites) {
      if (std::any_of(offer.crypto.begin(), offer.crypto.end(), [&](const auto& c) { return c.second == suite; })) {
        continue;
      }
      auto key = key_for(suite);
      if (!key) return std::move(key).error();
      std::string secret = (*key)->to_inline();
      body += "a=crypto:" + std::to_string(tag) + " " + rtp::suite_name(suite) + " " + secret + "\r\n";
      std::fill(secret.begin(), secret.end(), '\0');
      offer.crypto.emplace_back(tag++, suite);
    }
  }
  pending_ = std::move(offer);
  return finish(local, std::move(body));
}

Result<Negotiated> SdpSession::receive_answer(std::string_view answer_sdp) {
  if (!pending_) return Error{Errc::invalid_argument, "SDP answer without a pending offer"};
  const PendingOffer offer = std::move(*pending_);
  pending_.reset();
  auto sdp = parse_sdp(answer_sdp);
  if (!sdp) return std::move(sdp).error();
  const SdpMedia& m = sdp->media.front();  // our offer had one m= line (RFC 3264 §6: same order)
  if (m.media != "audio") return Error{Errc::bad_format, "SDP answer: the first m= line is not audio"};
  Negotiated n;
  if (m.port == 0) {
    n.reason = "the peer rejected the audio stream (port 0)";
    return n;
  }
  const auto local_address = SocketAddress::from_ip(offer.local.address, offer.local.port);
  if (!local_address) return Error{Errc::invalid_argument, "local address: " + local_address.error().message};
  auto transport = negotiate_transport(*sdp, m, offer.local, *local_address, n);
  if (!transport) return std::move(transport).error();
  if (!transport->empty()) {
    n.reason = *transport;
    return n;
  }

  // The codec: the answer's first one that we offered (by name; RFC 3264 §6.1 the answer's PT is
  // what the peer receives, normally our number).
  const OfferedCodec* chosen = nullptr;
  const SdpCodec* answered = nullptr;
  for (const SdpCodec& c : m.codecs) {
    const CodecInfo* info = registry_match(c);
    if (info == nullptr && !c.has_rtpmap && c.payload_type >= kFirstDynamicPt) {
      for (const OfferedCodec& o : offer.codecs) {  // a dynamic PT without a=rtpmap: our mapping
        if (o.payload_type == c.payload_type) info = o.info;
      }
    }
    for (const OfferedCodec& o : offer.codecs) {
      if (o.info == info) chosen = &o;
    }
    if (chosen != nullptr) {
      answered = &c;
      break;
    }
  }
  if (chosen == nullptr) {
    n.reason = "the answer has no codec we offered";
    return n;
  }
  n.codec = std::string(chosen->info->name);
  n.clock_rate_hz = chosen->info->clock_rate_hz;
  n.channels = static_cast<uint8_t>(chosen->info->channels);
  n.payload_type = answered->payload_type;
  n.remote_fmtp = answered->fmtp;
  n.ptime_ms = choose_ptime(n.codec, m.ptime_ms, m.maxptime_ms, offer.local.ptime_ms);
  for (const SdpCodec& c : m.codecs) {
    if (!is_telephone_event(c) || c.clock_rate_hz != n.clock_rate_hz || n.telephone_event_pt) continue;
    for (const auto& [pt, clock] : offer.telephone_events) {
      if (clock == c.clock_rate_hz) n.telephone_event_pt = c.payload_type;
    }
  }

  // SRTP (RFC 4568 §7.1.3): the answer's line with one of our tags and the same suite.
  for (const SdpCrypto& c : m.crypto) {
    for (const auto& [tag, suite] : offer.crypto) {
      if (tag != c.tag || n.srtp) continue;
      auto their_suite = rtp::parse_srtp_suite(c.suite);
      if (!their_suite || *their_suite != suite || !usable_key_params(c)) continue;
      auto their_key = rtp::SrtpKey::from_inline(suite, c.key_params);
      if (!their_key) {
        n.reason = "the key of the answer's a=crypto:" + std::to_string(c.tag) + " line is malformed";
        return n;
      }
      auto our_key = key_for(suite);
      if (!our_key) return std::move(our_key).error();
      n.srtp = SrtpConfig{suite, (*our_key)->clone(), std::move(*their_key)};
      n.srtp_tag = tag;
    }
  }
  if (!n.srtp) {
    if (offer.local.srtp == SrtpPolicy::mandatory) {
      n.reason = "SRTP is mandatory and the answer has no usable a=crypto line";
      return n;
    }
    if (is_secure(m.protocol)) {
      n.reason = "the answer is " + m.protocol + " without a usable a=crypto line";
      return n;
    }
  }
  for (const OfferedCodec& o : offer.codecs) {
    if (o.info == chosen->info) payload_types_[rtpmap_for(*o.info)] = n.payload_type;
  }
  n.rejected = false;
  last_ = n.clone();
  return n;
}

Result<AnswerResult> SdpSession::receive_offer(std::string_view offer_sdp, const LocalMedia& local) {
  if (pending_) {
    return Error{Errc::invalid_argument, "SDP offer while our own offer is pending (glare, RFC 3264 §4)"};
  }
  auto local_address = SocketAddress::from_ip(local.address, local.port);
  if (!local_address) return Error{Errc::invalid_argument, "local address: " + local_address.error().message};
  auto codecs = local_codecs(local);
  if (!codecs) return std::move(codecs).error();
  auto sdp = parse_sdp(offer_sdp);
  if (!sdp) return std::move(sdp).error();

  // RFC 3264 §6: one answer m= line per offer m= line, same order; we take the first audio stream.
  size_t audio_index = sdp->media.size();
  for (size_t i = 0; i < sdp->media.size(); ++i) {
    if (sdp->media[i].media == "audio" && sdp->media[i].port != 0) {
      audio_index = i;
      break;
    }
  }
  AnswerResult result;
  Negotiated& n = result.negotiated;
  const SdpMedia* m = audio_index < sdp->media.size() ? &sdp->media[audio_index] : nullptr;
  const SdpCodec* chosen = nullptr;
  const CodecInfo* chosen_info = nullptr;
  const SdpCrypto* crypto = nullptr;
  std::optional<rtp::SrtpSuite> crypto_suite;
  auto reject = [&](std::string reason) {
    n.rejected = true;
    n.reason = std::move(reason);
  };
  n.rejected = false;
  if (m == nullptr) {
    reject("the offer has no audio stream");
  } else if (!known_rtp_protocol(m->protocol)) {
    reject("transport " + m->protocol + " is not supported (RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF)");
  }
  if (!n.rejected) {
    auto transport = negotiate_transport(*sdp, *m, local, *local_address, n);
    if (!transport) return std::move(transport).error();
    if (!transport->empty()) reject(*transport);
  }
  if (!n.rejected) {  // the codec: the offer's order, or ours
    auto usable = [&](const SdpCodec& c) {
      const CodecInfo* info = registry_match(c);
      return info != nullptr && contains(*codecs, info) ? info : nullptr;
    };
    if (local.answer_in_our_order) {
      for (const CodecInfo* ours : *codecs) {
        for (const SdpCodec& c : m->codecs) {
          if (chosen == nullptr && usable(c) == ours) {
            chosen = &c;
            chosen_info = ours;
          }
        }
      }
    } else {
      for (const SdpCodec& c : m->codecs) {
        if (chosen == nullptr && usable(c) != nullptr) {
          chosen = &c;
          chosen_info = usable(c);
        }
      }
    }
    if (chosen == nullptr) reject("no codec in common");
  }
  if (!n.rejected) {  // SRTP (RFC 4568 §7.1.2): the first line with a suite and key we can use
    if (local.srtp != SrtpPolicy::off) {
      for (const SdpCrypto& c : m->crypto) {
        auto suite = rtp::parse_srtp_suite(c.suite);
        if (crypto != nullptr || !suite || !usable_key_params(c)) continue;
        if (std::find(local.suites.begin(), local.suites.end(), *suite) == local.suites.end()) continue;
        if (!rtp::SrtpKey::from_inline(*suite, c.key_params)) continue;
        crypto = &c;
        crypto_suite = *suite;
      }
    }
    if (is_secure(m->protocol) && local.srtp == SrtpPolicy::off) {
      reject(m->protocol + " offered but SRTP is off");
    } else if (is_secure(m->protocol) && crypto == nullptr) {
      reject(m->crypto.empty() ? m->protocol + " offered without a=crypto (DTLS-SRTP is not supported)"
                               : "no a=crypto line with a suite and key parameters we support");
    } else if (local.srtp == SrtpPolicy::mandatory && crypto == nullptr) {
      reject(m->crypto.empty() ? "SRTP is mandatory and the offer has no a=crypto line"
                               : "SRTP is mandatory and no a=crypto line has a suite we support");
    }
  }
  if (!n.rejected) {
    n.codec = std::string(chosen_info->name);
    n.clock_rate_hz = chosen_info->clock_rate_hz;
    n.channels = static_cast<uint8_t>(chosen_info->channels);
    n.payload_type = chosen->payload_type;  // RFC 3264 §6.1: the offerer's number
    n.remote_fmtp = chosen->fmtp;
    n.ptime_ms = choose_ptime(n.codec, m->ptime_ms, m->maxptime_ms, local.ptime_ms);
    if (local.telephone_event_pt) {  // RFC 4733 §2.1: the event clock must be the codec's
      for (const SdpCodec& c : m->codecs) {
        if (is_telephone_event(c) && c.clock_rate_hz == n.clock_rate_hz && !n.telephone_event_pt) {
          n.telephone_event_pt = c.payload_type;
        }
      }
    }
    if (crypto != nullptr) {
      auto our_key = key_for(*crypto_suite);
      if (!our_key) return std::move(our_key).error();
      auto their_key = rtp::SrtpKey::from_inline(*crypto_suite, crypto->key_params);
      if (!their_key) return Error{Errc::internal, "a=crypto key became unreadable"};  // checked above
      n.srtp = SrtpConfig{*crypto_suite, (*our_key)->clone(), std::move(*their_key)};
      n.srtp_tag = crypto->tag;
    }
  }

  // The answer.
  std::string body = "s=" + (local.session_name.empty() ? std::string("-") : local.session_name) + "\r\n";
  body += "c=IN " + address_type(local_address->family()) + " " + local.address + "\r\nt=0 0\r\n";
  for (size_t i = 0; i < sdp->media.size(); ++i) {
    const SdpMedia& media = sdp->media[i];
    if (i != audio_index || n.rejected) {
      body += rejected_media_line(media);
      continue;
    }
    body += "m=audio " + std::to_string(local.port) + " " + media.protocol + " " + std::to_string(n.payload_type);
    if (n.telephone_event_pt) body += " " + std::to_string(*n.telephone_event_pt);
    body += "\r\n";
    body += "a=rtpmap:" + std::to_string(n.payload_type) + " " + rtpmap_for(*chosen_info) + "\r\n";
    if (!chosen_info->default_fmtp.empty()) {
      body += "a=fmtp:" + std::to_string(n.payload_type) + " " + std::string(chosen_info->default_fmtp) + "\r\n";
    }
    if (n.telephone_event_pt) {
      body += "a=rtpmap:" + std::to_string(*n.telephone_event_pt) + " telephone-event/" +
              std::to_string(n.clock_rate_hz) + "\r\n";
      body += "a=fmtp:" + std::to_string(*n.telephone_event_pt) + " 0-15\r\n";
    }
    body += "a=ptime:" + std::to_string(local.ptime_ms) + "\r\n";
    if (n.rtcp_mux) body += "a=rtcp-mux\r\n";
    body += std::string("a=") + direction_name(n.direction) + "\r\n";
    if (n.srtp) {
      std::string secret = n.srtp->local_key.to_inline();
      body += "a=crypto:" + std::to_string(n.srtp_tag) + " " + rtp::suite_name(n.srtp->suite) + " " + secret + "\r\n";
      std::fill(secret.begin(), secret.end(), '\0');
    }
  }
  if (!n.rejected) {
    payload_types_[rtpmap_for(*chosen_info)] = n.payload_type;
    last_ = n.clone();
  }
  result.sdp = finish(local, std::move(body));
  return result;
}

}  // namespace offhook
