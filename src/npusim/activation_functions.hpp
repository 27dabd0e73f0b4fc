#pragma once
// The NPU's built-in activation functions and table lookups.
//
// TANH and SIGMOID: the hardware tables are not public. Vela scales their input to units of
// 1/0x3000 (register_command_stream_generator.py: output_scale = 1 / 0x3000 for elementwise
// operations and a rescale of 0x3000 * ifm_scale for pooling), which is exactly the domain of
// TensorFlow Lite's int16 LOGISTIC and TANH kernels (input * 3 * 4096 * scale). We therefore
// apply TFLite's int16 algorithm (256-entry sigmoid table with linear interpolation,
// tanh(x) = 2 sigmoid(2x) - 1) to that value and produce Q0.15. The mnist_lstm goldens exercise
// it (int16 LSTM gates).
//
// Table lookups (ACTIVATION 16 + slot): slots are 256 bytes of the 2 KiB LUT area of SHRAM
// (Vela lut.py). 8-bit OFMs read 256 one-byte entries indexed by the value (+128 when signed);
// 32-bit OFMs read 256 four-byte entries likewise (Vela's softmax exp table); 16-bit OFMs read
// 512 four-byte entries, each the base value (low half) and the slope to the next entry (high
// half) (Vela lut.py create_lut_int16_op), indexed by the top 9 bits of value + 32768 and
// interpolated with the low 7 bits as TFLite's int16 LUT does (our reading; not exercised by the
// Vela outputs in the test set).
#include <cstdint>
#include <span>

#include "npu/operation.hpp"

namespace euc::npusim {

int32_t hardware_sigmoid(int64_t value);
int32_t hardware_tanh(int64_t value);

// Bytes of the LUT for an OFM type: 256 (8-bit), 1024 (32-bit), 2048 (16-bit).
int lut_bytes(const npu::ElementType& ofm);
// `index` is the value minus the bottom of its clip range: 0-255 for 8-bit indices, 0-65535 for
// 16-bit ones.
int64_t lut_lookup(std::span<const uint8_t> lut, const npu::ElementType& ofm, int64_t index);

}  // namespace euc::npusim
