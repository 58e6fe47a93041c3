// SPDX-License-Identifier: Apache-2.0
// The uploader's replies: exactly one per request, each answering the
// request's `confirm` from the completion log (docs/protocol.md).
#include "node-agent/upload/uploader.hpp"

#include "core/log/log.hpp"
#include "core/util/clock.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.upload");
  return l;
}

}  // namespace

void uploader::reply_not_owner(const protocol::logs_request& request, const std::string& owner) {
  ++not_owner_;
  protocol::logs_reply r{request.request_id,
                         request.master_id,
                         protocol::reply_status::not_owner,
                         {},
                         fmt::format("node '{}' is pulled by master '{}'", settings_.node, owner),
                         wall_clock_ms(),
                         owner,
                         {}};
  log()->info("request {} of master '{}': not_owner (owner '{}')", request.request_id,
              request.master_id, owner);
  send_reply(std::move(r), request);
}

void uploader::reply(const protocol::logs_request& request, protocol::reply_status status,
                     std::vector<std::string> files, std::string reason) {
  protocol::logs_reply r{request.request_id, request.master_id, status,
                         std::move(files),   std::move(reason), wall_clock_ms(), {},
                         {}};
  log()->info("request {} of master '{}': {}{}{}", request.request_id, request.master_id,
              protocol::to_string(status), r.reason.empty() ? "" : ": ", r.reason);
  send_reply(std::move(r), request);
}

void uploader::send_reply(protocol::logs_reply r, const protocol::logs_request& request) {
  if (!request.confirm.empty() && settings_.masters.allows(request.master_id)) {
    std::vector<std::string> pending;
    for (const auto& f : spool_.closed_files()) pending.push_back(wire_name(request, f.name));
    r.confirmations = completions_.answer(request.confirm, pending);
  }
  if (auto ok =
          session_.publish({topics_.logs_reply(settings_.node), protocol::encode(r), 1, false});
      !ok) {
    log()->warn("reply to request {} not sent: {}", r.request_id, ok.error().message);
  }
}

}  // namespace peranda::agent
