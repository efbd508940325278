// SPDX-License-Identifier: Apache-2.0
// hmx-hostd: runs User-Mode Linux guests as domains of one HMX reference core, next to the same
// hosted virtio-argo device domains hmx-kvm hosts (guest-transport/service), under one MAC policy.
// A UML guest is a host process; its conduit is a UNIX socket (include/hmx/uml_conduit.h) and
// its memory is its physical-memory file, shared with this process only. Exit codes as
// hmx-kvm's: 0 every guest reported status 0; 1 some guest reported non-zero; 2 a guest ended
// without reporting (a crash or a kernel panic); 3 the time limit stopped a guest; 4 usage or
// set-up error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <hmx/reference/core.h>
#include <hmx/reference/policy.h>
#include <hmx/virtio_argo/service/service_set.h>

#include "device_domain.h"
#include "guest_spec.h"
#include "uml_domain.h"
#include "uml_process.h"

namespace {

enum exit_code : int { kAllZero = 0, kNonZero = 1, kCrashed = 2, kTimeout = 3, kSetup = 4 };

constexpr const char* kFooter =
    "Guests get HMX ids 1, 2, ... in command-line order, services the ids after them. Each guest's\n"
    "kernel command line carries mem=, initrd=, rdinit=/init, its console on stdout, and\n"
    "hmx.socket=PATH (its conduit), hmx_virtio_argo.backends=IDS (the service domains),\n"
    "hmx_name=NAME and hmx_domains=NAME:ID,... (every domain), then the arg= words. Guest console\n"
    "lines go to stdout, monitor messages to stderr, each prefixed \"[NAME] \". A guest reports its\n"
    "status with a console line \"hmx-exit: N\" (linux/initramfs/init.sh).\n"
    "Exit codes: 0 every guest reported 0; 1 some guest reported non-zero; 2 a guest ended without\n"
    "reporting (crash, panic); 3 the time limit stopped a guest; 4 usage or set-up error.";

class console {
 public:
  void guest(const std::string& name, const std::string& line) {
    std::lock_guard lock(mu_);
    std::cout << '[' << name << "] " << line << '\n' << std::flush;
  }
  void monitor(const std::string& name, const std::string& line) {
    std::lock_guard lock(mu_);
    std::cerr << '[' << name << "] " << line << '\n' << std::flush;
  }

 private:
  std::mutex mu_;
};

std::string make_run_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hmx-hostd.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("cannot create a run directory under " + templ);
  return templ;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hmx;
  CLI::App app{
      "hmx-hostd: run User-Mode Linux guests as HMX domains and serve HMX to them, with hosted virtio-argo "
      "device domains, from one reference core"};
  std::vector<std::string> uml_specs, service_specs;
  std::string policy_file, run_dir;
  double timeout_seconds = 0;
  bool stats = false;
  app.add_option("--uml", uml_specs,
                 "NAME=KERNEL,initrd=FILE[,mem=SIZE][,arg=WORD]...: one UML guest (repeatable); mem default 256M")
      ->required()
      ->type_name("SPEC");
  app.add_option("--service", service_specs,
                 "NAME=virtio-blk,file=PATH[,queues=N][,queue-size=N][,die-after=N][,mem=SIZE], "
                 "NAME=vhost-user-blk,socket=PATH[,exec=CMD], NAME=virtio-console[,input=TEXT] or "
                 "NAME=virtio-net: a virtio-argo device domain hosted in this process (repeatable; ids after "
                 "the guests: the block services first, then console and net)")
      ->type_name("SPEC");
  app.add_option("--policy", policy_file,
                 "MAC policy file, protobuf text format (adapters/reference/POLICY.md); without it every exchange "
                 "between distinct domains is denied")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  app.add_option("--timeout", timeout_seconds, "stop every guest after SECONDS (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("SECONDS");
  app.add_option("--run-dir", run_dir, "directory for the guests' conduit sockets (default: a new one in $TMPDIR)")
      ->type_name("DIR");
  app.add_flag("--stats", stats, "print HMX statistics at the end");
  bool no_event_idx = false;
  app.add_flag("--no-event-idx", no_event_idx,
               "do not offer EVENT_IDX (interrupt moderation by rx_event; offered by default)");
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kAllZero : kSetup;
  }

