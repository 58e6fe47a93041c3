// SPDX-License-Identifier: Apache-2.0
#pragma once
// Just enough MQTT 3.1.1 framing for the fleet simulator to run thousands of
// sessions from one epoll loop (Paho's thread-per-client model cannot).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace peranda::bench {

enum packet_type : std::uint8_t {
  k_connect = 1, k_connack = 2, k_publish = 3, k_puback = 4, k_subscribe = 8,
  k_suback = 9, k_pingreq = 12, k_pingresp = 13, k_disconnect = 14,
};

std::string connect_packet(std::string_view client_id, std::uint16_t keepalive_s,
                           std::string_view will_topic, std::string_view will_payload);
std::string subscribe_packet(std::uint16_t id, std::string_view filter);
std::string publish_packet(std::string_view topic, std::string_view payload, std::uint16_t id,
                           bool retain);
std::string puback_packet(std::uint16_t id);

struct packet {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::string body;
};

// Takes one whole packet off the front of `buffer`, if there is one.
std::optional<packet> take_packet(std::string& buffer);

struct incoming_publish {
  std::string topic;
  std::string payload;
  std::uint16_t id = 0;  // 0 for QoS 0
};
std::optional<incoming_publish> parse_publish(const packet& p);

}  // namespace peranda::bench
