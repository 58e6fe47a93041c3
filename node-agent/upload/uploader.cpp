// SPDX-License-Identifier: Apache-2.0
#include "node-agent/upload/uploader.hpp"

#include <fcntl.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/fs/sha256.hpp"
#include "core/log/log.hpp"
#include "core/protocol/messages/master_status.hpp"
#include "core/protocol/messages/upload_begin.hpp"
#include "core/protocol/messages/upload_end.hpp"
#include "core/util/clock.hpp"

namespace peranda::agent {
namespace {

auto log() {
  static auto l = get_logger("agent.upload");
  return l;
}

constexpr std::size_t k_event_capacity = 4096;
// How often the uploader thread looks at the clock while a transfer runs.
constexpr auto k_tick = std::chrono::milliseconds(50);

}  // namespace

uploader::uploader(uploader_settings settings, spool& spool, completion_log completions,
                   mqtt_session::session& session, const protocol::topic_scheme& topics,
                   mqtt_session::dispatcher& inbound)
    : settings_(std::move(settings)),
      spool_(spool),
      session_(session),
      topics_(topics),
      events_(k_event_capacity),
      completions_(std::move(completions)),
      queue_(settings_.max_waiting_requests) {
  subscribe(inbound);
}

void uploader::subscribe(mqtt_session::dispatcher& inbound) {
  session_.subscribe(topics_.logs_request(settings_.node), 1,
                     inbound.to([this, &inbound](const mqtt_session::received& r) {
                       auto request = protocol::decode_logs_request(r.msg.payload);
                       if (!request) return inbound.reject("logs request", request.error().message);
                       submit_request(std::move(*request));
                     }));
  session_.subscribe(topics_.logs_ack(settings_.node), 1,
                     inbound.to([this, &inbound](const mqtt_session::received& r) {
                       auto ack = protocol::decode_logs_ack(r.msg.payload);
                       if (!ack) return inbound.reject("logs ack", ack.error().message);
                       submit_ack(std::move(*ack));
                     }));
  session_.subscribe(topics_.all_masters(), 1,
                     inbound.to(
                         [this](const mqtt_session::received& r) {
                           // One that does not decode is counted by the alarm sender, which
                           // receives the same statuses on its own session.
                           auto status = protocol::decode_master_status(r.msg.payload);
                           if (status && status->master_id == r.topic.owner) master_state(*status);
                         },
                         mqtt_session::dispatcher::retained::taken));
}

uploader::~uploader() { stop(); }

void uploader::start() {
  finish_recorded_deletions();
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void uploader::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  transfer_fd_.reset();
}

void uploader::finish_recorded_deletions() {
  auto completed = completions_.completed_spool_names();
  for (const auto& f : spool_.closed_files()) {
    if (!completed.contains(f.name)) continue;
    if (auto ok = spool_.remove(f.name); !ok) {
      log()->error("{} was completed before a restart but: {}", f.name, ok.error().message);
    } else {
      log()->info("{} was completed before a restart; deleted from the spool now", f.name);
    }
  }
}

void uploader::submit_request(protocol::logs_request request) {
  if (!events_.try_push(std::move(request))) ++events_dropped_;
}

void uploader::submit_ack(protocol::logs_ack ack) {
  if (!events_.try_push(std::move(ack))) ++events_dropped_;
}

void uploader::master_state(const protocol::master_status& status) {
  lock_guard lock(masters_mu_);
  masters_view_.on_status(status, std::chrono::steady_clock::now());
}

std::optional<std::string> uploader::other_owner(const std::string& master) const {
  lock_guard lock(masters_mu_);
  auto owner = masters_view_.owner_of(settings_.node);
  if (!owner || *owner == master) return std::nullopt;
  return owner;
}

bool uploader::master_live(const std::string& master) const {
  lock_guard lock(masters_mu_);
  const auto& live = masters_view_.live();
  return live.empty() || std::ranges::binary_search(live, master);
}

void uploader::drop_job_of_gone_master() {
  {
    lock_guard lock(masters_mu_);
    for (const auto& m : masters_view_.expire(std::chrono::steady_clock::now())) {
      log()->warn("master '{}' stopped beating; taken as gone", m);
    }
  }
  if (!job_ || master_live(job_->request.master_id)) return;
  log()->warn("master '{}' is gone: request {} ends now; its files stay in the spool",
              job_->request.master_id, job_->request.request_id);
  job_->files.clear();
  if (machine_) {
    machine_->give_up("its master is gone");
    finish_transfer();
  }
  job_.reset();
}

bool uploader::master_gone(const std::string& master) const {
  lock_guard lock(masters_mu_);
  return masters_view_.gone(master);
}

void uploader::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto ev = events_.pop_for(k_tick);
    if (ev) {
      if (auto* r = std::get_if<protocol::logs_request>(&*ev)) on_request(std::move(*r));
      if (auto* a = std::get_if<protocol::logs_ack>(&*ev)) on_ack(*a);
    }
    if (machine_) {
      execute(machine_->on_tick(std::chrono::steady_clock::now()));
      if (machine_->state() != transfer_state::running) finish_transfer();
    }
    drop_job_of_gone_master();
    if (!machine_ && job_) next_transfer();
    if (!machine_ && !job_ && queue_.waiting() > 0) {
      std::vector<protocol::logs_request> expired;
      auto next = queue_.next(wall_clock_ms(), expired);
      for (const auto& r : expired) reply(r, protocol::reply_status::expired);
      if (next) begin_job(std::move(*next));
    }
  }
}

