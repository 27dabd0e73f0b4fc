#include "frontend/lowering/lowering.hpp"

#include <cstring>
#include <map>
#include <set>

#include "frontend/lowering/data_movement.hpp"
#include "frontend/lowering/join_split.hpp"
#include "frontend/lowering/operator_arity.hpp"
#include "frontend/lowering/operator_table.hpp"
#include "frontend/lowering/segment_builder.hpp"
#include "frontend/lowering/shape_checks.hpp"
#include "frontend/lowering/unlowered.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

// Tensors an ethos-u operator already in the network (a model Vela compiled) reads or writes:
// their arena offsets are fixed by the input's OfflineMemoryAllocation and its command stream,
// so a new segment must not move them (an operator touching one stays on the CPU).
std::set<int> fixed_by_ethosu(const ir::Subgraph& sg) {
  std::set<int> fixed;
  for (const ir::Operator& op : sg.operators) {
    if (op.type != ir::BuiltinOp::CUSTOM || op.custom_code != "ethos-u")
      continue;
    fixed.insert(op.inputs.begin(), op.inputs.end());
    fixed.insert(op.outputs.begin(), op.outputs.end());
  }
  return fixed;
}

bool is_reshape(ir::BuiltinOp op) {
  return op == ir::BuiltinOp::RESHAPE || op == ir::BuiltinOp::SQUEEZE ||
         op == ir::BuiltinOp::EXPAND_DIMS;
}

// The convolution's own padding is VALID (a folded PAD supplies all of it).
bool padding_is_valid(const ir::Operator& op) {
  if (const auto* o = tfl::builtin_options_as<tflite::Conv2DOptions>(op)) {
    return o->padding() == tflite::Padding::VALID;
  }
  if (const auto* o = tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(op)) {
    return o->padding() == tflite::Padding::VALID;
  }
  return false;
}

}  // namespace

bool pad_folds_into_next(const ir::Model& model, int subgraph, int op_index, FoldedPad* fold) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const ir::Operator& pad = sg.operators.at(op_index);
  if (pad.type != ir::BuiltinOp::PAD || pad.inputs.size() != 2 || pad.outputs.size() != 1) {
    return false;
  }
  if (op_index + 1 >= static_cast<int>(sg.operators.size()))
    return false;
  const ir::Operator& next = sg.operators[op_index + 1];
  const int out = pad.outputs[0];
  if (next.type != ir::BuiltinOp::CONV_2D && next.type != ir::BuiltinOp::DEPTHWISE_CONV_2D) {
    return false;
  }
  if (next.inputs.empty() || next.inputs[0] != out)
    return false;
  for (int o : sg.outputs) {
    if (o == out)
      return false;
  }
  for (size_t k = 0; k < sg.operators.size(); ++k) {
    if (static_cast<int>(k) == op_index + 1)
      continue;
    for (int in : sg.operators[k].inputs) {
      if (in == out)
        return false;
    }
  }
  if (!padding_is_valid(next))
    return false;
  // The paddings tensor: constant [rank, 2] int32/int64, only H and W non-zero.
  const ir::Tensor& p = sg.tensors.at(pad.inputs[1]);
  auto bytes = model.tensor_data(p);
  if (bytes.empty() || p.shape.size() != 2 || p.shape[1] != 2 || p.shape[0] != 4)
    return false;
  auto value = [&](int i) -> int64_t {
    if (p.type == ir::DataType::kInt64) {
      int64_t v;
      std::memcpy(&v, bytes.data() + 8 * i, 8);
      return v;
    }
    int32_t v;
    std::memcpy(&v, bytes.data() + 4 * i, 4);
    return v;
  };
  if (p.type != ir::DataType::kInt32 && p.type != ir::DataType::kInt64)
    return false;
  if (value(0) != 0 || value(1) != 0 || value(6) != 0 || value(7) != 0)
    return false;
  ir::Padding padding{static_cast<int>(value(2)), static_cast<int>(value(4)),
                      static_cast<int>(value(3)), static_cast<int>(value(5))};
  // No wider than the kernel: the hardware pads within a kernel window. (The convolution may be
  // one the checks left on the CPU, its inputs unchecked: a weight index outside the subgraph
  // means no fold.)
  if (next.inputs.size() < 2 || next.inputs[1] < 0 ||
      next.inputs[1] >= static_cast<int>(sg.tensors.size()))
    return false;
  const ir::Tensor& w = sg.tensors[next.inputs[1]];
  if (w.shape.size() != 4)
    return false;
  int kh = w.shape[1], kw = w.shape[2];
  if (padding.top < 0 || padding.left < 0 || padding.bottom < 0 || padding.right < 0 ||
      padding.top >= kh || padding.bottom >= kh || padding.left >= kw || padding.right >= kw) {
    return false;
  }
  if (fold != nullptr)
    *fold = {pad.inputs[0], padding};
  return true;
}

std::optional<std::string> why_not_lowered(const ir::Model& model, int subgraph, int op_index) {
  const ir::Operator& op = model.subgraphs.at(subgraph).operators.at(op_index);
  const OperatorLowering* entry = find_lowering(op.type);
  if (entry == nullptr)
    return std::string(unlowered_reason(op.type).value_or(kNotLoweredReason));
  return entry->why_not(model, subgraph, op_index);
}

