// SPDX-License-Identifier: Apache-2.0
// hmx-conformance: run the HMX conformance suite on a target and report per requirement.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "install_layout.h"
#include "report.h"
#include "report_views.h"
#include "targets.h"

#ifndef HMX_CONFORMANCE_SPEC_DIR
#error "HMX_CONFORMANCE_SPEC_DIR must be set by the build"
#endif
#ifndef HMX_CONFORMANCE_SPEC_SITE
#define HMX_CONFORMANCE_SPEC_SITE ""
#endif
#ifndef HMX_CONFORMANCE_VTA_KVM_TESTS
#define HMX_CONFORMANCE_VTA_KVM_TESTS ""
#endif

namespace {

using namespace conformance::runner;

constexpr const char* kFooter =
    "Exit codes (kvm-unit-tests): 0 every applicable requirement passed; 1 a requirement failed or the\n"
    "run was incomplete (crash, time limit, protocol error); 77 nothing applicable (HMX not present),\n"
    "or --target kvm without /dev/kvm. See docs/guide-hypervisor-vendors.md.";

// "a:b:c" -> {"a", "b", "c"} (a path list, as the build passes the transport's source folders).
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == ':') {
      if (i > start) out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

// argv[0]-style lookup: a name with '/' as it is, else through PATH.
bool program_in_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path == nullptr ? "" : path;
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-conformance: the HMX conformance suite (requirement-traced, per the spec's requirements)"};
  std::string target = "reference";
  std::vector<std::string> only;
  bool tap = false, verbose = false, require_hmx = false;
  std::string junit, json, log_file, disable_check;
  target_options o;
  o.policy_file = HMX_CONFORMANCE_POLICY;
  o.image_dir = HMX_CONFORMANCE_IMAGE_DIR;
  o.hmx_kvm = HMX_CONFORMANCE_HMX_KVM;
  o.xen_x86_64 = HMX_CONFORMANCE_XEN_X86_64;
  o.xen_arm64 = HMX_CONFORMANCE_XEN_ARM64;
  o.arm_monitor = HMX_CONFORMANCE_ARM_MONITOR;
  o.arm_policy = HMX_CONFORMANCE_ARM_POLICY;
  o.vta_tests = HMX_CONFORMANCE_VTA_TESTS;
  o.vta_kvm_tests = HMX_CONFORMANCE_VTA_KVM_TESTS;
  o.vta_sources = split_list(HMX_CONFORMANCE_VTA_SOURCES);
  std::string spec_dir = HMX_CONFORMANCE_SPEC_DIR;
  // Installed (cmake --install, hmx-tools): the data under its own prefix, not the build tree's.
  std::string spec_site = HMX_CONFORMANCE_SPEC_SITE, html;
  bool summary = false;
  if (const std::string prefix = installed_prefix("/proc/self/exe"); !prefix.empty())
    use_installed_layout(prefix, o, spec_dir, spec_site);
  double timeout = 0;
  app.add_option("--target", target, "reference (in-process reference core), kvm (images under hmx-kvm), "
                                     "qemu (tester image under stock QEMU, which has no HMX), console (a "
                                     "tester console captured on another monitor: --console-file), transport "
                                     "(the virtio-argo transport's tests, HMX-VTA-*), xen (the tester as dom0 of "
                                     "real Xen x86_64 with Argo), xen-arm64 (tester and peer as domUs of real "
                                     "Xen arm64), arm (the aarch64 images under the HMX EL2 monitor, "
                                     "adapters/arm-smccc), kvm-xen (the tester as an abi=xen domain of hmx-kvm: "
                                     "Xen's Argo served by hmx-kvm)")
      ->check(CLI::IsMember({"reference", "kvm", "qemu", "console", "transport", "xen", "xen-arm64", "arm", "kvm-xen"}));
  app.add_option("--only", only, "requirement ID glob, e.g. 'HMX-RING-*' (repeatable)")->type_name("GLOB");
  app.add_flag("--tap", tap, "TAP 13 on stdout (one test point per requirement); the table goes to stderr");
  app.add_option("--junit", junit, "write JUnit XML")->type_name("FILE");
  app.add_option("--json", json, "write the JSON certification report (and report.html beside it)")->type_name("FILE");
  app.add_option("--html", html, "write the HTML report here (default: beside --json, FILE.html)")->type_name("FILE");
  app.add_option("--spec-site", spec_site, "the spec site the HTML report links requirements to")->capture_default_str();
  app.add_flag("--summary", summary, "print a compact summary (counts per area, failures, deviations) "
                                     "instead of the full table");
  app.add_option("--log", log_file, "write the tester's console")->type_name("FILE");
  app.add_option("--spec-dir", spec_dir, "directory of the spec bundle spec.json (hmx-specgen --bundle-out)")
      ->capture_default_str();
  app.add_option("--policy", o.policy_file, "MAC policy file (adapters/reference/POLICY.md)")->capture_default_str();
  app.add_option("--image-dir", o.image_dir, "guest images (kvm, qemu)")->capture_default_str();
  app.add_option("--hmx-kvm", o.hmx_kvm, "hmx-kvm executable")->capture_default_str();
  app.add_option("--qemu", o.qemu, "QEMU executable")->capture_default_str();
  app.add_option("--qemu-aarch64", o.qemu_aarch64, "QEMU executable for --target xen-arm64 and arm")->capture_default_str();
  app.add_option("--arm-monitor", o.arm_monitor, "--target arm: the HMX EL2 monitor (hmx-arm-monitor.elf)")
      ->capture_default_str();
  app.add_option("--arm-policy", o.arm_policy, "--target arm: the MAC policy as a compiled table (hmx-policy-table)")
      ->capture_default_str();
  app.add_option("--xen", o.xen_x86_64, "Xen hypervisor for --target xen (built with Argo)")->capture_default_str();
  app.add_option("--xen-arm64", o.xen_arm64, "Xen hypervisor for --target xen-arm64")->capture_default_str();
  app.add_option("--work-dir", o.work_dir, "Xen targets: where the consoles and the device tree go")->type_name("DIR");
  app.add_option("--timeout", timeout, "time limit of the whole run in seconds (default: 300 reference, 300 kvm, 120 qemu, 600 transport, 300 arm)");
  app.add_flag("--require-hmx", require_hmx, "fail (exit 1) when the target does not offer HMX");
  app.add_option("--disable-check", disable_check, "reference only: disable one check of the reference core "
                                                   "(test switch; shows that the suite can fail)");
  app.add_option("--console-file", o.console_file, "console target: the captured console of the tester image")
      ->type_name("FILE");
  app.add_option("--console-domain", o.console_domain,
                 "console target: only lines prefixed \"[NAME] \" count (a multi-domain monitor's console)")
      ->type_name("NAME");
  app.add_option("--tester-status", o.tester_status, "console target: the tester's exit status (port 0xf4 value)")
      ->type_name("N");
  app.add_flag("-v,--verbose", verbose, "echo the console while running");
  app.footer(kFooter);
  CLI11_PARSE(app, argc, argv);

  o.kind = target == "kvm"       ? target_kind::kvm
           : target == "qemu"    ? target_kind::qemu
           : target == "console" ? target_kind::console
           : target == "transport" ? target_kind::transport
           : target == "xen"       ? target_kind::xen
           : target == "xen-arm64" ? target_kind::xen_arm64
           : target == "arm"       ? target_kind::arm
           : target == "kvm-xen"   ? target_kind::kvm_xen
                                 : target_kind::reference;
  if (o.kind == target_kind::console && o.console_file.empty()) {
    std::cerr << "hmx-conformance: --target console needs --console-file\n";
    return 1;
  }
  o.timeout_s = timeout > 0                             ? timeout
                : o.kind == target_kind::reference ? 300
                : o.kind == target_kind::kvm || o.kind == target_kind::kvm_xen ? 300
                : o.kind == target_kind::transport ? 600
                : o.kind == target_kind::xen || o.kind == target_kind::xen_arm64 ? 400
                : o.kind == target_kind::arm       ? 300
                                                   : 120;
  o.vta_kvm = access("/dev/kvm", R_OK | W_OK) == 0;
  o.sel = selection(only);
  o.disable_check = disable_check;
  if (verbose) o.echo = [](std::string_view l) { std::cerr << l << '\n'; };

  spec_info spec;
  try {
    spec = load_spec(spec_dir);
  } catch (const std::exception& e) {
    std::cerr << "hmx-conformance: " << e.what() << '\n';
    return 1;
  }
  if (!disable_check.empty() && o.kind != target_kind::reference) {
    std::cerr << "hmx-conformance: --disable-check needs --target reference\n";
    return 1;
  }
  if ((o.kind == target_kind::kvm || o.kind == target_kind::kvm_xen) && access("/dev/kvm", R_OK | W_OK) != 0) {
    std::cout << "SKIPPED: /dev/kvm not available\n";
    return 77;
  }
  if (o.kind == target_kind::xen || o.kind == target_kind::xen_arm64) {
    const bool arm = o.kind == target_kind::xen_arm64;
    const std::string& qemu = arm ? o.qemu_aarch64 : o.qemu;
    if (!program_in_path(qemu)) {
      std::cout << "SKIPPED: " << qemu << " not found (Debian " << (arm ? "qemu-system-arm" : "qemu-system-x86") << ")\n";
      return 77;
    }
    const std::string& xen = arm ? o.xen_arm64 : o.xen_x86_64;
    if (xen.empty() || access(xen.c_str(), R_OK) != 0) {
      std::cerr << "hmx-conformance: no Xen hypervisor at '" << xen << "' (adapters/xen builds it: target hmx-xen-"
                << (arm ? "arm64" : "x86_64") << ")\n";
      return 1;
    }
  }

  if (o.kind == target_kind::arm) {
    if (!program_in_path(o.qemu_aarch64)) {
      std::cout << "SKIPPED: " << o.qemu_aarch64 << " not found (Debian qemu-system-arm)\n";
      return 77;
    }
    for (const std::string* f : {&o.arm_monitor, &o.arm_policy}) {
      if (f->empty() || access(f->c_str(), R_OK) != 0) {
        std::cerr << "hmx-conformance: --target arm: '" << *f << "' is missing (adapters/arm-smccc builds the "
                  << "monitor with aarch64-linux-gnu-g++: target hmx_arm; the policy table: hmx_conformance_arm_policy)\n";
        return 1;
      }
    }
  }

  target_outcome out;
  try {
    out = o.kind == target_kind::reference ? run_reference_target(o)
          : o.kind == target_kind::console ? run_console_target(o)
          : o.kind == target_kind::transport ? run_transport_target(o)
          : o.kind == target_kind::xen || o.kind == target_kind::xen_arm64 ? run_xen_target(o)
                                           : run_vm_target(o);
  } catch (const std::exception& e) {
    std::cerr << "hmx-conformance: " << e.what() << '\n';
    return 1;
  }
  evaluation ev = evaluate(spec, out.log, out.facts, o.sel);
  if (require_hmx && out.log.ident_seen && !out.log.hmx_present()) {
    ev.problems.push_back("--require-hmx: the target does not offer HMX");
    ev.complete = false;
    ev.exit_code = 1;
  }
  const report rep{spec, out.log, out.facts, ev, o.sel, utc_now()};

  bool io_ok = true;
  if (!log_file.empty()) {
    std::string all = out.command.empty() ? "" : "# " + out.command + "\n";
    for (const auto& l : out.console) all += l + "\n";
    io_ok &= write_file(log_file, all);
  }
  if (!junit.empty()) io_ok &= write_file(junit, junit_xml(rep));
  if (!json.empty()) io_ok &= write_file(json, certification_json(rep).dump(2) + "\n");
  if (html.empty() && !json.empty()) html = html_path_beside(json);
  report_context ctx{shell_quote({argv, argv + argc}), out.command, site_href(spec_site, html),
                     !html.empty() ? html : json};
  if (!html.empty()) io_ok &= write_file(html, report_html(rep, ctx));
  if (tap) {
    write_tap(std::cout, rep);
    write_table(std::cerr, rep);
  } else if (summary) {
    write_summary(std::cout, rep, ctx);
  } else {
    write_table(std::cout, rep);
  }
  std::cout.flush();
  if (!io_ok) {
    std::cerr << "hmx-conformance: cannot write a report file\n";
    if (ev.exit_code == 0) ev.exit_code = 1;
  }
  // A hung in-process run leaves threads inside the core: end without unwinding them.
  if (out.abandon) std::_Exit(ev.exit_code);
  return ev.exit_code;
}
