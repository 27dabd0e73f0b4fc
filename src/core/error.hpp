#pragma once
// One error type for the whole compiler. It is thrown where a problem is found and caught once at
// the command-line boundary, which prints "euc: error: ..." and chooses the exit code.
#include <stdexcept>
#include <string>
#include <utility>

namespace euc {

enum class ErrorKind {
  kUsage,  // wrong command-line usage or option value: exit code 2
  kInput,  // malformed or unsupported input file: exit code 1
  kInternal,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message)
      : std::runtime_error(std::move(message)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Shorthands: the message should name what is wrong (file, tensor, operator, option).
[[noreturn]] inline void throw_usage(std::string message) {
  throw Error(ErrorKind::kUsage, std::move(message));
}
[[noreturn]] inline void throw_input(std::string message) {
  throw Error(ErrorKind::kInput, std::move(message));
}

}  // namespace euc
