/* SPDX-License-Identifier: Apache-2.0 */
// Running a monitor (hmx-kvm, qemu-system-x86_64) with a hard time limit: its stdout and stderr
// merged into one stream of lines, its process group killed when the limit expires, so that a
// hung guest or monitor never hangs the runner (kvm-unit-tests wraps QEMU in `timeout -k`).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance::runner {

struct process_result {
  bool started = false;
  bool timed_out = false;
  bool stopped = false;  // killed because stop_now() said so
  bool exited = false;  // normal exit (exit_code valid); otherwise killed by signal `signal`
  int exit_code = -1;
  int signal = 0;
  std::string error;  // why it could not start
  double seconds = 0;
};

// argv[0] is the program (looked up in PATH). on_output gets the merged output as it comes;
// stop_now (may be empty) is asked about once a second and after each output: true kills it.
process_result run_process(const std::vector<std::string>& argv, double timeout_s,
                           const std::function<void(std::string_view)>& on_output,
                           const std::function<bool()>& stop_now = {});

}  // namespace conformance::runner
