// SPDX-License-Identifier: Apache-2.0
#include "vm_run.h"

#include <atomic>
#include <chrono>

#include <fmt/format.h>

#include "hmx/host/vm_harness.h"
#include "hmx/kvm/hmx_service.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/monitor.h"

namespace hmx::kvm::bench {

namespace {

constexpr const char* kPolicy = R"(
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "bench-tx" destination: "bench-rx" }
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "bench-rx" destination: "bench-tx" }
)";

// The sender's phase numbers (guest/bench.cpp enum phase) and the figures they time.
const std::vector<std::string> kPhaseFigures = {"setup",      "gate",        "raw_exit",       "null",
                                                "sendv_64",   "sendv_4096",  "sendv_65536",    "batch_64",
                                                "batch_4096", "batch_65536", "batchmax_65536", "submit_64",
                                                "sqpoll_64",  "notify",
                                                "end"};
// The phase in which the sender has a submission queue worker (hmx-kvm's sqpoll=; spec
// submit-queue-polling), and its idle time before it sleeps.
const std::size_t kSqpollPhase = 12;
constexpr uint32_t kSqpollIdleUs = 1000;
constexpr uint64_t kUnset = ~uint64_t{0};

// Per-phase accounting, updated on the vCPU threads.
struct phase_meter {
  std::vector<std::atomic<uint64_t>> sender_calls, sender_ns, receiver_calls, receiver_ns, interrupts_at_start,
      injection_ns_at_start, moderated_at_start;
  std::atomic<uint32_t> current{0};
  explicit phase_meter(std::size_t n)
      : sender_calls(n), sender_ns(n), receiver_calls(n), receiver_ns(n), interrupts_at_start(n),
        injection_ns_at_start(n), moderated_at_start(n) {
    for (auto& v : interrupts_at_start) v = kUnset;
  }
};

}  // namespace

