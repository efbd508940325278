// SPDX-License-Identifier: Apache-2.0
// The end of domains and of the run: results in hmx-kvm's words ("[NAME] result: exited with
// status N (T ms after start)", adapters/kvm/README.md), the same exit codes, the time limit.
#include "console.h"
#include "hmx_service.h"
#include "monitor.h"
#include "semihosting.h"

#include <hmx_freestanding/fatal.h>

namespace hmx::arm {

namespace {
constexpr uint32_t kExitAllZero = 0, kExitNonZero = 1, kExitCrashed = 2, kExitTimeout = 3;

const char* state_name(uint32_t s) {
  switch (s) {
    case kDomainRunning: return "running";
    case kDomainExited: return "exited";
    case kDomainCrashed: return "crashed";
    case kDomainTimedOut: return "timed out";
  }
  return "?";
}

[[noreturn]] void finish_run() {
  bool crashed = false, timed_out = false, non_zero = false;
  for (unsigned i = 0; i < g_monitor.nr_domains; ++i) {
    domain& d = g_monitor.domains[i];
    const uint64_t end = d.finished_at > g_monitor.start ? d.finished_at - g_monitor.start : 0;
    const uint64_t us = ticks_to_us(end);
    if (d.state == kDomainExited)
      console_printf(d.name, "result: exited with status %u (%llu.%llu ms after start)", d.exit_status,
                     (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 100));
    else
      console_printf(d.name, "result: %s (%llu.%llu ms after start)", state_name(d.state),
                     (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 100));
    crashed |= d.state == kDomainCrashed;
    timed_out |= d.state == kDomainTimedOut;
    non_zero |= d.state == kDomainExited && d.exit_status != 0;
  }
  if (g_monitor.stats) hmx_print_stats();
  semihosting::exit(crashed ? kExitCrashed : timed_out ? kExitTimeout : non_zero ? kExitNonZero : kExitAllZero);
}
}  // namespace

void stop_domain(domain& d, domain_state state, uint32_t status, const char* reason) {
  pcpu& self = this_pcpu();
  {
    lock_guard l(g_monitor.lock);
    if (d.state != kDomainRunning) return;
    d.state = state;
    d.exit_status = status;
    d.finished_at = counter();
    if (reason != nullptr) snprintf(d.reason, sizeof d.reason, "%s", reason);
    for (unsigned i = 0; i < d.nr_vcpus; ++i) d.vcpus[i].state = kVcpuStopped;
  }
  flush_console(d);
  for (unsigned i = 0; i < d.nr_vcpus; ++i) {
    pcpu& c = g_monitor.cpus[d.vcpus[i].pcpu];
    if (&c != &self) request(c, kRequestStop);
  }
  // Waits for the domain's calls in flight on other CPUs; afterwards the core never touches its
  // memory again (HMX-DOM-001/002).
  hmx_domain_stopped(d);
  if (__atomic_add_fetch(&g_monitor.finished, 1u, __ATOMIC_ACQ_REL) == g_monitor.nr_domains &&
      __atomic_exchange_n(&g_monitor.ending, 1u, __ATOMIC_ACQ_REL) == 0)
    finish_run();
}

void check_time_limit() {
  if (g_monitor.deadline == 0 || counter() < g_monitor.deadline) return;
  if (__atomic_exchange_n(&g_monitor.deadline, uint64_t{0}, __ATOMIC_ACQ_REL) == 0) return;
  for (unsigned i = 0; i < g_monitor.nr_domains; ++i) {
    domain& d = g_monitor.domains[i];
    if (__atomic_load_n(&d.state, __ATOMIC_ACQUIRE) != kDomainRunning) continue;
    console_printf(d.name, "time limit of %u ms reached: stopping", g_monitor.timeout_s * 1000);
    stop_domain(d, kDomainTimedOut, 0, "time limit");
  }
}

void fatal(const char* fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  console_emergency("[hmx-arm-monitor] fatal: ");
  console_emergency(buf);
  console_emergency("\n");
  semihosting::exit(4);
}

}  // namespace hmx::arm

// The shared freestanding support code stops through here (hmx_freestanding/fatal.h).
extern "C" void hmx_freestanding_fatal(const char* what) { hmx::arm::fatal("%s", what); }
