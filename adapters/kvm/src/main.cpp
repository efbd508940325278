// hmx-kvm: a KVM virtual machine monitor that runs several PVH guest images, one VM each.
// Exit codes: README.md "Exit codes" (monitor.h exit_code).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "hmx/kvm/error.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/monitor.h"

namespace {

constexpr const char* kFooter =
    "Exit codes: 0 all domains exited with status 0; 1 some domain exited non-zero; 2 a domain crashed\n"
    "(report printed); 3 the time limit stopped a domain; 4 usage or setup error (e.g. no /dev/kvm).\n"
    "Guest serial lines go to stdout, monitor messages to stderr, each prefixed \"[NAME] \".";

}  // namespace

int main(int argc, char** argv) {
  using namespace hmx::kvm;
  CLI::App app{"hmx-kvm: run HMX guest images (PVH ELF) as KVM virtual machines, several per process"};
  std::vector<std::string> specs;
  double timeout_seconds = 0;
  std::string policy;
  app.add_option("--domain", specs, "NAME=IMAGE[,vcpus=N][,mem=SIZE]: one VM (repeatable); vcpus default 2, "
                                    "mem default 64M (K/M/G suffix, MiB without)")
      ->required()
      ->type_name("SPEC");
  app.add_option("--timeout", timeout_seconds, "stop every domain after SECONDS (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("SECONDS");
  app.add_option("--policy", policy, "MAC policy file (accepted now; enforced once the HMX service is wired in)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
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
  try {
    kvm_system system;
    monitor mon(system, out);
    for (auto& c : configs) {
      std::string name = c.name;
      try {
        mon.add_domain(std::move(c));
      } catch (const std::exception& e) {
        std::cerr << "hmx-kvm: domain " << name << ": " << e.what() << '\n';
        return kExitSetupError;
      }
    }
    std::optional<std::chrono::milliseconds> timeout;
    if (timeout_seconds > 0) timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    return mon.run(timeout);
  } catch (const std::exception& e) {
    std::cerr << "hmx-kvm: " << e.what() << '\n';
    return kExitSetupError;
  }
}
