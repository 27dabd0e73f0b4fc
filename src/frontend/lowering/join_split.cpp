#include "frontend/lowering/join_split.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.hpp"
#include "frontend/lowering/lower_ops.hpp"
#include "frontend/lowering/segment_builder.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

int& dim(ir::Shape4& s, int d) {
  switch (d) {
    case 0:
      return s.n;
    case 1:
      return s.h;
    case 2:
      return s.w;
    default:
      return s.c;
  }
}

bool movable_type(ir::DataType t) {
  return t == ir::DataType::kInt8 || t == ir::DataType::kUInt8 || t == ir::DataType::kInt16;
}

// A tensor the NPU can read or write as a feature map: activations of rank <= 4.
bool feature_map(const ir::Model& model, const ir::Tensor& t) {
  return t.shape.size() <= 4 && model.tensor_data(t).empty() && t.num_elements() > 0;
}

std::optional<int> axis_of(int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis >= r)
    return std::nullopt;
  return static_cast<int>(axis);
}

// The scalar value of a constant integer tensor.
std::optional<int64_t> scalar(const ir::Model& model, const ir::Subgraph& sg, int t) {
  if (t < 0 || t >= static_cast<int>(sg.tensors.size()))
    return std::nullopt;
  auto v = model.constant_ints(sg.tensors[t]);
  if (!v || v->size() != 1)
    return std::nullopt;
  return (*v)[0];
}

// Pieces laid end to end along `axis` of the whole (4-D axis index `axis4`); `sizes[k]` is piece
// k's extent along it.
std::optional<JoinSplit> along_axis(bool join, int whole, const ir::Shape4& whole_shape, int axis4,
                                    const std::vector<int>& tensors,
                                    const std::vector<int>& sizes) {
  JoinSplit js;
  js.join = join;
  js.whole = whole;
  int at = 0;
  for (size_t k = 0; k < tensors.size(); ++k) {
    Piece p;
    p.tensor = tensors[k];
    p.shape = whole_shape;
    dim(p.shape, axis4) = sizes[k];
    dim(p.offset, axis4) = at;
    if (sizes[k] <= 0)
      return std::nullopt;
    at += sizes[k];
    js.pieces.push_back(p);
  }
  ir::Shape4 copy = whole_shape;
  if (at != dim(copy, axis4))
    return std::nullopt;
  return js;
}

std::optional<JoinSplit> concatenation(const ir::Subgraph& sg, const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<tflite::ConcatenationOptions>(op);
  if (o == nullptr || o->fused_activation_function() != tflite::ActivationFunctionType::NONE)
    return std::nullopt;
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  auto axis = axis_of(o->axis(), out.shape.size());
  if (!axis)
    return std::nullopt;
  std::vector<int> sizes;
  for (int in : op.inputs) {
    const ir::Tensor& t = sg.tensors[in];
    if (t.shape.size() != out.shape.size())
      return std::nullopt;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (static_cast<int>(d) != *axis && t.shape[d] != out.shape[d])
        return std::nullopt;
    }
    sizes.push_back(t.shape[static_cast<size_t>(*axis)]);
  }
  const int axis4 = *axis + 4 - static_cast<int>(out.shape.size());
  return along_axis(true, op.outputs[0], to_shape4(out.shape), axis4, op.inputs, sizes);
}

std::optional<JoinSplit> pack(const ir::Subgraph& sg, const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<tflite::PackOptions>(op);
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  if (o == nullptr || out.shape.empty())
    return std::nullopt;
  auto axis = axis_of(o->axis(), out.shape.size());
  if (!axis || out.shape[static_cast<size_t>(*axis)] != static_cast<int>(op.inputs.size()))
    return std::nullopt;
  std::vector<int32_t> expected = out.shape;
  expected.erase(expected.begin() + *axis);
  for (int in : op.inputs) {
    if (sg.tensors[in].shape != expected)
      return std::nullopt;
  }
  const int axis4 = *axis + 4 - static_cast<int>(out.shape.size());
  return along_axis(true, op.outputs[0], to_shape4(out.shape), axis4, op.inputs,
                    std::vector<int>(op.inputs.size(), 1));
}