void uploader::on_request(protocol::logs_request request) {
  if (!settings_.masters.allows(request.master_id)) {
    // Answered all the same (one reply per request), so that master's pull
    // ends at once with the reason; logged through the counter, as a master
    // may send many.
    auto why = fmt::format("master '{}' is not in this node's [agent] masters", request.master_id);
    requests_refused_.refuse(fmt::format("request {}: {}", request.request_id, why));
    send_reply({request.request_id,
                request.master_id,
                protocol::reply_status::failed,
                {},
                why,
                wall_clock_ms(),
                {},
                {}},
               request);
    return;
  }
  master_facts facts{master_gone(request.master_id), other_owner(request.master_id)};
  std::optional<std::string> serving;
  if (job_) serving = job_->request.master_id;
  switch (queue_.offer(request, wall_clock_ms(), facts, serving)) {
    case admission::serve:
      return begin_job(std::move(request));
    case admission::wait:
      return;
    case admission::busy_same_master:
      return reply(request, protocol::reply_status::busy, {},
                   "a request of this master is being served");
    case admission::busy_full:
      return reply(request, protocol::reply_status::busy, {}, "too many requests waiting");
    case admission::expired:
      return reply(request, protocol::reply_status::expired);
    case admission::ignore:
      log()->info("ignoring request {}: master '{}' is not online", request.request_id,
                  request.master_id);
      return;
    case admission::not_owner:
      return reply_not_owner(request, *facts.other_owner);
  }
}

void uploader::begin_job(protocol::logs_request request) {
  // A request that waited may have lost its master the node meanwhile.
  if (auto owner = other_owner(request.master_id)) {
    reply_not_owner(request, *owner);
    return;
  }
  // The newest lines go too.
  if (auto ok = spool_.rotate(); !ok) {
    reply(request, protocol::reply_status::failed, {}, ok.error().message);
    return;
  }
  auto closed = spool_.closed_files();
  // Names as the master knows them (wire_name), and the spool's.
  std::vector<std::string> files, missing, spool_names;
  if (request.files.empty()) {
    for (const auto& f : closed) {
      files.push_back(wire_name(request, f.name));
      spool_names.push_back(f.name);
    }
  } else {
    for (const auto& name : request.files) {
      auto found = std::ranges::find_if(
          closed, [&](const spool_file& f) { return wire_name(request, f.name) == name; });
      (found != closed.end() ? files : missing).push_back(name);
      if (found != closed.end()) spool_names.push_back(found->name);
    }
  }
  // One reply per request: a master settles a pull on the first one.
  if (files.empty()) {
    reply(request,
          missing.empty() ? protocol::reply_status::empty : protocol::reply_status::not_found,
          missing);
    return;
  }
  reply(request, protocol::reply_status::accepted, files,
        missing.empty() ? "" : fmt::format("not found: {}", fmt::join(missing, ", ")));
  job_ = job{std::move(request), std::deque<std::string>(spool_names.begin(), spool_names.end())};
}

