#include "unit/arch/vela_plan.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "core/file_io.hpp"
#include "npu/command.hpp"
#include "npu/ethosu_op.hpp"
#include "tflite/reader.hpp"

namespace euc::test {
namespace {

std::vector<int> ints_in(const std::string& text) {
  std::vector<int> out;
  static const std::regex number("-?[0-9]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi(it->str()));
  }
  return out;
}

std::array<int, 4> shape4(const std::string& text) {
  std::vector<int> v = ints_in(text.substr(text.find('[')));
  if (v.size() != 4)
    throw std::runtime_error("not a 4-D shape: " + text);
  return {v[0], v[1], v[2], v[3]};
}

std::string after(const std::string& line, const std::string& key) {
  return line.substr(line.find(key) + key.size());
}

}  // namespace

std::vector<VelaLayerPlan> read_vela_schedule(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read " + file.string());
  std::vector<VelaLayerPlan> out;
  std::string line;
  static const std::regex op_line("^\\t[0-9]+: Operation (.*)  - OFM (<Shape4D .*>)$");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("Schedule:", 0) == 0) {
      out.clear();  // the last schedule printed is the one kept
      continue;
    }
    if (std::regex_match(line, m, op_line)) {
      VelaLayerPlan p;
      p.name = m[1];
      p.ofm = shape4(m[2]);
      out.push_back(p);
      continue;
    }
    if (out.empty() || line.empty() || line[0] != '\t')
      continue;
    VelaLayerPlan& p = out.back();
    if (line.find("Type: ") != std::string::npos) {
      p.type = after(line, "Type: ");
    } else if (line.find("Kernel: ") != std::string::npos) {
      std::vector<int> v = ints_in(after(line, "Kernel: "));
      p.kernel_w = v.at(0);
      p.kernel_h = v.at(1);
      p.stride_x = v.at(2);
      p.stride_y = v.at(3);
      p.dilation_x = v.at(4);
      p.dilation_y = v.at(5);
    } else if (line.find("Block Config = ") != std::string::npos) {
      std::vector<int> v = ints_in(after(line, "Block Config = "));
      p.block = {v.at(0), v.at(1), v.at(2), v.at(3)};
    } else if (line.find("IFM Stripe") != std::string::npos) {
      p.ifm_stripe = shape4(line);
    } else if (line.find("IFM2 Stripe") != std::string::npos) {
      if (line.find("None") == std::string::npos)
        p.ifm2_stripe = shape4(line);
    } else if (line.find("OFM Stripe") != std::string::npos) {
      p.ofm_stripe = shape4(line);
    } else if (line.find("Encoded Weights = ") != std::string::npos) {
      std::string v = after(line, "Encoded Weights = ");
      p.encoded_weights = v.rfind("None", 0) == 0 ? -1 : std::stoll(v);
    } else if (line.find("Weight buffer1 = ") != std::string::npos) {
      p.buffer1 = std::stoll(after(line, "Weight buffer1 = "));
    } else if (line.find("Weight buffer2 = ") != std::string::npos) {
      p.buffer2 = std::stoll(after(line, "Weight buffer2 = "));
    } else if (line.find("Depth slices = ") != std::string::npos) {
      p.depth_slices = ints_in(after(line, "Depth slices = "));
    } else if (line.find("Assigned Cascade = ") != std::string::npos) {
      p.cascade = std::stoi(after(line, "Assigned Cascade = "));
    }
  }
  return out;
}

std::vector<VelaLayerEstimate> read_vela_per_layer(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read " + file.string());
  std::vector<VelaLayerEstimate> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      f.push_back(cell);
    if (f.size() < 15)
      throw std::runtime_error("short per-layer row: " + line);
    VelaLayerEstimate e;
    e.nng_operator = f[1];
    e.op_cycles = std::stod(f[4]);
    e.npu = std::stod(f[6]);
    for (size_t k = 0; k < 4; ++k)
      e.access[k] = std::stod(f[7 + k]);
    e.macs = std::stoll(f[11]);
    e.name = f[14];
    for (size_t k = 15; k < f.size(); ++k)
      e.name += "," + f[k];  // names may hold commas
    out.push_back(e);
  }
  return out;
}

