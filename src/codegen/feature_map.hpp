#pragma once
// The registers that describe a feature map in memory (region, tile bases, tile sizes, strides,
// precision, zero point), for the IFM, IFM2 and OFM register groups.
#include <cstdint>
#include <optional>
#include <utility>

#include "codegen/emitter.hpp"
#include "ir/npu_graph.hpp"
#include "scheduler/plan.hpp"

namespace euc::codegen {

struct FeatureMapView {
  int region = 1;
  uint64_t base = 0;   // address of the view's first element
  ir::Shape4 shape;    // the view (batch folded into height)
  ir::Shape4 storage;  // the whole tensor's shape, for strides
  ir::DataType type = ir::DataType::kInt8;
  int32_t zero_point = 0;
  scheduler::Layout layout = scheduler::Layout::kNhwc;
  // A view of a rolling buffer that wraps: its first `tile0_rows` rows start at `base`, the rest
  // at `base2` (the buffer's start). 0: one tile.
  int tile0_rows = 0;
  uint64_t base2 = 0;
  // A strided view (ir::TensorSlice::strides): its Y and X strides in bytes, possibly negative;
  // `storage` is then unused.
  std::optional<std::pair<int64_t, int64_t>> byte_strides;
};

// The view an operation has of a tensor slice under a plan.
FeatureMapView feature_map_view(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                const ir::TensorSlice& slice);
// The same with the tensor placed at `place` (a constant's flash address, a staged copy).
FeatureMapView feature_map_view(const ir::NpuGraph& graph, const scheduler::TensorPlacement& place,
                                const ir::TensorSlice& slice);

enum class FeatureMapRole { kIfm, kIfm2, kOfm };

// Region, base addresses and single-tile sizes, strides and zero point.
void emit_feature_map(Emitter& e, FeatureMapRole role, const FeatureMapView& fm);

// The precision field of the IFM/IFM2 and OFM precision registers for a feature map type.
npu::IfmPrecision ifm_precision(ir::DataType type);
npu::OfmPrecision ofm_precision(ir::DataType type);
// The format field of those registers for a layout.
npu::DataFormat data_format(scheduler::Layout layout);
// Whether the type's values (so its zero point) are signed: selects how a 16-bit zero point
// register holds it.
bool is_signed(ir::DataType type);

}  // namespace euc::codegen
