// SPDX-License-Identifier: Apache-2.0
// --target kvm, --target qemu and --target arm (the EL2 monitor prints hmx-kvm's console).
#include <chrono>
#include <cmath>

#include "hmx/host/console.h"
#include "hmx/host/line_splitter.h"
#include "hmx/host/process.h"
#include "targets.h"

namespace conformance::runner {

namespace {
constexpr const char* kTester = "hmx-conformance-tester.elf";
constexpr const char* kPeer = "hmx-conformance-peer.elf";
}  // namespace

std::vector<std::string> kvm_command(const target_options& o) {
  const std::string dir = o.image_dir + "/";
  // The tester holds a MAX_RING_LEN ring (16 MiB) in its limits test: 128 MiB of RAM. The
  // agents use their vCPU 0 only.
  const long secs = std::lround(std::ceil(o.timeout_s));
  return {o.hmx_kvm,
          "--domain", "tester=" + dir + kTester + ",vcpus=2,mem=128M",
          "--domain", "peer=" + dir + kPeer + ",vcpus=1,mem=32M",
          "--domain", "denied=" + dir + kPeer + ",vcpus=1,mem=32M",
          "--policy", o.policy_file,
          "--timeout", std::to_string(secs)};
}

std::vector<std::string> qemu_command(const target_options& o) {
  // -display none -serial stdio -monitor none instead of -nographic: -nographic already puts the
  // monitor and serial on stdio, and QEMU refuses a second stdio character device.
  return {o.qemu, "-accel", "tcg", "-display", "none", "-nodefaults", "-no-reboot", "-m", "128", "-smp", "2",
          "-serial", "stdio", "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
          "-kernel", o.image_dir + "/" + kTester, "-append", "cpus=2"};
}

bool decode_qemu_status(int code, int* guest_status) {
  if (code <= 0 || (code & 1) == 0) return false;
  *guest_status = code >> 1;
  return true;
}

bool parse_kvm_result(std::string_view line, const std::string& domain, int* status, std::string* state) {
  namespace console = hmx::host::console;
  const std::optional<std::string_view> text = console::text_of(line, domain);
  const std::optional<console::domain_result> r = text ? console::parse_domain_result(*text) : std::nullopt;
  if (!r) return false;
  if (r->end == console::domain_end::exited) *status = r->status;
  *state = std::string(r->state);
  return true;
}

target_outcome run_vm_target(const target_options& o) {
  target_outcome out;
  out.facts.target = o.kind;
  // kvm: hmx-kvm or the Arm EL2 monitor, both with "[NAME] " console lines and result lines.
  const bool kvm = o.kind == target_kind::kvm || o.kind == target_kind::arm || o.kind == target_kind::kvm_xen;
  const std::vector<std::string> argv = o.kind == target_kind::arm       ? arm_command(o)
                                        : o.kind == target_kind::kvm_xen ? kvm_xen_command(o)
                                        : kvm                            ? kvm_command(o)
                                                                         : qemu_command(o);
  // kvm-xen serves Xen's Argo: where real Xen deviates, hmx-kvm answers as Xen does.
  if (o.kind == target_kind::kvm_xen) out.facts.profile = xen_deviations();
  if (o.kind == target_kind::arm) out.facts.hypervisor = "HMX EL2 monitor (adapters/arm-smccc) under QEMU TCG";
  for (const auto& a : argv) out.command += (out.command.empty() ? "" : " ") + a;

  serial_parser parser(kvm ? "tester" : "");
  int kvm_status = -1;
  std::string kvm_state;
  // Once the tester is done, the other domains get a grace period to end by themselves (the peer
  // makes the denied domain exit); then the monitor is stopped: the tester's result is known.
  std::chrono::steady_clock::time_point grace_end{};
  bool tester_done = false;
  auto on_line = [&](std::string_view l) {
    parser.feed_line(l);
    if (o.echo) o.echo(l);
    if (kvm) {
      int st;
      std::string state;
      if (parse_kvm_result(l, "tester", &st, &state)) {
        kvm_state = state;
        if (state == "exited") kvm_status = st;
        if (!tester_done) grace_end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        tester_done = true;
      }
    }
  };
  hmx::host::line_splitter lines(serial_parser::kMaxLine + 16);  // the parser refuses a longer line
  hmx::host::process_options run;
  run.argv = argv;
  // The monitor gets a little longer than the guests' own limit (hmx-kvm --timeout) to report.
  run.timeout_s = o.timeout_s + 15;
  run.on_output = [&](std::string_view chunk) { lines.feed(chunk, on_line); };
  run.stop_now = [&] { return tester_done && std::chrono::steady_clock::now() > grace_end; };
  const hmx::host::process_result pr = hmx::host::run_process(run);
  if (pr.stopped && o.echo) o.echo("hmx-conformance: the tester is done; stopped the monitor (other domains still ran)");
  lines.finish(on_line);
  out.log = parser.log();
  out.console = out.log.console;
  out.facts.seconds = pr.seconds;

  if (!pr.started) {
    out.facts.finished = false;
    out.facts.failure = "cannot run the monitor: " + pr.error;
  } else if (pr.timed_out) {
    out.facts.finished = false;
    out.facts.failure = "time limit of " + std::to_string(static_cast<long>(o.timeout_s)) + " s reached (monitor killed)";
  } else if (kvm) {
    if (kvm_state == "exited") {
      out.facts.guest_status = kvm_status;
    } else {
      out.facts.finished = false;
      out.facts.failure = kvm_state.empty() ? "hmx-kvm exited with code " + std::to_string(pr.exit_code) +
                                                  " without a result for the tester (setup error?)"
                                            : "the tester domain " + kvm_state + " (see the console log)";
    }
  } else {
    int st;
    if (pr.exited && decode_qemu_status(pr.exit_code, &st)) {
      out.facts.guest_status = st;
    } else {
      out.facts.finished = false;
      out.facts.failure = pr.exited ? "QEMU exited with " + std::to_string(pr.exit_code) + " without a guest exit status"
                                    : "QEMU was killed by signal " + std::to_string(pr.signal);
    }
  }
  return out;
}

}  // namespace conformance::runner