namespace {

arch::Hwc hwc(const std::array<int, 4>& s) {
  return {s[0] * s[1], s[2], s[3]};
}

struct LayerKind {
  arch::BlockKind kind;
  bool reduce_sum = false;
  arch::OutputKind output = arch::OutputKind::kOther;
  npu::OperationKind launched;
};

LayerKind layer_kind(const std::string& type) {
  using B = arch::BlockKind;
  using O = npu::OperationKind;
  if (type == "Conv2DBias")
    return {B::kConvolution, false, arch::OutputKind::kOther, O::kConv};
  if (type == "DepthwiseConv2DBias")
    return {B::kDepthwise, false, arch::OutputKind::kOther, O::kDepthwise};
  if (type == "FullyConnected")
    return {B::kVectorProduct, false, arch::OutputKind::kOther, O::kConv};
  if (type == "MaxPool")
    return {B::kPooling, false, arch::OutputKind::kMaxPool, O::kPool};
  if (type == "AvgPool")
    return {B::kPooling, false, arch::OutputKind::kOther, O::kPool};
  if (type == "ReduceSum")
    return {B::kPooling, true, arch::OutputKind::kOther, O::kPool};
  if (type == "Add" || type == "Sub")
    return {B::kElementwise, false, arch::OutputKind::kAddSub, O::kElementwise};
  if (type == "Mul")
    return {B::kElementwise, false, arch::OutputKind::kMul, O::kElementwise};
  if (type == "SHL" || type == "SHR" || type == "CLZ" || type == "Minimum" || type == "Maximum" ||
      type == "Abs" || type == "LeakyRelu")
    return {B::kElementwise, false, arch::OutputKind::kOther, O::kElementwise};
  throw std::runtime_error("unknown Vela operation type " + type);
}

arch::MemArea area_of_region(const arch::SystemConfig& s, int region) {
  switch (region) {
    case 0:
      return s.const_area();
    case 1:
      return s.arena_area();
    default:
      return s.cache_area();
  }
}

arch::FeatureMapAccess access_of(const arch::SystemConfig& s, const npu::FeatureMap& fm,
                                 const arch::Hwc& shape) {
  arch::FeatureMapAccess a;
  a.shape = shape;
  a.bits = fm.type.bits;
  a.format = fm.format == npu::DataFormat::kNhcwb16 ? arch::FeatureMapFormat::kNhcwb16
                                                    : arch::FeatureMapFormat::kNhwc;
  a.area = area_of_region(s, fm.region);
  return a;
}

int64_t round16(int64_t v) {
  return (v + 15) / 16 * 16;
}

}  // namespace

