#include "frontend/lowering/data_movement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <variant>

#include "core/error.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

// Feature-map extents are 16-bit fields holding extent - 1 (HEIGHT_M1, WIDTH_M1, DEPTH_M1).
constexpr int64_t kMaxExtent = 65536;
// An operator needing more copies than this stays on the CPU (each copy is a launch of its own).
constexpr int64_t kMaxOperations = 256;

// One axis of a lattice copy: its extent and the element steps between neighbours in the source
// and in the destination (linear NHWC storage).
struct Axis {
  int64_t extent = 1;
  int64_t in = 0;
  int64_t out = 0;
};

// destination[out_origin + sum i_k * out_k] = source[in_origin + sum i_k * in_k] for every index.
struct Copy {
  bool fill = false;  // the source is the pad-value constant, not the operator's input
  int64_t in_origin = 0;
  int64_t out_origin = 0;
  std::vector<Axis> axes;  // outermost first
};

struct Movement {
  int input = -1;  // network tensors
  int output = -1;
  std::vector<Copy> copies;
  int64_t fill_value = 0;     // the stored pad value (fill copies)
  int64_t fill_elements = 0;  // elements of the largest fill box: the pad-value constant
};

// One NPU operation: the source and destination views of a copy, `shape` elements each.
struct ViewPair {
  bool fill = false;
  ir::ElementStrides in;
  ir::ElementStrides out;
  ir::Shape4 shape;
};

// A copy as NPU operations: the source walks forwards on every axis (a reversed axis steps
// backwards in the destination, as Vela 5.1 does, docs/npu_architecture.md §Feature maps and
// regions); axes that lie end to end in both merge; an innermost axis contiguous in both is the
// channel axis, else the views have depth 1; the two longest other axes are the rows and
// columns, and one operation runs for every index of the rest.
struct Split {
  Copy copy;
  int64_t channels = 1;
  int rows = -1;  // axis indices into copy.axes, -1: extent 1
  int cols = -1;
  int64_t operations = 1;
};

Split split_copy(const Copy& c) {
  Split s;
  s.copy.fill = c.fill;
  s.copy.in_origin = c.in_origin;
  s.copy.out_origin = c.out_origin;
  std::vector<Axis>& axes = s.copy.axes;
  for (Axis a : c.axes) {
    if (a.extent == 1)
      continue;
    if (a.in < 0) {
      s.copy.in_origin += (a.extent - 1) * a.in;
      s.copy.out_origin += (a.extent - 1) * a.out;
      a.in = -a.in;
      a.out = -a.out;
    }
    if (!axes.empty() && axes.back().in == a.in * a.extent && axes.back().out == a.out * a.extent &&
        axes.back().extent * a.extent <= kMaxExtent) {
      axes.back() = {axes.back().extent * a.extent, a.in, a.out};
      continue;
    }
    axes.push_back(a);
  }
  std::vector<bool> grid(axes.size(), false);
  if (!axes.empty() && axes.back().in == 1 && axes.back().out == 1 &&
      axes.back().extent <= kMaxExtent) {
    s.channels = axes.back().extent;
    grid.back() = true;
  }
  auto longest = [&]() {
    int best = -1;
    for (size_t k = 0; k < axes.size(); ++k) {
      if (!grid[k] && axes[k].extent <= kMaxExtent &&
          (best < 0 || axes[k].extent >= axes[static_cast<size_t>(best)].extent))
        best = static_cast<int>(k);
    }
    if (best >= 0)
      grid[static_cast<size_t>(best)] = true;
    return best;
  };
  const int a = longest();
  const int b = longest();
  s.rows = std::min(a, b) < 0 ? std::max(a, b) : std::min(a, b);
  s.cols = std::min(a, b) < 0 ? -1 : std::max(a, b);
  for (size_t k = 0; k < axes.size(); ++k) {
    if (!grid[k])
      s.operations = std::min(s.operations * axes[k].extent, kMaxOperations + 1);
  }
  return s;
}

