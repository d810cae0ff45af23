// Invariant checks inside fuzz targets: a violated invariant aborts, which libFuzzer
// reports as a crash and the corpus replay reports as a failed test.
#pragma once

#include <cstdio>
#include <cstdlib>

#define XG_FUZZ_CHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__,    \
                   __LINE__, #cond);                                          \
      std::abort();                                                           \
    }                                                                         \
  } while (0)
