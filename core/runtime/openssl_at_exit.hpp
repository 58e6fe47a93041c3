// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace peranda {

// Call first thing in main. OpenSSL frees its state in an atexit handler;
// Paho C's threads can still be ending then, and their thread-local OpenSSL
// destructors crash on the freed state (seen under ASan at the exit of
// `peranda-agent --check-connection`). The process is ending anyway, so
// OpenSSL is told to leave its state alone.
void keep_openssl_until_exit();

}  // namespace peranda
