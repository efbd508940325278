/* SPDX-License-Identifier: Apache-2.0 */
// Shared fixtures of the runner's unit tests: a small spec and protocol transcripts.
#pragma once

#include <string>
#include <vector>

#include "serial_parser.h"
#include "spec_data.h"

namespace conformance::runner::testing {

// Four requirements: two hypervisor MUSTs, a hypervisor SHOULD, a guest-library MUST.
inline spec_info small_spec() {
  return parse_spec("small.json", R"({"format": "hmx-spec-bundle/1", "spec": {
  "version": {"major": 0, "minor": 1, "status": "draft"},
  "mechanisms": [{"name": "x86_msr", "id": 0}, {"name": "x86_vector", "id": 8}],
  "features": [{"name": "BATCH", "bit": 0}, {"name": "NULL_OP", "bit": 4}],
  "requirements": [
    {"id": "HMX-RING-001", "level": "MUST", "target": "HYPERVISOR", "section": "s", "text": "a"},
    {"id": "HMX-RING-002", "level": "MUST", "target": "HYPERVISOR", "section": "s", "text": "b"},
    {"id": "HMX-DISC-003", "level": "SHOULD", "target": "HYPERVISOR", "section": "s", "text": "c"},
    {"id": "HMX-LIB-001", "level": "MUST", "target": "GUEST_LIBRARY", "section": "s", "text": "d"}]}})");
}

inline run_log parse_lines(const std::vector<std::string>& lines, const std::string& domain = "") {
  serial_parser p(domain);
  for (const auto& l : lines) p.feed_line(l);
  p.finish();
  return p.log();
}

// A complete, passing transcript.
inline std::vector<std::string> passing_run() {
  return {
      "HMXC BEGIN protocol=1 role=tester target=guest",
      "HMXC IDENT hmx=1 hv=1 hv_max=0x40000001 hv_sig=4b564d4b564d4b564d000000 base=0x40000f00 max_leaf=0x40000f03 "
      "version=0x1 domid=1 vcpus=2 mechanisms=0x101 features=0x11 max_batch=64 msr_base=0x484d5800 msr_count=16 "
      "hypercall_nr=0x0 vendor=GenuineIntel conduit=x86_msr",
      "HMXC PEERS peer=2 denied=3 connected=1",
      "HMXC PLAN 2",
      "HMXC TEST ring_a reqs=HMX-RING-001,HMX-RING-002",
      "HMXC RESULT ring_a PASS cp=7 reqs=HMX-RING-001:P,HMX-RING-002:P msg=",
      "HMXC TEST disc_b reqs=HMX-DISC-003",
      "HMXC RESULT disc_b PASS cp=2 reqs=HMX-DISC-003:P msg=",
      "HMXC DONE pass=2 fail=0 skip=0 status=0",
  };
}

}  // namespace conformance::runner::testing
