#include "tflite/reader.hpp"

#include <fmt/format.h>
#include <tflite/schema_generated.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "tflite/opaque_tables.hpp"

namespace euc::tfl {
namespace {

using detail::keep_table;
using detail::keep_union;

// Largest element count we accept for one tensor; far above any NPU model, small enough that
// byte sizes cannot overflow.
constexpr int64_t kMaxTensorElements = int64_t{1} << 40;

class ModelReader {
 public:
  ModelReader(std::span<const uint8_t> bytes, std::string_view source)
      : bytes_(bytes), source_(source) {}

  ir::Model read() {
    check_envelope();
    const tflite::Model* fb = tflite::GetModel(bytes_.data());
    ir::Model model;
    model.version = fb->version();
    if (fb->description() != nullptr)
      model.description = fb->description()->str();
    if (fb->external_buffer_groups() != nullptr || fb->external_buffers() != nullptr) {
      fail("external buffers are not supported");
    }
    read_buffers(fb, model);
    read_operator_codes(fb);
    if (fb->subgraphs() == nullptr || fb->subgraphs()->size() == 0)
      fail("model has no subgraphs");
    for (uint32_t s = 0; s < fb->subgraphs()->size(); ++s) {
      model.subgraphs.push_back(read_subgraph(fb->subgraphs()->Get(s), s, model));
    }
    read_metadata(fb, model);
    read_signatures(fb, model);
    return model;
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw_input(fmt::format("{}: {}", source_, fmt::format(f, std::forward<Args>(args)...)));
  }

  void check_envelope() const {
    if (bytes_.size() < 8) {
      fail("not a TFLite model: file is {} bytes, too small for a flatbuffer", bytes_.size());
    }
    if (bytes_.size() >= static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE)) {
      fail("file is larger than the 2 GiB flatbuffer limit");
    }
    std::string_view ident(reinterpret_cast<const char*>(bytes_.data()) + 4, 4);
    if (ident != tflite::ModelIdentifier()) {
      std::string shown;
      for (char c : ident) {
        shown += (c >= 0x20 && c < 0x7f) ? std::string(1, c)
                                         : fmt::format("\\x{:02x}", static_cast<uint8_t>(c));
      }
      fail("not a TFLite model: file identifier is '{}', expected 'TFL3'", shown);
    }
    flatbuffers::Verifier::Options opts;
    opts.max_tables = 10'000'000;
    flatbuffers::Verifier verifier(bytes_.data(), bytes_.size(), opts);
    if (!tflite::VerifyModelBuffer(verifier)) {
      fail("flatbuffer verification failed: the model is truncated or corrupt");
    }
  }

  // Bytes stored past the flatbuffer (Buffer.offset/size, for models over 2 GiB).
  std::span<const uint8_t> external_span(uint64_t offset, uint64_t size, std::string_view what) {
    if (offset > bytes_.size() || size > bytes_.size() - offset) {
      fail("{}: data at offset {} size {} lies outside the {}-byte file", what, offset, size,
           bytes_.size());
    }
    return bytes_.subspan(offset, size);
  }

  void read_buffers(const tflite::Model* fb, ir::Model& model) {
    if (fb->buffers() == nullptr)
      return;
    model.buffers.reserve(fb->buffers()->size());
    for (uint32_t i = 0; i < fb->buffers()->size(); ++i) {
      const tflite::Buffer* b = fb->buffers()->Get(i);
      ir::Buffer buf;
      if (b->data() != nullptr && b->data()->size() > 0) {
        buf.data = std::make_shared<const ir::Bytes>(b->data()->begin(), b->data()->end());
      } else if (b->offset() > 1) {
        auto span = external_span(b->offset(), b->size(), fmt::format("buffer {}", i));
        buf.data = std::make_shared<const ir::Bytes>(span.begin(), span.end());
      }
      model.buffers.push_back(std::move(buf));
    }
  }

