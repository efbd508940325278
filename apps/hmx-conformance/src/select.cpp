// SPDX-License-Identifier: Apache-2.0
#include "select.h"

namespace conformance::runner {

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point: linear in practice, no recursion on hostile input.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool selection::selected(std::string_view id) const {
  if (patterns_.empty()) return true;
  for (const auto& p : patterns_)
    if (glob_match(p, id)) return true;
  return false;
}

bool selection::any_selected(const std::vector<std::string>& ids) const {
  for (const auto& id : ids)
    if (selected(id)) return true;
  return false;
}

}  // namespace conformance::runner
