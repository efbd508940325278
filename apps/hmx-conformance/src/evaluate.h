/* SPDX-License-Identifier: Apache-2.0 */
// From a parsed run to a per-requirement verdict and the process exit code.
//
// Status per requirement (every requirement of the spec data is listed, Arm ACS style):
//   PASS           a test verified it and no test failed it
//   FAIL           a test failed a checkpoint attributed to it (MUST / MUST NOT)
//   WARNING        the same for a SHOULD, SHOULD NOT or MAY (ACS "WARNING"): not a failure
//   DEVIATION      every check that failed it is a documented deviation of the hypervisor's
//                  profile (the Xen targets: adapters/xen profile.h): neither PASS nor FAIL
//   NOT SUPPORTED  it applies to something the hypervisor does not offer (kvm-unit-tests SKIP)
//   NOT TESTED     no test, the target cannot test it, or it was not selected
// Exit code (kvm-unit-tests, scripts/runtime.bash): 0 every applicable requirement passed,
// 1 a failure or an incomplete run (crash, time limit, protocol violation), 77 nothing applicable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "select.h"
#include "serial_parser.h"
#include "spec_data.h"

namespace conformance::runner {

enum class req_status { pass, fail, warning, deviation, not_supported, not_tested };
const char* to_string(req_status s);

struct req_report {
  const requirement* req = nullptr;
  req_status status = req_status::not_tested;
  std::vector<std::string> tests;  // tests that reported on it
  std::string detail;              // why (not tested / not supported / the failure)
  std::string fail_test;           // for FAIL and WARNING: the test and checkpoint that failed
  unsigned fail_checkpoint = 0;
  std::string fail_message;
  // DEVIATION: what the hypervisor does instead, and why (from its profile), one per entry.
  std::vector<std::string> deviations;
};

enum class target_kind { reference, kvm, qemu, console, transport, xen, xen_arm64, arm, kvm_xen };
const char* to_string(target_kind t);

// A documented way a hypervisor differs from a requirement (its profile): a failed check of
// `test` attributed to `requirement` whose message starts with `check` is this deviation.
struct documented_deviation {
  std::string requirement;
  std::string test;
  std::string check;
  std::string hypervisor_does;
  std::string why;
};

struct run_facts {
  target_kind target = target_kind::reference;
  bool finished = true;            // the run ended by itself (no time limit, no crash)
  std::string failure;             // why it did not, or a monitor error
  std::optional<int> guest_status; // the tester's exit status, when known
  double seconds = 0;
  std::string hypervisor;                        // e.g. "Xen 4.17.5" (xen_version), when known
  std::vector<documented_deviation> profile;     // the hypervisor's documented deviations
};

struct evaluation {
  std::vector<req_report> reqs;
  bool complete = false;
  std::vector<std::string> problems;  // reasons the run is incomplete
  unsigned pass = 0, fail = 0, warning = 0, deviation = 0, not_supported = 0, not_tested = 0;
  int exit_code = 1;
};

evaluation evaluate(const spec_info& spec, const run_log& log, const run_facts& facts, const selection& sel);

// Whether a target certifies requirements of `req_target` (HYPERVISOR on every target but
// transport; the guest library in-process only; TRANSPORT_DRIVER and TRANSPORT_DEVICE on the
// transport target only).
bool in_scope(target_kind t, const std::string& req_target);

}  // namespace conformance::runner
