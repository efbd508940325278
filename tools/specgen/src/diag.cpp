// SPDX-License-Identifier: Apache-2.0
#include "diag.h"

namespace hmx::specgen {

std::string Diag::str() const {
  std::string s = file.empty() ? std::string("<spec>") : file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  s += warning ? ": warning: " : ": error: ";
  if (!field.empty()) s += field + ": ";
  s += message;
  return s;
}

bool has_errors(const Diags& diags) {
  for (const auto& d : diags)
    if (!d.warning) return true;
  return false;
}

void print(std::ostream& os, const Diags& diags) {
  for (const auto& d : diags) os << d.str() << "\n";
}

}  // namespace hmx::specgen
