/* SPDX-License-Identifier: Apache-2.0 */
// The monitor: several domains in one process, a time limit, and the process exit code.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hmx/kvm/domain.h"

namespace hmx::kvm {

// Process exit codes of hmx-kvm (README.md "Exit codes").
enum exit_code : int {
  kExitAllZero = 0,      // every domain exited with status 0
  kExitNonZero = 1,      // some domain exited with a non-zero status
  kExitCrashed = 2,      // some domain crashed (a report was printed)
  kExitTimeout = 3,      // the time limit stopped some domain
  kExitSetupError = 4,   // usage or setup error, or a host error while running
};

// Precedence: host error (4) > crash (2) > timeout (3) > non-zero status (1) > 0.
int exit_code_for(const std::vector<domain_result>& results);

class monitor {
 public:
  monitor(const kvm_system& system, console& out) : system_(system), console_(out) {}
  // Creates a domain (throws on setup errors). Names must be unique.
  domain& add_domain(domain_config config, domain_hooks hooks = {});
  domain* find(const std::string& name);
  // Starts every domain, waits until all have finished or `timeout` expires (then stops the rest
  // as timed out), prints one result line per domain, and returns the exit code.
  int run(std::optional<std::chrono::milliseconds> timeout);
  std::vector<domain_result> results() const;

 private:
  const kvm_system& system_;
  console& console_;
  std::vector<std::unique_ptr<domain>> domains_;
  std::mutex mutex_;
  std::condition_variable finished_cv_;
  unsigned finished_ = 0;
};

}  // namespace hmx::kvm
