/* SPDX-License-Identifier: Apache-2.0 */
// What every HMX image of hmx-kvm does first, at CPL3: read its identity from the command line,
// probe HMX with libhmx through the runtime's privileged gate (hmx_guest/hmx_env.h), check that
// the MSR conduit was selected, and set up the domain's event page and this vCPU's vector.
#pragma once

#include <hmx/hmx.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

namespace hmx_kvm_guest {

using env_t = hmx_guest::hmx_env;
using conduit_t = hmx::msr_conduit<env_t>;
using client_t = hmx::client<conduit_t, env_t>;

struct identity {
  const char* cmdline = "";
  uint32_t domid = 0;       // from the command line (domid=)
  char name[32] = {};       // name=
  char role[16] = {};       // role= (user arg)
  char peer[32] = {};       // peer= (user arg)
  int32_t peer_id = -1;     // the peer's id from domains=
};

inline identity read_identity(const hmx_guest::start_info& si) {
  identity id;
  id.cmdline = hmx_guest::cmdline_text(si);
  id.domid = hmx_guest::cmdline_uint(id.cmdline, "domid", 0);
  (void)hmx_guest::cmdline_value(id.cmdline, "name", id.name, sizeof id.name);
  (void)hmx_guest::cmdline_value(id.cmdline, "role", id.role, sizeof id.role);
  if (hmx_guest::cmdline_value(id.cmdline, "peer", id.peer, sizeof id.peer))
    id.peer_id = hmx_guest::cmdline_domain_id(id.cmdline, id.peer);
  return id;
}

inline bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

// Probes HMX (hmx::probe: CPUID.1:ECX[31], the leaf scan, VERSION, MECHANISMS, MSR) and selects
// the conduit. Prints one line; returns false (after printing why) when HMX or the MSR conduit is
// missing, or when the probed domain id disagrees with the command line.
inline bool probe_hmx(env_t& env, const identity& id, hmx::probe_result& p, const char* tag) {
  p = hmx::probe(env);
  if (!p.hmx_present()) {
    hmx_guest::printf("%s: %s\n", tag, hmx::describe(p.hmx_status));
    return false;
  }
  const hmx::result<hmx::conduit_choice> choice = hmx::select_conduit(p);
  if (!choice.ok() || choice->id != hmx::conduit_id::x86_msr) {
    hmx_guest::printf("%s: no usable MSR conduit (mechanisms %#x)\n", tag, p.mechanisms);
    return false;
  }
  hmx_guest::printf("%s: HMX %u.%u at CPUID %#x: domain %u, vCPU %u, mechanisms %#x, features %#x, max batch %u, "
                    "MSR block %#x+%u, conduit %s\n",
                    tag, p.version_major, p.version_minor, p.cpuid_base, p.domain_id, p.vcpu_index, p.mechanisms,
                    p.features, p.max_batch, p.msr_base, p.msr_count, hmx::conduit_name(choice->id));
  if (p.domain_id != id.domid) {
    hmx_guest::printf("%s: CPUID says domain %u, the command line says %u\n", tag, p.domain_id, id.domid);
    return false;
  }
  return true;
}

// The HMX vCPU index of the calling vCPU: ECX of the VERSION leaf (HMX-DISC-004), per vCPU.
inline uint32_t hmx_vcpu_index(const hmx::probe_result& p) {
  return hmx_guest::privileged_cpuid(p.cpuid_base + HMX_CPUID_LEAF_VERSION).ecx;
}

// Installs `handler` for `vector` on this vCPU, then unmasks the vector through this vCPU's
// VECTOR MSR (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: handler before unmasking). Returns false if the MSR raised #GP.
inline bool enable_vector(env_t& env, const hmx::probe_result& p, uint8_t vector, hmx_guest::vector_handler handler) {
  hmx_guest::set_vector_handler(vector, handler);
  (void)env.take_msr_fault();
  hmx::x86::write_vector_msr(env, p.msr_base, hmx::vector_reg::unmasked(vector));
  if (env.take_msr_fault()) return false;
  return hmx::x86::read_vector_msr(env, p.msr_base).vector == vector;
}

// A periodic LAPIC timer on this vCPU (xAPIC registers from CPL3: the runtime maps the LAPIC page
// user-accessible; SDM Vol. 3A 10.5.4 "APIC Timer"). KVM's LAPIC timer counts at 1 GHz (divide by
// 1), so the count is in nanoseconds. A halted vCPU wakes at every tick, which lets a waiting
// guest notice a peer that vanished instead of sleeping until the monitor's time limit.
inline void start_periodic_timer(uint8_t vector, uint32_t period_us) {
  constexpr uintptr_t lvt_timer = HMX_GUEST_LAPIC_BASE + 0x320, initial = HMX_GUEST_LAPIC_BASE + 0x380,
                      divide = HMX_GUEST_LAPIC_BASE + 0x3e0;
  hmx_guest::mmio_write32(divide, 0xb);                      // divide by 1
  hmx_guest::mmio_write32(lvt_timer, (1u << 17) | vector);   // periodic, unmasked
  hmx_guest::mmio_write32(initial, period_us * 1000u);
}

inline void stop_timer() {
  hmx_guest::mmio_write32(HMX_GUEST_LAPIC_BASE + 0x380, 0);
  hmx_guest::mmio_write32(HMX_GUEST_LAPIC_BASE + 0x320, 1u << 16);  // masked
}

// Waits ~us microseconds at CPL3 without an exit (TSC at ~1-4 GHz: a lower bound is enough).
inline void spin_us(uint64_t us) {
  const uint64_t end = hmx_guest::rdtsc() + us * 4000;
  while (hmx_guest::rdtsc() < end) hmx_guest::cpu_relax();
}

}  // namespace hmx_kvm_guest
