/* SPDX-License-Identifier: Apache-2.0 */
// A parsed policy (internal): what Policy evaluates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/reference/policy.h"

namespace hmx::ref {

// A domain name pattern: exact, "*", or "prefix*".
struct NamePattern {
  std::string text;
  bool any = false;
  bool prefix = false;  // text minus the trailing '*' is a prefix
  std::string stem;

  bool matches(std::string_view name) const {
    if (any) return true;
    if (prefix) return name.substr(0, stem.size()) == stem;
    return name == text;
  }
};

struct PolicyRule {
  size_t index = 0;  // 1-based position in the file, for messages
  std::string name;
  bool allow = false;
  uint8_t hooks = 0;  // bit (1 << PolicyHook)
  NamePattern source;
  NamePattern destination;
};

struct PolicyRules {
  std::vector<PolicyRule> rules;
};

// Parse protobuf text into rules. On error returns false with "origin:line:col: message".
bool parse_policy_text(std::string_view text, std::string_view origin, PolicyRules& out,
                       std::string& error);

}  // namespace hmx::ref