void uploader::next_transfer() {
  if (!job_->files.empty()) {
    // Between files: a master that lost the node (another came) starts no
    // more of them; the new owner's request gets them.
    if (auto owner = other_owner(job_->request.master_id)) {
      log()->info("request {}: node now pulled by master '{}'; {} file(s) left for it",
                  job_->request.request_id, *owner, job_->files.size());
      job_->files.clear();
    }
  }
  if (job_->files.empty()) {
    job_.reset();
    return;
  }
  auto name = std::move(job_->files.front());
  job_->files.pop_front();
  const auto& request = job_->request;
  spool_.pin(name);
  protocol::upload_begin begin;
  auto fd = open_for_sending(name, begin);
  struct stat st {};
  if (!fd || ::stat(spool_.path_of(name).c_str(), &st) != 0) {
    log()->error("cannot upload spool file '{}': {}", name,
                 fd ? std::strerror(errno) : fd.error().message);
    spool_.unpin(name);
    ++failed_;
    return;
  }
  auto count = protocol::chunk_count_for(begin.size, request.chunk_size);
  if (count >= protocol::topic_scheme::k_max_chunks) {
    log()->error("spool file '{}' ({} bytes) needs too many chunks of {} bytes", name, begin.size,
                 request.chunk_size);
    spool_.unpin(name);
    ++failed_;
    return;
  }
  transfer_id_ = fmt::format("t{}-{}", settings_.session, ++transfer_counter_);
  transfer_file_ = name;
  complete_store_.clear();
  transfer_fd_ = std::move(*fd);
  transfer_size_ = begin.size;
  begin.transfer_id = transfer_id_;
  begin.request_id = request.request_id;
  begin.master_id = request.master_id;
  begin.node = settings_.node;
  begin.file = wire_name(request, name);
  transfer_sent_ = {begin.file, begin.sha256};
  begin.chunk_size = request.chunk_size;
  begin.chunk_count = static_cast<std::uint32_t>(count);
  begin.mtime_ms = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000 +
                   static_cast<std::uint64_t>(st.st_mtim.tv_nsec) / 1000000;
  begin_payload_ = protocol::encode(begin);
  log()->info("transfer {}: {} ({} bytes {}, {} raw, {} chunks) to master '{}'", transfer_id_,
              begin.file, begin.size, to_string(begin.enc), begin.raw_size, count,
              request.master_id);
  machine_.emplace(transfer_identity{transfer_id_, request.master_id, begin.sha256},
                   static_cast<std::uint32_t>(count), request.window, settings_.ack_timeout,
                   settings_.retries);
  execute(machine_->start(std::chrono::steady_clock::now()));
  prefetch_next_sha();
}

std::string uploader::wire_name(const protocol::logs_request& request,
                                const std::string& name) const {
  if (encoding_of(name) == encoding::zstd && !protocol::accepts_encoding(request, "zstd"))
    return plain_name(name);
  return name;
}

result<unique_fd> uploader::open_for_sending(const std::string& name,
                                             protocol::upload_begin& begin) {
  auto path = spool_.path_of(name);
  auto digests = digests_of(name);
  if (!digests) return std::unexpected(digests.error());
  begin.size = digests->size;
  begin.sha256 = digests->sha256;
  begin.raw_size = digests->raw_size;
  begin.raw_sha256 = digests->raw_sha256;
  begin.enc = encoding_of(name);
  if (wire_name(job_->request, name) == name) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
    return fd;
  }
  // A master of an earlier release: the lines decompressed into a file that
  // has no name, so a crash leaves nothing behind; chunks are read from it
  // (a resend may go back to any chunk).
  unique_fd tmp(::open(spool_.path_of("").c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!tmp) return failf("cannot create a temporary file: {}", std::strerror(errno));
  auto plain = digest_log_file(path, encoding::zstd, digests->raw_size, tmp.get());
  if (!plain) return std::unexpected(plain.error());
  if (plain->raw_sha256 != digests->raw_sha256)
    return failf("'{}' no longer decompresses to what was spooled", name);
  begin.size = plain->raw_size;
  begin.sha256 = plain->raw_sha256;
  begin.enc = encoding::plain;
  return tmp;
}

result<file_digests> uploader::digests_of(const std::string& name) {
  auto closed = spool_.closed_files();
  auto known = std::ranges::find(closed, name, &spool_file::name);
  if (known != closed.end() && !known->sha256.empty() && !known->raw_sha256.empty())
    return file_digests{known->size, known->sha256, known->raw_size, known->raw_sha256};
  if (next_sha_.valid() && next_name_ == name) return next_sha_.get();
  return digest_log_file(spool_.path_of(name), encoding_of(name));
}

void uploader::prefetch_next_sha() {
  if (next_sha_.valid()) next_sha_.wait();  // one at a time; never left running unowned
  next_sha_ = {};
  if (!job_ || job_->files.empty()) return;
  const auto& name = job_->files.front();
  auto closed = spool_.closed_files();
  auto known = std::ranges::find(closed, name, &spool_file::name);
  if (known == closed.end() || (!known->sha256.empty() && !known->raw_sha256.empty())) return;
  next_name_ = name;
  // Closed spool files never change, so the digests taken now hold at its begin.
  next_sha_ = std::async(std::launch::async, [path = spool_.path_of(name), enc = encoding_of(name)] {
    return digest_log_file(path, enc);
  });
}