  void read_operator_codes(const tflite::Model* fb) {
    if (fb->operator_codes() == nullptr)
      return;
    for (uint32_t i = 0; i < fb->operator_codes()->size(); ++i) {
      const tflite::OperatorCode* c = fb->operator_codes()->Get(i);
      // The operator is the larger of the two fields (TFLite's convention for codes > 127).
      int32_t code =
          std::max<int32_t>(c->deprecated_builtin_code(), static_cast<int32_t>(c->builtin_code()));
      if (code < 0)
        fail("operator code {}: negative builtin code {}", i, code);
      OpCode oc;
      oc.type = static_cast<ir::BuiltinOp>(code);
      oc.version = c->version();
      if (c->custom_code() != nullptr)
        oc.custom_code = c->custom_code()->str();
      if (oc.type == ir::BuiltinOp::CUSTOM && c->custom_code() == nullptr) {
        fail("operator code {}: CUSTOM operator without a custom code", i);
      }
      opcodes_.push_back(std::move(oc));
    }
  }

  ir::Subgraph read_subgraph(const tflite::SubGraph* sg, uint32_t s, const ir::Model& model) {
    ir::Subgraph out;
    if (sg->name() != nullptr)
      out.name = sg->name()->str();
    out.debug_metadata_index = sg->debug_metadata_index();
    const uint32_t n_tensors = sg->tensors() ? sg->tensors()->size() : 0;
    for (uint32_t t = 0; t < n_tensors; ++t) {
      out.tensors.push_back(read_tensor(sg->tensors()->Get(t), s, t, model));
    }
    auto check_tensor_list = [&](const flatbuffers::Vector<int32_t>* list, std::string_view what,
                                 bool allow_omitted) {
      std::vector<int32_t> v;
      if (list == nullptr)
        return v;
      for (int32_t idx : *list) {
        if ((idx == -1 && allow_omitted) || (idx >= 0 && static_cast<uint32_t>(idx) < n_tensors)) {
          v.push_back(idx);
          continue;
        }
        fail("subgraph {}: {} refers to tensor {}, but the subgraph has {} tensors", s, what, idx,
             n_tensors);
      }
      return v;
    };
    out.inputs = check_tensor_list(sg->inputs(), "input list", false);
    out.outputs = check_tensor_list(sg->outputs(), "output list", false);
    if (sg->operators() != nullptr) {
      for (uint32_t o = 0; o < sg->operators()->size(); ++o) {
        const tflite::Operator* op = sg->operators()->Get(o);
        std::string where = fmt::format("subgraph {} operator {}", s, o);
        out.operators.push_back(read_operator(op, where, check_tensor_list));
      }
    }
    check_dataflow(out, s, model);
    return out;
  }

  // Every tensor holds one value: a subgraph input, a constant (data in its buffer), a variable,
  // or what exactly one operator writes before any operator reads it (TFLite runs the operators
  // in the order stored). Anything else is a malformed graph, and passes further on would read
  // a tensor nothing wrote or overwrite one that must not change.
  void check_dataflow(const ir::Subgraph& sg, uint32_t s, const ir::Model& model) const {
    constexpr int kNone = -1;
    std::vector<int> writer(sg.tensors.size(), kNone);
    std::vector<bool> graph_input(sg.tensors.size(), false);
    auto constant = [&](const ir::Tensor& t) {
      return t.buffer < model.buffers.size() && model.buffers[t.buffer].has_data();
    };
    for (int32_t t : sg.inputs) {
      if (constant(sg.tensors[t])) {
        fail(
            "subgraph {}: input tensor {} '{}' is a constant (its data is in buffer {}), but "
            "inputs are set when the model runs",
            s, t, sg.tensors[t].name, sg.tensors[t].buffer);
      }
      graph_input[t] = true;
    }
    auto operator_name = [&](size_t o) {
      return fmt::format("subgraph {} operator {} ({})", s, o,
                         ir::operator_display_name(sg.operators[o]));
    };
    for (size_t o = 0; o < sg.operators.size(); ++o) {
      const ir::Operator& op = sg.operators[o];
      for (size_t i = 0; i < op.outputs.size(); ++i) {
        const int32_t t = op.outputs[i];
        if (t < 0) {
          fail("{}: output {} is omitted (tensor index {}); only optional inputs may be omitted",
               operator_name(o), i, t);
        }
        const ir::Tensor& tensor = sg.tensors[t];
        if (constant(tensor)) {
          fail("{}: output {} is tensor {} '{}', a constant (its data is in buffer {})",
               operator_name(o), i, t, tensor.name, tensor.buffer);
        }
        if (graph_input[t]) {
          fail("{}: output {} is tensor {} '{}', an input of the subgraph", operator_name(o), i, t,
               tensor.name);
        }
        if (writer[t] != kNone) {
          fail("{}: output {} is tensor {} '{}', which {} already writes", operator_name(o), i, t,
               tensor.name,
               writer[t] == static_cast<int>(o) ? "this operator" : operator_name(writer[t]));
        }
        writer[t] = static_cast<int>(o);
      }
    }
    for (size_t o = 0; o < sg.operators.size(); ++o) {
      const ir::Operator& op = sg.operators[o];
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const int32_t t = op.inputs[i];
        // (An operator may update a variable tensor it reads in place: an ethos-u operator
        // writing back the state it read, as Vela's do.)
        if (t >= 0 && writer[t] == static_cast<int>(o) && sg.tensors[t].is_variable)
          continue;
        if (t >= 0 && writer[t] >= static_cast<int>(o)) {
          fail(
              "{}: input {} is tensor {} '{}', written by {}{}: operators must come in execution "
              "order",
              operator_name(o), i, t, sg.tensors[t].name,
              writer[t] == static_cast<int>(o) ? "this operator" : operator_name(writer[t]),
              writer[t] == static_cast<int>(o) ? " itself" : ", which comes later");
        }
      }
    }
    for (int32_t t : sg.outputs) {
      const ir::Tensor& tensor = sg.tensors[t];
      if (writer[t] == kNone && !graph_input[t] && !constant(tensor) && !tensor.is_variable) {
        fail(
            "subgraph {}: output tensor {} '{}' has no value: no operator writes it and it is "
            "neither a subgraph input nor a constant",
            s, t, tensor.name);
      }
    }
  }

