// The emitter: register writes that change nothing are skipped, operations always emitted, and
// values outside a field are internal errors (never truncated into the word).
#include "codegen/emitter.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"

namespace euc::codegen {
namespace {

using npu::Opcode;
using Words = std::vector<uint32_t>;

ErrorKind error_kind(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return ErrorKind::kInput;
}

TEST(CodegenEmitter, SkipsUnchangedRegistersAndKeepsOperations) {
  Emitter e;
  e.set_unsigned(Opcode::kSetIfmDepthM1, 7);
  e.set_unsigned(Opcode::kSetIfmDepthM1, 7);  // unchanged: skipped
  e.set_signed(Opcode::kSetIfmZeroPoint, -1);
  e.set(npu::SetIfm2Broadcast{.broadcast_width = true});
  e.operation(Opcode::kOpKernelWait);
  e.operation(Opcode::kOpKernelWait);
  e.operation(npu::OpPool{.mode = npu::PoolingMode::kAverage});
  // IFM_DEPTH_M1 0x104, IFM_ZERO_POINT 0x109 (0xFFFF), IFM2_BROADCAST 0x180 (width: bit 17),
  // KERNEL_WAIT 0x012 twice, POOL 0x005 with mode AVERAGE (1).
  EXPECT_EQ(e.words(),
            (Words{0x00070104, 0xFFFF0109, 0x00020180, 0x00000012, 0x00000012, 0x00010005}));
}

TEST(CodegenEmitter, OutOfRangeValuesAreInternalErrors) {
  Emitter e;
  EXPECT_EQ(error_kind([&] { e.set_unsigned(Opcode::kSetOfmDepthM1, 65536); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([&] { e.set_unsigned(Opcode::kSetIfmPadTop, -1); }), ErrorKind::kInternal);
  EXPECT_EQ(error_kind([&] { e.set_signed(Opcode::kSetActivationMax, 40000); }),
            ErrorKind::kInternal);
  EXPECT_EQ(error_kind([&] { e.set(npu::SetDma0DstRegion{.region = 300}); }), ErrorKind::kInternal);
  EXPECT_EQ(error_kind([&] { e.set(npu::SetOfmScale{.shift = 70000}); }), ErrorKind::kInternal);
  // Operations are not register writes and the reverse.
  EXPECT_EQ(error_kind([&] { e.set(npu::make_cmd0(Opcode::kOpConv)); }), ErrorKind::kInternal);
  EXPECT_EQ(error_kind([&] { e.operation(Opcode::kSetBlockdep, 0); }), ErrorKind::kInternal);
  EXPECT_TRUE(e.words().empty());
}

}  // namespace
}  // namespace euc::codegen
