#pragma once
// The network IR: a TFLite model as plain, immutable data. The reader builds it once; later
// stages read it and build new graphs or keep their decisions beside it (see STYLE.md). Every
// field of the format survives a read/write round trip: tables the compiler never interprets
// (operator options, sparsity, quantisation details) are kept as standalone flatbuffers.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/builtin_op.gen.hpp"
#include "ir/types.hpp"

namespace euc::ir {

using Bytes = std::vector<uint8_t>;

// A flatbuffer table kept verbatim: `type` is the union tag where the table is a union member
// (0 = none), `table` a standalone flatbuffer whose root is that table (empty when absent).
// tflite/options.hpp gives typed access.
struct OpaqueTable {
  uint8_t type = 0;
  Bytes table;
  bool empty() const { return table.empty(); }
  friend bool operator==(const OpaqueTable&, const OpaqueTable&) = default;
};

struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  std::vector<float> min;
  std::vector<float> max;
  int32_t quantized_dimension = 0;
  OpaqueTable details;  // QuantizationDetails union (custom/blockwise)

  bool per_axis() const { return scale.size() > 1; }
  // Floats compare bit for bit: a round trip must keep them exactly, NaN included.
  friend bool operator==(const Quantization& a, const Quantization& b);
};

struct Tensor {
  std::string name;
  std::vector<int32_t> shape;
  std::optional<std::vector<int32_t>> shape_signature;
  DataType type = DataType::kFloat32;
  uint32_t buffer = 0;  // index into Model::buffers; buffer 0 is the empty buffer by convention
  std::optional<Quantization> quantization;
  bool is_variable = false;
  bool has_rank = false;
  OpaqueTable sparsity;                      // SparsityParameters
  std::vector<OpaqueTable> variant_tensors;  // VariantSubType
  uint32_t external_buffer = 0;

  // Number of elements; the reader guarantees it fits in int64 and every dimension is >= 0.
  int64_t num_elements() const;
  friend bool operator==(const Tensor&, const Tensor&) = default;
};

struct Operator {
  BuiltinOp type = BuiltinOp::ADD;
  std::string custom_code;      // for CUSTOM operators, e.g. "ethos-u"
  int32_t version = 1;          // operator code version
  std::vector<int32_t> inputs;  // tensor indices; -1 marks an omitted optional input
  std::vector<int32_t> outputs;
  std::vector<int32_t> intermediates;
  OpaqueTable builtin_options;    // BuiltinOptions union
  OpaqueTable builtin_options_2;  // BuiltinOptions2 union
  Bytes custom_options;
  int8_t custom_options_format = 0;
  std::vector<bool> mutating_variable_inputs;
  int32_t debug_metadata_index = -1;

  friend bool operator==(const Operator&, const Operator&) = default;
};

struct Subgraph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;  // in execution order
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  int32_t debug_metadata_index = -1;

  friend bool operator==(const Subgraph&, const Subgraph&) = default;
};

// Constant data. Shared and immutable, so copies of a model (and rewritten graphs) share bytes.
struct Buffer {
  std::shared_ptr<const Bytes> data;  // null or empty: no data
  std::span<const uint8_t> bytes() const {
    return data ? std::span<const uint8_t>(*data) : std::span<const uint8_t>();
  }
  bool has_data() const { return data && !data->empty(); }
  friend bool operator==(const Buffer& a, const Buffer& b) {
    auto x = a.bytes();
    auto y = b.bytes();
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
  }
};

struct Metadata {
  std::string name;
  uint32_t buffer = 0;
  friend bool operator==(const Metadata&, const Metadata&) = default;
};

struct TensorMap {
  std::string name;
  uint32_t tensor_index = 0;
  friend bool operator==(const TensorMap&, const TensorMap&) = default;
};

struct SignatureDef {
  std::vector<TensorMap> inputs;
  std::vector<TensorMap> outputs;
  std::string signature_key;
  uint32_t subgraph_index = 0;
  friend bool operator==(const SignatureDef&, const SignatureDef&) = default;
};

struct Model {
  uint32_t version = 3;
  std::string description;
  std::vector<Subgraph> subgraphs;
  std::vector<Buffer> buffers;
  std::vector<int32_t> metadata_buffer;
  std::vector<Metadata> metadata;
  std::vector<SignatureDef> signature_defs;

  // Constant bytes of a tensor (empty if the tensor is not constant).
  std::span<const uint8_t> tensor_data(const Tensor& tensor) const;
  // The values of a constant integer tensor (int8/uint8/int16/int32/int64), widened; nullopt if
  // the tensor is not constant or not of an integer type.
  std::optional<std::vector<int64_t>> constant_ints(const Tensor& tensor) const;
  // The metadata entry of that name, if any.
  const Metadata* find_metadata(std::string_view name) const;

  friend bool operator==(const Model&, const Model&) = default;
};

std::string_view builtin_op_name(BuiltinOp op);
// "CONV_2D", or the custom code for CUSTOM operators ("CUSTOM(ethos-u)").
std::string operator_display_name(const Operator& op);

}  // namespace euc::ir
