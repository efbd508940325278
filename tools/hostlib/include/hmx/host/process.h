// SPDX-License-Identifier: Apache-2.0
// Running a program with a hard time limit: its stdout and stderr merged into one stream, its
// whole process group killed when the limit expires or the caller says stop, and how it ended
// (exit status or signal). A hung guest or monitor never hangs the caller (kvm-unit-tests wraps
// QEMU in `timeout -k` for the same reason).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace hmx::host {

inline constexpr double kNoTimeLimit = std::numeric_limits<double>::infinity();

struct process_options {
  // argv[0] is the program: looked up in PATH when it has no '/'.
  std::vector<std::string> argv;
  // Wall-clock limit in seconds. At the limit every process of the child's group is killed
  // (SIGKILL). kNoTimeLimit only for a program that limits its own runs.
  double timeout_s = 60;
  // true: stdout and stderr go through one pipe to on_output (or result.output). false: the
  // child writes to this process's stdout and stderr (a program run for the report it prints).
  bool capture = true;
  // The merged output as it comes, in chunks of any size; empty: collected in result.output.
  std::function<void(std::string_view)> on_output;
  // Asked about after each output chunk and at least once a second; true kills the group.
  std::function<bool()> stop_now;
  // result.output keeps at most this many bytes (a guest printing forever cannot exhaust the host).
  std::size_t output_limit = std::size_t{64} << 20;
};

struct process_result {
  bool started = false;    // fork and exec succeeded
  bool timed_out = false;  // killed at the time limit
  bool stopped = false;    // killed because stop_now() said so
  bool exited = false;     // ended by exit (exit_code valid); otherwise by signal `signal`
  int exit_code = -1;
  int signal = 0;
  std::string error;       // why it did not start
  double seconds = 0;      // wall-clock time from start to end
  std::string output;      // the merged output, when capture is on and on_output empty
  bool output_truncated = false;

  // "exited with status 3", "killed by signal 9 (SIGKILL)", "time limit of 5 s reached", ...
  [[nodiscard]] std::string describe() const;
};

// The child gets /dev/null as stdin, its own process group, and dies with the calling thread
// (PR_SET_PDEATHSIG), so a killed caller takes it along. Stray children the program leaves in its
// group are killed when it ends.
process_result run_process(const process_options& options);

}  // namespace hmx::host
