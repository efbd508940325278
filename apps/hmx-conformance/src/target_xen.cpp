// SPDX-License-Identifier: Apache-2.0
// --target xen and --target xen-arm64: the suite's images as domains of real Xen with Argo
// (adapters/xen: built from Debian's source, booted under QEMU TCG by hmx_xen_harness).
//
//   xen        x86_64: the tester image is Xen's PVH dom0 (Xen 4.17 has no dom0less on x86, so
//              there is one domain: rings with the caller as partner, no peer, no denied domain),
//              Argo without mac-permissive (no wildcard ring is needed)
//   xen-arm64  arm64: the aarch64 tester (2 vCPUs) and the peer agent as dom0less domUs 1 and 2,
//              with XSM's dummy policy (Xen/Arm's defconfig defaults to XSM SILO, which refuses
//              Argo between domUs with EPERM) and wildcard rings allowed (the agent's command
//              ring is one)
//
// Requirements whose every failed check is an entry of the Xen profile (adapters/xen
// profile.h) are reported as documented deviations (evaluate.h).
#include "hmx/xen/boot.h"
#include "hmx/xen/profile.h"
#include "targets.h"

namespace conformance::runner {

namespace {

constexpr const char* kTester = "hmx-conformance-tester.elf";
constexpr const char* kTesterA64 = "hmx-conformance-tester-a64.img";
constexpr const char* kPeerA64 = "hmx-conformance-peer-a64.img";
constexpr int kTesterDomid = 1, kPeerDomid = 2;

}  // namespace

std::vector<documented_deviation> xen_deviations() {
  std::vector<documented_deviation> out;
  for (const hmx::xen::deviation& d : hmx::xen::xen_profile())
    out.push_back({std::string(d.requirement), std::string(d.test), std::string(d.check), std::string(d.xen_does),
                   std::string(d.why)});
  return out;
}

std::string xen_arm64_tester_bootargs() {
  return "domid=" + std::to_string(kTesterDomid) + " hmxc.peer=" + std::to_string(kPeerDomid) + " cpus=2";
}
std::string xen_arm64_peer_bootargs() { return "domid=" + std::to_string(kPeerDomid); }

target_outcome run_xen_target(const target_options& o) {
  target_outcome out;
  out.facts.target = o.kind;
  out.facts.profile = xen_deviations();
  const bool arm = o.kind == target_kind::xen_arm64;

  serial_parser parser("");
  std::vector<std::string> others;  // Xen's and the peer's lines, for the log
  auto on_line = [&](int, std::string_view name, std::string_view line) {
    if (name == "tester") {
      parser.feed_line(line);
    } else {
      others.push_back("[" + std::string(name.empty() ? "xen" : name) + "] " + std::string(line));
    }
    if (o.echo) o.echo((name.empty() ? std::string("[xen] ") : "[" + std::string(name) + "] ") + std::string(line));
  };

  hmx::xen::boot_result r;
  if (!arm) {
    hmx::xen::x86_boot_options x;
    x.qemu = o.qemu;
    x.xen = o.xen_x86_64;
    x.dom0_image = o.image_dir + "/" + kTester;
    x.dom0_cmdline = "cpus=2";
    x.dom0_name = "tester";
    // The tester holds a MAX_RING_LEN ring (16 MiB) in its limits test; 2 vCPUs for the
    // concurrency tests.
    x.ram_mib = 512;
    x.dom0_mib = 256;
    x.cpus = 2;
    // No peer on x86, so no wildcard ring is needed: Argo's default, any-source rings refused.
    x.mac_permissive = false;
    x.timeout_s = o.timeout_s;
    x.work_dir = o.work_dir;
    x.on_line = on_line;
    r = hmx::xen::boot_x86_dom0(x);
  } else {
    hmx::xen::arm64_boot_options a;
    a.qemu = o.qemu_aarch64;
    a.xen = o.xen_arm64;
    a.domains = {{"tester", o.image_dir + "/" + kTesterA64, xen_arm64_tester_bootargs(), 256, 2},
                 {"peer", o.image_dir + "/" + kPeerA64, xen_arm64_peer_bootargs(), 64, 1}};
    a.xen_args = {"xsm=dummy"};
    a.must_exit = {"tester"};
    a.timeout_s = o.timeout_s;
    a.work_dir = o.work_dir;
    a.on_line = on_line;
    r = hmx::xen::boot_arm64_dom0less(a);
  }
  parser.finish();
  out.log = parser.log();
  out.console = out.log.console;
  out.console.insert(out.console.end(), others.begin(), others.end());
  for (const auto& a : r.command) out.command += (out.command.empty() ? "" : " ") + a;
  out.facts.seconds = r.qemu.seconds;
  if (!r.xen_version.empty())
    out.facts.hypervisor = "Xen " + r.xen_version + (arm ? " arm64" : " x86_64") + " under QEMU TCG";

  const hmx::xen::domain_console* tester = r.find("tester");
  if (!r.setup_error.empty()) {
    out.facts.finished = false;
    out.facts.failure = "cannot boot Xen: " + r.setup_error;
  } else if (!r.fatal_line.empty() || tester == nullptr || !tester->exit_status) {
    out.facts.finished = false;
    out.facts.failure = r.failure();
  } else {
    out.facts.guest_status = *tester->exit_status;
  }
  if (arm && out.facts.finished) {
    const hmx::xen::domain_console* peer = r.find("peer");
    if (tester->domid != kTesterDomid || peer == nullptr || peer->domid != kPeerDomid) {
      out.facts.finished = false;
      out.facts.failure = "Xen numbered the domains otherwise than their device tree order (tester " +
                          std::to_string(tester->domid) + ", peer " + std::to_string(peer ? peer->domid : -1) +
                          "): their boot arguments named the wrong ids";
    }
  }
  return out;
}

}  // namespace conformance::runner