void uploader::execute(const std::vector<transfer_action>& actions) {
  std::string chunk;
  for (const auto& a : actions) {
    mqtt_session::message msg;
    switch (a.what) {
      case transfer_action::kind::begin:
        msg = {topics_.upload_begin(settings_.node, transfer_id_), begin_payload_, 1, false};
        break;
      case transfer_action::kind::end:
        msg = {topics_.upload_end(settings_.node, transfer_id_),
               protocol::encode(protocol::upload_end{
                   transfer_id_, static_cast<std::uint32_t>(protocol::chunk_count_for(
                                     transfer_size_, job_->request.chunk_size))}),
               1, false};
        break;
      case transfer_action::kind::chunk: {
        auto chunk_size = job_->request.chunk_size;
        auto offset = static_cast<std::uint64_t>(a.index) * chunk_size;
        auto length =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, transfer_size_ - offset));
        // Not resize(): zero-filling each chunk before pread overwrites it
        // showed up in the upload's profile. The callback's size argument
        // is not used: GCC 12 passes the grown capacity there (30 for 18).
        chunk.resize_and_overwrite(length, [&](char* buf, std::size_t) {
          auto got = ::pread(transfer_fd_.get(), buf, length, static_cast<off_t>(offset));
          return got == static_cast<ssize_t>(length) ? length : std::size_t{0};
        });
        if (chunk.size() != length) {
          // Sending on would go back to this chunk at every ack, at once.
          machine_->give_up(fmt::format("cannot read chunk {} of '{}'", a.index, transfer_file_));
          return;
        }
        msg = {topics_.upload_chunk(settings_.node, transfer_id_, a.index), std::move(chunk), 1,
               false};
        break;
      }
    }
    if (auto ok = session_.publish(std::move(msg)); !ok) {
      log()->warn("transfer {}: {}", transfer_id_, ok.error().message);
    }
  }
}

void uploader::on_ack(const protocol::logs_ack& ack) {
  if (!settings_.masters.allows(ack.master_id)) {
    acks_refused_.refuse(fmt::format("{} for transfer {}: master '{}' is not in [agent] masters",
                                     protocol::to_string(ack.status), ack.transfer_id,
                                     ack.master_id));
    return;
  }
  auto verdict = machine_ ? machine_->check(ack) : ack_verdict::other_transfer;
  if (verdict == ack_verdict::other_transfer) {
    log()->debug("ignoring ack for transfer {} (not the current one)", ack.transfer_id);
    return;
  }
  if (verdict != ack_verdict::accepted) {
    // Someone with a master's credentials, or a confused master: nothing it
    // says may touch the file, which stays until its master's `complete`.
    acks_refused_.refuse(fmt::format("{} for transfer {} naming master '{}': {}",
                                     protocol::to_string(ack.status), ack.transfer_id,
                                     ack.master_id, to_string(verdict)));
    return;
  }
  if (ack.status == protocol::ack_status::complete) complete_store_ = ack.store;
  execute(machine_->on_ack(ack, std::chrono::steady_clock::now()));
  if (machine_->state() != transfer_state::running) finish_transfer();
}

void uploader::finish_transfer() {
  switch (machine_->state()) {
    case transfer_state::complete:
      // Recorded first, so that a crash before the deletion is finished at
      // the next start instead of offering a stored file again.
      if (auto ok = completions_.record({transfer_file_, transfer_sent_.file,
                                         transfer_sent_.sha256, job_->request.master_id,
                                         complete_store_, wall_clock_ms()});
          !ok) {
        log()->error("transfer {}: {}", transfer_id_, ok.error().message);
      }
      if (auto ok = spool_.remove(transfer_file_); !ok) {
        log()->error("transfer {} complete but: {}", transfer_id_, ok.error().message);
      }
      ++done_;
      log()->info("transfer {}: {} stored by the master; deleted from the spool", transfer_id_,
                  transfer_file_);
      break;
    case transfer_state::rejected:
      ++failed_;
      log()->warn("transfer {}: master rejected {} ({}); the file stays in the spool", transfer_id_,
                  transfer_file_, machine_->reason());
      break;
    case transfer_state::failed:
      ++failed_;
      log()->warn(
          "transfer {}: {} given up ({}); the file stays in the spool and the rest of "
          "request {} is dropped",
          transfer_id_, transfer_file_, machine_->reason(), job_->request.request_id);
      job_->files.clear();
      break;
    case transfer_state::running:
      return;
  }
  resent_ += machine_->resent();
  transfer_fd_.reset();
  spool_.unpin(transfer_file_);
  machine_.reset();
}

}  // namespace peranda::agent
