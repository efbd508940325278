// SPDX-License-Identifier: Apache-2.0
// vm_harness.h.
#include "hmx/host/vm_harness.h"

#include <chrono>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace hmx::host {

uint64_t read_timestamp_counter() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
#endif
}

int vm_harness::run(const std::function<int()>& run_monitor) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = read_timestamp_counter();
  const int code = run_monitor();
  const uint64_t c1 = read_timestamp_counter();
  seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  tsc_hz_ = seconds_ > 0 ? double(c1 - c0) / seconds_ : 0;
  return code;
}

std::vector<std::string> vm_harness::guest_lines() const {
  std::vector<std::string> out;
  std::istringstream in(guest_.str());
  for (std::string line; std::getline(in, line);) out.push_back(std::move(line));
  return out;
}

std::vector<console::result_line> vm_harness::results(std::string_view tag, std::string_view domain) const {
  std::vector<console::result_line> out;
  for (const std::string& line : guest_lines()) {
    const std::optional<console::domain_line> d = console::split_domain(line);
    if (!d || (!domain.empty() && d->domain != domain)) continue;
    if (auto r = console::parse_result_line(d->text, tag)) out.push_back(std::move(*r));
  }
  return out;
}

std::string vm_harness::last_line_with(std::string_view needle) const {
  std::string found;
  for (std::string& line : guest_lines())
    if (line.find(needle) != std::string::npos) found = std::move(line);
  return found;
}

}  // namespace hmx::host