std::vector<ViewPair> view_pairs(const Split& s) {
  const std::vector<Axis>& axes = s.copy.axes;
  const auto axis = [&](int k) { return k < 0 ? Axis{} : axes[static_cast<size_t>(k)]; };
  const Axis rows = axis(s.rows);
  const Axis cols = axis(s.cols);
  std::vector<size_t> loops;
  for (size_t k = 0; k < axes.size(); ++k) {
    const bool channel = s.channels > 1 && k + 1 == axes.size();
    if (static_cast<int>(k) != s.rows && static_cast<int>(k) != s.cols && !channel)
      loops.push_back(k);
  }
  std::vector<ViewPair> out;
  std::vector<int64_t> index(loops.size(), 0);
  for (;;) {
    ViewPair v;
    v.fill = s.copy.fill;
    v.in.origin = s.copy.in_origin;
    v.out.origin = s.copy.out_origin;
    for (size_t l = 0; l < loops.size(); ++l) {
      v.in.origin += index[l] * axes[loops[l]].in;
      v.out.origin += index[l] * axes[loops[l]].out;
    }
    // A unit axis gets the contiguous step (it is never taken).
    v.in.w = s.cols < 0 ? s.channels : cols.in;
    v.out.w = s.cols < 0 ? s.channels : cols.out;
    v.in.h = s.rows < 0 ? s.channels * cols.extent : rows.in;
    v.out.h = s.rows < 0 ? s.channels * cols.extent : rows.out;
    v.shape = {1, static_cast<int>(rows.extent), static_cast<int>(cols.extent),
               static_cast<int>(s.channels)};
    out.push_back(v);
    size_t l = loops.size();
    while (l > 0 && ++index[l - 1] == axes[loops[l - 1]].extent)
      index[--l] = 0;
    if (l == 0)
      break;
  }
  return out;
}

std::vector<int64_t> linear_strides(const std::vector<int32_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    s[d - 1] = s[d] * shape[d];
  return s;
}

bool movable(ir::DataType t) {
  return t == ir::DataType::kInt8 || t == ir::DataType::kUInt8 || t == ir::DataType::kInt16;
}

using Result = std::variant<Movement, std::string>;

// The paddings of a PAD, PADV2 or MIRROR_PAD: a constant [rank, 2] of non-negative integers.
std::variant<std::vector<int64_t>, std::string> paddings(const ir::Model& model,
                                                         const ir::Subgraph& sg, int t,
                                                         size_t rank) {
  if (t < 0 || t >= static_cast<int>(sg.tensors.size()))
    return std::string("the paddings tensor is missing");
  const ir::Tensor& p = sg.tensors[t];
  auto v = model.constant_ints(p);
  if (!v || (p.type != ir::DataType::kInt32 && p.type != ir::DataType::kInt64))
    return std::string("the paddings are not a constant int32/int64 tensor");
  if (v->size() != 2 * rank)
    return std::string("the paddings do not give two values per input axis");
  for (int64_t x : *v) {
    if (x < 0 || x > kMaxExtent)
      return std::string("a padding is negative or wider than 65536");
  }
  return *v;
}

Result transpose(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op,
                 const ir::Tensor& in, const ir::Tensor& out) {
  if (op.inputs.size() != 2 || op.inputs[1] < 0 ||
      op.inputs[1] >= static_cast<int>(sg.tensors.size()))
    return std::string("TRANSPOSE without a permutation tensor");
  auto perm = model.constant_ints(sg.tensors[op.inputs[1]]);
  const size_t rank = in.shape.size();
  if (!perm || perm->size() != rank)
    return std::string("the permutation is not a constant with one entry per input axis");
  std::set<int64_t> seen(perm->begin(), perm->end());
  if (seen.size() != rank || *seen.begin() != 0 || *seen.rbegin() != static_cast<int64_t>(rank) - 1)
    return std::string("the permutation is not a permutation of the input axes");
  const std::vector<int64_t> is = linear_strides(in.shape);
  const std::vector<int64_t> os = linear_strides(out.shape);
  Copy c;
  for (size_t k = 0; k < rank; ++k) {
    const auto from = static_cast<size_t>((*perm)[k]);
    if (out.shape[k] != in.shape[from])
      return std::string("the output shape is not the permuted input shape");
    c.axes.push_back({out.shape[k], is[from], os[k]});
  }
  Movement m;
  m.copies.push_back(c);
  return m;
}

