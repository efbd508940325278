/* SPDX-License-Identifier: Apache-2.0 */
// Requirement coverage: the tests named in the data (Requirement.tests) united with the tests
// found by scanning sources, and the code that cites each requirement, as JSON:
//   {"requirements":[{"id","level","target","tests":[name...],
//                     "test_sites":[{"test","file","line"}...], "code":[{"file","line"}...]}]}
#pragma once

#include <set>
#include <string>
#include <vector>

#include "hmx.pb.h"
#include "scan_tests.h"

namespace hmx::specgen {

// Adds each requirement's data `tests` to `cov` (so cov holds the union).
void merge_data_tests(const hmx::spec::Spec& spec, Coverage& cov);

std::string coverage_json(const hmx::spec::Spec& spec, const Coverage& cov,
                          const Sites* sites = nullptr);

// The MUST and MUST NOT requirements whose area (the AREA of HMX-AREA-NNN) is in `areas` and
// that no test covers, in data order: what a spec claims without proof.
std::vector<std::string> uncovered_musts(const hmx::spec::Spec& spec, const Coverage& cov,
                                         const std::set<std::string>& areas);

// The requirements of `area` (the AREA of HMX-AREA-NNN) that no code under the folder `dir` (a
// path prefix of the sites' files, e.g. "libhmx") cites, in data order.
std::vector<std::string> uncited(const hmx::spec::Spec& spec, const Sites& sites,
                                 const std::string& area, const std::string& dir);

// "MUST_NOT" -> "MUST NOT", "GUEST_LIBRARY" -> "guest library".
std::string level_text(hmx::spec::Level level);
std::string target_text(hmx::spec::Target target);

}  // namespace hmx::specgen
