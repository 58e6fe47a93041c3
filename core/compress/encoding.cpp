// SPDX-License-Identifier: Apache-2.0
#include "core/compress/encoding.hpp"

namespace peranda {

std::string_view to_string(encoding e) { return e == encoding::zstd ? "zstd" : "plain"; }

std::optional<encoding> parse_encoding(std::string_view text) {
  if (text == "plain") return encoding::plain;
  if (text == "zstd") return encoding::zstd;
  return std::nullopt;
}

encoding encoding_of(std::string_view file_name) {
  return file_name.ends_with(k_zstd_suffix) ? encoding::zstd : encoding::plain;
}

std::string plain_name(std::string_view file_name) {
  if (file_name.ends_with(k_zstd_suffix)) file_name.remove_suffix(k_zstd_suffix.size());
  return std::string(file_name);
}

}  // namespace peranda