Result reverse(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op,
               const ir::Tensor& in, const ir::Tensor& out) {
  if (op.inputs.size() != 2 || op.inputs[1] < 0 ||
      op.inputs[1] >= static_cast<int>(sg.tensors.size()))
    return std::string("REVERSE_V2 without an axis tensor");
  auto axes = model.constant_ints(sg.tensors[op.inputs[1]]);
  const auto rank = static_cast<int64_t>(in.shape.size());
  if (!axes || axes->empty())
    return std::string("the axes are not a non-empty constant");
  if (out.shape != in.shape)
    return std::string("the output shape differs from the input shape");
  std::set<int64_t> reversed;
  for (int64_t a : *axes) {
    if (a < -rank || a >= rank)
      return std::string("an axis lies outside the input's rank");
    if (!reversed.insert(a < 0 ? a + rank : a).second)
      return std::string("an axis is named twice");
  }
  const std::vector<int64_t> s = linear_strides(in.shape);
  Copy c;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    Axis a{in.shape[d], s[d], s[d]};
    if (reversed.count(static_cast<int64_t>(d)) != 0) {
      c.out_origin += (a.extent - 1) * a.out;
      a.out = -a.out;
    }
    c.axes.push_back(a);
  }
  Movement m;
  m.copies.push_back(c);
  return m;
}

// TFLite's strided slice semantics (begin, end and shrink masks, offset, negative strides):
// where each axis starts and how many elements it takes.
Result strided_slice(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op,
                     const ir::Tensor& in, const ir::Tensor& out) {
  const auto* o = tfl::builtin_options_as<tflite::StridedSliceOptions>(op);
  if (o == nullptr || op.inputs.size() != 4)
    return std::string("STRIDED_SLICE without its options or begin, end and strides");
  if (o->ellipsis_mask() != 0 || o->new_axis_mask() != 0)
    return std::string("an ellipsis or new-axis mask");
  for (size_t k = 1; k < 4; ++k) {
    if (op.inputs[k] < 0 || op.inputs[k] >= static_cast<int>(sg.tensors.size()))
      return std::string("begin, end or strides is missing");
  }
  auto begin = model.constant_ints(sg.tensors[op.inputs[1]]);
  auto end = model.constant_ints(sg.tensors[op.inputs[2]]);
  auto strides = model.constant_ints(sg.tensors[op.inputs[3]]);
  const size_t rank = in.shape.size();
  if (!begin || !end || !strides || begin->size() != rank || end->size() != rank ||
      strides->size() != rank)
    return std::string("begin, end and strides are not constants with one entry per axis");
  const std::vector<int64_t> is = linear_strides(in.shape);
  Copy c;
  std::vector<int64_t> counts;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t n = in.shape[d];
    const int64_t step = (*strides)[d];
    if (step == 0 || step < -kMaxExtent || step > kMaxExtent)
      return std::string("a stride is 0 or beyond 65536");
    const bool shrink = ((o->shrink_axis_mask() >> d) & 1) != 0;
    int64_t b = (*begin)[d];
    if (((o->begin_mask() >> d) & 1) != 0 && !shrink)
      b = step > 0 ? 0 : n - 1;
    if (b < 0)
      b += n;
    b = step > 0 ? std::clamp<int64_t>(b, 0, n) : std::clamp<int64_t>(b, -1, n - 1);
    int64_t count;
    if (shrink) {
      if (b < 0 || b >= n)
        return std::string("a shrunk axis starts outside the input");
      count = 1;
    } else {
      int64_t e = (*end)[d];
      if (((o->end_mask() >> d) & 1) != 0) {
        e = step > 0 ? n : -1;
      } else if (o->offset()) {
        e += b;
      } else if (e < 0) {
        e += n;
      }
      e = step > 0 ? std::clamp<int64_t>(e, 0, n) : std::clamp<int64_t>(e, -1, n - 1);
      const int64_t span = step > 0 ? e - b : b - e;
      const int64_t magnitude = step > 0 ? step : -step;
      count = span <= 0 ? 0 : (span + magnitude - 1) / magnitude;
    }
    if (count <= 0)
      return std::string("an axis selects no element");
    counts.push_back(count);
    c.in_origin += b * is[d];
    c.axes.push_back({count, step * is[d], 0});
  }
  int64_t elements = 1;
  for (size_t d = rank; d-- > 0;) {
    c.axes[d].out = elements;
    elements *= counts[d];
  }
  if (elements != out.num_elements())
    return std::string("the output's element count is not the slice's");
  Movement m;
  m.copies.push_back(c);
  return m;
}

