// SPDX-License-Identifier: Apache-2.0
#include "bench/mqtt_wire.hpp"

namespace peranda::bench {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

std::string frame(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  std::size_t len = body.size();
  do {
    std::uint8_t byte = len % 128;
    len /= 128;
    if (len) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (len);
  return out + body;
}

}  // namespace

std::string connect_packet(std::string_view client_id, std::uint16_t keepalive_s,
                           std::string_view will_topic, std::string_view will_payload) {
  std::string body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level 3.1.1
  // clean session; will with QoS 1 and retain
  body.push_back(static_cast<char>(will_topic.empty() ? 0x02 : 0x02 | 0x04 | 0x08 | 0x20));
  put_u16(body, keepalive_s);
  put_string(body, client_id);
  if (!will_topic.empty()) {
    put_string(body, will_topic);
    put_string(body, will_payload);
  }
  return frame(k_connect << 4, body);
}

std::string subscribe_packet(std::uint16_t id, std::string_view filter) {
  std::string body;
  put_u16(body, id);
  put_string(body, filter);
  body.push_back(1);
  return frame(k_subscribe << 4 | 0x02, body);
}

std::string publish_packet(std::string_view topic, std::string_view payload, std::uint16_t id,
                           bool retain) {
  std::string body;
  put_string(body, topic);
  put_u16(body, id);
  body.append(payload);
  return frame(static_cast<std::uint8_t>(k_publish << 4 | 0x02 | (retain ? 1 : 0)), body);
}

std::string puback_packet(std::uint16_t id) {
  std::string body;
  put_u16(body, id);
  return frame(k_puback << 4, body);
}

std::optional<packet> take_packet(std::string& buffer) {
  std::size_t len = 0, shift = 0, pos = 1;
  while (true) {
    if (pos >= buffer.size() || pos > 4) return std::nullopt;
    auto byte = static_cast<std::uint8_t>(buffer[pos++]);
    len |= static_cast<std::size_t>(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  if (buffer.size() < pos + len) return std::nullopt;
  packet p;
  p.type = static_cast<std::uint8_t>(buffer[0]) >> 4;
  p.flags = static_cast<std::uint8_t>(buffer[0]) & 0x0f;
  p.body = buffer.substr(pos, len);
  buffer.erase(0, pos + len);
  return p;
}

std::optional<incoming_publish> parse_publish(const packet& p) {
  if (p.type != k_publish || p.body.size() < 2) return std::nullopt;
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<std::uint8_t>(p.body[at]) << 8 |
                                      static_cast<std::uint8_t>(p.body[at + 1]));
  };
  std::size_t topic_len = u16(0);
  if (p.body.size() < 2 + topic_len) return std::nullopt;
  incoming_publish out;
  out.topic = p.body.substr(2, topic_len);
  std::size_t at = 2 + topic_len;
  if ((p.flags >> 1) & 0x3) {
    if (p.body.size() < at + 2) return std::nullopt;
    out.id = u16(at);
    at += 2;
  }
  out.payload = p.body.substr(at);
  return out;
}

}  // namespace peranda::bench
