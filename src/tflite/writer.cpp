#include "tflite/writer.hpp"

#include <fmt/format.h>
#include <tflite/schema_generated.h>

#include <map>
#include <tuple>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "tflite/opaque_tables.hpp"

namespace euc::tfl {
namespace {

using detail::emit_table;
using detail::emit_union;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// TFLite keeps codes above 127 only in builtin_code; the byte field holds this placeholder.
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;

template <class T>
auto vec(FlatBufferBuilder& fbb, const std::vector<T>& v) {
  return fbb.CreateVector(v);
}

class ModelWriter {
 public:
  explicit ModelWriter(const ir::Model& model) : model_(model) {}

  std::vector<uint8_t> write() {
    check_size();
    // Buffers first: they are the bulk of the file; the builder grows towards the front.
    std::vector<Offset<tflite::Buffer>> buffers;
    for (const ir::Buffer& b : model_.buffers)
      buffers.push_back(write_buffer(b));
    std::vector<Offset<tflite::SubGraph>> subgraphs;
    for (const ir::Subgraph& sg : model_.subgraphs)
      subgraphs.push_back(write_subgraph(sg));
    std::vector<Offset<tflite::OperatorCode>> codes;
    for (const auto& key : opcode_order_) {
      const auto& [type, custom, version] = key;
      auto code = static_cast<int32_t>(type);
      Offset<flatbuffers::String> custom_code =
          custom.empty() && type != ir::BuiltinOp::CUSTOM ? 0 : fbb_.CreateString(custom);
      codes.push_back(tflite::CreateOperatorCode(
          fbb_, static_cast<int8_t>(std::min(code, kPlaceholderForGreaterOpCodes)), custom_code,
          version, static_cast<tflite::BuiltinOperator>(code)));
    }
    std::vector<Offset<tflite::Metadata>> metadata;
    for (const ir::Metadata& m : model_.metadata) {
      Offset<flatbuffers::String> name = fbb_.CreateString(m.name);
      metadata.push_back(tflite::CreateMetadata(fbb_, name, m.buffer));
    }
    std::vector<Offset<tflite::SignatureDef>> signatures;
    for (const ir::SignatureDef& sd : model_.signature_defs) {
      Offset<flatbuffers::String> key = fbb_.CreateString(sd.signature_key);
      auto outputs = tensor_maps(sd.outputs);
      auto inputs = tensor_maps(sd.inputs);
      signatures.push_back(
          tflite::CreateSignatureDef(fbb_, inputs, outputs, key, sd.subgraph_index));
    }
    // Every child is written before its parent, in one fixed order (the last field first), so
    // the bytes do not depend on the order a compiler evaluates function arguments in.
    auto signature_vec = signatures.empty() ? 0 : fbb_.CreateVector(signatures);
    auto metadata_vec = metadata.empty() ? 0 : fbb_.CreateVector(metadata);
    auto metadata_buffer = model_.metadata_buffer.empty() ? 0 : vec(fbb_, model_.metadata_buffer);
    auto buffer_vec = fbb_.CreateVector(buffers);
    Offset<flatbuffers::String> description =
        model_.description.empty() ? 0 : fbb_.CreateString(model_.description);
    auto subgraph_vec = fbb_.CreateVector(subgraphs);
    auto code_vec = fbb_.CreateVector(codes);
    auto root = tflite::CreateModel(fbb_, model_.version, code_vec, subgraph_vec, description,
                                    buffer_vec, metadata_buffer, metadata_vec, signature_vec);
    tflite::FinishModelBuffer(fbb_, root);
    return {fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize()};
  }

 private:
  void check_size() const {
    uint64_t total = 0;
    for (const ir::Buffer& b : model_.buffers)
      total += b.bytes().size() + 16;
    if (total >= static_cast<uint64_t>(FLATBUFFERS_MAX_BUFFER_SIZE) / 2) {
      throw_input(fmt::format("model data of {} bytes is too large for one flatbuffer", total));
    }
  }

  Offset<tflite::Buffer> write_buffer(const ir::Buffer& b) {
    auto bytes = b.bytes();
    if (bytes.empty())
      return tflite::CreateBuffer(fbb_);
    // Buffer.data is declared force_align 16: weights stay aligned for the runtime.
    fbb_.ForceVectorAlignment(bytes.size(), sizeof(uint8_t), 16);
    return tflite::CreateBuffer(fbb_, fbb_.CreateVector(bytes.data(), bytes.size()));
  }

  uint32_t opcode_index(const ir::Operator& op) {
    auto key = std::make_tuple(op.type, op.custom_code, op.version);
    auto [it, inserted] =
        opcode_index_.try_emplace(key, static_cast<uint32_t>(opcode_order_.size()));
    if (inserted)
      opcode_order_.push_back(key);
    return it->second;
  }

