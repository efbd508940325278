/* SPDX-License-Identifier: Apache-2.0 */
// The requirement-coverage marker convention of test sources: a line comment
//   // covers: HMX-RING-001 HMX-RING-002
// applies to the next TEST( / TEST_F( / TEST_P( / HMX_GUEST_TEST( declaration. The covering test
// is named Suite.Name (HMX_GUEST_TEST(name, ...): name). Markers accumulate until that test.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "diag.h"

namespace hmx::specgen {

// requirement id -> covering tests
using Coverage = std::map<std::string, std::set<std::string>>;

// Scans one source text. An ID that is malformed or not in `known` is an error at file:line.
void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Diags& diags);

// Scans *.cpp *.cc *.h *.c below each directory, recursively, in a stable (sorted) order.
void scan_dirs(const std::vector<std::string>& dirs, const std::set<std::string>& known,
               Coverage& out, Diags& diags);

}  // namespace hmx::specgen