  console out;
  std::vector<hostd::guest_spec> guests;
  std::vector<virtio_argo::service::service_spec> services;
  std::vector<hostd::device_domain_spec> device_specs;
  try {
    for (const auto& s : uml_specs) guests.push_back(hostd::parse_guest_spec(s));
    for (const auto& s : service_specs) {
      if (hostd::is_device_domain_spec(s)) device_specs.push_back(hostd::parse_device_domain_spec(s));
      else services.push_back(virtio_argo::service::parse_service_spec(s));
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "hmx-hostd: " << e.what() << '\n';
    return kSetup;
  }

  ref::Policy policy;
  policy.set_logger([&out](std::string_view m) { out.monitor("hmx", "policy: " + std::string(m)); });
  if (!policy_file.empty()) {
    std::string error;
    if (!policy.load_file(policy_file, &error)) {
      std::cerr << "hmx-hostd: policy rejected: " << error << '\n';
      return kSetup;
    }
  }

  bool own_run_dir = false;
  std::vector<std::unique_ptr<hostd::uml_domain>> domains;
  std::vector<std::unique_ptr<hostd::uml_process>> processes;
  std::vector<std::unique_ptr<hostd::device_domain>> device_domains;
  ref::Core core(policy);
  // Interrupt moderation (spec event-idx): the Linux drivers arm rx_event where it is offered.
  core.offer_event_idx(!no_event_idx);
  virtio_argo::service::service_set hosted(
      services, [&out](const std::string& name, const std::string& line) { out.monitor(name, line); });
  int rc = kAllZero;
  try {
    if (run_dir.empty()) {
      run_dir = make_run_dir();
      own_run_dir = true;
    }
    std::vector<ref::DomainId> guest_ids;
    std::string domain_list;
    for (size_t i = 0; i < guests.size(); ++i) {
      guest_ids.push_back(static_cast<ref::DomainId>(i + 1));
      domain_list += fmt::format("{}{}:{}", domain_list.empty() ? "" : ",", guests[i].name, i + 1);
    }
    std::string backends;
    std::vector<std::string> service_names;
    for (const auto& s : services) service_names.push_back(s.name);
    for (const auto& s : device_specs) service_names.push_back(s.name);
    for (size_t i = 0; i < service_names.size(); ++i) {
      const size_t id = guests.size() + 1 + i;
      backends += fmt::format("{}{}", backends.empty() ? "" : ",", id);
      domain_list += fmt::format(",{}:{}", service_names[i], id);
    }
    for (size_t i = 0; i < guests.size(); ++i) {
      const auto& g = guests[i];
      domains.push_back(std::make_unique<hostd::uml_domain>(
          core, guest_ids[i], g.name, run_dir + "/" + g.name + ".sock",
          [&out, name = g.name](const std::string& line) { out.monitor(name, line); }));
      domains.back()->start();
    }
    hosted.start(core, static_cast<ref::DomainId>(guests.size() + 1), guest_ids);
    for (size_t i = 0; i < device_specs.size(); ++i)
      device_domains.push_back(hostd::device_domain::start(
          core, static_cast<ref::DomainId>(guests.size() + services.size() + 1 + i), device_specs[i], guest_ids,
          [&out, name = device_specs[i].name](const std::string& line) { out.monitor(name, line); }));
    for (size_t i = 0; i < guests.size(); ++i) {
      const auto& g = guests[i];
      std::vector<std::string> args = {g.kernel,
                                       "mem=" + g.mem,
                                       "initrd=" + g.initrd,
                                       "rdinit=/init",
                                       "con=null",
                                       "con0=null,fd:1",
                                       "ssl=null",
                                       "hmx.socket=" + domains[i]->socket_path(),
                                       "hmx_name=" + g.name,
                                       "hmx_domains=" + domain_list};
      if (!backends.empty()) args.push_back("hmx_virtio_argo.backends=" + backends);
      for (const auto& a : g.args) args.push_back(a);
      processes.push_back(std::make_unique<hostd::uml_process>(
          g.name, std::move(args), [&out, name = g.name](const std::string& line) { out.guest(name, line); }));
      processes.back()->start();
    }
  } catch (const std::exception& e) {
    std::cerr << "hmx-hostd: " << e.what() << '\n';
    return kSetup;
  }

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  bool timed_out = false;
  for (;;) {
    bool all = true;
    for (auto& p : processes) all = p->finished() && all;
    if (all) break;
    if (timeout_seconds > 0 && clock::now() >= deadline && !timed_out) {
      timed_out = true;
      for (auto& p : processes)
        if (!p->finished()) {
          out.monitor(p->name(), fmt::format("time limit of {} s reached: stopping the guest", timeout_seconds));
          p->kill();
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& p : processes) {
    const auto status = p->reported_status();
    if (!status) {
      out.monitor(p->name(), "ended without reporting a status (crash, panic or time limit)");
      rc = std::max(rc, static_cast<int>(kCrashed));
    } else if (*status != 0) {
      out.monitor(p->name(), fmt::format("reported status {}", *status));
      rc = std::max(rc, static_cast<int>(kNonZero));
    }
  }
  if (timed_out) rc = kTimeout;
  for (auto& d : domains) d->stop();  // the guests' domains leave the core
  hosted.stop();
  for (auto& d : device_domains) d->stop();
  if (stats) {
    const auto s = core.stats();
    out.monitor("hmx", fmt::format("core: {} calls, {} ops, {} batches, {} messages, {} bytes, {} EAGAIN, {} interrupts, "
                                   "{} denials, {} interrupts moderated (EVENT_IDX {})",
                                   s.calls, s.ops, s.batches, s.messages, s.bytes, s.eagain, s.interrupts, s.denials,
                                   s.interrupts_moderated, no_event_idx ? "not offered" : "offered"));
    for (auto& d : domains) {
      const auto ds = d->stats();
      out.monitor(d->name(), fmt::format("stats: {} calls, {} refused calls, {} notifications", ds.calls,
                                         ds.refused_calls, ds.notifications));
    }
    for (const auto& line : hosted.stats_lines()) out.monitor("hmx", "stats: " + line);
    for (const auto& d : device_domains) out.monitor("hmx", "stats: service " + d->stats_line());
  }
  domains.clear();
  if (own_run_dir) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir, ec);
  }
  return rc;
}