// SPLIT, SPLIT_V, UNPACK: the outputs' extents along the axis say where each piece is.
std::optional<JoinSplit> split_outputs(const ir::Subgraph& sg, const ir::Operator& op, int input,
                                       int64_t axis_value, bool drops_axis) {
  const ir::Tensor& in = sg.tensors[input];
  auto axis = axis_of(axis_value, in.shape.size());
  if (!axis)
    return std::nullopt;
  std::vector<int> sizes;
  for (int out : op.outputs) {
    std::vector<int32_t> shape = sg.tensors[out].shape;
    if (drops_axis)
      shape.insert(shape.begin() + std::min<size_t>(static_cast<size_t>(*axis), shape.size()), 1);
    if (shape.size() != in.shape.size())
      return std::nullopt;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (static_cast<int>(d) != *axis && shape[d] != in.shape[d])
        return std::nullopt;
    }
    sizes.push_back(shape[static_cast<size_t>(*axis)]);
  }
  const int axis4 = *axis + 4 - static_cast<int>(in.shape.size());
  return along_axis(false, input, to_shape4(in.shape), axis4, op.outputs, sizes);
}

// SLICE and STRIDED_SLICE: one box of the input, begin and size per input axis.
std::optional<JoinSplit> box(const ir::Subgraph& sg, const ir::Operator& op,
                             const std::vector<int64_t>& begin, const std::vector<int64_t>& size) {
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  const size_t rank = in.shape.size();
  if (begin.size() != rank || size.size() != rank)
    return std::nullopt;
  Piece p;
  p.tensor = op.outputs[0];
  p.shape = to_shape4(in.shape);
  int64_t elements = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (begin[d] < 0 || size[d] <= 0 || begin[d] + size[d] > in.shape[d])
      return std::nullopt;
    const int d4 = static_cast<int>(d + 4 - rank);
    dim(p.offset, d4) = static_cast<int>(begin[d]);
    dim(p.shape, d4) = static_cast<int>(size[d]);
    elements *= size[d];
  }
  if (elements != out.num_elements())
    return std::nullopt;
  JoinSplit js;
  js.whole = op.inputs[0];
  js.pieces.push_back(p);
  return js;
}

std::optional<JoinSplit> slice(const ir::Model& model, const ir::Subgraph& sg,
                               const ir::Operator& op) {
  if (op.inputs.size() != 3)
    return std::nullopt;
  auto begin = model.constant_ints(sg.tensors[op.inputs[1]]);
  auto size = model.constant_ints(sg.tensors[op.inputs[2]]);
  if (!begin || !size)
    return std::nullopt;
  const std::vector<int32_t>& shape = sg.tensors[op.inputs[0]].shape;
  if (size->size() != shape.size() || begin->size() != shape.size())
    return std::nullopt;
  for (size_t d = 0; d < size->size(); ++d) {
    if ((*size)[d] == -1)
      (*size)[d] = shape[d] - (*begin)[d];
  }
  return box(sg, op, *begin, *size);
}

std::optional<JoinSplit> strided_slice(const ir::Model& model, const ir::Subgraph& sg,
                                       const ir::Operator& op) {
  const auto* o = tfl::builtin_options_as<tflite::StridedSliceOptions>(op);
  if (o == nullptr || op.inputs.size() != 4 || o->ellipsis_mask() != 0 || o->new_axis_mask() != 0)
    return std::nullopt;
  auto begin = model.constant_ints(sg.tensors[op.inputs[1]]);
  auto end = model.constant_ints(sg.tensors[op.inputs[2]]);
  auto strides = model.constant_ints(sg.tensors[op.inputs[3]]);
  const std::vector<int32_t>& shape = sg.tensors[op.inputs[0]].shape;
  const size_t rank = shape.size();
  if (!begin || !end || !strides || begin->size() != rank || end->size() != rank ||
      strides->size() != rank)
    return std::nullopt;
  std::vector<int64_t> first(rank), size(rank);
  for (size_t d = 0; d < rank; ++d) {
    if ((*strides)[d] != 1)
      return std::nullopt;
    const int64_t extent = shape[d];
    const bool shrink = ((o->shrink_axis_mask() >> d) & 1) != 0;
    int64_t b = ((o->begin_mask() >> d) & 1) != 0 ? 0 : (*begin)[d];
    if (b < 0)
      b += extent;
    b = std::clamp<int64_t>(b, 0, extent);
    int64_t e;
    if (shrink) {
      e = b + 1;
    } else if (((o->end_mask() >> d) & 1) != 0) {
      e = extent;
    } else {
      e = (*end)[d];
      if (o->offset())
        e += b;
      else if (e < 0)
        e += extent;
      e = std::clamp<int64_t>(e, 0, extent);
    }
    first[d] = b;
    size[d] = e - b;
  }
  return box(sg, op, first, size);
}

