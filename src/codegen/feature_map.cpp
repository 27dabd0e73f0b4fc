#include "codegen/feature_map.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace euc::codegen {
namespace {

using npu::Opcode;

int element_bytes(ir::DataType type) {
  auto size = ir::element_size(type);
  if (!size)
    throw Error(ErrorKind::kInternal, "feature map without a fixed element size");
  return *size;
}

struct Registers {
  Opcode region, base0, base1, base2, base3, height0, height1, width0, stride_x, stride_y, stride_c,
      zero_point;
};

const Registers& registers_for(FeatureMapRole role) {
  static const Registers ifm{
      Opcode::kSetIfmRegion,    Opcode::kSetIfmBase0,    Opcode::kSetIfmBase1,
      Opcode::kSetIfmBase2,     Opcode::kSetIfmBase3,    Opcode::kSetIfmHeight0M1,
      Opcode::kSetIfmHeight1M1, Opcode::kSetIfmWidth0M1, Opcode::kSetIfmStrideX,
      Opcode::kSetIfmStrideY,   Opcode::kSetIfmStrideC,  Opcode::kSetIfmZeroPoint};
  static const Registers ifm2{
      Opcode::kSetIfm2Region,    Opcode::kSetIfm2Base0,    Opcode::kSetIfm2Base1,
      Opcode::kSetIfm2Base2,     Opcode::kSetIfm2Base3,    Opcode::kSetIfm2Height0M1,
      Opcode::kSetIfm2Height1M1, Opcode::kSetIfm2Width0M1, Opcode::kSetIfm2StrideX,
      Opcode::kSetIfm2StrideY,   Opcode::kSetIfm2StrideC,  Opcode::kSetIfm2ZeroPoint};
  static const Registers ofm{
      Opcode::kSetOfmRegion,    Opcode::kSetOfmBase0,    Opcode::kSetOfmBase1,
      Opcode::kSetOfmBase2,     Opcode::kSetOfmBase3,    Opcode::kSetOfmHeight0M1,
      Opcode::kSetOfmHeight1M1, Opcode::kSetOfmWidth0M1, Opcode::kSetOfmStrideX,
      Opcode::kSetOfmStrideY,   Opcode::kSetOfmStrideC,  Opcode::kSetOfmZeroPoint};
  switch (role) {
    case FeatureMapRole::kIfm:
      return ifm;
    case FeatureMapRole::kIfm2:
      return ifm2;
    case FeatureMapRole::kOfm:
      return ofm;
  }
  return ifm;
}

}  // namespace

FeatureMapView feature_map_view(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                const ir::TensorSlice& slice) {
  return feature_map_view(graph, plan.tensors.at(slice.tensor), slice);
}

FeatureMapView feature_map_view(const ir::NpuGraph& graph, const scheduler::TensorPlacement& place,
                                const ir::TensorSlice& slice) {
  const ir::NpuTensor& t = graph.tensors.at(slice.tensor);
  if (place.address < 0) {
    throw Error(ErrorKind::kInternal, fmt::format("tensor '{}' has no address", t.name));
  }
  FeatureMapView v;
  v.region = static_cast<int>(place.region);
  v.type = t.type;
  v.zero_point = t.quant.zero_point;
  v.layout = place.layout;
  v.shape = slice.shape;
  const int esize = element_bytes(t.type);
  if (slice.strided()) {
    // A lattice of the tensor's linear NHWC storage, never bricked or rolled (the scheduler
    // keeps such tensors NHWC and whole).
    if (place.layout != scheduler::Layout::kNhwc || place.rolling_rows > 0 || slice.shape.n != 1 ||
        slice.offset.n != 0) {
      throw Error(
          ErrorKind::kInternal,
          fmt::format("strided view of '{}' that is not a batch-1 view of NHWC storage", t.name));
    }
    const auto [first, last] = ir::strided_footprint(slice);
    if (first < 0 || last >= t.shape.elements()) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("strided view of '{}' reaches elements [{}, {}] of {}", t.name, first,
                              last, t.shape.elements()));
    }
    const ir::ElementStrides& st = *slice.strides;
    const int64_t start = st.origin + int64_t{slice.offset.h} * st.h +
                          int64_t{slice.offset.w} * st.w + slice.offset.c;
    v.base = static_cast<uint64_t>(place.address + start * esize);
    v.storage = slice.shape;
    v.byte_strides = std::pair<int64_t, int64_t>{st.h * esize, st.w * esize};
    return v;
  }
  int64_t offset = 0;
  if (place.layout == scheduler::Layout::kNhcwb16) {
    // Bricks of 16 channels: a view is always a box of the tensor's own shape, its channel
    // offset on a brick boundary (the planner only bricks such tensors).
    v.storage = t.shape;
    const ir::Shape4& s = v.storage;
    const int64_t row = int64_t{s.w} * ((s.c + 15) / 16 * 16) * esize;
    if (slice.offset.c % 16 != 0)
      throw Error(ErrorKind::kInternal, "NHCWB16 view off a brick boundary");
    offset = (int64_t{slice.offset.n} * s.h + slice.offset.h) * row +
             int64_t{slice.offset.w} * 16 * esize + int64_t{slice.offset.c / 16} * 16 * s.w * esize;
  } else {
    // A view may reinterpret the tensor (FC batch rows, reshape aliases): its shape describes the
    // same linear bytes when it covers the whole tensor.
    const bool whole = slice.shape.elements() == t.shape.elements();
    v.storage = whole ? slice.shape : t.shape;
    const ir::Shape4& s = v.storage;
    if (!whole) {
      offset = (((int64_t{slice.offset.n} * s.h + slice.offset.h) * s.w + slice.offset.w) * s.c +
                slice.offset.c) *
               esize;
    }
  }
  if (place.rolling_rows > 0) {
    // A rolling buffer: row y lives in slot y mod rows; a view crossing the end wraps to the
    // start through the second tile.
    if (slice.shape.n != 1 || slice.offset.w != 0 || slice.offset.c != 0) {
      throw Error(ErrorKind::kInternal, "rolling buffer view that is not whole rows");
    }
    const int64_t row = place.layout == scheduler::Layout::kNhcwb16
                            ? int64_t{t.shape.w} * ((t.shape.c + 15) / 16 * 16) * esize
                            : int64_t{t.shape.w} * t.shape.c * esize;
    const int slot = slice.offset.h % place.rolling_rows;
    offset = slot * row;
    if (slot + slice.shape.h > place.rolling_rows) {
      v.tile0_rows = place.rolling_rows - slot;
      v.base2 = static_cast<uint64_t>(place.address);
    }
  }
  v.base = static_cast<uint64_t>(place.address + offset);
  // Batch folds into height: the NPU sees N*H rows.
  v.shape.h *= v.shape.n;
  v.shape.n = 1;
  v.storage.h *= v.storage.n;
  v.storage.n = 1;
  return v;
}

