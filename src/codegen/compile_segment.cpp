#include "codegen/compile_segment.hpp"

#include "codegen/command_stream.hpp"
#include "npu/driver_payload.hpp"

namespace euc::codegen {

CompiledSegment compile_segment(const ir::NpuGraph& graph, const scheduler::Plan& plan,
                                const scheduler::ConstantLayout& constants,
                                const arch::SystemConfig& system, bool separate_io_regions,
                                int max_block_dependency) {
  const arch::AcceleratorConfig& acc = system.accelerator_config();
  std::vector<StreamLaunch> launches;
  std::vector<uint32_t> words = generate_command_stream(graph, plan, constants, system, &launches,
                                                        separate_io_regions, max_block_dependency);

  npu::ConfigRegisterImage config;
  config.product = acc.product;
  config.macs_per_cc_log2 = 0;
  for (int macs = acc.macs * acc.cores; macs > 1; macs >>= 1)
    ++config.macs_per_cc_log2;
  config.cmd_stream_version = 0;
  config.shram_size_kib = acc.shram_banks * acc.cores;  // banks are 1 KiB
  npu::IdRegisterImage id;
  // Architecture 1.0.6, the version Vela 3.10 writes (docs/npu_architecture.md §Driver payload).
  id.arch_major_rev = 1;
  id.arch_minor_rev = 0;
  id.arch_patch_rev = 6;

  CompiledSegment out;
  out.payload = npu::build_cop1_payload(config, id, words);
  out.launches = std::move(launches);
  out.flash = constants.flash;
  out.arena_size = plan.arena_size;
  out.fast_arena_size = plan.fast_arena_size;
  for (int t : graph.inputs)
    out.input_addresses.push_back(separate_io_regions ? -1 : plan.tensors[t].address);
  for (int t : graph.outputs)
    out.output_addresses.push_back(separate_io_regions ? -1 : plan.tensors[t].address);
  out.command_words = words.size();
  out.original_weight_bytes = constants.original_weight_bytes;
  out.encoded_weight_bytes = constants.encoded_weight_bytes;
  for (size_t i = 0; i < constants.op_weights.size(); ++i) {
    out.op_encoded_weight_bytes.push_back(
        constants.op_weights[i].empty() ? -1 : constants.op_streams[i].size);
  }
  return out;
}

}  // namespace euc::codegen
