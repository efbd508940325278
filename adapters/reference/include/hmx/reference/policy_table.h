/* SPDX-License-Identifier: Apache-2.0 */
// A policy compiled at build time: the protobuf text format of policy.proto (POLICY.md), checked
// by the same parser Policy::load_text uses and written as a small table by hmx-policy-table
// (tools/policy_table_main.cpp), so that a monitor with no protobuf library (the freestanding
// build) enforces the very same rules (Policy::load_table). Layout, little endian:
//
//   "HMXPOLT1"  u32 rule count
//   per rule:   u8 action (1 allow, 0 deny)  u8 hooks (bit 1 << PolicyHook)  u16 index (1-based)
//               name, source, destination: NUL-terminated; patterns are NAME, PREFIX* or *
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hmx::ref {

inline constexpr char kPolicyTableMagic[8] = {'H', 'M', 'X', 'P', 'O', 'L', 'T', '1'};
// Most rules a table may hold (a freestanding Policy keeps them in place).
inline constexpr size_t kMaxPolicyTableRules = 256;

struct CompiledRule {
  uint32_t index = 0;       // position in the policy file, 1-based
  bool allow = false;
  uint8_t hooks = 0;        // bit (1 << PolicyHook)
  std::string_view name;    // these view the table's bytes
  std::string_view source;
  std::string_view destination;
};

// Decodes a table into `rules` (at most `capacity`). False, and *count untouched, when the bytes
// are not a well-formed table: wrong magic, truncated, a string without its NUL, an unknown hook
// bit, an action other than 0/1, an empty or malformed pattern, more rules than `capacity`.
bool decode_policy_table(std::span<const std::byte> table, CompiledRule* rules, size_t capacity,
                         size_t* count) noexcept;

// NAME matches itself, PREFIX* every name starting with PREFIX, * everything.
bool policy_pattern_matches(std::string_view pattern, std::string_view name) noexcept;

}  // namespace hmx::ref
