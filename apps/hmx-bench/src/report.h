/* SPDX-License-Identifier: Apache-2.0 */
// hmx-bench's report: every figure with its time, rate and CPL0 instruction count, the ratios of
// docs/ARCHITECTURE.md "Performance" against the project's targets (reported, never asserted), as text and
// as JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "figures.h"
#include "vm_run.h"

namespace hmx::kvm::bench {

struct bench_data {
  double tsc_hz = 0;
  uint32_t iterations = 0;
  uint32_t runs = 0;
  bool pinned = false;
  std::string load;  // /proc/loadavg at the start: other jobs on the host skew absolute times
  std::vector<guest_figure> guest;       // medians over the runs
  std::vector<host_figure> memcpy_rates;
  std::vector<host_figure> in_process;
  std::vector<phase_cost> phases;  // summed over the runs
};

std::vector<ratio> compute_ratios(const bench_data& d);
void print_report(std::ostream& out, const bench_data& d, const std::vector<ratio>& ratios);
nlohmann::json to_json(const bench_data& d, const std::vector<ratio>& ratios);

}  // namespace hmx::kvm::bench
