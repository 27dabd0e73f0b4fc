#pragma once
// Geometry of the operators that only join or cut tensors along axes: CONCATENATION and PACK
// (pieces written into one whole), SPLIT, SPLIT_V, UNPACK, SLICE and STRIDED_SLICE with unit
// strides (pieces read out of one whole). On the NPU they cost nothing when producers write
// straight into the whole at the piece's offset and consumers read the piece in place; where that
// is not possible a piece is copied by a 1x1 max pool that moves raw values.
#include <optional>
#include <vector>

#include "ir/model.hpp"
#include "ir/npu_graph.hpp"

namespace euc::frontend {

struct Piece {
  int tensor = -1;                // network tensor: an input of a join, an output of a split
  ir::Shape4 offset{0, 0, 0, 0};  // where it sits in the whole, in its 4-D NHWC coordinates
  ir::Shape4 shape;               // its extent in those coordinates
};

struct JoinSplit {
  bool join = false;  // true: pieces are written into `whole`; false: read out of it
  int whole = -1;     // network tensor
  std::vector<Piece> pieces;
};

// The geometry of `op`, or nullopt when it is not a join or split the NPU can do: ranks up to 4,
// one 8- or 16-bit element type throughout, every piece non-empty, constant parameters,
// STRIDED_SLICE without ellipsis, new-axis masks or strides other than 1, CONCATENATION
// without a fused activation. Constant pieces of a join are not handled (they would need a copy
// out of the flash region).
std::optional<JoinSplit> join_split_geometry(const ir::Model& model, const ir::Subgraph& sg,
                                             const ir::Operator& op);

bool is_join_or_split(ir::BuiltinOp op);

class SegmentBuilder;
// Before lowering the operators `segment_ops` (subgraph operator indices, in order) into `b`:
// makes every piece of a join or split in the segment a view of the whole where that is safe -
// a join's piece whose producer is in the segment and which nothing else reads; a split's piece
// read only by later operators of the segment - and equal quantisation and shapes throughout.
void place_pieces_in_place(SegmentBuilder& b, const std::vector<int>& segment_ops);

}  // namespace euc::frontend
