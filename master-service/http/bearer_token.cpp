// SPDX-License-Identifier: Apache-2.0
#include "master-service/http/bearer_token.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/fs/sha256.hpp"
#include "core/fs/unique_fd.hpp"

namespace peranda::master {
namespace {

// More than any sane token; a bigger file is not a token file.
constexpr std::size_t k_max_token_file = 4096;

result<void> check_file(const std::filesystem::path& path, const struct stat& st,
                        token_file_owner owner) {
  if (!S_ISREG(st.st_mode)) return failf("'{}' is not a regular file", path.string());
  if (owner == token_file_owner::this_user_or_root && st.st_uid != ::geteuid() && st.st_uid != 0) {
    return failf("'{}' is owned by uid {}; it must belong to the master's user (uid {}) or root",
                 path.string(), st.st_uid, ::geteuid());
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return failf("'{}' is writable by group or others; chmod go-w it", path.string());
  }
  if (st.st_mode & S_IROTH) {
    return failf("'{}' is readable by others; chmod o-r it", path.string());
  }
  return {};
}

}  // namespace

result<std::string> read_token_file(const std::filesystem::path& path, token_file_owner owner) {
  unique_fd f(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!f) {
    if (errno == ELOOP)
      return failf("'{}' is a symbolic link; name the file itself", path.string());
    return failf("cannot open '{}': {}", path.string(), std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(f.get(), &st) != 0)
    return failf("cannot stat '{}': {}", path.string(), std::strerror(errno));
  if (auto ok = check_file(path, st, owner); !ok) return std::unexpected(ok.error());
  std::string text(k_max_token_file + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(f.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failf("cannot read '{}': {}", path.string(), std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > k_max_token_file) {
    return failf("'{}' is larger than {} bytes; it should hold one token", path.string(),
                 k_max_token_file);
  }
  text.resize(got);
  auto token = text.substr(0, text.find_first_of("\r\n"));
  if (token.size() < k_min_token_length) {
    return failf("the token in '{}' is shorter than {} characters", path.string(),
                 k_min_token_length);
  }
  if (!std::ranges::all_of(token, [](unsigned char c) { return c > 0x20 && c < 0x7f; })) {
    return failf("the token in '{}' may hold only visible ASCII characters, no spaces",
                 path.string());
  }
  return token;
}

bool bearer_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view k_scheme = "bearer ";
  bool scheme_ok =
      authorization.size() >= k_scheme.size() &&
      std::ranges::equal(authorization.substr(0, k_scheme.size()), k_scheme,
                         [](unsigned char a, unsigned char b) { return std::tolower(a) == b; });
  auto presented = scheme_ok ? authorization.substr(k_scheme.size()) : std::string_view();
  // Equal-length digests make the comparison independent of both lengths.
  auto a = sha256_hex(presented);
  auto b = sha256_hex(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0 && scheme_ok && !expected.empty();
}

}  // namespace peranda::master
