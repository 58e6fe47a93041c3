// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "master-service/master_config.hpp"

namespace httplib {
class Server;
}

namespace peranda::master {

class registry;

// The master's HTTP API (cpp-httplib): JSON under /api/v1, /healthz.
// Requests other than /healthz need `Authorization: Bearer <token>` when a
// token is configured. Runs its own listener thread; start()/stop() from
// one thread.
class api_server {
 public:
  api_server(const master_config& config, const registry& nodes);
  ~api_server();

  // Binds (fails with a clear error if the address is taken) and serves in
  // the background.
  [[nodiscard]] result<void> start();
  void stop();

  httplib::Server& routes() { return *server_; }

 private:
  void add_routes();

  // Constant after construction
  const listen_address address_;
  const std::string token_;
  const registry& nodes_;

  std::unique_ptr<httplib::Server> server_;
  std::jthread listener_;
};

}  // namespace peranda::master