std::optional<JoinSplit> geometry(const ir::Model& model, const ir::Subgraph& sg,
                                  const ir::Operator& op) {
  switch (op.type) {
    case ir::BuiltinOp::CONCATENATION:
      return concatenation(sg, op);
    case ir::BuiltinOp::PACK:
      return pack(sg, op);
    case ir::BuiltinOp::SPLIT: {
      if (op.inputs.size() != 2)
        return std::nullopt;
      auto axis = scalar(model, sg, op.inputs[0]);
      if (!axis)
        return std::nullopt;
      return split_outputs(sg, op, op.inputs[1], *axis, false);
    }
    case ir::BuiltinOp::SPLIT_V: {
      if (op.inputs.size() != 3)
        return std::nullopt;
      auto axis = scalar(model, sg, op.inputs[2]);
      if (!axis)
        return std::nullopt;
      return split_outputs(sg, op, op.inputs[0], *axis, false);
    }
    case ir::BuiltinOp::UNPACK: {
      const auto* o = tfl::builtin_options_as<tflite::UnpackOptions>(op);
      if (o == nullptr || op.inputs.size() != 1)
        return std::nullopt;
      return split_outputs(sg, op, op.inputs[0], o->axis(), true);
    }
    case ir::BuiltinOp::SLICE:
      return slice(model, sg, op);
    case ir::BuiltinOp::STRIDED_SLICE:
      return strided_slice(model, sg, op);
    default:
      return std::nullopt;
  }
}

}  // namespace

bool is_join_or_split(ir::BuiltinOp op) {
  switch (op) {
    case ir::BuiltinOp::CONCATENATION:
    case ir::BuiltinOp::PACK:
    case ir::BuiltinOp::SPLIT:
    case ir::BuiltinOp::SPLIT_V:
    case ir::BuiltinOp::UNPACK:
    case ir::BuiltinOp::SLICE:
    case ir::BuiltinOp::STRIDED_SLICE:
      return true;
    default:
      return false;
  }
}

std::optional<JoinSplit> join_split_geometry(const ir::Model& model, const ir::Subgraph& sg,
                                             const ir::Operator& op) {
  if (!is_join_or_split(op.type) || op.inputs.empty() || op.outputs.empty())
    return std::nullopt;
  const int n = static_cast<int>(sg.tensors.size());
  for (int t : op.inputs) {
    if (t < 0 || t >= n)
      return std::nullopt;
  }
  for (int t : op.outputs) {
    if (t < 0 || t >= n)
      return std::nullopt;
  }
  std::optional<JoinSplit> js = geometry(model, sg, op);
  if (!js)
    return std::nullopt;
  const ir::Tensor& whole = sg.tensors[js->whole];
  if (!movable_type(whole.type) || !feature_map(model, whole))
    return std::nullopt;
  const ir::Shape4 whole_shape = to_shape4(whole.shape);
  for (const Piece& p : js->pieces) {
    const ir::Tensor& t = sg.tensors[p.tensor];
    if (t.type != whole.type || !feature_map(model, t) || p.shape.elements() != t.num_elements())
      return std::nullopt;
    // The NPU folds batch into height: several batches of a piece are one run of rows only
    // when the piece spans the whole height (otherwise its rows are not evenly spaced).
    if (p.shape.n > 1 && p.shape.h != whole_shape.h)
      return std::nullopt;
  }
  return js;
}

namespace {

// Operators whose lowering writes its whole output through SegmentBuilder::whole, so the output
// may be a view into a join.
bool writes_through_view(ir::BuiltinOp op) {
  switch (op) {
    case ir::BuiltinOp::CONV_2D:
    case ir::BuiltinOp::DEPTHWISE_CONV_2D:
    case ir::BuiltinOp::AVERAGE_POOL_2D:
    case ir::BuiltinOp::MAX_POOL_2D:
    case ir::BuiltinOp::ADD:
    case ir::BuiltinOp::SUB:
    case ir::BuiltinOp::MUL:
    case ir::BuiltinOp::MINIMUM:
    case ir::BuiltinOp::MAXIMUM:
    case ir::BuiltinOp::QUANTIZE:
    case ir::BuiltinOp::CONCATENATION:
    case ir::BuiltinOp::PACK:
      return true;
    default:
      return false;
  }
}

// Operators whose lowering reads its feature-map inputs through SegmentBuilder::whole with their
// own shapes, so an input may be a view into a split.
bool reads_through_view(ir::BuiltinOp op) {
  return writes_through_view(op) || op == ir::BuiltinOp::SPLIT || op == ir::BuiltinOp::SPLIT_V ||
         op == ir::BuiltinOp::UNPACK || op == ir::BuiltinOp::SLICE ||
         op == ir::BuiltinOp::STRIDED_SLICE;
}

bool same_quantisation(const ir::Tensor& a, const ir::Tensor& b) {
  if (a.type != b.type || a.quantization.has_value() != b.quantization.has_value())
    return false;
  if (!a.quantization)
    return true;
  return a.quantization->scale == b.quantization->scale &&
         a.quantization->zero_point == b.quantization->zero_point;
}

}  // namespace

