#pragma once
// The one place a command-line tool catches errors: it prints "<tool>: error: ..." on one line
// and chooses the exit code (2 wrong usage, 1 bad input, 3 internal error), so no tool ever dies
// by an uncaught exception.
#include <cstdio>
#include <exception>
#include <new>

#include "core/error.hpp"

namespace euc {

template <class Run>
int run_tool_main(const char* tool, Run&& run) {
  try {
    return run();
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
    switch (e.kind()) {
      case ErrorKind::kUsage:
        return 2;
      case ErrorKind::kInput:
        return 1;
      case ErrorKind::kInternal:
        return 3;
    }
    return 3;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", tool);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: internal error: %s\n", tool, e.what());
    return 3;
  }
}

}  // namespace euc