vm_run_result run_bench_vms(const std::string& image, uint32_t iterations, double timeout_seconds, bool pin,
                            const std::string& inject, bool event_idx) {
  vm_run_result result;
  host::vm_harness harness;
  console out(harness.guest_stream(), harness.monitor_stream());
  hmx_service service(out);
  std::string error;
  if (!service.load_policy_text(kPolicy, &error)) throw std::runtime_error("bench policy: " + error);

  kvm_system system;
  monitor mon(system, out);
  core_domains_guard guard(service);
  std::vector<domain_config> configs;
  configs.push_back(parse_domain_spec(
      fmt::format("bench-tx={},vcpus=1{},inject={},arg=role=sender,arg=peer=bench-rx,arg=iters={}", image,
                  pin ? ",pin=0" : "", inject, iterations)));
  configs.push_back(parse_domain_spec(
      fmt::format("bench-rx={},vcpus=1{},inject={},arg=role=receiver,arg=peer=bench-tx,arg=event_idx={}", image,
                  pin ? ",pin=1" : "", inject, event_idx ? 1 : 0)));

  // The raw-exit baseline: MSRs [base + COUNT, base + 2 * COUNT) also exit to userspace, where
  // writes are accepted and ignored, reads give 0: KVM's userspace MSR exit and nothing else
  // (api.rst 4.126 KVM_X86_SET_MSR_FILTER, 5 KVM_EXIT_X86_WRMSR). The HMX block itself keeps
  // the service's handling.
  // base + COUNT + 1 carries the sender's phase markers; CALL writes are timed per phase.
  std::atomic<uint64_t> raw_exits{0};
  phase_meter meter(kPhaseFigures.size());
  ref::Core& core = service.core();
  auto injection_ns = [&service] {
    uint64_t ns = 0;
    for (const auto& d : service.domains())
      if (d->notifier) ns += d->notifier->injection_ns();
    return ns;
  };
  service.add_domains(mon, std::move(configs), [&](service_domain& sd, domain_hooks& hooks) {
    const uint32_t base = hooks.msr_exits->base;
    const bool sender = sd.name == "bench-tx";
    hooks.msr_exits->count = 2 * HMX_MSR_COUNT;
    hooks.on_msr = [inner = hooks.on_msr, base, sender, &raw_exits, &meter, &core, injection_ns, &service,
                    sdp = &sd](domain& d, msr_access& a) {
      if (a.index >= base + HMX_MSR_COUNT) {
        if (!a.write) a.value = 0;
        if (a.index == base + HMX_MSR_COUNT + 1 && a.write && a.value < meter.interrupts_at_start.size()) {
          // The sender's worker runs in the sqpoll phase only: the exit-driven phases stay so.
          if (sender) service.set_submit_polling(*sdp, a.value == kSqpollPhase ? std::optional<uint32_t>(kSqpollIdleUs)
                                                                                : std::nullopt);
          meter.interrupts_at_start[a.value] = core.stats().interrupts;
          meter.injection_ns_at_start[a.value] = injection_ns();
          meter.moderated_at_start[a.value] = core.stats().interrupts_moderated;
          meter.current = uint32_t(a.value);
        } else {
          raw_exits.fetch_add(1, std::memory_order_relaxed);
        }
        return true;
      }
      if (a.index != base + HMX_MSR_CALL || !a.write) return inner(d, a);
      const auto start = std::chrono::steady_clock::now();
      const bool ok = inner(d, a);
      const auto ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - start).count());
      const uint32_t p = meter.current.load(std::memory_order_relaxed);
      (sender ? meter.sender_calls : meter.receiver_calls)[p].fetch_add(1, std::memory_order_relaxed);
      (sender ? meter.sender_ns : meter.receiver_ns)[p].fetch_add(ns, std::memory_order_relaxed);
      return ok;
    };
  });

  result.exit_code =
      harness.run([&] { return mon.run(std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000))); });
  service.remove_all_domains();
  result.tsc_hz = harness.tsc_hz();
  result.raw_msr_exits = raw_exits.load();
  result.messages = service.core().stats().messages;
  result.bytes = service.core().stats().bytes;
  result.output = harness.output();
  for (std::size_t p = 0; p < kPhaseFigures.size(); ++p) {
    phase_cost c;
    c.figure = kPhaseFigures[p];
    c.sender_calls = meter.sender_calls[p];
    c.sender_ns = meter.sender_ns[p];
    c.receiver_calls = meter.receiver_calls[p];
    c.receiver_ns = meter.receiver_ns[p];
    const uint64_t start = meter.interrupts_at_start[p];
    const uint64_t end = p + 1 < kPhaseFigures.size() && meter.interrupts_at_start[p + 1] != kUnset
                             ? meter.interrupts_at_start[p + 1].load()
                             : service.core().stats().interrupts;
    c.interrupts = start != kUnset && end >= start ? end - start : 0;
    const uint64_t ns_start = meter.injection_ns_at_start[p];
    const uint64_t ns_end = p + 1 < kPhaseFigures.size() && meter.interrupts_at_start[p + 1] != kUnset
                                ? meter.injection_ns_at_start[p + 1].load()
                                : injection_ns();
    c.injection_ns = start != kUnset && ns_end >= ns_start ? ns_end - ns_start : 0;
    const uint64_t mod_start = meter.moderated_at_start[p];
    const uint64_t mod_end = p + 1 < kPhaseFigures.size() && meter.interrupts_at_start[p + 1] != kUnset
                                 ? meter.moderated_at_start[p + 1].load()
                                 : service.core().stats().interrupts_moderated;
    c.moderated = start != kUnset && mod_end >= mod_start ? mod_end - mod_start : 0;
    result.phases.push_back(c);
  }
  result.sender_summary = harness.last_line_with("bench: sender done");
  result.receiver_summary = harness.last_line_with("bench: receiver messages=");
  for (const host::console::result_line& line : harness.results("bench", "bench-tx"))
    if (auto f = to_figure(line)) result.figures.push_back(*f);
  return result;
}

}  // namespace hmx::kvm::bench