  template <class CheckList>
  ir::Operator read_operator(const tflite::Operator* op, const std::string& where,
                             CheckList& check_tensor_list) {
    ir::Operator out;
    if (op->opcode_index() >= opcodes_.size()) {
      fail("{}: operator code index {} out of range (model has {} operator codes)", where,
           op->opcode_index(), opcodes_.size());
    }
    const OpCode& oc = opcodes_[op->opcode_index()];
    out.type = oc.type;
    out.custom_code = oc.custom_code;
    out.version = oc.version;
    std::string named = fmt::format("{} ({})", where, ir::operator_display_name(out));
    out.inputs = check_tensor_list(op->inputs(), named + " input", true);
    out.outputs = check_tensor_list(op->outputs(), named + " output", true);
    out.intermediates = check_tensor_list(op->intermediates(), named + " intermediate", false);
    if (!keep_union<tflite::BuiltinOptionsUnion>(op->builtin_options(), op->builtin_options_type(),
                                                 out.builtin_options)) {
      fail("{}: unknown builtin options type {}", named,
           static_cast<int>(op->builtin_options_type()));
    }
    if (!keep_union<tflite::BuiltinOptions2Union>(
            op->builtin_options_2(), op->builtin_options_2_type(), out.builtin_options_2)) {
      fail("{}: unknown builtin options 2 type {}", named,
           static_cast<int>(op->builtin_options_2_type()));
    }
    if (op->custom_options() != nullptr) {
      out.custom_options.assign(op->custom_options()->begin(), op->custom_options()->end());
    } else if (op->large_custom_options_offset() > 1) {
      auto span = external_span(op->large_custom_options_offset(), op->large_custom_options_size(),
                                named + " custom options");
      out.custom_options.assign(span.begin(), span.end());
    }
    out.custom_options_format = static_cast<int8_t>(op->custom_options_format());
    if (op->mutating_variable_inputs() != nullptr) {
      for (auto b : *op->mutating_variable_inputs())
        out.mutating_variable_inputs.push_back(b != 0);
    }
    out.debug_metadata_index = op->debug_metadata_index();
    return out;
  }

