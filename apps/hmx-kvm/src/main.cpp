// SPDX-License-Identifier: Apache-2.0
// hmx-kvm: a KVM virtual machine monitor that runs several PVH guest images, one VM each, and
// serves HMX to them (hmx_service.h). Exit codes: README.md "Exit codes" (monitor.h exit_code).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "hmx/kvm/error.h"
#include "hmx/kvm/hmx_service.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/monitor.h"
#include "hosted_services.h"
#include "xen_abi/xen_domains.h"

namespace {

constexpr const char* kFooter =
    "Exit codes: 0 all domains exited with status 0; 1 some domain exited non-zero; 2 a domain crashed\n"
    "(report printed); 3 the time limit stopped a domain; 4 usage or setup error (e.g. no /dev/kvm, a\n"
    "broken policy file).\n"
    "Domains get HMX ids 1, 2, 3... in command-line order; each guest's command line is\n"
    "\"cpus=N domid=D name=NAME domains=NAME:ID,... [arg words]\" (README.md \"Guest command line\").\n"
    "Guest serial lines go to stdout, monitor messages to stderr, each prefixed \"[NAME] \".";

}  // namespace

int main(int argc, char** argv) {
  using namespace hmx::kvm;
  CLI::App app{"hmx-kvm: run HMX guest images (PVH ELF) as KVM virtual machines and serve HMX to them"};
  std::vector<std::string> specs;
  double timeout_seconds = 0;
  std::string policy;
  bool stats = false;
  std::vector<std::string> service_specs;
  app.add_option("--domain", specs,
                 "NAME=IMAGE[,vcpus=N][,mem=SIZE][,abi=hmx|xen|both][,arg=TEXT]...: one VM (repeatable); vcpus "
                 "default 2, mem default 64M (K/M/G suffix, MiB without); abi=xen: the guest sees Xen 4.17 "
                 "(CPUID leaves, hypercall page, Argo as hypercall 39) instead of HMX, abi=both both; arg=TEXT appends TEXT "
                 "(no commas) to the guest command line")
      ->required()
      ->type_name("SPEC");
  app.add_option("--timeout", timeout_seconds, "stop every domain after SECONDS (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("SECONDS");
  app.add_option("--policy", policy,
                 "MAC policy file, protobuf text format (adapters/reference/POLICY.md); without it every "
                 "exchange between distinct domains is denied")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  app.add_option("--service", service_specs,
                 "NAME=virtio-blk,file=PATH[,queues=N][,queue-size=N][,die-after=N][,mem=SIZE] or "
                 "NAME=vhost-user-blk,socket=PATH[,queues=N][,queue-size=N][,mem=SIZE][,exec=COMMAND...]: a "
                 "virtio-argo device domain hosted in this process, its disk the built-in device's or a vhost-user "
                 "back-end's (repeatable; ids after the VMs)")
      ->type_name("SPEC");
  app.add_flag("--stats", stats, "print HMX statistics (calls, messages, bytes, denials per domain pair) at the end");
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitAllZero : kExitSetupError;
  }

  std::vector<domain_config> configs;
  try {
    for (const auto& s : specs) configs.push_back(parse_domain_spec(s));
  } catch (const std::invalid_argument& e) {
    std::cerr << "hmx-kvm: " << e.what() << '\n';
    return kExitSetupError;
  }

  console out(std::cout, std::cerr);
  hmx_service service(out);
  std::unique_ptr<hosted_services> hosted;
  try {
    hosted = std::make_unique<hosted_services>(service_specs, out);
  } catch (const std::invalid_argument& e) {
    std::cerr << "hmx-kvm: " << e.what() << '\n';
    return kExitSetupError;
  }
  service.set_hosted_names(hosted->names());
  xen_abi::xen_domains xen(configs, service.core(), out);
  if (!policy.empty()) {
    std::string error;
    if (!service.load_policy_file(policy, &error)) {
      std::cerr << "hmx-kvm: policy rejected: " << error << '\n';
      return kExitSetupError;
    }
  }
  try {
    kvm_system system;
    monitor mon(system, out);
    core_domains_guard guard(service);  // before the monitor unmaps the domains' memory
    try {
      service.add_domains(mon, std::move(configs),
                          [&xen](service_domain& d, domain_hooks& hooks) { xen.customize(d, hooks); });
      xen.attach(service);
      hosted->start(service.core(), service.first_hosted_id(), service.vm_ids());
    } catch (const std::exception& e) {
      std::cerr << "hmx-kvm: " << e.what() << '\n';
      return kExitSetupError;
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (timeout_seconds > 0) timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    int rc = mon.run(timeout);
    hosted->stop();  // every VM has stopped: end the hosted device domains too
    if (stats) {
      for (const auto& line : service.stats_lines()) out.monitor_message("hmx", line);
      for (const auto& line : xen.stats_lines()) out.monitor_message("hmx", "stats: " + line);
      for (const auto& line : hosted->stats_lines()) out.monitor_message("hmx", "stats: " + line);
      // The core's budgets (issue 14): fixed at start and the same for every domain; a hosted
      // service's own budgets are on its line above.
      const hmx::ref::CoreStats cs = service.core().stats();
      out.monitor_message("hmx", fmt::format("stats: budgets per domain: {} rings, {} space waits per ring, {} entries "
                                             "and {} payload bytes per call (CALL_BYTE_BUDGET: {} batches stopped, "
                                             "most bytes one call copied {})",
                                             HMX_MAX_RINGS_PER_DOMAIN, HMX_MAX_PENDING_PER_RING, HMX_MAX_BATCH_ENTRIES,
                                             HMX_CALL_BYTE_BUDGET, cs.budget_stops, cs.max_call_bytes));
    }
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "hmx-kvm: " << e.what() << '\n';
    return kExitSetupError;
  }
}
