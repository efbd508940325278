/* SPDX-License-Identifier: Apache-2.0 */
// What hmx-bench measures and how it turns raw counts into the figures and ratios of docs/ARCHITECTURE.md
// "Performance: what we measure, always as ratios in one run".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/host/console.h"

namespace hmx::kvm::bench {

// One timed loop of the bench guest (guest/bench.cpp): `ops` operations took `cycles` TSC
// cycles; each moved `msgs` messages of `bytes` payload bytes and ran `cpl0_x100` / 100 CPL0
// instructions; `eagain` sends were refused for lack of ring space and retried.
struct guest_figure {
  std::string name;
  uint64_t ops = 0, cycles = 0, msgs = 0, bytes = 0, cpl0_x100 = 0, eagain = 0;

  double seconds(double tsc_hz) const { return double(cycles) / tsc_hz; }
  double us_per_op(double tsc_hz) const { return ops ? seconds(tsc_hz) * 1e6 / double(ops) : 0; }
  double msgs_per_s(double tsc_hz) const { return cycles ? double(ops * msgs) / seconds(tsc_hz) : 0; }
  double bytes_per_s(double tsc_hz) const { return cycles ? double(ops * msgs * bytes) / seconds(tsc_hz) : 0; }
  double cpl0_per_op() const { return double(cpl0_x100) / 100.0; }
};

// The figure of a `bench: result name=N ops=.. cycles=.. msgs=.. bytes=.. cpl0=.. eagain=..` line
// (hmx/host/console.h reads the line); nullopt without name, ops or cycles, with ops=0, or with a
// value other than the name that is not a decimal number.
std::optional<guest_figure> to_figure(const host::console::result_line& line);

// A host-side rate: `bytes` per operation, `ns_per_op` each.
struct host_figure {
  std::string name;
  uint64_t bytes = 0;
  double ns_per_op = 0;
  double bytes_per_s() const { return ns_per_op > 0 ? double(bytes) * 1e9 / ns_per_op : 0; }
};

// Median of each guest figure over several runs (by name; cycles per op).
std::vector<guest_figure> median_figures(const std::vector<std::vector<guest_figure>>& runs);

// A ratio over the runs: `value` is the median of the per-run ratios, `min` and `max` their range.
struct ratio {
  std::string name;
  std::string definition;
  double value = 0;
  std::string target;  // e.g. "<= 1.15"
  bool met = false;    // the median meets the target
  double min = 0, max = 0;
  std::size_t runs = 0;
  std::string note;    // e.g. what stands in for a figure that has no path of its own yet
};

// Median, min and max of `values` (empty: zeros).
struct spread {
  double median = 0, min = 0, max = 0;
};
spread spread_of(std::vector<double> values);

// Whether `value` meets a target written as "<= X", ">= X", "< X" or "> X".
bool meets(double value, const std::string& target);

}  // namespace hmx::kvm::bench
