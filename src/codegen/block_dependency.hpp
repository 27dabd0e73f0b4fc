#pragma once
// BLOCKDEP: how many OFM blocks of the previous kernel may still be in flight when the next one
// starts. The block walk is arch::block_dependency (arch/block_dependency.hpp); the code
// generator compares the bytes each block's area occupies in its view (the hazard checker in
// src/npuhazard derives the same from the stream, independently).
#include <cstdint>
#include <optional>
#include <utility>

#include "arch/accelerator.hpp"
#include "arch/block_dependency.hpp"
#include "arch/operation_kinds.hpp"
#include "codegen/feature_map.hpp"
#include "ir/geometry.hpp"
#include "ir/npu_graph.hpp"

namespace euc::codegen {

// A launched kernel as the block walk needs it.
struct LaunchedKernel {
  arch::WalkedKernel walk;  // its shapes are the views' (launched_kernel fills them)
  FeatureMapView ifm;
  std::optional<FeatureMapView> ifm2;  // a tensor second operand
  FeatureMapView ofm;
};

// A launched kernel from its walk (shapes aside) and the views it reads and writes.
LaunchedKernel launched_kernel(arch::WalkedKernel walk, const FeatureMapView& ifm,
                               const std::optional<FeatureMapView>& ifm2,
                               const FeatureMapView& ofm);

// The lowest and one past the highest byte address a view's elements occupy (in its region).
std::pair<int64_t, int64_t> view_bytes(const FeatureMapView& view);

// Whether two regions may hold the same bytes: the same region, or separately addressed inputs
// and outputs (regions 3-7, placed by the runtime in the arena) and the arena (region 1).
bool regions_may_alias(int a, int b);

// The largest BLOCKDEP (at most `max`, itself at most 3) for `next` after `previous`.
int block_dependency(const LaunchedKernel& previous, const LaunchedKernel& next, bool lut_loaded,
                     const arch::AcceleratorConfig& accelerator, int max);

}  // namespace euc::codegen
