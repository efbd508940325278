// SPDX-License-Identifier: Apache-2.0
// hmx-bench: the performance figures of docs/ARCHITECTURE.md "Performance" for hmx-kvm, as ratios measured in
// one run (a program, never a timed test). Runs the bench guest images (guest/bench.cpp) in real
// VMs under the HMX service in this process, parses the timings the guests print, measures the
// host baselines (memcpy, the reference core without exits) and prints figures and ratios.
//   hmx-bench [--json FILE] [--iterations N] [--runs N] [--image FILE] [--timeout SECONDS]
//             [--virtio-argo] [--linux]
// --virtio-argo then runs hmx-vta-bench (apps/hmx-vta-bench, installed beside this program) for
// the isolation-cost ratio of virtio-blk over virtio-argo vs shared-memory virtqueues. It is a
// separate program because it links the virtio device library, which adapters/kvm does not need.
// Every part runs --runs times (default 5); figures are medians with min and max. --json FILE
// writes the figures of issue 15 under stable names, each with value, min, max, target and met:
// ratios.R_copy, ratios.async_gain (the best submission queue path, submit_64 or sqpoll_64 with a
// polling worker, beside batching_gain; its note gives both paths' rates and exits per message), isolation.{vm_64k, vm_poll_64k, inproc_64k, inproc_4k} and
// virtio.{exits_per_request, copies_per_byte} (from hmx-vta-bench; value null and measured false
// without --virtio-argo), and hmx-linux-bench's figures under linux (with --linux).
// --linux then runs hmx-linux-bench (apps/hmx-hostd): Linux's own virtio_blk in a UML guest over
// virtio-argo vs virtio_uml to the same back-end; it needs no /dev/kvm, so without KVM only it runs.
// Exit codes: 0 measured; 1 a run failed; 4 usage or setup error; 77 no /dev/kvm (nor --linux).
#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "hmx/host/process.h"
#include "host_baselines.h"
#include "report.h"
#include "vm_run.h"

namespace {

// A program installed beside this one (apps/hmx-vta-bench, apps/hmx-hostd's hmx-linux-bench), run
// through hostlib's run_process for its report, which goes straight to our stdout; returns its
// exit code (4: not built).
int run_sibling_bench(const std::string& name, const std::string& title, std::vector<std::string> args) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string program = (ec ? std::filesystem::path(".") : self.parent_path()) / name;
  if (::access(program.c_str(), X_OK) != 0) {
    std::cerr << "hmx-bench: " << program << " is not built; no " << title << '\n';
    return 4;
  }
  hmx::host::process_options run;
  run.argv = {program};
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  run.capture = false;
  run.timeout_s = hmx::host::kNoTimeLimit;  // each of its VM or UML runs has its own time limit
  std::cout << "\n== " << title << " (" << program << ")\n" << std::flush;
  const hmx::host::process_result r = hmx::host::run_process(run);
  if (!r.started) return 4;
  return r.exited ? r.exit_code : 1;
}

