/* SPDX-License-Identifier: Apache-2.0 */
// Requirement coverage: the tests named in the data (Requirement.tests) united with the tests
// found by scanning sources, as JSON: {"requirements":[{"id","level","target","tests":[...]}]}.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "hmx.pb.h"
#include "scan_tests.h"

namespace hmx::specgen {

// Adds each requirement's data `tests` to `cov` (so cov holds the union).
void merge_data_tests(const hmx::spec::Spec& spec, Coverage& cov);

std::string coverage_json(const hmx::spec::Spec& spec, const Coverage& cov);

// The MUST and MUST NOT requirements whose area (the AREA of HMX-AREA-NNN) is in `areas` and
// that no test covers, in data order: what a spec claims without proof.
std::vector<std::string> uncovered_musts(const hmx::spec::Spec& spec, const Coverage& cov,
                                         const std::set<std::string>& areas);

// "MUST_NOT" -> "MUST NOT", "GUEST_LIBRARY" -> "guest library".
std::string level_text(hmx::spec::Level level);
std::string target_text(hmx::spec::Target target);

}  // namespace hmx::specgen
