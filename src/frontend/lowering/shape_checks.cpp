#include "frontend/lowering/shape_checks.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tflite/options.hpp"

namespace euc::frontend {
namespace {

using Dims = std::vector<int64_t>;

// Shapes of rank below 4 padded with leading ones, as the lowering reads them.
Dims dims4(const std::vector<int32_t>& shape) {
  Dims d(shape.begin(), shape.end());
  while (d.size() < 4)
    d.insert(d.begin(), 1);
  return d;
}

class ShapeCheck {
 public:
  ShapeCheck(const ir::Model& model, int subgraph, int op_index)
      : model_(model),
        sg_(model.subgraphs.at(subgraph)),
        op_(sg_.operators.at(op_index)),
        where_(fmt::format("subgraph {} operator {} ({})", subgraph, op_index,
                           ir::operator_display_name(op_))) {}

  void run() {
    switch (op_.type) {
      case ir::BuiltinOp::CONV_2D:
      case ir::BuiltinOp::DEPTHWISE_CONV_2D:
        convolution();
        break;
      case ir::BuiltinOp::AVERAGE_POOL_2D:
      case ir::BuiltinOp::MAX_POOL_2D:
        pooling();
        break;
      case ir::BuiltinOp::FULLY_CONNECTED:
        fully_connected();
        break;
      case ir::BuiltinOp::ADD:
      case ir::BuiltinOp::SUB:
      case ir::BuiltinOp::MUL:
      case ir::BuiltinOp::MINIMUM:
      case ir::BuiltinOp::MAXIMUM:
        elementwise();
        break;
      case ir::BuiltinOp::RESHAPE:
      case ir::BuiltinOp::SQUEEZE:
      case ir::BuiltinOp::EXPAND_DIMS:
        same_elements();
        same_type();
        break;
      case ir::BuiltinOp::QUANTIZE:
        same_elements();
        break;
      case ir::BuiltinOp::PAD:
        pad();
        break;
      default:
        break;
    }
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw_input(fmt::format("{}: {}", where_, fmt::format(f, std::forward<Args>(args)...)));
  }

  const ir::Tensor& input(size_t i) const { return sg_.tensors[op_.inputs.at(i)]; }
  const ir::Tensor& output() const { return sg_.tensors[op_.outputs.at(0)]; }

  void expect_output(const Dims& want, std::string_view from) const {
    const ir::Tensor& out = output();
    if (dims4(out.shape) != want) {
      fail("output '{}' has shape [{}], but {} give [{}]", out.name, fmt::join(out.shape, ","),
           from, fmt::join(want, ","));
    }
  }

  // The optional bias at input `i` holds one value per output channel.
  void expect_bias(size_t i, int64_t channels) const {
    if (op_.inputs.size() <= i || op_.inputs[i] < 0)
      return;
    const ir::Tensor& bias = input(i);
    if (bias.num_elements() != channels) {
      fail("bias '{}' has {} values for {} output channels", bias.name, bias.num_elements(),
           channels);
    }
  }

  // TFLite's output size along one axis (ComputeOutSize).
  int64_t out_size(tflite::Padding padding, int64_t in, int stride, int dilated_kernel) const {
    if (stride < 1)
      fail("stride {} is not a positive integer", stride);
    switch (padding) {
      case tflite::Padding::SAME:
        return (in + stride - 1) / stride;
      case tflite::Padding::VALID:
        return (in + stride - dilated_kernel) / stride;
    }
    fail("unknown padding {}", static_cast<int>(padding));
  }

  void convolution() const {
    const bool depthwise = op_.type == ir::BuiltinOp::DEPTHWISE_CONV_2D;
    const Dims in = dims4(input(0).shape);
    const ir::Tensor& weights = input(1);
    if (weights.shape.size() != 4)
      fail("weights '{}' are {}-D, not 4-D", weights.name, weights.shape.size());
    tflite::Padding padding;
    int stride_w, stride_h, dilation_w, dilation_h;
    auto read = [&](const auto* o) {
      if (o == nullptr)
        fail("missing options");
      padding = o->padding();
      stride_w = o->stride_w();
      stride_h = o->stride_h();
      dilation_w = o->dilation_w_factor();
      dilation_h = o->dilation_h_factor();
    };
    if (depthwise)
      read(tfl::builtin_options_as<tflite::DepthwiseConv2DOptions>(op_));
    else
      read(tfl::builtin_options_as<tflite::Conv2DOptions>(op_));
    if (dilation_w < 1 || dilation_h < 1)
      fail("dilation {}x{} is not positive", dilation_w, dilation_h);
    const int64_t kh = (int64_t{weights.shape[1]} - 1) * dilation_h + 1;
    const int64_t kw = (int64_t{weights.shape[2]} - 1) * dilation_w + 1;
    const int64_t depth = depthwise ? weights.shape[3] : weights.shape[0];
    expect_bias(2, depth);
    expect_output({in[0], out_size(padding, in[1], stride_h, static_cast<int>(kh)),
                   out_size(padding, in[2], stride_w, static_cast<int>(kw)), depth},
                  "the input, weights, strides, dilation and padding");
  }

