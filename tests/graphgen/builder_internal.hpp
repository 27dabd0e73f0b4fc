#pragma once
// Shared by the builder's source files: the typed-options emitter and small helpers.
#include <fmt/format.h>
#include <tflite/schema_generated.h>

#include <cstring>
#include <string>
#include <vector>

#include "builder.hpp"
#include "rng.hpp"

namespace euc::graphgen {

template <class T>
void Builder::emit(ir::BuiltinOp type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                   const typename T::NativeTableType& options) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(T::Pack(fbb, &options));
  emit(type, std::move(inputs), std::move(outputs),
       static_cast<uint8_t>(tflite::BuiltinOptionsTraits<T>::enum_value), &fbb);
}

inline tflite::ActivationFunctionType tflite_act(Act a) {
  switch (a) {
    case Act::kRelu:
      return tflite::ActivationFunctionType::RELU;
    case Act::kRelu6:
      return tflite::ActivationFunctionType::RELU6;
    case Act::kReluN1To1:
      return tflite::ActivationFunctionType::RELU_N1_TO_1;
    default:
      return tflite::ActivationFunctionType::NONE;
  }
}

inline std::string shape_text(const std::vector<int32_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

inline const char* type_text(ir::DataType t) {
  return t == ir::DataType::kInt16 ? "i16" : t == ir::DataType::kInt8 ? "i8" : "?";
}

// Little-endian bytes of integers of `bytes_per_value` bytes each.
template <class T>
std::vector<uint8_t> to_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Output size of a window along one axis (TFLite's rule); 0 when VALID does not fit.
inline int window_output(int in, int kernel, int stride, int dilation, bool same) {
  if (same)
    return (in + stride - 1) / stride;
  const int dilated = (kernel - 1) * dilation + 1;
  return in >= dilated ? (in - dilated) / stride + 1 : 0;
}

// Clamps a window to its input under VALID padding: dilation 1 first, then a smaller kernel.
inline void fit_valid(int in, int& kernel, int& dilation) {
  if ((kernel - 1) * dilation + 1 <= in)
    return;
  dilation = 1;
  if (kernel > in)
    kernel = in;
}

}  // namespace euc::graphgen
