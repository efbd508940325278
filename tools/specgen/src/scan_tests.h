/* SPDX-License-Identifier: Apache-2.0 */
// The requirement trace of the source tree, found by scanning sources:
// - coverage markers in test sources: a line comment
//     // covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-024 HMX-RING-025 HMX-RING-026
//   applies to the next TEST( / TEST_F( / TEST_P( / HMX_GUEST_TEST( declaration. The covering
//   test is named Suite.Name (HMX_GUEST_TEST(name, ...): name). Markers accumulate until that test.
// - code citations: any requirement id (HMX-AREA-NNN) on a line of a source that is not a test
//   source (no path component named `tests`), e.g. a comment naming the requirement a function
//   implements (docs/STYLE.md "Comments").
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "diag.h"

namespace hmx::specgen {

// requirement id -> covering tests
using Coverage = std::map<std::string, std::set<std::string>>;

// A line of a source file; `file` relative to the scan's root when one is given.
struct Site {
  std::string file;
  int line = 0;
  friend bool operator==(const Site&, const Site&) = default;
};

struct Sites {
  // requirement id -> covering test -> the line of its declaration
  std::map<std::string, std::map<std::string, Site>> tests;
  // requirement id -> the lines of non-test sources that cite it, in scan order
  std::map<std::string, std::vector<Site>> code;
};

// Scans one source text for coverage markers. An ID that is malformed or not in `known` is an
// error at file:line.
void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Diags& diags);

// The same, recording where each covering test is declared and, when `is_test` is false, every
// citation of a known requirement id. Sites name the file `site_name`. An id in code whose area
// the data has but whose number it lacks (a typo, a retired requirement) is a warning; other
// HMX-X-NNN strings (examples such as HMX-A-001) are not citations.
// A retired id (`retired`: id -> the ids that replace it) in a marker is a warning naming its
// successors, and covers nothing: tests move to the new ids, and a test written against the old
// one while they move does not break the build.
using Retired = std::map<std::string, std::string>;
void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Sites& sites, Diags& diags,
                 const std::string& site_name, bool is_test, const Retired* retired = nullptr);

// Scans *.cpp *.cc *.h *.c below each directory, recursively, in a stable (sorted) order. With
// `sites`, records them too, naming files relative to `root` (when not empty).
void scan_dirs(const std::vector<std::string>& dirs, const std::set<std::string>& known,
               Coverage& out, Diags& diags, Sites* sites = nullptr, const std::string& root = {},
               const Retired* retired = nullptr);

// Whether a path (relative to the scan root) names a test source: a component named `tests`.
bool is_test_path(const std::string& relative_path);

}  // namespace hmx::specgen
