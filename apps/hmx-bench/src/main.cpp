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
// --linux then runs hmx-linux-bench (apps/hmx-hostd): Linux's own virtio_blk in a UML guest over
// virtio-argo vs virtio_uml to the same back-end; it needs no /dev/kvm, so without KVM only it runs.
// Exit codes: 0 measured; 1 a run failed; 4 usage or setup error; 77 no /dev/kvm (nor --linux).
#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <fstream>
#include <iostream>

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

}  // namespace

int main(int argc, char** argv) {
  using namespace hmx::kvm::bench;
  CLI::App app{"hmx-bench: HMX on KVM, measured as the ratios of docs/ARCHITECTURE.md (R_exit, R_copy, batching gain, "
               "notify latency)"};
  std::string json_path, image = HMX_BENCH_IMAGE;
  uint32_t iterations = 4000, runs = 3;
  double timeout = 60;
  bool pin = false;
  app.add_option("--json", json_path, "also write every figure and ratio as JSON to FILE")->type_name("FILE");
  app.add_option("--iterations", iterations, "timed operations per figure in the guest (default 4000)")
      ->check(CLI::Range(100u, 1000000u));
  app.add_option("--runs", runs, "VM runs; each figure is the median (default 3)")->check(CLI::Range(1u, 20u));
  app.add_option("--image", image, "the bench guest image")->check(CLI::ExistingFile);
  app.add_option("--timeout", timeout, "time limit of each VM run in seconds")->check(CLI::PositiveNumber);
  app.add_flag("--pin", pin, "pin the sender's vCPU thread to host CPU 0 and the receiver's to CPU 1");
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
  auto run_linux = [&] {
    std::vector<std::string> args = runs_arg;
    if (!json_path.empty()) args.insert(args.end(), {"--json", json_path + ".linux.json"});
    return run_sibling_bench("hmx-linux-bench", "Linux isolation cost (virtio_blk in User-Mode Linux)", args);
  };
  if (!have_kvm) {
    std::cout << "SKIPPED: the KVM figures and --virtio-argo: /dev/kvm not available\n";
    return run_linux();
  }

  bench_data data;
  data.iterations = iterations;
  data.runs = runs;
  data.pinned = pin;
  {
    std::ifstream load("/proc/loadavg");
    std::string a, b, c;
    if (load >> a >> b >> c) data.load = a + " " + b + " " + c;
  }
  std::vector<std::vector<guest_figure>> all;
  double hz_sum = 0;
  try {
    for (uint32_t i = 0; i < runs; ++i) {
      vm_run_result r = run_bench_vms(image, iterations, timeout, pin);
      if (r.exit_code != 0 || r.figures.empty()) {
        std::cerr << r.output << "hmx-bench: VM run " << i + 1 << " failed (monitor exit code " << r.exit_code
                  << ")\n";
        return 1;
      }
      std::cerr << "hmx-bench: run " << i + 1 << ": " << r.figures.size() << " figures, " << r.messages
                << " messages (" << r.bytes << " bytes) delivered, " << r.raw_msr_exits << " raw MSR exits\n"
                << "  " << r.sender_summary << "\n  " << r.receiver_summary << "\n";
      all.push_back(std::move(r.figures));
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
      }
      hz_sum += r.tsc_hz;
    }
    data.tsc_hz = hz_sum / runs;
    data.guest = median_figures(all);
    const std::vector<uint64_t> sizes{64, 4096, 65536};
    data.memcpy_rates = measure_memcpy(sizes, 0.2);
    data.in_process = measure_in_process(sizes, 0.2);
  } catch (const std::exception& e) {
    std::cerr << "hmx-bench: " << e.what() << '\n';
    return 4;
  }

  const std::vector<ratio> ratios = compute_ratios(data);
  print_report(std::cout, data, ratios);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << to_json(data, ratios).dump(2) << '\n';
    if (!out) {
      std::cerr << "hmx-bench: cannot write " << json_path << '\n';
      return 4;
    }
  }
  int rc = 0;
  if (virtio_argo) {
    std::vector<std::string> args = runs_arg;
    if (!json_path.empty()) args.insert(args.end(), {"--json", json_path + ".virtio-argo.json"});
    rc = run_sibling_bench("hmx-vta-bench", "virtio-argo isolation cost", args);
  }
  if (linux_guest) {
    const int lrc = run_linux();
    if (rc == 0 || rc == 77) rc = lrc;
  }
  return rc;
}
