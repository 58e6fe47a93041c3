// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace peranda {

// Facts about this host, read once at start-up.
std::string host_name();
// First IPv4 address of an interface that is up and not loopback;
// "127.0.0.1" when there is none.
std::string primary_ipv4();
// /etc/machine-id (or /var/lib/dbus/machine-id); "unknown" if neither exists.
std::string machine_id();

}  // namespace peranda