npu::DataFormat data_format(scheduler::Layout layout) {
  return layout == scheduler::Layout::kNhcwb16 ? npu::DataFormat::kNhcwb16 : npu::DataFormat::kNhwc;
}

npu::IfmPrecision ifm_precision(ir::DataType type) {
  switch (type) {
    case ir::DataType::kUInt8:
      return npu::IfmPrecision::kU8;
    case ir::DataType::kInt8:
      return npu::IfmPrecision::kS8;
    case ir::DataType::kUInt16:
      return npu::IfmPrecision::kU16;
    case ir::DataType::kInt16:
      return npu::IfmPrecision::kS16;
    case ir::DataType::kInt32:
      return npu::IfmPrecision::kS32;
    default:
      throw Error(ErrorKind::kInternal, "no NPU precision for this feature map type");
  }
}

npu::OfmPrecision ofm_precision(ir::DataType type) {
  switch (type) {
    case ir::DataType::kUInt8:
      return npu::OfmPrecision::kU8;
    case ir::DataType::kInt8:
      return npu::OfmPrecision::kS8;
    case ir::DataType::kUInt16:
      return npu::OfmPrecision::kU16;
    case ir::DataType::kInt16:
      return npu::OfmPrecision::kS16;
    case ir::DataType::kInt32:
      return npu::OfmPrecision::kS32;
    default:
      throw Error(ErrorKind::kInternal, "no NPU precision for this feature map type");
  }
}

bool is_signed(ir::DataType type) {
  return type != ir::DataType::kUInt8 && type != ir::DataType::kUInt16;
}

void emit_feature_map(Emitter& e, FeatureMapRole role, const FeatureMapView& fm) {
  const Registers& r = registers_for(role);
  const int esize = element_bytes(fm.type);
  e.set_unsigned(r.region, fm.region);
  // One tile covers the whole view (the unused tile bases repeat base 0), or a wrapping rolling
  // buffer view splits into tile 0 (its first rows) and tile 2 (the rest, from the buffer start).
  const bool wraps = fm.tile0_rows > 0;
  e.set_address(r.base0, fm.base);
  e.set_address(r.base1, fm.base);
  e.set_address(r.base2, wraps ? fm.base2 : fm.base);
  e.set_address(r.base3, wraps ? fm.base2 : fm.base);
  e.set_unsigned(r.height0, (wraps ? fm.tile0_rows : fm.shape.h) - 1);
  e.set_unsigned(r.height1, (wraps ? fm.tile0_rows : fm.shape.h) - 1);
  e.set_unsigned(r.width0, fm.shape.w - 1);
  if (fm.byte_strides) {
    // 40-bit two's complement strides (docs/npu_architecture.md §Feature maps and regions): a
    // reversed axis steps backwards.
    const auto twos = [](int64_t v) {
      return static_cast<uint64_t>(v) & ((uint64_t{1} << 40) - 1);
    };
    e.set_address(r.stride_c, static_cast<uint64_t>(esize));
    e.set_address(r.stride_y, twos(fm.byte_strides->first));
    e.set_address(r.stride_x, twos(fm.byte_strides->second));
  } else if (fm.layout == scheduler::Layout::kNhcwb16) {
    // Brick strides: 16 channels per column step, a brick plane per 16 channels, a row of
    // bricks per row.
    const uint64_t depth16 = static_cast<uint64_t>((fm.storage.c + 15) / 16 * 16);
    e.set_address(r.stride_c, static_cast<uint64_t>(16) * fm.storage.w * esize);
    e.set_address(r.stride_y, static_cast<uint64_t>(fm.storage.w) * depth16 * esize);
    e.set_address(r.stride_x, static_cast<uint64_t>(16) * esize);
  } else {
    e.set_address(r.stride_c, static_cast<uint64_t>(esize));
    e.set_address(r.stride_y, static_cast<uint64_t>(fm.storage.w) * fm.storage.c * esize);
    e.set_address(r.stride_x, static_cast<uint64_t>(fm.storage.c) * esize);
  }
  if (is_signed(fm.type))
    e.set_signed(r.zero_point, fm.zero_point);
  else
    e.set_unsigned(r.zero_point, fm.zero_point);
}

}  // namespace euc::codegen