// A JSON file a sibling program wrote; null when it is missing or unreadable.
nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The KVM figures: `runs` VM runs, the host baselines, the report. Returns the exit code.
int measure_kvm(hmx::kvm::bench::bench_data& data, std::vector<hmx::kvm::bench::ratio>& ratios,
                const std::string& image, double timeout) {
  using namespace hmx::kvm::bench;
  {
    std::ifstream load("/proc/loadavg");
    std::string a, b, c;
    if (load >> a >> b >> c) data.load = a + " " + b + " " + c;
  }
  double hz_sum = 0;
  try {
    for (uint32_t i = 0; i < data.runs; ++i) {
      vm_run_result r = run_bench_vms(image, data.iterations, timeout, data.pinned, data.inject, data.event_idx);
      if (r.exit_code != 0 || r.figures.empty()) {
        std::cerr << r.output << "hmx-bench: VM run " << i + 1 << " failed (monitor exit code " << r.exit_code
                  << ")\n";
        return 1;
      }
      std::cerr << "hmx-bench: run " << i + 1 << ": " << r.figures.size() << " figures, " << r.messages
                << " messages (" << r.bytes << " bytes) delivered, " << r.raw_msr_exits << " raw MSR exits\n"
                << "  " << r.sender_summary << "\n  " << r.receiver_summary << "\n";
      data.per_run.push_back(std::move(r.figures));
      if (data.phases.empty()) data.phases.resize(r.phases.size());
      for (std::size_t p = 0; p < r.phases.size() && p < data.phases.size(); ++p) {
        phase_cost& sum = data.phases[p];
        sum.figure = r.phases[p].figure;
        sum.sender_calls += r.phases[p].sender_calls;
        sum.sender_ns += r.phases[p].sender_ns;
        sum.receiver_calls += r.phases[p].receiver_calls;
        sum.receiver_ns += r.phases[p].receiver_ns;
        sum.interrupts += r.phases[p].interrupts;
        sum.injection_ns += r.phases[p].injection_ns;
        sum.moderated += r.phases[p].moderated;
      }
      hz_sum += r.tsc_hz;
    }
    data.tsc_hz = hz_sum / data.runs;
    data.guest = median_figures(data.per_run);
    const std::vector<uint64_t> sizes{64, 4096, 65536};
    data.memcpy_rates = measure_memcpy(sizes, 0.2);
    data.in_process = measure_in_process(sizes, 0.2);
  } catch (const std::exception& e) {
    std::cerr << "hmx-bench: " << e.what() << '\n';
    return 4;
  }
  ratios = compute_ratios(data);
  print_report(std::cout, data, ratios);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hmx::kvm::bench;
  CLI::App app{"hmx-bench: HMX on KVM, measured as the ratios of docs/ARCHITECTURE.md (R_exit, R_copy, batching gain, "
               "notify latency)"};
  std::string json_path, image = HMX_BENCH_IMAGE;
  uint32_t iterations = 4000, runs = 5;
  double timeout = 60;
  bool pin = false;
  app.add_option("--json", json_path,
                 "also write every figure and ratio as JSON to FILE (issue 15's figures under stable names: "
                 "ratios.*, isolation.*, virtio.*)")
      ->type_name("FILE");
  app.add_option("--iterations", iterations, "timed operations per figure in the guest (default 4000)")
      ->check(CLI::Range(100u, 1000000u));
  app.add_option("--runs", runs,
                 "runs of each part; figures are medians with min and max over them (default 5)")
      ->check(CLI::Range(1u, 20u));
  app.add_option("--image", image, "the bench guest image")->check(CLI::ExistingFile);
  app.add_option("--timeout", timeout, "time limit of each VM run in seconds")->check(CLI::PositiveNumber);
  app.add_flag("--pin", pin, "pin the sender's vCPU thread to host CPU 0 and the receiver's to CPU 1");
  std::string inject = "thread";
  app.add_option("--inject", inject,
                 "how the monitor injects HMX interrupts: irqfd (an eventfd routed to an MSI; the sender's exit only "
                 "writes it), msi (KVM_SIGNAL_MSI on the sender's vCPU thread, spec 0.2's way) or thread (a per-domain "
                 "injector thread runs KVM_SIGNAL_MSI; the sender sets a bit and wakes it when it sleeps)")
      ->check(CLI::IsMember({"irqfd", "msi", "thread"}));
  std::string event_idx = "on";
  app.add_option("--event-idx", event_idx,
                 "on: the bench receiver registers its ring with REGISTER_FLAG_EVENT_IDX when offered and arms "
                 "rx_event before each HLT (spec event-idx); off: every message may interrupt (spec 0.2's way)")
      ->check(CLI::IsMember({"on", "off"}));
  bool virtio_argo = false;
  app.add_flag("--virtio-argo", virtio_argo,
               "then run hmx-vta-bench (beside this program): virtio-blk over virtio-argo vs shared-memory "
               "virtqueues, the isolation-cost ratio");
  bool linux_guest = false;
  app.add_flag("--linux", linux_guest,
               "then run hmx-linux-bench (beside this program): Linux's virtio-blk in User-Mode Linux over "
               "virtio-argo vs virtio_uml to the same back-end, the Linux isolation cost (needs no /dev/kvm)");
  CLI11_PARSE(app, argc, argv);

  struct stat st {};
  const bool have_kvm = ::stat("/dev/kvm", &st) == 0 && ::access("/dev/kvm", R_OK | W_OK) == 0;
  if (!have_kvm && !linux_guest) {
    std::cout << "SKIPPED: /dev/kvm not available\n";
    return 77;
  }
  const std::vector<std::string> runs_arg{"--runs", std::to_string(runs)};
  nlohmann::json j;
  int rc = 0;
  auto worst = [&rc](int part) {
    if (rc == 0 || rc == 77) rc = part;
  };

  if (have_kvm) {
    bench_data data;
    data.iterations = iterations;
    data.runs = runs;
    data.pinned = pin;
    data.inject = inject;
    data.event_idx = event_idx == "on";
    std::vector<ratio> ratios;
    const int krc = measure_kvm(data, ratios, image, timeout);
    if (krc != 0) return krc;
    j = to_json(data, ratios);
  } else {
    std::cout << "SKIPPED: the KVM figures and --virtio-argo: /dev/kvm not available\n";
  }

  // virtio-argo: hmx-vta-bench's own report, then issue 15's figures from its JSON.
  nlohmann::json vta = nullptr;
  if (virtio_argo && have_kvm) {
    std::string vta_json = json_path.empty() ? "" : json_path + ".virtio-argo.json";
    if (vta_json.empty()) {
      char name[] = "/tmp/hmx-bench-vta-XXXXXX";
      const int fd = ::mkstemp(name);
      if (fd >= 0) ::close(fd);
      vta_json = name;
    }
    std::vector<std::string> args = runs_arg;
    args.insert(args.end(), {"--json", vta_json});
    const int vrc = run_sibling_bench("hmx-vta-bench", "virtio-argo isolation cost", args);
    worst(vrc);
    if (vrc == 0) vta = read_json(vta_json);
    if (json_path.empty()) ::unlink(vta_json.c_str());
  }
  const std::vector<ratio> virtio = virtio_figures(vta);
  if (!vta.is_null()) print_virtio_figures(std::cout, virtio);
  add_virtio_figures(j, virtio, !vta.is_null());

  if (linux_guest) {
    std::vector<std::string> args = runs_arg;
    if (!json_path.empty()) args.insert(args.end(), {"--json", json_path + ".linux.json"});
    const int lrc = run_sibling_bench("hmx-linux-bench", "Linux isolation cost (virtio_blk in User-Mode Linux)", args);
    worst(lrc);
    if (lrc == 0 && !json_path.empty()) j["linux"] = read_json(json_path + ".linux.json");
  }

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << j.dump(2) << '\n';
    if (!out) {
      std::cerr << "hmx-bench: cannot write " << json_path << '\n';
      return 4;
    }
  }
  return rc;
}