// PAD, PADV2: the input copied into the centre; each padded axis adds a slab before and after
// it (inner axes whole, outer axes the centre only), filled from a constant of the pad value.
Result pad(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op,
           const ir::Tensor& in, const ir::Tensor& out) {
  const size_t rank = in.shape.size();
  if (op.inputs.size() < 2)
    return std::string("PAD without paddings");
  auto p = paddings(model, sg, op.inputs[1], rank);
  if (auto* why = std::get_if<std::string>(&p))
    return *why;
  const std::vector<int64_t>& pads = std::get<std::vector<int64_t>>(p);
  Movement m;
  const bool has_value =
      op.type == ir::BuiltinOp::PADV2 && op.inputs.size() >= 3 && op.inputs[2] >= 0;
  if (has_value) {
    if (op.inputs[2] >= static_cast<int>(sg.tensors.size()))
      return std::string("the pad value tensor is missing");
    const ir::Tensor& v = sg.tensors[op.inputs[2]];
    auto value = model.constant_ints(v);
    if (!value || value->size() != 1 || v.type != in.type)
      return std::string("the pad value is not a constant scalar of the input type");
    m.fill_value = (*value)[0];
  } else {
    // TFLite pads with the output's zero point (an int16 zero point is 0 there).
    const int64_t zp = out.quantization && !out.quantization->zero_point.empty()
                           ? out.quantization->zero_point[0]
                           : 0;
    if (in.type == ir::DataType::kInt16 && zp != 0)
      return std::string("an int16 PAD whose output zero point is not 0");
    m.fill_value = zp;
  }
  const std::vector<int64_t> is = linear_strides(in.shape);
  const std::vector<int64_t> os = linear_strides(out.shape);
  for (size_t d = 0; d < rank; ++d) {
    if (out.shape[d] != in.shape[d] + pads[2 * d] + pads[2 * d + 1])
      return std::string("the output shape is not the padded input shape");
  }
  Copy centre;
  for (size_t d = 0; d < rank; ++d) {
    centre.out_origin += pads[2 * d] * os[d];
    centre.axes.push_back({in.shape[d], is[d], os[d]});
  }
  m.copies.push_back(centre);
  for (size_t d = 0; d < rank; ++d) {
    for (int side = 0; side < 2; ++side) {
      const int64_t width = pads[2 * d + static_cast<size_t>(side)];
      if (width == 0)
        continue;
      Copy slab;
      slab.fill = true;
      std::vector<int64_t> extent(rank);
      for (size_t k = 0; k < rank; ++k) {
        int64_t first = 0;
        if (k < d) {
          extent[k] = in.shape[k];
          first = pads[2 * k];
        } else if (k == d) {
          extent[k] = width;
          first = side == 0 ? 0 : pads[2 * k] + in.shape[k];
        } else {
          extent[k] = out.shape[k];
        }
        slab.out_origin += first * os[k];
      }
      int64_t elements = 1;
      slab.axes.resize(rank);
      for (size_t k = rank; k-- > 0;) {
        slab.axes[k] = {extent[k], elements, os[k]};
        elements *= extent[k];
      }
      m.fill_elements = std::max(m.fill_elements, elements);
      m.copies.push_back(slab);
    }
  }
  return m;
}

