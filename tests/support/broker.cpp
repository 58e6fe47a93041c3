// SPDX-License-Identifier: Apache-2.0
#include "tests/support/broker.hpp"

#include <fstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fs/unique_fd.hpp"
#include "tests/support/wait.hpp"

namespace peranda::test {

std::uint16_t free_port() {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool port_open(std::uint16_t port) {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

broker::broker(std::filesystem::path dir, std::string extra)
    : dir_(std::move(dir)), port_(free_port()) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "set_tcp_nodelay true\n"
       << "persistence true\n"
       << "persistence_location " << dir_.string() << "/\n"
       << "autosave_interval 1\n"
       << "max_queued_messages 10000\n"
       << "log_dest stderr\n"
       << "log_type error\nlog_type warning\nlog_type notice\n"
       << extra << "\n";
  }  // flushed and closed before mosquitto reads it
  start();
}

broker::~broker() { stop(); }

void broker::start() {
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{PERANDA_MOSQUITTO, "-c", (dir_ / "mosquitto.conf").string()},
      dir_ / "mosquitto.log");
  if (!wait_until([&] { return port_open(port_) || !process_->running(); }) ||
      !process_->running()) {
    throw std::runtime_error("mosquitto did not start: " + log());
  }
}

void broker::stop() {
  if (process_) process_->stop();
  process_.reset();
}

void broker::kill9() {
  if (process_) process_->kill9();
  process_.reset();
}

std::string broker::log() const {
  std::ifstream in(dir_ / "mosquitto.log");
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace peranda::test
