// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace peranda {

// Incremental SHA-256 (OpenSSL EVP). Not thread-safe; one per stream.
class sha256 {
 public:
  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;

  void update(std::string_view bytes);
  // Lower-case hex digest. The object may not be updated afterwards.
  std::string finish_hex();

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

[[nodiscard]] std::string sha256_hex(std::string_view bytes);
[[nodiscard]] result<std::string> sha256_file_hex(const std::filesystem::path& path);

}  // namespace peranda
