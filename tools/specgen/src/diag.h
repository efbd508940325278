/* SPDX-License-Identifier: Apache-2.0 */
// Diagnostics: every error names a file, a line (and column when known) and the offending field.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace hmx::specgen {

struct Diag {
  std::string file;   // as given on the command line
  int line = 0;       // 1-based; 0 when unknown
  int column = 0;     // 1-based; 0 when unknown
  std::string field;  // e.g. "structs[call_block].fields[result].offset"
  std::string message;
  bool warning = false;

  // "file:line:col: error: field: message"
  std::string str() const;
};

using Diags = std::vector<Diag>;

bool has_errors(const Diags& diags);
void print(std::ostream& os, const Diags& diags);

}  // namespace hmx::specgen
