// SPDX-License-Identifier: Apache-2.0
// peranda's mosquitto 2.0 plugin (plugin interface v5), loaded by
// broker-config/production.conf. It adds two refusals to the password file
// and ACL file, and otherwise defers to them:
// - MOSQ_EVT_BASIC_AUTH: a client id that is neither `<user>` nor
//   `<user>:<suffix>` is refused, so no user can take over another user's
//   session (mosquitto drops the connected owner of a client id and hands
//   over its persistent session, or, for a clean session, discards it and
//   fires the owner's Will). mosquitto 2.0 calls the
//   callbacks of a list in registration order; plugins register in
//   mosquitto_plugin_init, before mosquitto_security_init_default registers
//   the password file's check, so this one runs first and its DEFER lets the
//   password file decide.
// - MOSQ_EVT_ACL_CHECK: a retained publish outside a user's own heartbeat,
//   master status or bridge state is refused (broker_policy.hpp); everything
//   else is left to the ACL file.
// mosquitto runs plugins on its single main thread: the counters need no lock.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <new>
#include <string>
#include <utility>
#include <vector>

#include "broker-plugin/broker_policy.hpp"

namespace {

using peranda::broker::log_this_occurrence;
using peranda::broker::printable;

struct plugin_state {
  mosquitto_plugin_id_t* id = nullptr;
  peranda::broker::retain_policy policy;
  std::uint64_t refused_client_ids = 0;
  std::uint64_t refused_retains = 0;
};

int on_basic_auth(int, void* event_data, void* userdata) noexcept {
  auto* event = static_cast<mosquitto_evt_basic_auth*>(event_data);
  auto* state = static_cast<plugin_state*>(userdata);
  // Anonymous clients: allow_anonymous decides (production refuses them).
  if (event->username == nullptr) return MOSQ_ERR_PLUGIN_DEFER;
  const char* id = mosquitto_client_id(event->client);
  std::string_view client_id = id != nullptr ? id : "";
  if (peranda::broker::client_id_allowed(event->username, client_id)) {
    return MOSQ_ERR_PLUGIN_DEFER;
  }
  if (log_this_occurrence(++state->refused_client_ids)) {
    const char* address = mosquitto_client_address(event->client);
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "peranda: refused client id '%s' of user '%s' from %s: a client id "
                         "must be '<user>' or '<user>:...' (%llu client id(s) refused so far)",
                         printable(client_id).c_str(), printable(event->username).c_str(),
                         address != nullptr ? address : "?",
                         static_cast<unsigned long long>(state->refused_client_ids));
  }
  return MOSQ_ERR_AUTH;
}

int on_acl_check(int, void* event_data, void* userdata) noexcept {
  auto* event = static_cast<mosquitto_evt_acl_check*>(event_data);
  auto* state = static_cast<plugin_state*>(userdata);
  if (event->access != MOSQ_ACL_WRITE || !event->retain) return MOSQ_ERR_PLUGIN_DEFER;
  const char* user = mosquitto_client_username(event->client);
  std::string_view name = user != nullptr ? user : "";
  if (peranda::broker::retain_allowed(state->policy, name, event->topic, event->payloadlen)) {
    return MOSQ_ERR_PLUGIN_DEFER;
  }
  if (log_this_occurrence(++state->refused_retains)) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "peranda: refused a retained publish of %u byte(s) by user '%s' on "
                         "'%s': only a user's own heartbeat or status may be retained "
                         "(%llu refused so far)",
                         event->payloadlen, printable(name).c_str(), event->topic,
                         static_cast<unsigned long long>(state->refused_retains));
  }
  return MOSQ_ERR_ACL_DENIED;
}

}  // namespace

extern "C" {

// NOLINTBEGIN(readability-identifier-naming): names fixed by mosquitto.
__attribute__((visibility("default"))) int mosquitto_plugin_version(int count,
                                                                    const int* versions) {
  for (int i = 0; i < count; ++i) {
    if (versions[i] == 5) return 5;
  }
  return -1;
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier,
                                                                 void** userdata,
                                                                 struct mosquitto_opt* options,
                                                                 int option_count) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < option_count; ++i) {
    pairs.emplace_back(options[i].key != nullptr ? options[i].key : "",
                       options[i].value != nullptr ? options[i].value : "");
  }
  auto policy = peranda::broker::parse_options(pairs);
  if (!policy) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "peranda: %s", policy.error().c_str());
    return MOSQ_ERR_INVAL;
  }
  auto* state = new (std::nothrow) plugin_state{identifier, std::move(*policy), 0, 0};
  if (state == nullptr) return MOSQ_ERR_NOMEM;
  int rc =
      mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr, state);
  if (rc == MOSQ_ERR_SUCCESS) {
    rc = mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr, state);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_callback_unregister(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
    delete state;
    return rc;
  }
  *userdata = state;
  mosquitto_log_printf(MOSQ_LOG_INFO,
                       "peranda: client ids bound to user names; retain only on own "
                       "heartbeat/status under '%s' (%zu edge user(s))",
                       state->policy.topic_root.c_str(), state->policy.edge_users.size());
  return MOSQ_ERR_SUCCESS;
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void* userdata,
                                                                    struct mosquitto_opt*, int) {
  auto* state = static_cast<plugin_state*>(userdata);
  if (state == nullptr) return MOSQ_ERR_SUCCESS;
  mosquitto_callback_unregister(state->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
  mosquitto_callback_unregister(state->id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr);
  delete state;
  return MOSQ_ERR_SUCCESS;
}
// NOLINTEND(readability-identifier-naming)

}  // extern "C"
