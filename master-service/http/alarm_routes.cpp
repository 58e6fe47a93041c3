// SPDX-License-Identifier: Apache-2.0
// GET /api/v1/alarms: the journal's recent alarms, or a stream of new ones.
#include <httplib.h>

#include <charconv>

#include "master-service/alarms/alarm_journal.hpp"
#include "master-service/http/api_json.hpp"
#include "master-service/http/api_server.hpp"

namespace peranda::master {
namespace {

constexpr std::size_t k_max_listed = 10'000;
// A follower re-checks the client and shutdown this often while idle.
constexpr std::chrono::milliseconds k_follow_poll{500};

std::optional<std::uint64_t> parse_since(const httplib::Request& req) {
  if (!req.has_param("since")) return 0;
  auto text = req.get_param_value("since");
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

void api_server::add_alarm_routes() {
  server_->Get("/api/v1/alarms", [this](const httplib::Request& req, httplib::Response& res) {
    auto since = parse_since(req);
    if (!since) {
      return send_json(res, {{"error", "since must be milliseconds since the Unix epoch"}}, 400);
    }
    auto backlog = src_.alarms.since(*since, k_max_listed);
    if (req.get_param_value("follow") != "1") {
      auto list = nlohmann::json::array();
      for (const auto& e : backlog) list.push_back(nlohmann::json::parse(e.json, nullptr, false));
      return send_json(res, {{"alarms", list}});
    }
    if (++followers_ > k_max_followers) {
      --followers_;
      refused("too_many_followers", fmt::format("follower from {}", req.remote_addr));
      return send_json(res, {{"error", "too many followers; try again later"}}, 503);
    }
    // One JSON object per line: the backlog asked for, then new alarms as
    // they are journaled, until the client leaves or the master stops.
    auto after = backlog.empty() ? src_.alarms.last_seq() : backlog.back().seq;
    if (!req.has_param("since")) backlog.clear();
    res.set_chunked_content_provider(
        "application/x-ndjson",
        [this, after, backlog = std::move(backlog)](std::size_t, httplib::DataSink& sink) mutable {
          for (const auto& e : backlog) {
            auto line = e.json + '\n';
            if (!sink.write(line.data(), line.size())) return false;
          }
          backlog.clear();
          auto more = src_.alarms.wait_for_more(after, k_follow_poll);
          for (const auto& e : more) {
            auto line = e.json + '\n';
            if (!sink.write(line.data(), line.size())) return false;
            after = e.seq;
          }
          if (more.empty() && !sink.is_writable()) return false;
          return !stopping_.load();
        },
        [this](bool) { --followers_; });
  });
}

}  // namespace peranda::master
