/* SPDX-License-Identifier: Apache-2.0 */
// The boot harness: real Xen (built with Argo, cmake/XenHypervisor.cmake) under QEMU TCG, with
// HMX's own small guest images as its domains, each domain's console captured separately, an
// exit status per domain and a hard time limit on the whole run.
//
//   x86_64   Xen boots one PVH image as dom0 (`dom0=pvh`; Xen 4.17 has no dom0less on x86, so
//            without a toolstack there is one domain). Xen's console is COM2, so dom0 owns COM1
//            (its console) and port 0xf4 (QEMU isa-debug-exit: its exit status).
//   arm64    Xen boots N domUs and no dom0 (dom0less) from a device tree generated for them;
//            each domU prints through its vpl011 onto Xen's console ("(XEN) DOM<n>: ") and
//            reports its status with the line "exit status=N" (console.h), since Xen keeps running after a
//            domU's PSCI SYSTEM_OFF.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/host/process.h"

namespace hmx::xen {

// One domain's console and how it ended.
struct domain_console {
  std::string name;
  int domid = -1;  // -1 until Xen said which domain the image became
  std::vector<std::string> lines;
  std::optional<int> exit_status;
};

struct boot_result {
  std::vector<std::string> command;  // the QEMU command line
  hmx::host::process_result qemu;
  std::string qemu_output;  // QEMU's own messages (the consoles go to files)
  std::string xen_version;             // from Xen's banner, e.g. "4.17.5"
  std::vector<std::string> xen_lines;  // Xen's own console lines
  std::vector<domain_console> domains;  // in the configured order
  std::string fatal_line;               // the Xen line that ended the run early (panic, dom0 crash)
  std::string setup_error;              // the run could not be prepared (device tree, files)

  // Every domain reported an exit status, and nothing fatal happened.
  [[nodiscard]] bool complete() const;
  // Why the run is not complete, in words ("" when it is).
  [[nodiscard]] std::string failure() const;
  [[nodiscard]] const domain_console* find(std::string_view name) const;
};

// Called for each console line as it arrives: the domain's id (-1: Xen itself) and its name
// ("" for Xen), for live echo (--verbose).
using line_callback = std::function<void(int domid, std::string_view name, std::string_view line)>;

struct x86_boot_options {
  std::string qemu = "qemu-system-x86_64";
  std::string xen;          // the hypervisor (build/xen/x86_64/xen)
  std::string dom0_image;   // PVH ELF
  std::string dom0_cmdline; // its start_info command line
  std::string dom0_name = "dom0";
  unsigned ram_mib = 512;
  unsigned dom0_mib = 256;
  unsigned cpus = 1;
  // TCG with SVM: Xen's HVM support needs VMX or SVM, and QEMU's TCG emulates SVM only.
  std::string cpu_model = "qemu64,+svm";
  std::vector<std::string> xen_args;  // appended to the hypervisor command line
  // Argo's mac-permissive: wildcard (DOMID_ANY) rings allowed to every domain, host-wide.
  bool mac_permissive = true;
  double timeout_s = 120;
  // The console files go here (dom0-console.log, xen-console.log); "": a /tmp directory of the
  // run's own, removed after it.
  std::string work_dir;
  line_callback on_line;
};

// The hypervisor command line: Xen on COM2, dom0 as PVH without an IOMMU, Argo on with
// wildcard rings allowed (argo.md 2.1), dom0's memory, and the extra arguments.
std::string x86_xen_cmdline(const x86_boot_options& o);
std::vector<std::string> x86_qemu_command(const x86_boot_options& o, const std::string& dom0_console_file,
                                          const std::string& xen_console_file);
// QEMU's isa-debug-exit makes the process status (status << 1) | 1.
std::optional<int> decode_debug_exit(int qemu_exit_code);

boot_result boot_x86_dom0(const x86_boot_options& o);

struct arm64_domain {
  std::string name;  // also its device tree node name
  std::string image; // Linux arm64 Image format (Xen's dom0less loader)
  std::string bootargs;
  unsigned memory_mib = 64;
  unsigned vcpus = 1;
};

struct arm64_boot_options {
  std::string qemu = "qemu-system-aarch64";
  std::string dtc = "dtc";
  std::string xen;  // the hypervisor (build/xen/arm64/xen)
  std::vector<arm64_domain> domains;
  unsigned ram_mib = 2048;
  unsigned cpus = 2;
  int gic_version = 3;
  std::string cpu_model = "cortex-a57";
  std::vector<std::string> xen_args;
  bool mac_permissive = true;  // as for x86
  double timeout_s = 120;
  // The device tree and the console file go here; "": a /tmp directory of the run's own,
  // removed after it.
  std::string work_dir;
  line_callback on_line;
  // The run ends once these domains printed their exit line (empty: every domain), and then
  // waits up to others_grace_s for the rest; complete() still asks for every domain's status.
  std::vector<std::string> must_exit;
  double others_grace_s = 5;
};

std::string arm64_xen_bootargs(const arm64_boot_options& o);
// The machine alone (what -machine dumpdtb= describes).
std::vector<std::string> arm64_machine_args(const arm64_boot_options& o);
std::vector<std::string> arm64_qemu_command(const arm64_boot_options& o, const std::string& dtb,
                                            const std::vector<uint64_t>& module_addresses,
                                            const std::string& console_file);
// Where the images are loaded: above QEMU's own placements (the device tree at RAM + 128 MiB).
inline constexpr uint64_t arm64_ram_base = 0x40000000;
inline constexpr uint64_t arm64_module_base = arm64_ram_base + (uint64_t{256} << 20);

boot_result boot_arm64_dom0less(const arm64_boot_options& o);

}  // namespace hmx::xen