  ir::Tensor read_tensor(const tflite::Tensor* t, uint32_t s, uint32_t index,
                         const ir::Model& model) {
    ir::Tensor out;
    if (t->name() != nullptr)
      out.name = t->name()->str();
    std::string where = fmt::format("subgraph {} tensor {} '{}'", s, index, out.name);
    int64_t elements = 1;
    if (t->shape() != nullptr) {
      for (int32_t d : *t->shape()) {
        if (d < 0)
          fail("{}: negative dimension {} in shape", where, d);
        out.shape.push_back(d);
        if (d != 0 && elements > kMaxTensorElements / d) {
          fail("{}: shape has more than 2^40 elements", where);
        }
        elements *= d;
      }
    }
    if (t->shape_signature() != nullptr) {
      out.shape_signature.emplace(t->shape_signature()->begin(), t->shape_signature()->end());
    }
    auto type = static_cast<int>(t->type());
    if (type < 0 || type > ir::kMaxDataType)
      fail("{}: unknown tensor type {}", where, type);
    out.type = static_cast<ir::DataType>(type);
    out.buffer = t->buffer();
    if (out.buffer >= model.buffers.size() && !(out.buffer == 0 && model.buffers.empty())) {
      fail("{}: buffer index {} out of range (model has {} buffers)", where, out.buffer,
           model.buffers.size());
    }
    if (out.buffer < model.buffers.size() && model.buffers[out.buffer].has_data()) {
      auto esize = ir::element_size(out.type);
      size_t have = model.buffers[out.buffer].bytes().size();
      if (esize && static_cast<uint64_t>(elements) * *esize != have) {
        fail("{}: buffer {} holds {} bytes but shape {} of {} needs {}", where, out.buffer, have,
             fmt::format("[{}]", fmt::join(out.shape, ",")), ir::data_type_name(out.type),
             static_cast<uint64_t>(elements) * *esize);
      }
    }
    if (t->quantization() != nullptr)
      out.quantization = read_quantization(t->quantization(), out, where);
    out.is_variable = t->is_variable();
    out.has_rank = t->has_rank();
    out.sparsity = keep_table(t->sparsity());
    if (t->variant_tensors() != nullptr) {
      for (auto* v : *t->variant_tensors())
        out.variant_tensors.push_back(keep_table(v));
    }
    out.external_buffer = t->external_buffer();
    return out;
  }

  ir::Quantization read_quantization(const tflite::QuantizationParameters* q,
                                     const ir::Tensor& tensor, const std::string& where) {
    ir::Quantization out;
    if (q->scale())
      out.scale.assign(q->scale()->begin(), q->scale()->end());
    // TFLite's converter rejects a scale that is negative or not a number ("illegal scale");
    // zero (an all-zero range) and infinity reach the supported-operator checks, which keep such
    // operators on the CPU as Vela does.
    for (size_t i = 0; i < out.scale.size(); ++i) {
      const std::string which = out.scale.size() == 1 ? "" : fmt::format(" {}", i);
      if (std::isnan(out.scale[i]))
        fail("{}: quantisation scale{} is not a number", where, which);
      if (out.scale[i] < 0)
        fail("{}: quantisation scale{} is {:g}, but a scale cannot be negative", where, which,
             out.scale[i]);
    }
    if (q->zero_point()) {
      // The Verifier does not check element alignment; builders always align int64 vectors.
      auto offset = reinterpret_cast<const uint8_t*>(q->zero_point()->data()) - bytes_.data();
      // (flatbuffers does not align empty vectors, and nothing is read from them.)
      if (q->zero_point()->size() > 0 && offset % sizeof(int64_t) != 0) {
        fail("{}: misaligned zero point vector", where);
      }
      out.zero_point.assign(q->zero_point()->begin(), q->zero_point()->end());
    }
    if (q->min())
      out.min.assign(q->min()->begin(), q->min()->end());
    if (q->max())
      out.max.assign(q->max()->begin(), q->max()->end());
    out.quantized_dimension = q->quantized_dimension();
    if (!keep_union<tflite::QuantizationDetailsUnion>(q->details(), q->details_type(),
                                                      out.details)) {
      fail("{}: unknown quantization details type {}", where, static_cast<int>(q->details_type()));
    }
    if (!out.zero_point.empty() && out.zero_point.size() != out.scale.size()) {
      fail("{}: quantization has {} scales but {} zero points", where, out.scale.size(),
           out.zero_point.size());
    }
    if (out.scale.size() > 1) {
      int32_t qd = out.quantized_dimension;
      // Some converters copy the weights' quantized dimension onto rank-1 biases; the scales
      // then run along the only axis, which is how TFLite Micro reads them.
      if (tensor.shape.size() == 1 && static_cast<size_t>(tensor.shape[0]) == out.scale.size()) {
        return out;
      }
      if (qd < 0 || static_cast<size_t>(qd) >= tensor.shape.size()) {
        fail("{}: quantized dimension {} outside the tensor's rank {}", where, qd,
             tensor.shape.size());
      }
      if (static_cast<size_t>(tensor.shape[qd]) != out.scale.size()) {
        fail("{}: {} per-axis scales but dimension {} has size {}", where, out.scale.size(), qd,
             tensor.shape[qd]);
      }
    }
    return out;
  }

