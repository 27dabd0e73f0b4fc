#pragma once
// Conversion between flatbuffer tables inside a model and the standalone copies the IR keeps
// (ir::OpaqueTable). Internal to the tflite library.
#include <flatbuffers/flatbuffers.h>

#include <memory>

#include "ir/model.hpp"

namespace euc::tfl::detail {

// A table that is a member of union U (enum E): unpack it with the object API and pack it as
// the root of a fresh flatbuffer. Returns false when the union tag is unknown to our schema.
template <class U, class E>
bool keep_union(const void* table, E type, ir::OpaqueTable& out) {
  out = {};
  if (table == nullptr || type == E::NONE)
    return true;
  U obj;
  obj.type = type;
  obj.value = U::UnPack(table, type, nullptr);
  if (obj.value == nullptr)
    return false;
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(obj.Pack(fbb));
  out.type = static_cast<uint8_t>(type);
  out.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return true;
}

// A plain table T kept as the root of a fresh flatbuffer.
template <class T>
ir::OpaqueTable keep_table(const T* table) {
  ir::OpaqueTable out;
  if (table == nullptr)
    return out;
  std::unique_ptr<typename T::NativeTableType> native(table->UnPack());
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(T::Pack(fbb, native.get()));
  out.table.assign(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  return out;
}

inline const void* root_of(const ir::OpaqueTable& t) {
  return flatbuffers::GetRoot<flatbuffers::Table>(t.table.data());
}

// Copies a kept union member into the builder being written.
template <class U, class E>
flatbuffers::Offset<void> emit_union(flatbuffers::FlatBufferBuilder& fbb,
                                     const ir::OpaqueTable& t) {
  if (t.empty())
    return 0;
  U obj;
  obj.type = static_cast<E>(t.type);
  obj.value = U::UnPack(root_of(t), obj.type, nullptr);
  return obj.Pack(fbb);
}

template <class T>
flatbuffers::Offset<T> emit_table(flatbuffers::FlatBufferBuilder& fbb, const ir::OpaqueTable& t) {
  if (t.empty())
    return 0;
  auto* table = flatbuffers::GetRoot<T>(t.table.data());
  std::unique_ptr<typename T::NativeTableType> native(table->UnPack());
  return T::Pack(fbb, native.get());
}

}  // namespace euc::tfl::detail
