#pragma once
// The lowering functions of the network operator families (their entries: operator_table.cpp),
// and the checks that say when a family cannot express an operator (it then stays on the CPU).
#include <optional>
#include <string>

#include "frontend/lowering/join_split.hpp"
#include "frontend/lowering/segment_builder.hpp"

namespace euc::frontend {

// Why the lowering cannot express operator `op_index` of `subgraph` of each family (nullopt:
// it can). See OperatorLowering::why_not.
std::optional<std::string> convolution_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> pooling_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> elementwise_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> quantize_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> relu_why_not(const ir::Model& model, int subgraph, int op_index);

// FULLY_CONNECTED's quantisation as the lowering takes it: feature maps per tensor, weights per
// tensor or one scale per output channel with zero points 0 (nullopt), else why not.
std::optional<std::string> fully_connected_quantization_why_not(const ir::Subgraph& sg,
                                                                const ir::Operator& op);

// The lowering functions: operator `index` of the subgraph into the segment being built.
void lower_convolution(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_fully_connected(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_pooling(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_elementwise(SegmentBuilder& b, const ir::Operator& op, int index);
// `input_produced`: the input is computed inside the segment (a reshape of a segment input
// becomes a copy, not an alias).
void lower_reshape(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_quantize(SegmentBuilder& b, const ir::Operator& op, int index);
void lower_relu(SegmentBuilder& b, const ir::Operator& op, int index);
// A fused activation function (tflite::ActivationFunctionType as an int) as the output stage's
// clamp for `ofm`, computed as TFLite Micro does; nullopt for values outside the enumeration.
std::optional<ir::Activation> fused_activation_clamp(int function, const ir::NpuTensor& ofm);
// Activations without a lookup table (activations.cpp).
std::optional<std::string> relu6_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> relu_n1_to_1_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> abs_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> leaky_relu_why_not(const ir::Model& model, int subgraph, int op_index);
std::optional<std::string> prelu_why_not(const ir::Model& model, int subgraph, int op_index);
void lower_relu6(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_relu_n1_to_1(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_abs(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_leaky_relu(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
void lower_prelu(SegmentBuilder& b, const ir::Operator& op, int index, bool input_produced);
// Joins and splits (join_split.cpp): a byte copy for every piece not placed in the whole by a
// view.
void lower_join_split(SegmentBuilder& b, const ir::Operator& op, int index);

}  // namespace euc::frontend
