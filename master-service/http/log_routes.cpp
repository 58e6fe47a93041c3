// SPDX-License-Identifier: Apache-2.0
// GET /api/v1/nodes/{node}/logs and /files: a node's stored lines, streamed,
// and its stored files.
#include <httplib.h>

#include <charconv>
#include <thread>

#include "core/log/log.hpp"
#include "core/protocol/identifiers.hpp"
#include "master-service/http/api_json.hpp"
#include "master-service/http/api_server.hpp"
#include "master-service/logs/log_stream.hpp"
#include "master-service/registry/registry.hpp"

namespace peranda::master {
namespace {

auto log() {
  static auto l = get_logger("master.http");
  return l;
}

// A follower looks for newly stored files, and for its client and
// shutdown, this often.
constexpr std::chrono::milliseconds k_follow_poll{500};
// Bytes a stream sends per write.
constexpr std::size_t k_stream_piece = 64 * 1024;
constexpr std::size_t k_default_files = 50;
constexpr std::size_t k_max_files = 1000;

std::optional<std::string> param_of(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

}  // namespace

void api_server::add_log_routes() {
  server_->Get(R"(/api/v1/nodes/([^/]+)/logs)", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
    auto node = req.matches[1].str();
    if (auto ok = protocol::validate_node_id(node); !ok) {
      return send_json(res, {{"error", ok.error().message}}, 400);
    }
    auto query = parse_log_query([&](const char* name) { return param_of(req, name); });
    if (!query) return send_json(res, {{"error", query.error().message}}, 400);
    auto files = list_stored_files(src_.layout, node);
    if (files.empty() && !src_.nodes.find(node)) {
      return send_json(res, {{"error", "no such node"}}, 404);
    }
    // Each stream holds a worker thread while it runs.
    if (++log_streams_ > k_max_log_streams) {
      --log_streams_;
      refused("too_many_log_streams", fmt::format("logs of {} for {}", node, req.remote_addr));
      return send_json(res, {{"error", "too many log streams; try again later"}}, 503);
    }
    bool follow = query->follow;
    auto stream = std::make_shared<log_stream>(std::move(*query), std::move(files));
    res.set_chunked_content_provider(
        "text/plain; charset=utf-8",
        [this, stream, node, follow, reported = std::size_t{0}](
            std::size_t, httplib::DataSink& sink) mutable {
          std::string out;
          bool more = stream->read_some(out, k_stream_piece);
          for (; reported < stream->errors().size(); ++reported) {
            log()->warn("logs of {}: {}", node, stream->errors()[reported]);
          }
          if (!out.empty() && !sink.write(out.data(), out.size())) return false;
          if (stopping_.load()) return false;
          if (more) return true;
          if (!follow) {
            sink.done();
            return true;
          }
          if (stream->add_files(list_stored_files(src_.layout, node)) == 0) {
            std::this_thread::sleep_for(k_follow_poll);
            if (!sink.is_writable()) return false;
          }
          return !stopping_.load();
        },
        [this](bool) { --log_streams_; });
  });
  server_->Get(R"(/api/v1/nodes/([^/]+)/files)", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
    auto node = req.matches[1].str();
    if (auto ok = protocol::validate_node_id(node); !ok) {
      return send_json(res, {{"error", ok.error().message}}, 400);
    }
    std::size_t limit = k_default_files;
    if (auto text = param_of(req, "limit")) {
      auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
      if (ec != std::errc{} || ptr != text->data() + text->size() || limit == 0 ||
          limit > k_max_files) {
        return send_json(res, {{"error", fmt::format("limit must be 1 to {}", k_max_files)}}, 400);
      }
    }
    auto files = list_stored_files(src_.layout, node);
    if (files.empty() && !src_.nodes.find(node)) {
      return send_json(res, {{"error", "no such node"}}, 404);
    }
    auto list = nlohmann::json::array();
    for (auto it = files.rbegin(); it != files.rend() && list.size() < limit; ++it) {
      list.push_back({{"name", it->path.filename().string()},
                      {"path", it->path.lexically_relative(src_.layout.data_dir()).string()},
                      {"size", it->size},
                      {"time", it->time_ms}});
    }
    send_json(res, {{"node", node}, {"total", files.size()}, {"files", list}});
  });
}

}  // namespace peranda::master