  void read_metadata(const tflite::Model* fb, ir::Model& model) {
    if (fb->metadata_buffer() != nullptr) {
      for (int32_t b : *fb->metadata_buffer()) {
        if (b < 0 || static_cast<size_t>(b) >= model.buffers.size()) {
          fail("metadata_buffer refers to buffer {}, but the model has {} buffers", b,
               model.buffers.size());
        }
        model.metadata_buffer.push_back(b);
      }
    }
    if (fb->metadata() == nullptr)
      return;
    for (uint32_t i = 0; i < fb->metadata()->size(); ++i) {
      const tflite::Metadata* m = fb->metadata()->Get(i);
      ir::Metadata md;
      if (m->name() != nullptr)
        md.name = m->name()->str();
      md.buffer = m->buffer();
      if (md.buffer >= model.buffers.size()) {
        fail("metadata {} '{}' refers to buffer {}, but the model has {} buffers", i, md.name,
             md.buffer, model.buffers.size());
      }
      model.metadata.push_back(std::move(md));
    }
  }

  void read_signatures(const tflite::Model* fb, ir::Model& model) {
    if (fb->signature_defs() == nullptr)
      return;
    for (uint32_t i = 0; i < fb->signature_defs()->size(); ++i) {
      const tflite::SignatureDef* sd = fb->signature_defs()->Get(i);
      ir::SignatureDef out;
      if (sd->signature_key() != nullptr)
        out.signature_key = sd->signature_key()->str();
      out.subgraph_index = sd->subgraph_index();
      if (out.subgraph_index >= model.subgraphs.size()) {
        fail("signature {} '{}' refers to subgraph {}, but the model has {}", i, out.signature_key,
             out.subgraph_index, model.subgraphs.size());
      }
      const ir::Subgraph& sg = model.subgraphs[out.subgraph_index];
      size_t n_tensors = sg.tensors.size();
      // A signature names the subgraph's inputs and outputs; one naming another tensor would
      // outlive that tensor when the compiler replaces the operators around it.
      auto maps = [&](const flatbuffers::Vector<flatbuffers::Offset<tflite::TensorMap>>* list,
                      const std::vector<int32_t>& io, std::string_view what) {
        std::vector<ir::TensorMap> v;
        if (list == nullptr)
          return v;
        for (const tflite::TensorMap* m : *list) {
          ir::TensorMap tm;
          if (m->name() != nullptr)
            tm.name = m->name()->str();
          tm.tensor_index = m->tensor_index();
          if (tm.tensor_index >= n_tensors) {
            fail("signature {} '{}': tensor map '{}' refers to tensor {}, but subgraph {} has {}",
                 i, out.signature_key, tm.name, tm.tensor_index, out.subgraph_index, n_tensors);
          }
          if (std::find(io.begin(), io.end(), static_cast<int32_t>(tm.tensor_index)) == io.end()) {
            fail("signature {} '{}': {} '{}' is tensor {}, which is not one of subgraph {}'s {}s",
                 i, out.signature_key, what, tm.name, tm.tensor_index, out.subgraph_index, what);
          }
          v.push_back(std::move(tm));
        }
        return v;
      };
      out.inputs = maps(sd->inputs(), sg.inputs, "input");
      out.outputs = maps(sd->outputs(), sg.outputs, "output");
      model.signature_defs.push_back(std::move(out));
    }
  }

  struct OpCode {
    ir::BuiltinOp type;
    std::string custom_code;
    int32_t version = 1;
  };

  std::span<const uint8_t> bytes_;
  std::string source_;
  std::vector<OpCode> opcodes_;
};

}  // namespace

ir::Model read_model(std::span<const uint8_t> bytes, std::string_view source) {
  return ModelReader(bytes, source).read();
}

ir::Model read_model_file(const std::filesystem::path& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return read_model(bytes, path.string());
}

}  // namespace euc::tfl
