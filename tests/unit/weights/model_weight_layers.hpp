#pragma once
// The weight-carrying layers of an original (uncompiled) TFLite model, as the inputs euc's
// weight encoder takes: OHWI weights minus their zero point, biases, and the quantisation of the
// output stage. For tests that compare euc's encoding with Vela's. Includes the one layer Vela
// invents for these models: MEAN over height and width becomes a depthwise convolution whose
// weights are all 1 (Vela 3.10 tflite_graph_optimiser.py convert_mean_to_depthwise_conv).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/model.hpp"
#include "weights/reorder.hpp"
#include "weights/scale_quantisation.hpp"
#include "weights/scale_record.hpp"

namespace euc::test {

struct ModelWeightLayer {
  std::size_t operator_index = 0;
  ir::BuiltinOp type = ir::BuiltinOp::CONV_2D;
  std::string name;  // of the output tensor
  // CONV_2D: the OHWI weights as stored. DEPTHWISE_CONV_2D [1, H, W, C]: [C, H, W, 1], which is
  // also the OHWI form of the convolution Vela makes of a depthwise layer with one input channel.
  // FULLY_CONNECTED [O, I]: [O, 1, 1, I]. MEAN over H x W of C channels: [C, H, W, 1] of ones.
  weights::OhwiShape shape;
  std::vector<std::int16_t> ohwi;  // minus the zero point of each output channel
  std::vector<std::int64_t> biases;
  int ifm_depth = 0;  // of the input tensor
  int stride_x = 1;
  int stride_y = 1;
  float ifm_scale = 1.0f;
  std::vector<float> weight_scales;
  float ofm_scale = 1.0f;
  weights::ConvScaleOptions scale_options;
  // Vela's invented layers carry their scale instead of one computed from the quantisation.
  std::optional<weights::QuantisedScale> explicit_scale;
};

// The layer's scale records as Vela 3.10 computes them.
std::vector<weights::ScaleRecord> layer_scale_records(const ModelWeightLayer& layer);

// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and MEAN (over H and W of a 4-D IFM, in a single
// convolution) of subgraph 0, in execution order.
std::vector<ModelWeightLayer> model_weight_layers(const ir::Model& model);

}  // namespace euc::test
