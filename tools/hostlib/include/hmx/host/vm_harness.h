// SPDX-License-Identifier: Apache-2.0
// What a benchmark wraps around one in-process VM run (apps/hmx-bench, apps/hmx-vta-bench): the
// two streams its monitor writes (guest lines, monitor messages), the run timed by the wall clock
// and the host's time-stamp counter together, so the cycle counts the guests print convert to
// seconds at the rate measured across the run itself, and the guests' console afterwards, typed
// (console.h). The monitor itself is the caller's: this library links nothing of HMX.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/host/console.h"

namespace hmx::host {

// The host's time-stamp counter (x86-64: RDTSC, the counter guests read on the same machine;
// elsewhere nanoseconds of the steady clock, so rates stay consistent).
uint64_t read_timestamp_counter();

class vm_harness {
 public:
  // Where the monitor writes: guest lines ("[NAME] text") and monitor messages.
  std::ostream& guest_stream() { return guest_; }
  std::ostream& monitor_stream() { return monitor_; }

  // Runs the monitor's run loop (returns its exit code), timing it.
  int run(const std::function<int()>& run_monitor);

  [[nodiscard]] double seconds() const { return seconds_; }
  // Time-stamp counter ticks per second across the run.
  [[nodiscard]] double tsc_hz() const { return tsc_hz_; }
  // Everything printed: the guest lines, then the monitor messages.
  [[nodiscard]] std::string output() const { return guest_.str() + monitor_.str(); }
  [[nodiscard]] std::vector<std::string> guest_lines() const;
  // The "TAG: result ..." lines of `domain`'s guest (every domain's when empty), in order.
  [[nodiscard]] std::vector<console::result_line> results(std::string_view tag, std::string_view domain = {}) const;
  // The last guest line containing `needle`, whole ("" when none).
  [[nodiscard]] std::string last_line_with(std::string_view needle) const;

 private:
  std::ostringstream guest_, monitor_;
  double seconds_ = 0, tsc_hz_ = 0;
};

}  // namespace hmx::host
