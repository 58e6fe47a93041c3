// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD for a master under test: kill -9 right after the first file is
// renamed into its final (stored) name — after the rename, before the
// directory fsync and the `complete` ack. The exact moment a master can
// die leaving a stored file its node never saw completed; no timing can
// hit it from outside.
#include <dlfcn.h>
#include <signal.h>

#include <cstring>

extern "C" int renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                         unsigned int flags) {
  using real_fn = int (*)(int, const char*, int, const char*, unsigned int);
  static auto real = reinterpret_cast<real_fn>(dlsym(RTLD_NEXT, "renameat2"));
  int result = real(olddirfd, oldpath, newdirfd, newpath, flags);
  const char* slash = std::strrchr(newpath, '/');
  const char* name = slash ? slash + 1 : newpath;
  // Partial files and the master's own state start with '.'; stored names never do.
  if (result == 0 && name[0] != '.') ::raise(SIGKILL);
  return result;
}
