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
  const ir::NpuTensor& t = graph.tensors.at(slice.tensor);
  const scheduler::TensorPlacement& place = plan.tensors.at(slice.tensor);
  if (place.address < 0) {
    throw Error(ErrorKind::kInternal, fmt::format("tensor '{}' has no address", t.name));
  }
  FeatureMapView v;
  v.region = static_cast<int>(place.region);
  v.type = t.type;
  v.zero_point = t.quant.zero_point;
  v.layout = place.layout;
  // A view may reinterpret the tensor (FC batch rows, reshape aliases): its shape describes the
  // same linear bytes when it covers the whole tensor.
  v.shape = slice.shape;
  v.storage = slice.shape.elements() == t.shape.elements() ? slice.shape : t.shape;
  const int esize = element_bytes(t.type);
  const ir::Shape4& s = v.storage;
  int64_t offset =
      (((int64_t{slice.offset.n} * s.h + slice.offset.h) * s.w + slice.offset.w) * s.c +
       slice.offset.c) *
      esize;
  if (slice.shape.elements() == t.shape.elements())
    offset = 0;
  v.base = static_cast<uint64_t>(place.address + offset);
  // Batch folds into height: the NPU sees N*H rows.
  v.shape.h *= v.shape.n;
  v.shape.n = 1;
  v.storage.h *= v.storage.n;
  v.storage.n = 1;
  return v;
}

uint32_t ifm_precision(ir::DataType type) {
  switch (type) {
    case ir::DataType::kUInt8:
      return static_cast<uint32_t>(npu::IfmPrecision::kU8);
    case ir::DataType::kInt8:
      return static_cast<uint32_t>(npu::IfmPrecision::kS8);
    case ir::DataType::kUInt16:
      return static_cast<uint32_t>(npu::IfmPrecision::kU16);
    case ir::DataType::kInt16:
      return static_cast<uint32_t>(npu::IfmPrecision::kS16);
    case ir::DataType::kInt32:
      return static_cast<uint32_t>(npu::IfmPrecision::kS32);
    default:
      throw Error(ErrorKind::kInternal, "no NPU precision for this feature map type");
  }
}

uint32_t ofm_precision(ir::DataType type) {
  switch (type) {
    case ir::DataType::kUInt8:
      return static_cast<uint32_t>(npu::OfmPrecision::kU8);
    case ir::DataType::kInt8:
      return static_cast<uint32_t>(npu::OfmPrecision::kS8);
    case ir::DataType::kUInt16:
      return static_cast<uint32_t>(npu::OfmPrecision::kU16);
    case ir::DataType::kInt16:
      return static_cast<uint32_t>(npu::OfmPrecision::kS16);
    case ir::DataType::kInt32:
      return static_cast<uint32_t>(npu::OfmPrecision::kS32);
    default:
      throw Error(ErrorKind::kInternal, "no NPU precision for this feature map type");
  }
}

void emit_feature_map(Emitter& e, FeatureMapRole role, const FeatureMapView& fm) {
  if (fm.layout != scheduler::Layout::kNhwc) {
    throw Error(ErrorKind::kInternal, "NHCWB16 feature maps are not generated yet");
  }
  const Registers& r = registers_for(role);
  const int esize = element_bytes(fm.type);
  e.set0(r.region, static_cast<uint16_t>(fm.region));
  // One tile covers the whole view; the unused tile bases repeat base 0.
  for (Opcode base : {r.base0, r.base1, r.base2, r.base3})
    e.set_address(base, fm.base);
  e.set0(r.height0, static_cast<uint16_t>(fm.shape.h - 1));
  e.set0(r.height1, static_cast<uint16_t>(fm.shape.h - 1));
  e.set0(r.width0, static_cast<uint16_t>(fm.shape.w - 1));
  e.set_address(r.stride_c, static_cast<uint64_t>(esize));
  e.set_address(r.stride_y, static_cast<uint64_t>(fm.storage.w) * fm.storage.c * esize);
  e.set_address(r.stride_x, static_cast<uint64_t>(fm.storage.c) * esize);
  e.set0(r.zero_point, static_cast<uint16_t>(fm.zero_point));
}

}  // namespace euc::codegen
