/* SPDX-License-Identifier: Apache-2.0 */
// The targets: an in-process reference core, the images under hmx-kvm, the tester image under
// stock QEMU (which has no HMX: the expected outcome is "HMX not present", exit 77), and a
// console captured on any other monitor; the virtio-argo transport's GoogleTest tests
// (hmx_vta_over_hmx_tests) reported per HMX-VTA requirement; real Xen on x86_64 and arm64; the
// aarch64 images under the HMX EL2 monitor (adapters/arm-smccc).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "evaluate.h"
#include "serial_parser.h"
#include "select.h"

namespace conformance::runner {

struct target_options {
  target_kind kind = target_kind::reference;
  std::string policy_file;
  double timeout_s = 600;
  selection sel;
  // VM targets
  std::string hmx_kvm;
  std::string qemu = "qemu-system-x86_64";
  std::string image_dir;
  std::function<void(std::string_view)> echo;  // console lines as they come (--verbose)
  // reference target
  std::string disable_check;
  // console target: a captured tester console, the domain prefix of its lines ("" for none),
  // and the tester's exit status as the monitor reported it (-1: unknown)
  std::string console_file;
  std::string console_domain;
  int tester_status = -1;
  // transport target: the hmx_vta_over_hmx_tests binary (in-process), the hmx_vta_kvm_tests
  // binary (OverKvm.*, real VMs; "" when hmx-kvm is not built), the directories of their sources
  // (the `// covers:` markers), and whether to run the VM tests (needs /dev/kvm)
  std::string vta_tests;
  std::string vta_kvm_tests;
  std::vector<std::string> vta_sources;
  bool vta_kvm = false;
  // Xen targets: real Xen with Argo (adapters/xen, built from Debian's source) under QEMU TCG;
  // x86_64 boots the tester image as dom0, arm64 the aarch64 tester and peer as dom0less domUs.
  std::string xen_x86_64;
  std::string xen_arm64;
  std::string qemu_aarch64 = "qemu-system-aarch64";
  std::string work_dir;  // Xen's console files and device tree ("" : a fresh directory in /tmp)
  // Arm target: the HMX EL2 monitor (hmx-arm-monitor.elf, run by qemu_aarch64) and the MAC
  // policy as the table it loads (policy_file compiled by hmx-policy-table).
  std::string arm_monitor;
  std::string arm_policy;
};

struct target_outcome {
  run_log log;
  run_facts facts;
  std::string command;              // what ran (VM targets)
  std::vector<std::string> console;  // the whole console, for --log
  bool abandon = false;             // the in-process run hung: report, then _Exit
};

target_outcome run_reference_target(const target_options& o);
target_outcome run_vm_target(const target_options& o);
target_outcome run_console_target(const target_options& o);
target_outcome run_transport_target(const target_options& o);
target_outcome run_xen_target(const target_options& o);

// The Xen profile (adapters/xen profile.h) as the evaluation's documented deviations.
std::vector<documented_deviation> xen_deviations();
// The boot arguments of the Xen/Arm domains: Xen numbers dom0less domUs from 1 in device tree
// order, and gives them no way to read their own id (xen_argo_a64.cpp), so each is told.
std::string xen_arm64_tester_bootargs();
std::string xen_arm64_peer_bootargs();

// The transport target's parsing (exposed for the unit tests). `covers` maps "Suite.Name" to the
// requirement IDs of the `// covers: ID ID...` line comment before its TEST/TEST_F/TEST_P line.
using covers_map = std::map<std::string, std::vector<std::string>>;
void parse_covers(std::string_view source, covers_map* covers);
// Appends the testcases of a GoogleTest XML report to log->tests (outcome per covered
// requirement: P passed, F a <failure>, S skipped). False, with *error, when it is not one.
bool gtest_xml_to_log(const std::string& xml, const covers_map& covers, run_log* log, std::string* error);

// The monitor command lines (exposed for the unit tests and the vendor guide).
std::vector<std::string> kvm_command(const target_options& o);
std::vector<std::string> qemu_command(const target_options& o);
// --target kvm-xen (target_kvm_xen.cpp): the tester as an abi=xen domain of hmx-kvm.
std::vector<std::string> kvm_xen_command(const target_options& o);
std::vector<std::string> arm_command(const target_options& o);
// QEMU's isa-debug-exit makes the process status (status << 1) | 1; anything else (0: a plain
// shutdown) carries no guest status.
bool decode_qemu_status(int process_exit_code, int* guest_status);
// hmx-kvm's monitor line "[tester] result: exited with status N" (adapters/kvm monitor.cpp).
bool parse_kvm_result(std::string_view line, const std::string& domain, int* status, std::string* state);

}  // namespace conformance::runner
