/* SPDX-License-Identifier: Apache-2.0 */
// Drift check: compare generated files with the committed ones and print a unified diff.
#pragma once

#include <ostream>
#include <string>

#include "output.h"

namespace hmx::specgen {

// Line-based unified diff (3 lines of context) from `before` to `after`; empty when equal.
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& before_name, const std::string& after_name);

// Compares each generated file with `dir`/name. Prints, for each missing or drifted file, its
// path and a unified diff (committed -> generated), and names stale generated headers in `dir`
// that the spec no longer produces. Returns true when everything is equal.
bool check_against(const std::string& dir, const FileSet& files, std::ostream& out);

}  // namespace hmx::specgen
