// SPDX-License-Identifier: Apache-2.0
// boot_result (boot.h): whether a run completed, and why not.
#include "hmx/xen/boot.h"

namespace hmx::xen {

bool boot_result::complete() const { return failure().empty(); }

std::string boot_result::failure() const {
  if (!setup_error.empty()) return setup_error;
  if (!qemu.started) return "cannot run QEMU: " + qemu.error;
  if (!fatal_line.empty()) return "Xen stopped the guests: " + fatal_line;
  std::string missing;
  for (const domain_console& d : domains)
    if (!d.exit_status) missing += (missing.empty() ? "" : ", ") + d.name;
  if (missing.empty()) return "";
  if (qemu.timed_out) return "time limit reached before " + missing + " exited (QEMU killed)";
  if (qemu.exited) {
    std::string why = "QEMU exited with " + std::to_string(qemu.exit_code) + " before " + missing + " reported an exit status";
    const size_t nl = qemu_output.find('\n');
    if (!qemu_output.empty()) why += ": " + qemu_output.substr(0, nl);
    return why;
  }
  if (qemu.signal != 0) return "QEMU was killed by signal " + std::to_string(qemu.signal) + " before " + missing + " exited";
  return missing + " did not exit";
}

const domain_console* boot_result::find(std::string_view name) const {
  for (const domain_console& d : domains)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace hmx::xen
