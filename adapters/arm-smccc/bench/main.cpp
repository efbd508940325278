// SPDX-License-Identifier: Apache-2.0
// hmx-arm-bench: the Arm figures of DESIGN.md "Performance" in one run of the EL2 monitor under
// qemu-system-aarch64 (TCG): the bench image (guests/bench.cpp) measures, this program runs it
// with a time limit and prints the ratios. Absolute TCG times depend on the host and its load;
// the ratios compare two things measured the same way in the same run.
//
//   hmx-arm-bench [--iterations N] [--timeout SECONDS] [--qemu PATH] [--monitor ELF] [--image IMG]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <hmx/host/process.h>

namespace {

struct figure {
  const char* key;
  const char* label;
  const char* unit;
};

// What the image prints, in the order shown.
const figure kFigures[] = {
    {"raw_exit_ns", "raw HVC round trip (SMCCC_VERSION, answered at EL2)", "ns"},
    {"null_call_ns", "HMX null call (SMCCC CALL into the reference core)", "ns"},
    {"r_exit", "R_exit = null call / raw HVC", ""},
    {"memcpy_bytes_per_s", "memcpy 64 KiB in the guest", "B/s"},
    {"sendv_bytes_per_s", "sendv 64 KiB, copied by the core at EL2", "B/s"},
    {"r_copy", "R_copy = sendv throughput / memcpy bandwidth", ""},
    {"single_32_ns", "32 x 64-byte sendv, one exit each", "ns"},
    {"batched_32_ns", "the same 32 sendv in one batch exit", "ns"},
    {"batching_gain", "batching gain = one exit each / one batch", ""},
    {"notify_one_way_ns", "notify: send to the handler on the other vCPU (PPI via ICH_LR)", "ns"},
    {"notify_latency", "notify latency / raw HVC", ""},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-arm-bench: HMX over SMCCC in the Arm EL2 monitor (QEMU TCG): R_exit, R_copy, batching, notify"};
  unsigned iterations = 20000;
  double timeout = 300;
  std::string qemu = HMX_ARM_BENCH_QEMU, monitor = HMX_ARM_BENCH_MONITOR, image = HMX_ARM_BENCH_IMAGE;
  app.add_option("--iterations", iterations, "loop length inside the guest")->check(CLI::Range(100u, 10000000u));
  app.add_option("--timeout", timeout, "time limit of the QEMU run, seconds");
  app.add_option("--qemu", qemu, "qemu-system-aarch64");
  app.add_option("--monitor", monitor, "the EL2 monitor (hmx-arm-monitor.elf)");
  app.add_option("--image", image, "the bench image (arm-bench.img)");
  CLI11_PARSE(app, argc, argv);
  if (qemu.empty()) {
    std::fprintf(stderr, "hmx-arm-bench: no qemu-system-aarch64 (Debian package qemu-system-arm)\n");
    return 77;
  }

  const std::string append = "--domain bench=" + image + ",vcpus=2,arg=iterations=" + std::to_string(iterations) +
                             " --timeout " + std::to_string(static_cast<long>(timeout) - 10) + " --stats";
  hmx::host::process_options o;
  o.argv = {qemu, "-M", "virt,virtualization=on,gic-version=3", "-cpu", "max", "-smp", "2", "-m", "512",
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-semihosting", "-kernel", monitor,
            "-append", append};
  o.timeout_s = timeout;
  std::string command;
  for (const auto& a : o.argv) command += (command.empty() ? "" : " ") + (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
  const hmx::host::process_result r = hmx::host::run_process(o);

  std::map<std::string, std::string> values;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    const std::string tag = "[bench] bench ";
    if (line.rfind(tag, 0) != 0) continue;
    std::istringstream words(line.substr(tag.size()));
    for (std::string w; words >> w;) {
      const size_t eq = w.find('=');
      if (eq != std::string::npos) values[w.substr(0, eq)] = w.substr(eq + 1);
    }
  }
  const bool ok = r.exited && r.exit_code == 0 && values.count("notify_latency") != 0;
  std::printf("HMX on Arm: the EL2 monitor under QEMU TCG, one run (%s iterations, host counter %s Hz)\n",
              values.count("iterations") ? values["iterations"].c_str() : "?",
              values.count("counter_hz") ? values["counter_hz"].c_str() : "?");
  for (const figure& f : kFigures) {
    const auto it = values.find(f.key);
    std::printf("  %-66s %14s %s\n", f.label, it == values.end() ? "-" : it->second.c_str(), f.unit);
  }
  std::printf("command: %s\n", command.c_str());
  if (!ok) {
    std::fprintf(stderr, "hmx-arm-bench: the run failed (%s); its output:\n%s\n", r.describe().c_str(), r.output.c_str());
    return 1;
  }
  return 0;
}
