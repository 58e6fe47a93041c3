// SPDX-License-Identifier: Apache-2.0
// Every JSON message decoder on the same untrusted bytes: each must return a
// value or an error, never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/protocol/messages/alarm.hpp"
#include "core/protocol/messages/heartbeat.hpp"
#include "core/protocol/messages/alarm_ack.hpp"
#include "core/protocol/messages/logs_ack.hpp"
#include "core/protocol/messages/logs_reply.hpp"
#include "core/protocol/messages/logs_request.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace peranda::protocol;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A decoded message must survive a round trip unchanged.
  if (auto m = decode_heartbeat(bytes)) {
    if (!(decode_heartbeat(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_alarm(bytes)) {
    if (!(decode_alarm(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_logs_request(bytes)) {
    if (!(decode_logs_request(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_logs_reply(bytes)) {
    if (!(decode_logs_reply(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_upload_begin(bytes)) {
    if (!(decode_upload_begin(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_upload_end(bytes)) {
    if (!(decode_upload_end(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_logs_ack(bytes)) {
    if (!(decode_logs_ack(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_alarm_ack(bytes)) {
    if (!(decode_alarm_ack(encode(*m)).value() == *m)) __builtin_trap();
  }
  if (auto m = decode_master_status(bytes)) {
    if (!(decode_master_status(encode(*m)).value() == *m)) __builtin_trap();
  }
  return 0;
}