  Offset<tflite::QuantizationParameters> write_quantization(const ir::Quantization& q) {
    auto details =
        emit_union<tflite::QuantizationDetailsUnion, tflite::QuantizationDetails>(fbb_, q.details);
    auto zero_point = q.zero_point.empty() ? 0 : vec(fbb_, q.zero_point);
    auto scale = q.scale.empty() ? 0 : vec(fbb_, q.scale);
    auto max = q.max.empty() ? 0 : vec(fbb_, q.max);
    auto min = q.min.empty() ? 0 : vec(fbb_, q.min);
    return tflite::CreateQuantizationParameters(
        fbb_, min, max, scale, zero_point, static_cast<tflite::QuantizationDetails>(q.details.type),
        details, q.quantized_dimension);
  }

  Offset<tflite::Tensor> write_tensor(const ir::Tensor& t) {
    std::vector<Offset<tflite::VariantSubType>> variants;
    for (const auto& v : t.variant_tensors) {
      variants.push_back(emit_table<tflite::VariantSubType>(fbb_, v));
    }
    auto variant_vec = variants.empty() ? 0 : fbb_.CreateVector(variants);
    auto shape_signature = t.shape_signature ? vec(fbb_, *t.shape_signature) : 0;
    auto sparsity = emit_table<tflite::SparsityParameters>(fbb_, t.sparsity);
    Offset<tflite::QuantizationParameters> quantization =
        t.quantization ? write_quantization(*t.quantization) : 0;
    Offset<flatbuffers::String> name = fbb_.CreateString(t.name);
    auto shape = vec(fbb_, t.shape);
    return tflite::CreateTensor(fbb_, shape, static_cast<tflite::TensorType>(t.type), t.buffer,
                                name, quantization, t.is_variable, sparsity, shape_signature,
                                t.has_rank, variant_vec, t.external_buffer);
  }

  Offset<tflite::Operator> write_operator(const ir::Operator& op) {
    std::vector<uint8_t> mutating(op.mutating_variable_inputs.begin(),
                                  op.mutating_variable_inputs.end());
    auto options_2 = emit_union<tflite::BuiltinOptions2Union, tflite::BuiltinOptions2>(
        fbb_, op.builtin_options_2);
    auto intermediates = op.intermediates.empty() ? 0 : vec(fbb_, op.intermediates);
    auto mutating_vec = mutating.empty() ? 0 : fbb_.CreateVector(mutating);
    auto custom_options = op.custom_options.empty() ? 0 : vec(fbb_, op.custom_options);
    auto options =
        emit_union<tflite::BuiltinOptionsUnion, tflite::BuiltinOptions>(fbb_, op.builtin_options);
    auto outputs = vec(fbb_, op.outputs);
    auto inputs = vec(fbb_, op.inputs);
    return tflite::CreateOperator(
        fbb_, opcode_index(op), inputs, outputs,
        static_cast<tflite::BuiltinOptions>(op.builtin_options.type), options, custom_options,
        static_cast<tflite::CustomOptionsFormat>(op.custom_options_format), mutating_vec,
        intermediates, 0, 0, static_cast<tflite::BuiltinOptions2>(op.builtin_options_2.type),
        options_2, op.debug_metadata_index);
  }

  Offset<tflite::SubGraph> write_subgraph(const ir::Subgraph& sg) {
    std::vector<Offset<tflite::Tensor>> tensors;
    for (const ir::Tensor& t : sg.tensors)
      tensors.push_back(write_tensor(t));
    std::vector<Offset<tflite::Operator>> ops;
    for (const ir::Operator& op : sg.operators)
      ops.push_back(write_operator(op));
    Offset<flatbuffers::String> name = sg.name.empty() ? 0 : fbb_.CreateString(sg.name);
    auto op_vec = fbb_.CreateVector(ops);
    auto outputs = vec(fbb_, sg.outputs);
    auto inputs = vec(fbb_, sg.inputs);
    auto tensor_vec = fbb_.CreateVector(tensors);
    return tflite::CreateSubGraph(fbb_, tensor_vec, inputs, outputs, op_vec, name,
                                  sg.debug_metadata_index);
  }

  Offset<flatbuffers::Vector<Offset<tflite::TensorMap>>> tensor_maps(
      const std::vector<ir::TensorMap>& maps) {
    std::vector<Offset<tflite::TensorMap>> v;
    for (const auto& m : maps) {
      Offset<flatbuffers::String> name = fbb_.CreateString(m.name);
      v.push_back(tflite::CreateTensorMap(fbb_, name, m.tensor_index));
    }
    return fbb_.CreateVector(v);
  }

  const ir::Model& model_;
  FlatBufferBuilder fbb_{1 << 20};
  using OpKey = std::tuple<ir::BuiltinOp, std::string, int32_t>;
  std::map<OpKey, uint32_t> opcode_index_;
  std::vector<OpKey> opcode_order_;
};

}  // namespace

std::vector<uint8_t> write_model(const ir::Model& model) {
  return ModelWriter(model).write();
}

void write_model_file(const std::filesystem::path& path, const ir::Model& model) {
  std::vector<uint8_t> bytes = write_model(model);
  write_file_atomically(path, bytes);
}

}  // namespace euc::tfl