LoweredSubgraph lower_subgraph(const ir::Model& model, int subgraph,
                               const std::vector<bool>& on_npu) {
  const ir::Subgraph& sg = model.subgraphs.at(subgraph);
  const int n = static_cast<int>(sg.operators.size());
  std::vector<bool> npu(n);
  const std::set<int> fixed = fixed_by_ethosu(sg);
  auto touches_fixed = [&](int i) {
    const ir::Operator& op = sg.operators[static_cast<size_t>(i)];
    for (const std::vector<int32_t>* list : {&op.inputs, &op.outputs}) {
      for (int t : *list) {
        if (fixed.count(t) != 0)
          return true;
      }
    }
    return false;
  };
  auto wanted = [&](int i) {
    return i < static_cast<int>(on_npu.size()) && on_npu[i] && !touches_fixed(i);
  };
  for (int i = 0; i < n; ++i) {
    // The supported-operator checks tolerate any inputs and outputs (an operator they reject
    // stays on the CPU as it is); what goes on to the NPU must have those of its type.
    if (wanted(i))
      check_operator_arity(model, subgraph, i);
    const OperatorLowering* entry = find_lowering(sg.operators[i].type);
    npu[i] = wanted(i) && entry != nullptr && !entry->folds_into_next &&
             !entry->why_not(model, subgraph, i);
  }
  // A PAD goes with the convolution it folds into, when that convolution runs on the NPU;
  // otherwise it runs on its own when it can (copies and fills, data_movement.cpp).
  std::map<int, FoldedPad> folds;  // PAD output tensor -> fold
  for (int i = n - 1; i >= 0; --i) {
    FoldedPad fold;
    const OperatorLowering* entry = find_lowering(sg.operators[i].type);
    if (!wanted(i) || entry == nullptr || !entry->folds_into_next)
      continue;
    if (i + 1 < n && npu[i + 1] && pad_folds_into_next(model, subgraph, i, &fold)) {
      npu[i] = true;
      folds[sg.operators[i].outputs[0]] = fold;
    } else if (!data_movement_why_not(model, subgraph, i)) {
      npu[i] = true;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (npu[i])
      check_output_shape(model, subgraph, i);
  }
  // Runs of consecutive NPU operators; a run made only of reshapes stays on the CPU when it
  // sits between CPU operators (moving it would add a copy and a CPU/NPU switch for nothing).
  // A run with no neighbour at all (a network that only reshapes) goes to the NPU, as Vela
  // places it: one DMA copy, and the CPU has nothing left to do.
  auto touches_other_ops = [&](const std::vector<int>& run) {
    std::set<int> members(run.begin(), run.end());
    std::set<int> run_inputs;
    std::set<int> run_outputs;
    for (int op : run) {
      for (int t : sg.operators[op].inputs)
        run_inputs.insert(t);
      for (int t : sg.operators[op].outputs)
        run_outputs.insert(t);
    }
    for (int k = 0; k < n; ++k) {
      if (members.count(k) != 0)
        continue;
      for (int t : sg.operators[k].outputs) {
        if (t >= 0 && run_inputs.count(t) != 0)
          return true;
      }
      for (int t : sg.operators[k].inputs) {
        if (t >= 0 && run_outputs.count(t) != 0)
          return true;
      }
    }
    return false;
  };
  LoweredSubgraph out;
  out.subgraph = subgraph;
  for (int i = 0; i < n;) {
    Segment seg;
    seg.on_npu = npu[i];
    int j = i;
    while (j < n && npu[j] == seg.on_npu && (seg.on_npu || j == i))
      seg.network_ops.push_back(j++);
    if (seg.on_npu) {
      bool only_reshapes = true;
      for (int op : seg.network_ops)
        only_reshapes &= is_reshape(sg.operators[op].type);
      if (only_reshapes && touches_other_ops(seg.network_ops)) {
        for (int op : seg.network_ops)
          out.segments.push_back({false, {op}, {}});
        i = j;
        continue;
      }
    }
    out.segments.push_back(std::move(seg));
    i = j;
  }
  // Build each NPU segment's graph.
  std::set<int> subgraph_outputs(sg.outputs.begin(), sg.outputs.end());
  for (size_t s = 0; s < out.segments.size(); ++s) {
    Segment& seg = out.segments[s];
    if (!seg.on_npu)
      continue;
    SegmentBuilder builder(model, sg);
    for (int op_index : seg.network_ops) {
      const ir::Operator& op = sg.operators[op_index];
      if (op.type == ir::BuiltinOp::PAD && folds.count(op.outputs[0]) != 0)
        builder.fold_pad(op.outputs[0], folds.at(op.outputs[0]));
    }
    place_pieces_in_place(builder, seg.network_ops);
    std::set<int> produced;
    for (int op_index : seg.network_ops) {
      const ir::Operator& op = sg.operators[op_index];
      find_lowering(op.type)->lower(builder, op, op_index,
                                    !op.inputs.empty() && produced.count(op.inputs[0]) != 0);
      for (int t : op.outputs)
        produced.insert(t);
    }
    int last = seg.network_ops.back();
    auto needed_outside = [&](int t) {
      if (subgraph_outputs.count(t) != 0)
        return true;
      for (int k = last + 1; k < n; ++k) {
        for (int in : sg.operators[k].inputs) {
          if (in == t)
            return true;
        }
      }
      return false;
    };
    seg.graph = builder.finish(needed_outside);
  }
  return out;
}

}  // namespace euc::frontend
