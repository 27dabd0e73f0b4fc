#pragma once
// Figures of Arm Vela's outputs in reference/vela_outputs, counted independently of euc: the
// command-stream tensor of every ethos-u operator read as little-endian words, the command words
// walked from word 8 (after COP1, CONFIG, its two images, three NOPs and the CMDSTRM tag) with
// only the rule that bit 14 marks a two-word cmd1 command, and the NPU_OP_CONV (0x002),
// NPU_OP_DEPTHWISE (0x003), NPU_OP_POOL (0x005), NPU_OP_ELEMENTWISE (0x006) and
// NPU_OP_DMA_START (0x010) cmd0 words counted by their low 10 bits. (A throwaway script over
// `flatc --json` dumps of the models produced the rows.)
#include <string_view>

namespace euc::test {

struct VelaOutputFigures {
  std::string_view file;  // under reference/vela_outputs
  int ethosu_operators;
  int commands;          // over all ethos-u operators of the model
  int block_operations;  // CONV + DEPTHWISE + POOL + ELEMENTWISE launches
  int dma_operations;    // DMA_START launches
};

inline constexpr VelaOutputFigures kVelaOutputFigures[] = {
    {"vela3.10/a/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela3.10/a/keyword_scrambled_8bit_vela.tflite", 6, 331, 6, 0},
    {"vela3.10/a/micro_speech_quantized_vela.tflite", 1, 375, 33, 2},
    {"vela3.10/a/mnist_lstm_int8_vela.tflite", 1, 7177, 536, 1},
    {"vela3.10/a/mobilenet_v2_224_int8_vela.tflite", 1, 3195, 203, 191},
    {"vela3.10/a/person_detect_vela.tflite", 1, 1393, 87, 55},
    {"vela3.10/b/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela3.10/b/keyword_scrambled_8bit_vela.tflite", 6, 331, 6, 0},
    {"vela3.10/b/micro_speech_quantized_vela.tflite", 1, 367, 33, 1},
    {"vela3.10/b/mnist_lstm_int8_vela.tflite", 1, 7177, 536, 1},
    {"vela3.10/b/mobilenet_v2_224_int8_vela.tflite", 1, 17689, 883, 184},
    {"vela3.10/b/person_detect_vela.tflite", 1, 5231, 300, 56},
    {"vela3.10/c/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela3.10/c/keyword_scrambled_8bit_vela.tflite", 6, 331, 6, 0},
    {"vela3.10/c/micro_speech_quantized_vela.tflite", 1, 375, 33, 2},
    {"vela3.10/c/mnist_lstm_int8_vela.tflite", 1, 7177, 536, 1},
    {"vela3.10/c/mobilenet_v2_224_int8_vela.tflite", 1, 3332, 220, 208},
    {"vela3.10/c/person_detect_vela.tflite", 1, 1475, 93, 61},
    {"vela3.10/d/hello_world_int8_vela.tflite", 1, 83, 3, 0},
    {"vela3.10/d/keyword_scrambled_8bit_vela.tflite", 6, 337, 6, 0},
    {"vela3.10/d/micro_speech_quantized_vela.tflite", 1, 382, 33, 3},
    {"vela3.10/d/mnist_lstm_int8_vela.tflite", 1, 7630, 536, 1},
    {"vela3.10/d/mobilenet_v2_224_int8_vela.tflite", 1, 5118, 230, 91},
    {"vela3.10/d/person_detect_vela.tflite", 1, 1201, 73, 41},
    {"vela5.1/a/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela5.1/a/keyword_scrambled_8bit_vela.tflite", 6, 635, 34, 1},
    {"vela5.1/a/micro_speech_quantized_vela.tflite", 1, 387, 29, 1},
    {"vela5.1/a/mnist_lstm_int8_vela.tflite", 1, 7953, 646, 1},
    {"vela5.1/a/mobilenet_v2_224_int8_vela.tflite", 1, 2058, 109, 87},
    {"vela5.1/a/person_detect_vela.tflite", 1, 966, 58, 15},
    {"vela5.1/b/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela5.1/b/keyword_scrambled_8bit_vela.tflite", 6, 635, 34, 1},
    {"vela5.1/b/micro_speech_quantized_vela.tflite", 1, 387, 29, 1},
    {"vela5.1/b/mnist_lstm_int8_vela.tflite", 1, 7953, 646, 1},
    {"vela5.1/b/mobilenet_v2_224_int8_vela.tflite", 1, 10345, 709, 75},
    {"vela5.1/b/person_detect_vela.tflite", 1, 3285, 266, 8},
    {"vela5.1/c/hello_world_int8_vela.tflite", 1, 81, 3, 0},
    {"vela5.1/c/keyword_scrambled_8bit_vela.tflite", 6, 635, 34, 1},
    {"vela5.1/c/micro_speech_quantized_vela.tflite", 1, 387, 29, 1},
    {"vela5.1/c/mnist_lstm_int8_vela.tflite", 1, 7953, 646, 1},
    {"vela5.1/c/mobilenet_v2_224_int8_vela.tflite", 1, 1664, 74, 54},
    {"vela5.1/c/person_detect_vela.tflite", 1, 995, 56, 18},
    {"vela5.1/d/hello_world_int8_vela.tflite", 1, 97, 3, 2},
    {"vela5.1/d/keyword_scrambled_8bit_vela.tflite", 6, 643, 34, 1},
    {"vela5.1/d/micro_speech_quantized_vela.tflite", 1, 397, 29, 2},
    {"vela5.1/d/mnist_lstm_int8_vela.tflite", 1, 9527, 646, 197},
    {"vela5.1/d/mobilenet_v2_224_int8_vela.tflite", 1, 1553, 67, 46},
    {"vela5.1/d/person_detect_vela.tflite", 1, 1010, 56, 22},
};

}  // namespace euc::test