// MIRROR_PAD: along every axis the output is the input's reflection before it, the input, and
// its reflection after it (REFLECT leaves out the edge element, SYMMETRIC repeats it); every
// combination of those pieces over the axes is one copy, reversed along its reflected axes.
Result mirror_pad(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op,
                  const ir::Tensor& in, const ir::Tensor& out) {
  const auto* o = tfl::builtin_options_as<tflite::MirrorPadOptions>(op);
  const size_t rank = in.shape.size();
  if (op.inputs.size() != 2)
    return std::string("MIRROR_PAD without paddings");
  auto p = paddings(model, sg, op.inputs[1], rank);
  if (auto* why = std::get_if<std::string>(&p))
    return *why;
  const std::vector<int64_t>& pads = std::get<std::vector<int64_t>>(p);
  const bool reflect = o == nullptr || o->mode() == tflite::MirrorPadMode::REFLECT;
  const std::vector<int64_t> is = linear_strides(in.shape);
  const std::vector<int64_t> os = linear_strides(out.shape);
  // Per axis its pieces: (output start, extent, input start, input step).
  struct Piece {
    int64_t out_first, extent, in_first, step;
  };
  std::vector<std::vector<Piece>> pieces(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t n = in.shape[d];
    const int64_t before = pads[2 * d];
    const int64_t after = pads[2 * d + 1];
    if (out.shape[d] != n + before + after)
      return std::string("the output shape is not the padded input shape");
    const int64_t limit = reflect ? n - 1 : n;
    if (before > limit || after > limit) {
      return std::string(reflect ? "a REFLECT padding is not below the input's extent"
                                 : "a SYMMETRIC padding exceeds the input's extent");
    }
    if (before > 0)
      pieces[d].push_back({0, before, reflect ? before : before - 1, -1});
    pieces[d].push_back({before, n, 0, 1});
    if (after > 0)
      pieces[d].push_back({before + n, after, reflect ? n - 2 : n - 1, -1});
  }
  Movement m;
  std::vector<size_t> choice(rank, 0);
  for (;;) {
    Copy c;
    for (size_t d = 0; d < rank; ++d) {
      const Piece& q = pieces[d][choice[d]];
      c.in_origin += q.in_first * is[d];
      c.out_origin += q.out_first * os[d];
      c.axes.push_back({q.extent, q.step * is[d], os[d]});
    }
    m.copies.push_back(c);
    size_t d = rank;
    while (d > 0 && ++choice[d - 1] == pieces[d - 1].size())
      choice[--d] = 0;
    if (d == 0)
      break;
  }
  return m;
}

Result movement(const ir::Model& model, const ir::Subgraph& sg, const ir::Operator& op) {
  const int n = static_cast<int>(sg.tensors.size());
  if (op.inputs.empty() || op.outputs.size() != 1 || op.inputs[0] < 0 || op.inputs[0] >= n ||
      op.outputs[0] < 0 || op.outputs[0] >= n)
    return std::string("the operator lacks its input or output");
  const ir::Tensor& in = sg.tensors[op.inputs[0]];
  const ir::Tensor& out = sg.tensors[op.outputs[0]];
  if (in.type != out.type || !movable(in.type))
    return std::string("input and output are not both int8, uint8 or int16");
  if (in.shape.size() > 4 || out.shape.size() > 4 || in.num_elements() <= 0 ||
      out.num_elements() <= 0)
    return std::string("a tensor is empty or of rank above 4");
  if (!model.tensor_data(in).empty())
    return std::string("the input is a constant");
  Result r = std::string("not a data movement operator");
  switch (op.type) {
    case ir::BuiltinOp::TRANSPOSE:
      r = transpose(model, sg, op, in, out);
      break;
    case ir::BuiltinOp::REVERSE_V2:
      r = reverse(model, sg, op, in, out);
      break;
    case ir::BuiltinOp::STRIDED_SLICE:
      r = strided_slice(model, sg, op, in, out);
      break;
    case ir::BuiltinOp::PAD:
    case ir::BuiltinOp::PADV2:
      r = pad(model, sg, op, in, out);
      break;
    case ir::BuiltinOp::MIRROR_PAD:
      r = mirror_pad(model, sg, op, in, out);
      break;
    default:
      break;
  }
  if (auto* m = std::get_if<Movement>(&r)) {
    m->input = op.inputs[0];
    m->output = op.outputs[0];
  }
  return r;
}

