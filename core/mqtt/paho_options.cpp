// SPDX-License-Identifier: Apache-2.0
#include "core/mqtt/paho_options.hpp"

#include <mqtt/message.h>
#include <mqtt/ssl_options.h>

#include "core/mqtt/broker_url.hpp"

namespace peranda::mqtt_session {

mqtt::connect_options_builder paho_connect_options(const options& o) {
  auto builder =
      mqtt::connect_options_builder().keep_alive_interval(o.keepalive).clean_session(o.clean_session);
  if (!o.username.empty()) builder.user_name(o.username);
  if (!o.password.empty()) builder.password(o.password);
  if (o.will) {
    builder.will(mqtt::message(o.will->topic, o.will->payload, o.will->qos, o.will->retained));
  }
  // A URL that does not parse is refused by Paho's connect with its reason.
  if (auto url = parse_broker_url(o.server_uri); url && url->tls) {
    mqtt::ssl_options ssl;
    ssl.set_verify(true);
    ssl.set_enable_server_cert_auth(true);
    if (!o.ca_file.empty()) ssl.set_trust_store(o.ca_file);
    if (!o.cert_file.empty()) ssl.set_key_store(o.cert_file);
    if (!o.key_file.empty()) ssl.set_private_key(o.key_file);
    builder.ssl(std::move(ssl));
  }
  return builder;
}

}  // namespace peranda::mqtt_session
