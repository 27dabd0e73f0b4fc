#pragma once
// The per-tensor quantisation of a network tensor, as the lowerings read it.
#include <cmath>
#include <cstdint>

#include "ir/model.hpp"

namespace euc::frontend {

// One finite, positive scale and at most one zero point.
inline bool per_tensor(const ir::Tensor& t) {
  return t.quantization && t.quantization->scale.size() == 1 &&
         t.quantization->zero_point.size() <= 1 && std::isfinite(t.quantization->scale[0]) &&
         t.quantization->scale[0] > 0;
}

// The (first) scale; 0 without quantisation.
inline float scale_of(const ir::Tensor& t) {
  return t.quantization && !t.quantization->scale.empty() ? t.quantization->scale[0] : 0.0f;
}

// The (first) zero point; 0 without one.
inline int64_t zero_point_of(const ir::Tensor& t) {
  return t.quantization && !t.quantization->zero_point.empty() ? t.quantization->zero_point[0] : 0;
}

}  // namespace euc::frontend