int64_t operation_count(const Movement& m) {
  int64_t total = 0;
  for (const Copy& c : m.copies)
    total += split_copy(c).operations;
  return total;
}

// The lowered tensor holding network tensor `t` as its whole linear storage.
int linear_tensor(SegmentBuilder& b, int t) {
  const ir::TensorSlice s = b.whole(t);
  if (s.strided() || !(s.offset == ir::Shape4{0, 0, 0, 0}) ||
      s.shape.elements() != b.lowered(s.tensor).shape.elements())
    throw Error(ErrorKind::kInternal, "a data movement operand lives inside another tensor");
  return s.tensor;
}

}  // namespace

std::optional<std::string> data_movement_why_not(const ir::Model& model, int subgraph,
                                                 int op_index) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  Result r = movement(model, sg, sg.operators.at(op_index));
  if (auto* why = std::get_if<std::string>(&r))
    return *why;
  const int64_t ops = operation_count(std::get<Movement>(r));
  if (ops > kMaxOperations) {
    return fmt::format(
        "the copies need more than {} NPU operations (1x1 copies of at most two "
        "strided axes and one contiguous one each)",
        kMaxOperations);
  }
  return std::nullopt;
}

int data_movement_operations(const ir::Model& model, int subgraph, int op_index) {
  if (data_movement_why_not(model, subgraph, op_index))
    return 0;
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  return static_cast<int>(
      operation_count(std::get<Movement>(movement(model, sg, sg.operators.at(op_index)))));
}

void lower_data_movement(SegmentBuilder& b, const ir::Operator& op, int index) {
  Result r = movement(b.model(), b.subgraph(), op);
  if (auto* why = std::get_if<std::string>(&r))
    throw Error(ErrorKind::kInternal, "data movement lowered though: " + *why);
  const Movement& m = std::get<Movement>(r);
  const int in = linear_tensor(b, m.input);
  const int out = linear_tensor(b, m.output);
  int fill = -1;
  if (m.fill_elements > 0) {
    // The pad value, as many times as the largest fill box holds (each box reads a prefix).
    const ir::NpuTensor& o = b.lowered(out);
    ir::NpuTensor c;
    c.name = o.name + "_pad_value";
    c.type = o.type;
    c.quant = o.quant;
    c.shape = {1, 1, 1, static_cast<int>(m.fill_elements)};
    const int esize = o.type == ir::DataType::kInt16 ? 2 : 1;
    auto bytes =
        std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(m.fill_elements * esize));
    const auto v = static_cast<uint16_t>(m.fill_value);
    for (size_t i = 0; i < bytes->size(); ++i)
      (*bytes)[i] = static_cast<uint8_t>(esize == 2 && i % 2 == 1 ? v >> 8 : v);
    c.data = std::move(bytes);
    fill = b.add_constant(std::move(c));
  }
  const std::string name = b.network_tensor(m.output).name;
  for (const Copy& c : m.copies) {
    for (const ViewPair& v : view_pairs(split_copy(c))) {
      const ir::TensorSlice from{v.fill ? fill : in, {0, 0, 0, 0}, v.shape, v.in};
      const ir::TensorSlice to{out, {0, 0, 0, 0}, v.shape, v.out};
      ir::NpuOp copy = b.byte_copy(from, to, name);
      copy.source_ops = {index};
      b.add(std::move(copy));
    }
  }
}

}  // namespace euc::frontend
