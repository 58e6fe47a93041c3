// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <mqtt/connect_options.h>

#include "core/mqtt/session.hpp"

namespace peranda::mqtt_session {

// The one place Paho connect options are built from our options: keepalive,
// clean session, user name and password, the Will, and for ssl:// and
// mqtts:// TLS with the broker's certificate checked against ca_file and
// its hostname verified (Paho leaves that off unless asked; DESIGN.md).
// Callers add what only they need (automatic reconnect, a connect timeout).
mqtt::connect_options_builder paho_connect_options(const options& o);

}  // namespace peranda::mqtt_session
