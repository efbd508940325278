// SPDX-License-Identifier: Apache-2.0
#include "layout.h"

#include <algorithm>

namespace hmx::specgen {

namespace {

constexpr ScalarType kScalars[] = {
    {"u8", "uint8_t", 1, 1},   {"u16", "uint16_t", 2, 2}, {"u32", "uint32_t", 4, 4},
    {"u64", "uint64_t", 8, 8}, {"i32", "int32_t", 4, 4},  {"i64", "int64_t", 8, 8},
};

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

const ScalarType* find_scalar(const std::string& name) {
  for (const auto& s : kScalars)
    if (name == s.name) return &s;
  return nullptr;
}

TypeLayout check_layout(const hmx::spec::Struct& s, const std::map<std::string, TypeLayout>& known,
                        std::vector<LayoutIssue>& issues) {
  TypeLayout out;
  uint64_t cursor = 0;  // end of the previous field
  const int n = s.fields_size();
  if (n == 0) issues.push_back({-1, "fields", "a struct needs at least one field"});

  for (int i = 0; i < n; ++i) {
    const auto& f = s.fields(i);
    uint32_t esize = 0, ealign = 1;
    if (const ScalarType* st = find_scalar(f.type())) {
      esize = st->size;
      ealign = st->align;
    } else if (auto it = known.find(f.type()); it != known.end()) {
      esize = it->second.size;
      ealign = it->second.align;
      if (it->second.has_flexible)
        issues.push_back({i, "type", "struct '" + f.type() +
                                         "' ends in a flexible array and cannot be a member"});
    } else {
      issues.push_back({i, "type", "type '" + f.type() +
                                       "' is neither a scalar (u8 u16 u32 u64 i32 i64) nor a "
                                       "previously defined struct"});
      continue;  // offsets after an unknown type can't be checked meaningfully
    }

    if (f.flexible()) {
      if (i != n - 1) issues.push_back({i, "flexible", "a flexible array must be the last field"});
      if (f.count() != 0)
        issues.push_back({i, "count", "a flexible array takes no count (it has no size)"});
      out.has_flexible = true;
    }

    const uint64_t expected = round_up(cursor, ealign);
    if (f.offset() % ealign != 0) {
      issues.push_back({i, "offset", "offset " + std::to_string(f.offset()) +
                                         " is not aligned to " + std::to_string(ealign) +
                                         " (alignment of " + f.type() + "); natural offset is " +
                                         std::to_string(expected)});
    } else if (f.offset() < expected) {
      issues.push_back({i, "offset", "offset " + std::to_string(f.offset()) +
                                         " overlaps the previous field, which ends at " +
                                         std::to_string(cursor) + "; natural offset is " +
                                         std::to_string(expected)});
    } else if (f.offset() > expected) {
      issues.push_back({i, "offset", "offset " + std::to_string(f.offset()) +
                                         " leaves an unexplained hole after byte " +
                                         std::to_string(cursor) + " (natural offset " +
                                         std::to_string(expected) +
                                         "); add an explicit pad field"});
    }
    const uint64_t count = f.flexible() ? 0 : (f.count() == 0 ? 1 : f.count());
    // Continue from the declared offset (when aligned), so one wrong offset gives one error and
    // the fields after it are checked relative to where the data puts it.
    const uint64_t at = f.offset() % ealign == 0 ? f.offset() : expected;
    cursor = at + esize * count;
    out.align = std::max(out.align, ealign);
  }

  out.size = static_cast<uint32_t>(round_up(cursor, out.align));
  if (s.size() != out.size)
    issues.push_back({-1, "size", "size " + std::to_string(s.size()) +
                                      " differs from the natural size " +
                                      std::to_string(out.size)});
  if (s.align() != out.align)
    issues.push_back({-1, "align", "align " + std::to_string(s.align()) +
                                       " differs from the largest member alignment " +
                                       std::to_string(out.align)});
  return out;
}

}  // namespace hmx::specgen