std::vector<LayerQuery> layer_queries(const std::vector<VelaLayerPlan>& plans,
                                      const std::filesystem::path& vela_model,
                                      const arch::SystemConfig& system,
                                      const arch::PerformanceModel& model) {
  const ir::Model m = tfl::read_model_file(vela_model);
  const auto ethosu = npu::read_ethosu_operators(m, vela_model.string());
  if (ethosu.size() != 1)
    throw std::runtime_error("expected one ethos-u operator in " + vela_model.string());
  const auto decoded = npu::decode_stream(ethosu[0].payload.command_words);
  const std::vector<npu::NpuOperation> all = npu::extract_operations(decoded);
  std::vector<const npu::NpuOperation*> blocks;
  for (const auto& op : all) {
    if (op.kind != npu::OperationKind::kDma)
      blocks.push_back(&op);
  }
  // The DMA into SHRAM (a LUT) that precedes a block operation, if any.
  auto lut_dma_before = [&](const npu::NpuOperation* op) -> const npu::DmaOperation* {
    const npu::DmaOperation* found = nullptr;
    for (const auto& o : all) {
      if (&o == op)
        return found;
      if (o.kind != npu::OperationKind::kDma)
        found = nullptr;
      else if (o.dma->destination.internal)
        found = &*o.dma;
    }
    return nullptr;
  };

  // Which block operations belong to which layer: a layer outside a cascade runs one operation
  // per depth slice, in order; a cascade interleaves the stripes of its layers, so each layer's
  // first operation is the first of the cascade's operations that looks like it.
  std::vector<const npu::NpuOperation*> first_op(plans.size(), nullptr);
  size_t next = 0;
  for (size_t i = 0; i < plans.size();) {
    if (plans[i].type == "Memcpy") {
      ++i;
      continue;
    }
    if (plans[i].cascade == 0) {
      first_op[i] = blocks.at(next);
      next += std::max<size_t>(1, plans[i].depth_slices.size() - 1);
      ++i;
      continue;
    }
    size_t j = i;
    size_t count = 0;
    while (j < plans.size() && plans[j].cascade == plans[i].cascade) {
      const int stripe_h = std::max(1, plans[j].ofm_stripe[1]);
      count += static_cast<size_t>((plans[j].ofm[1] + stripe_h - 1) / stripe_h) *
               std::max<size_t>(1, plans[j].depth_slices.size() - 1);
      ++j;
    }
    for (size_t k = i; k < j; ++k) {
      const LayerKind lk = layer_kind(plans[k].type);
      for (size_t o = next; o < next + count && o < blocks.size(); ++o) {
        const npu::BlockOperation& b = *blocks[o]->block;
        bool taken = std::find(first_op.begin(), first_op.end(), blocks[o]) != first_op.end();
        if (!taken && blocks[o]->kind == lk.launched && b.ofm.shape.depth == plans[k].ofm[3] &&
            (!b.kernel ||
             (b.kernel->width == plans[k].kernel_w && b.kernel->height == plans[k].kernel_h))) {
          first_op[k] = blocks[o];
          break;
        }
      }
      if (first_op[k] == nullptr)
        throw std::runtime_error("no operation of cascaded layer " + plans[k].name);
    }
    next += count;
    i = j;
  }
  if (next != blocks.size()) {
    throw std::runtime_error("layers account for " + std::to_string(next) + " of " +
                             std::to_string(blocks.size()) + " block operations");
  }

  // Feature-map copies (Memcpy layers) are the DMAs that read a feature-map region, in order.
  std::vector<const npu::DmaOperation*> copies;
  for (const auto& op : all) {
    if (op.kind == npu::OperationKind::kDma && op.dma->source.region != 0 &&
        !op.dma->destination.internal)
      copies.push_back(&*op.dma);
  }
  size_t next_copy = 0;

  std::vector<LayerQuery> out;
  for (size_t i = 0; i < plans.size(); ++i) {
    const VelaLayerPlan& p = plans[i];
    LayerQuery lq;
    if (p.type == "Memcpy") {
      lq.dma_only = true;
      if (next_copy < copies.size()) {
        const npu::DmaOperation* d = copies[next_copy++];
        lq.dma = arch::DmaTraffic{static_cast<int64_t>(d->length),
                                  area_of_region(system, d->source.region),
                                  area_of_region(system, d->destination.region)};
      }
      out.push_back(lq);
      continue;
    }
    const LayerKind lk = layer_kind(p.type);
    const npu::BlockOperation& b = *first_op[i]->block;
    arch::OpQuery& q = lq.query;
    q.kind = lk.kind;
    q.reduce_sum = lk.reduce_sum;
    q.output = lk.output;
    // The whole IFM: the stripe, or for a striped (cascaded) layer at least what the whole OFM
    // reads (only its clipping against the IFM block matters).
    arch::Hwc ifm = hwc(p.ifm_stripe);
    if (p.ofm_stripe[1] < p.ofm[1])
      ifm.height = std::max(ifm.height, (p.ofm[1] - 1) * p.stride_y + 1);
    q.ifm = access_of(system, b.ifm, ifm);
    if (p.ifm2_stripe && b.ifm2) {
      q.ifm2 = access_of(system, *b.ifm2, hwc(*p.ifm2_stripe));
      if (b.ifm2_setting && b.ifm2_setting->is_scalar)
        q.ifm2->area = system.const_area();
    }
    q.ofm = access_of(system, b.ofm, hwc(p.ofm));
    q.kernel = {p.kernel_w, p.kernel_h, p.stride_x, p.stride_y, p.dilation_x, p.dilation_y};
    q.ofm_block = {p.block[0], p.block[1], p.block[3]};
    // The IFM block feeding the OFM block (as the block config search computes it).
    arch::BlockConfigRequest r;
    r.kind = lk.kind;
    r.kernel = q.kernel;
    r.resampling = b.upscale == npu::ResamplingMode::kNone      ? arch::Resampling::kNone
                   : b.upscale == npu::ResamplingMode::kNearest ? arch::Resampling::kNearest
                                                                : arch::Resampling::kTranspose;
    q.ifm_block = arch::ifm_block_for(system.accelerator_config(), r, q.ofm_block);
    q.ifm_block.depth = p.block[2];
    q.accumulator = b.acc_format == npu::AccFormat::kInt40bit ? arch::AccumulatorType::kInt40
                                                              : arch::AccumulatorType::kInt32;
    q.part_kernel_first = b.kernel && b.kernel->part_kernel_first;
    const auto& act = b.activation;
    if (act.function != npu::ActivationFunction::kNone) {
      q.activation = arch::ActivationKind::kTable;
    } else {
      const int bits = b.ofm.type.bits;
      const int64_t lo = b.ofm.type.is_signed ? -(int64_t{1} << (bits - 1)) : 0;
      const int64_t hi =
          b.ofm.type.is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
      if (bits < 32 && (act.min > lo || act.max < hi))
        q.activation = arch::ActivationKind::kClamp;
    }
    if (p.encoded_weights >= 0 && !b.scales.empty()) {
      q.scale_area = area_of_region(system, b.scales[0].region);
      arch::WeightTraffic w;
      w.encoded_bytes = p.encoded_weights;
      const int64_t kernel = int64_t{p.kernel_w} * p.kernel_h;
      w.original_elements = lk.kind == arch::BlockKind::kDepthwise
                                ? kernel * p.ofm[3]
                                : kernel * p.ifm_stripe[3] * p.ofm[3];
      w.bias_bytes = q.ifm.bits == 16 ? 8 : 4;
      w.source_area = system.const_area();
      if (p.buffer1 >= 0) {
        w.buffering = p.buffer2 >= 0 ? arch::WeightTraffic::Buffering::kDouble
                                     : arch::WeightTraffic::Buffering::kSingle;
        w.buffer_area = area_of_region(system, b.weights[0].region);
        for (size_t c = 0; c < b.weights.size(); ++c)
          w.first_transfer_bytes += round16(static_cast<int64_t>(b.weights[c].length) +
                                            static_cast<int64_t>(b.scales[c].length));
        if (p.cascade == 0)
          w.full_transfer_cycles =
              model.transfer_cycles(w.source_area, w.buffer_area, p.encoded_weights);
      }
      lq.weights = w;
    }
    if (const npu::DmaOperation* lut = lut_dma_before(first_op[i])) {
      lq.dma = arch::DmaTraffic{static_cast<int64_t>(lut->length),
                                area_of_region(system, lut->source.region), std::nullopt};
    }
    // The scheduler's slack: this layer's compute as the scheduler estimated it - feature maps
    // still in the arena's area (Dedicated_Sram moves them to SRAM later), scales in fast
    // storage - or for a depth-sliced layer that of its last slice.
    arch::OpQuery slack = q;
    if (slack.scale_area)
      slack.scale_area = system.cache_area();
    slack.ifm.area = slack.ofm.area = system.arena_area();
    if (slack.ifm2)
      slack.ifm2->area = system.arena_area();
    if (p.depth_slices.size() > 2 && lq.weights &&
        lq.weights->buffering != arch::WeightTraffic::Buffering::kNone) {
      slack.ofm.shape.depth = p.depth_slices.back() - p.depth_slices[p.depth_slices.size() - 2];
    }
    lq.own_slack = model.op_cycles(slack);
    if (lq.weights)
      lq.weights->own_slack_cycles = lq.own_slack;
    out.push_back(lq);
  }
  return out;
}

}  // namespace euc::test
