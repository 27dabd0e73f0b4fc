#pragma once
// `euc MODEL`: compile the network and write OUTDIR/<stem>_vela.tflite with a console summary.
#include "arch/system_config.hpp"
#include "ir/model.hpp"
#include "options.hpp"

namespace euc::cli {

void run_compile(const Options& options, const ir::Model& model, const arch::SystemConfig& system);

}  // namespace euc::cli
