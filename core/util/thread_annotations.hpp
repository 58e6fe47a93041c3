// SPDX-License-Identifier: Apache-2.0
// Clang's thread-safety attributes, so that `-Wthread-safety` (the clang
// build in scripts/test.sh) checks every access to a guarded member at
// compile time. GCC ignores them. See docs/design-notes.md, "Locks".
#pragma once

#if defined(__clang__)
#define PERANDA_TSA(x) __attribute__((x))
#else
#define PERANDA_TSA(x)
#endif

#define CAPABILITY(x) PERANDA_TSA(capability(x))
#define SCOPED_CAPABILITY PERANDA_TSA(scoped_lockable)
#define GUARDED_BY(x) PERANDA_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) PERANDA_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) PERANDA_TSA(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) PERANDA_TSA(acquired_after(__VA_ARGS__))
#define REQUIRES(...) PERANDA_TSA(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) PERANDA_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PERANDA_TSA(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PERANDA_TSA(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) PERANDA_TSA(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) PERANDA_TSA(lock_returned(x))
