#include "refinterp/broadcast.hpp"

#include <fmt/format.h>

namespace euc::refinterp {

std::vector<int32_t> broadcast_shape(const OpContext& ctx, std::span<const int32_t> a,
                                     std::span<const int32_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int32_t> out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      ctx.fail(
          fmt::format("shapes {} and {} cannot be broadcast", shape_string(a), shape_string(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int32_t> broadcast_indices(const OpContext& ctx, std::span<const int32_t> input,
                                       std::span<const int32_t> output) {
  const size_t rank = output.size();
  if (input.size() > rank)
    ctx.fail(fmt::format("operand shape {} has more dimensions than the output {}",
                         shape_string(input), shape_string(output)));
  // Stride of each output dimension in the input (0 where the input repeats).
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < rank; ++k) {
    const size_t i = rank - 1 - k;
    const int32_t dim = k < input.size() ? input[input.size() - 1 - k] : 1;
    if (dim != output[i] && dim != 1)
      ctx.fail(fmt::format("operand shape {} cannot be broadcast to {}", shape_string(input),
                           shape_string(output)));
    strides[i] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  const int64_t total = flat_size(output);
  std::vector<int32_t> indices(static_cast<size_t>(total));
  std::vector<int32_t> pos(rank, 0);
  int64_t offset = 0;
  for (int64_t n = 0; n < total; ++n) {
    indices[static_cast<size_t>(n)] = static_cast<int32_t>(offset);
    for (size_t k = rank; k-- > 0;) {
      ++pos[k];
      offset += strides[k];
      if (pos[k] < output[k])
        break;
      offset -= strides[k] * pos[k];
      pos[k] = 0;
    }
  }
  return indices;
}

}  // namespace euc::refinterp
