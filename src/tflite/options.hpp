#pragma once
// Typed, read-only access to the operator options the IR keeps as standalone flatbuffers.
// Include only where options are interpreted: the generated schema header is large.
#include <tflite/schema_generated.h>

#include "ir/model.hpp"

namespace euc::tfl {

// The builtin options of `op` as table T (e.g. tflite::Conv2DOptions), or nullptr when the
// operator carries no options of that type.
template <class T>
const T* builtin_options_as(const ir::Operator& op) {
  if (op.builtin_options.empty() ||
      op.builtin_options.type !=
          static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value)) {
    return nullptr;
  }
  return flatbuffers::GetRoot<T>(op.builtin_options.table.data());
}

}  // namespace euc::tfl