void place_pieces_in_place(SegmentBuilder& b, const std::vector<int>& segment_ops) {
  const ir::Subgraph& sg = b.subgraph();
  const std::set<int> in_segment(segment_ops.begin(), segment_ops.end());
  std::map<int, int> producer;
  std::map<int, std::vector<int>> readers;  // one entry per use
  for (size_t k = 0; k < sg.operators.size(); ++k) {
    for (int t : sg.operators[k].outputs)
      producer[t] = static_cast<int>(k);
    for (int t : sg.operators[k].inputs) {
      if (t >= 0)
        readers[t].push_back(static_cast<int>(k));
    }
  }
  const std::set<int> subgraph_outputs(sg.outputs.begin(), sg.outputs.end());
  for (int index : segment_ops) {
    const ir::Operator& op = sg.operators[static_cast<size_t>(index)];
    std::optional<JoinSplit> js = join_split_geometry(b.model(), sg, op);
    if (!js)
      continue;
    const ir::Tensor& whole = sg.tensors[js->whole];
    for (const Piece& p : js->pieces) {
      const ir::Tensor& t = sg.tensors[p.tensor];
      if (subgraph_outputs.count(p.tensor) != 0 || !same_quantisation(t, whole) ||
          !(p.shape == to_shape4(t.shape)) || b.has_view(p.tensor))
        continue;
      const std::vector<int>& uses = readers[p.tensor];
      bool ok = true;
      if (js->join) {
        // Its producer writes it straight into the join's output; the join is its only reader.
        auto it = producer.find(p.tensor);
        ok = it != producer.end() && in_segment.count(it->second) != 0 &&
             writes_through_view(sg.operators[static_cast<size_t>(it->second)].type) &&
             uses.size() == 1 && uses[0] == index;
      } else {
        // Every reader reads the piece where it lies in the split's input; a join reading it
        // copies it from there, so it must see the piece in the same shape.
        for (int r : uses) {
          const ir::Operator& reader = sg.operators[static_cast<size_t>(r)];
          ok &= in_segment.count(r) != 0 && r > index && reads_through_view(reader.type);
          if (ok && is_join_or_split(reader.type)) {
            const std::optional<JoinSplit> other = join_split_geometry(b.model(), sg, reader);
            bool same_shape = other.has_value();
            if (other && other->join) {
              for (const Piece& q : other->pieces)
                same_shape &= q.tensor != p.tensor || q.shape == p.shape;
            }
            ok &= same_shape;
          }
        }
      }
      if (ok)
        b.view(p.tensor, js->whole, p.offset, p.shape);
    }
  }
}

void lower_join_split(SegmentBuilder& b, const ir::Operator& op, int index) {
  std::optional<JoinSplit> js = join_split_geometry(b.model(), b.subgraph(), op);
  if (!js)
    throw Error(ErrorKind::kInternal, "join or split lowered without a geometry");
  const ir::TensorSlice whole = b.whole(js->whole);
  for (const Piece& p : js->pieces) {
    const ir::TensorSlice place{whole.tensor, whole.offset + p.offset, p.shape};
    ir::TensorSlice own = b.whole(p.tensor);
    if (own.tensor == place.tensor && own.offset == place.offset)
      continue;  // written or read in place: nothing to move
    if (b.has_view(p.tensor)) {
      // A view into another join or split (a slice of a segment input joined here, say): copied
      // from where it lies, in the same shape (place_pieces_in_place sees to that).
      if (!(own.shape == p.shape))
        throw Error(ErrorKind::kInternal, "a piece viewed in another shape is joined or split");
    } else {
      // The piece's own storage is a whole tensor: view its bytes in the piece's shape.
      own.shape = p.shape;
    }
    ir::NpuOp copy = js->join ? b.byte_copy(own, place, b.network_tensor(js->whole).name)
                              : b.byte_copy(place, own, b.network_tensor(p.tensor).name);
    copy.source_ops = {index};
    b.add(std::move(copy));
  }
}

}  // namespace euc::frontend
