/* SPDX-License-Identifier: Apache-2.0 */
// The natural C layout of a spec struct: each field aligned to its type's alignment, no overlap,
// no hole that is not an explicit pad field, size = end rounded up to the struct's alignment,
// alignment = the largest member alignment, a flexible array only last. The data states offsets,
// size and align explicitly; this computes what a C compiler does and reports every difference.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hmx.pb.h"

namespace hmx::specgen {

struct ScalarType {
  const char* name;   // "u32"
  const char* ctype;  // "uint32_t"
  uint32_t size;
  uint32_t align;
};

// nullptr unless `name` is one of u8 u16 u32 u64 i32 i64.
const ScalarType* find_scalar(const std::string& name);

struct TypeLayout {
  uint32_t size = 0;
  uint32_t align = 1;
  bool has_flexible = false;  // a struct ending in a flexible array can't be embedded
};

struct LayoutIssue {
  int field_index = -1;  // -1: the struct itself
  std::string field;     // the offending field of Field/Struct: "offset", "type", "size", ...
  std::string message;
};

// Checks one struct against the natural layout. `known` holds the structs defined before it.
// Returns the computed layout (also when there are issues, as far as it could be computed).
TypeLayout check_layout(const hmx::spec::Struct& s, const std::map<std::string, TypeLayout>& known,
                        std::vector<LayoutIssue>& issues);

}  // namespace hmx::specgen
