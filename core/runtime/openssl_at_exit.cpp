// SPDX-License-Identifier: Apache-2.0
#include "core/runtime/openssl_at_exit.hpp"

#include <openssl/crypto.h>

namespace peranda {

void keep_openssl_until_exit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

}  // namespace peranda
