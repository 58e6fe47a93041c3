// SPDX-License-Identifier: Apache-2.0
// The memory floor under peranda-agent: a Paho C++ client that connects,
// subscribes to one topic and waits for SIGTERM, and does nothing else.
// Its RSS is what any agent built on Paho (which loads OpenSSL in every
// client, TLS or not) and libstdc++ pays before its first line of work.
#include <csignal>
#include <cstdio>

#include <mqtt/async_client.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s BROKER_URL\n", argv[0]);
    return 2;
  }
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);  // before Paho starts its threads
  mqtt::async_client client(argv[1], "paho-floor");
  client.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
  client.subscribe("floor/#", 1)->wait();
  int sig = 0;
  sigwait(&term, &sig);
  client.disconnect()->wait();
  return 0;
}
