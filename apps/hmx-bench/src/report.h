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
  std::string inject = "thread";  // the domains' interrupt injection (inject=irqfd|msi|thread)
  bool event_idx = true;          // the receiver moderates its ring by rx_event (when offered)
  std::string load;  // /proc/loadavg at the start: other jobs on the host skew absolute times
  std::vector<guest_figure> guest;       // medians over the runs
  std::vector<std::vector<guest_figure>> per_run;  // each run's figures: the ratios' min and max
  std::vector<host_figure> memcpy_rates;
  std::vector<host_figure> in_process;
  std::vector<phase_cost> phases;  // summed over the runs
};

// Each ratio per run (the run's guest figures over the host baselines of this process), then
// median, min and max over the runs. Targets are issue 15's (reported, never asserted).
std::vector<ratio> compute_ratios(const bench_data& d);
void print_report(std::ostream& out, const bench_data& d, const std::vector<ratio>& ratios);
nlohmann::json to_json(const bench_data& d, const std::vector<ratio>& ratios);
nlohmann::json to_json(const ratio& r);

// The virtio-argo figures of issue 15 under their stable names, from hmx-vta-bench's JSON report
// (`vta`: null when it did not run): {"isolation": {vm_64k, vm_poll_64k, inproc_64k, inproc_4k},
// "virtio": {exits_per_request, copies_per_byte}}, each with value, min, max, target, met; a
// figure without a measurement has value null, measured false.
std::vector<ratio> virtio_figures(const nlohmann::json& vta);
void add_virtio_figures(nlohmann::json& j, const std::vector<ratio>& figures, bool measured);
void print_virtio_figures(std::ostream& out, const std::vector<ratio>& figures);

}  // namespace hmx::kvm::bench
