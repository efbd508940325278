/* SPDX-License-Identifier: Apache-2.0 */
// The report writers: the human table (default, Arm ACS style: every requirement, one line
// each), TAP 13 (kvm-unit-tests run_tests.sh -t; one test point per requirement), JUnit XML and
// the JSON certification report (docs/guide-hypervisor-vendors.md describes its fields).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluate.h"

namespace conformance::runner {

struct report {
  const spec_info& spec;
  const run_log& log;
  const run_facts& facts;
  const evaluation& ev;
  const selection& sel;
  std::string date;  // ISO 8601, UTC
};

// The hypervisor's CPUID signature (hex of 12 bytes) as text; non-printable bytes as '.'.
std::string signature_text(const std::string& hex);
std::vector<std::string> bit_names(uint32_t bits, const std::map<uint32_t, std::string>& names);
std::string identity_line(const report& r);
// ", N documented deviations" when there are any (the counts line of the table and summary).
std::string deviations_text(const evaluation& ev);
std::string utc_now();

void write_table(std::ostream& out, const report& r);
void write_tap(std::ostream& out, const report& r);
std::string junit_xml(const report& r);
nlohmann::json certification_json(const report& r);

}  // namespace conformance::runner
