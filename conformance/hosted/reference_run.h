/* SPDX-License-Identifier: Apache-2.0 */
// --target reference: the whole suite in-process against the reference core. Three domains as in
// a VM run (policy.textproto): "tester" runs the suite, "peer" and "denied" run the peer agent on
// host threads; an agent that exits has its domain destroyed, as a VM that ends would.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/suite.h"

namespace conformance::hosted {

struct reference_options {
  std::string policy_text;
  std::string policy_origin = "policy.textproto";
  suite_options suite;
  unsigned timeout_s = 300;
  std::function<void(std::string_view)> agent_log;  // HMXP lines of the agents, may be empty
};

struct reference_outcome {
  std::vector<std::string> lines;  // the tester's protocol lines
  int status = -1;                 // run_tester's return value
  bool timed_out = false;          // then the caller must not return normally (threads hang)
  std::string error;               // setup failure
};

reference_outcome run_reference(const reference_options& options);

}  // namespace conformance::hosted
