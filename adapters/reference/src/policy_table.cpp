// SPDX-License-Identifier: Apache-2.0
// decode_policy_table and pattern matching (include/hmx/reference/policy_table.h). Freestanding:
// the table comes from the build, but it is still checked byte by byte.
#include "hmx/reference/policy_table.h"

namespace hmx::ref {

namespace {
constexpr uint8_t kAllHooks = 0x7;  // the three PolicyHook bits

bool valid_pattern(std::string_view p) {
  if (p.empty()) return false;
  for (size_t i = 0; i + 1 < p.size(); ++i)
    if (p[i] == '*') return false;  // '*' only at the end
  return true;
}

// Reads a NUL-terminated string at `at`; false when the table ends first.
bool read_string(std::span<const std::byte> t, size_t& at, std::string_view& out) {
  const size_t start = at;
  while (at < t.size() && t[at] != std::byte{0}) ++at;
  if (at == t.size()) return false;
  out = std::string_view(reinterpret_cast<const char*>(t.data()) + start, at - start);
  ++at;
  return true;
}
}  // namespace

bool policy_pattern_matches(std::string_view pattern, std::string_view name) noexcept {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view stem = pattern.substr(0, pattern.size() - 1);
    return name.substr(0, stem.size()) == stem;
  }
  return pattern == name;
}

bool decode_policy_table(std::span<const std::byte> t, CompiledRule* rules, size_t capacity,
                         size_t* count) noexcept {
  if (t.size() < 12) return false;
  for (size_t i = 0; i < 8; ++i)
    if (t[i] != static_cast<std::byte>(kPolicyTableMagic[i])) return false;
  const uint32_t n = static_cast<uint32_t>(t[8]) | static_cast<uint32_t>(t[9]) << 8 |
                     static_cast<uint32_t>(t[10]) << 16 | static_cast<uint32_t>(t[11]) << 24;
  if (n > capacity) return false;
  size_t at = 12;
  for (uint32_t r = 0; r < n; ++r) {
    if (t.size() - at < 4) return false;
    const auto action = static_cast<uint8_t>(t[at]);
    const auto hooks = static_cast<uint8_t>(t[at + 1]);
    const uint32_t index = static_cast<uint32_t>(t[at + 2]) | static_cast<uint32_t>(t[at + 3]) << 8;
    at += 4;
    if (action > 1 || hooks == 0 || (hooks & ~kAllHooks) != 0) return false;
    CompiledRule rule;
    rule.index = index;
    rule.allow = action == 1;
    rule.hooks = hooks;
    if (!read_string(t, at, rule.name) || !read_string(t, at, rule.source) ||
        !read_string(t, at, rule.destination))
      return false;
    if (!valid_pattern(rule.source) || !valid_pattern(rule.destination)) return false;
    rules[r] = rule;
  }
  if (at != t.size()) return false;
  *count = n;
  return true;
}

}  // namespace hmx::ref
