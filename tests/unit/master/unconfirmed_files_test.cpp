// SPDX-License-Identifier: Apache-2.0
// The rules that settle a master's unconfirmed files from a node's answers.
#include "master-service/storage/unconfirmed_files.hpp"

#include <boost/test/unit_test.hpp>

using namespace peranda::master;
using peranda::protocol::confirmation_state;
using peranda::protocol::file_confirmation;
using answers = std::vector<file_confirmation>;

namespace {

const std::string k_ours = std::string(32, 'a');
const std::string k_theirs = std::string(32, 'b');

unconfirmed_file file(const std::string& name, std::uint64_t ts = 1, const std::string& node = "n1") {
  return {node, name, std::string(64, name.back()), "/data/" + name, std::string(64, 'f'), ts};
}

file_confirmation answer(const std::string& name, confirmation_state state,
                         const std::string& master = {}, const std::string& store = {}) {
  return {name, std::string(64, name.back()), state, master, store};
}

std::vector<std::string> names(const std::vector<unconfirmed_file>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.file);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(master_unconfirmed_files)

BOOST_AUTO_TEST_CASE(each_answer_settles_its_file_by_the_rules) {
  unconfirmed_files u({});
  for (auto n : {"f1", "f2", "f3", "f4", "f5", "f6", "f7"}) u.add(file(n));
  BOOST_TEST(u.ask("n1", "r1", 64).size() == 7u);
  auto r = u.settle("n1", "r1",
                    answers{answer("f1", confirmation_state::completed, "m1", k_ours),
                            answer("f2", confirmation_state::completed, "m9", k_ours),
                            answer("f3", confirmation_state::completed, "m2", k_theirs),
                            answer("f4", confirmation_state::completed, "m2"),
                            answer("f5", confirmation_state::pending),
                            answer("f6", confirmation_state::unknown)},
                    "m1", k_ours);
  // f2: another master writing to our store (a shared data_dir) holds our copy.
  BOOST_TEST((names(r.confirmed) == std::vector<std::string>{"f1", "f2"}));
  BOOST_TEST((names(r.second_copy) == std::vector<std::string>{"f3"}));
  // f4: a master that names no store might share ours: never removed.
  BOOST_TEST((names(r.unverifiable) == std::vector<std::string>{"f4", "f6"}));
  // f5 (pending) and f7 (not answered) are asked again.
  BOOST_TEST(u.size() == 2u);
  auto again = u.ask("n1", "r2", 64);
  BOOST_TEST(again.size() == 2u);
  BOOST_TEST(again[0].file == "f5");
}

BOOST_AUTO_TEST_CASE(only_the_reply_to_the_asking_request_settles) {
  unconfirmed_files u({});
  u.add(file("f1"));
  u.ask("n1", "r1", 64);
  auto stale = u.settle("n1", "r0", answers{answer("f1", confirmation_state::completed, "m2",
                                                   k_theirs)},
                        "m1", k_ours);
  BOOST_TEST(stale.second_copy.empty());
  // Another node cannot settle n1's files either.
  u.add(file("f1", 1, "n2"));
  u.ask("n2", "r5", 64);
  auto other = u.settle("n2", "r5", answers{}, "m1", k_ours);
  BOOST_TEST(other.confirmed.empty());
  BOOST_TEST(u.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_agent_that_cannot_answer_leaves_copies_unverifiable) {
  unconfirmed_files u({});
  u.add(file("f1"));
  u.ask("n1", "r1", 64);
  auto r = u.settle("n1", "r1", std::nullopt, "m1", k_ours);
  BOOST_TEST((names(r.unverifiable) == std::vector<std::string>{"f1"}));
  BOOST_TEST(u.size() == 0u);
}

BOOST_AUTO_TEST_CASE(asks_the_oldest_first_and_at_most_max) {
  unconfirmed_files u({});
  for (auto n : {"f1", "f2", "f3"}) u.add(file(n));
  auto asked = u.ask("n1", "r1", 2);
  BOOST_TEST(asked.size() == 2u);
  BOOST_TEST(asked[0].file == "f1");
  BOOST_TEST(u.ask("n9", "r1", 2).empty());
}

BOOST_AUTO_TEST_CASE(bounds_push_out_the_oldest) {
  unconfirmed_files u({.per_node = 2, .total = 3});
  BOOST_TEST(u.add(file("f1", 1)).empty());
  BOOST_TEST(u.add(file("f2", 2)).empty());
  auto dropped = u.add(file("f3", 3));
  BOOST_TEST((names(dropped) == std::vector<std::string>{"f1"}));
  BOOST_TEST(u.add(file("g1", 4, "n2")).empty());
  // Four in all: the oldest of any node goes.
  dropped = u.add(file("g2", 5, "n2"));
  BOOST_TEST((names(dropped) == std::vector<std::string>{"f2"}));
  BOOST_TEST(u.size() == 3u);
  // The same file again replaces its entry.
  BOOST_TEST(u.add(file("g2", 6, "n2")).empty());
  BOOST_TEST(u.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