  void pooling() const {
    const Dims in = dims4(input(0).shape);
    const auto* o = tfl::builtin_options_as<tflite::Pool2DOptions>(op_);
    if (o == nullptr)
      fail("missing options");
    expect_output({in[0], out_size(o->padding(), in[1], o->stride_h(), o->filter_height()),
                   out_size(o->padding(), in[2], o->stride_w(), o->filter_width()), in[3]},
                  "the input, filter, strides and padding");
  }

  void fully_connected() const {
    const ir::Tensor& in = input(0);
    const ir::Tensor& weights = input(1);
    if (weights.shape.size() != 2)
      fail("weights '{}' are {}-D, not 2-D", weights.name, weights.shape.size());
    const int64_t depth = weights.shape[1];
    if (depth == 0 || in.num_elements() % depth != 0) {
      fail("input '{}' of {} elements is not a whole number of rows of depth {}", in.name,
           in.num_elements(), depth);
    }
    expect_bias(2, weights.shape[0]);
    const int64_t want = in.num_elements() / depth * weights.shape[0];
    if (output().num_elements() != want) {
      fail("output '{}' has {} elements, but the input and weights give {}", output().name,
           output().num_elements(), want);
    }
  }

  void elementwise() const {
    const Dims a = dims4(input(0).shape);
    const Dims b = dims4(input(1).shape);
    if (a.size() != 4 || b.size() != 4)
      return;  // rank above 4: the supported-operator checks keep it on the CPU
    Dims want(4);
    for (size_t i = 0; i < 4; ++i) {
      if (a[i] != b[i] && a[i] != 1 && b[i] != 1) {
        fail("inputs '{}' [{}] and '{}' [{}] do not broadcast", input(0).name,
             fmt::join(input(0).shape, ","), input(1).name, fmt::join(input(1).shape, ","));
      }
      want[i] = a[i] == 1 ? b[i] : a[i];
    }
    expect_output(want, "the broadcast inputs");
  }

  void same_elements() const {
    if (input(0).num_elements() != output().num_elements()) {
      fail("output '{}' has {} elements, but input '{}' has {}", output().name,
           output().num_elements(), input(0).name, input(0).num_elements());
    }
  }

  // A reshape keeps the bytes (its output shares the input's storage).
  void same_type() const {
    if (input(0).type != output().type) {
      fail("output '{}' is {}, but input '{}' is {}", output().name,
           ir::data_type_name(output().type), input(0).name, ir::data_type_name(input(0).type));
    }
  }

  // A PAD folded into a convolution: the convolution's padding assumes the PAD's output shape.
  void pad() const {
    const ir::Tensor& in = input(0);
    const ir::Tensor& paddings = input(1);
    auto bytes = model_.tensor_data(paddings);
    const size_t rank = in.shape.size();
    const size_t width = paddings.type == ir::DataType::kInt64 ? 8 : 4;
    if (bytes.size() != rank * 2 * width)
      return;  // not a foldable PAD: lowering never reads it
    Dims want(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t before = 0, after = 0;
      if (width == 8) {
        std::memcpy(&before, bytes.data() + 16 * i, 8);
        std::memcpy(&after, bytes.data() + 16 * i + 8, 8);
      } else {
        int32_t b32, a32;
        std::memcpy(&b32, bytes.data() + 8 * i, 4);
        std::memcpy(&a32, bytes.data() + 8 * i + 4, 4);
        before = b32;
        after = a32;
      }
      want[i] = in.shape[i] + before + after;
    }
    if (Dims(output().shape.begin(), output().shape.end()) != want) {
      fail("output '{}' has shape [{}], but the input and paddings give [{}]", output().name,
           fmt::join(output().shape, ","), fmt::join(want, ","));
    }
  }

  const ir::Model& model_;
  const ir::Subgraph& sg_;
  const ir::Operator& op_;
  std::string where_;
};

}  // namespace

void check_output_shape(const ir::Model& model, int subgraph, int op_index) {
  ShapeCheck(model, subgraph, op_index).run();
}

}  // namespace euc::frontend
