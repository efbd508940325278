// SPDX-License-Identifier: Apache-2.0
// The reference core inside the EL2 monitor (hmx_service.h).
#include "hmx_service.h"

#include <hmx/abi/hmx.h>
#include <hmx/reference/core.h>
#include <hmx/reference/platform.h>
#include <hmx/reference/region_arena.h>

#include <new>
#include <span>

#include "console.h"
#include "semihosting.h"

namespace hmx::arm {

namespace {

constexpr const char* kMe = "hmx";
constexpr uint64_t kSmcccInvalidParameter = static_cast<uint64_t>(-3);
constexpr uint64_t kHmxFunctionCount = 6;

// The core's bookkeeping memory: the part of the monitor's reservation its image leaves, first
// fit under one lock (RegionArena), and the counter as clock.
class MonitorPlatform final : public ref::Platform {
 public:
  MonitorPlatform(void* base, size_t bytes) : arena_(base, bytes) {}
  void* allocate(size_t bytes, size_t align) noexcept override {
    lock_guard l(lock_);
    return arena_.allocate(bytes, align);
  }
  void deallocate(void* p, size_t, size_t) noexcept override {
    lock_guard l(lock_);
    arena_.deallocate(p);
  }
  void relax() noexcept override { cpu_relax(); }
  uint64_t now_ns() noexcept override { return ticks_to_us(counter()) * 1000; }
  size_t bytes_free() {
    lock_guard l(lock_);
    return arena_.bytes_free();
  }

 private:
  spinlock lock_;
  ref::RegionArena arena_;
};

// A domain's RAM as the core sees it: IPA kGuestRamBase.. onto its carve-out (identity-mapped
// at EL2, normal write-back like the guest's own view).
class DomainMemory final : public ref::GuestMemory {
 public:
  const domain* d = nullptr;
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    if (len == 0) return {};
    const uint64_t pa = guest_pa(*d, gpa, len);
    if (pa == 0) return {};
    return {reinterpret_cast<std::byte*>(static_cast<uintptr_t>(pa)), static_cast<size_t>(len)};
  }
};

// An unmasked vector register names a PPI: its virtual INTID goes into the vCPU's list
// registers (gic.cpp) on its own physical CPU.
class DomainNotifier final : public ref::Notifier {
 public:
  void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override {
    if (dom == 0 || dom > g_monitor.nr_domains) return;
    domain& d = g_monitor.domains[dom - 1];
    if (vcpu < d.nr_vcpus) inject(d.vcpus[vcpu], vector);
  }
};

alignas(MonitorPlatform) unsigned char g_platform_mem[sizeof(MonitorPlatform)];
alignas(ref::Policy) unsigned char g_policy_mem[sizeof(ref::Policy)];
alignas(ref::Core) unsigned char g_core_mem[sizeof(ref::Core)];
MonitorPlatform* g_platform = nullptr;
ref::Policy* g_policy = nullptr;
ref::Core* g_core = nullptr;
DomainMemory g_memory[kMaxDomains];
DomainNotifier g_notifier;
alignas(8) unsigned char g_policy_table[64 * 1024];

void log_denial(void*, std::string_view message) {
  console_line(kMe, message.data(), message.size());
}

void set4(guest_frame& f, uint64_t a, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0) {
  f.x[0] = a;
  f.x[1] = b;
  f.x[2] = c;
  f.x[3] = d;
}

}  // namespace

extern "C" char __monitor_end[];

bool hmx_service_init(const char* policy_path) {
  const uintptr_t arena = (reinterpret_cast<uintptr_t>(__monitor_end) + 0xfff) & ~uintptr_t{0xfff};
  const uintptr_t arena_end = g_monitor.ram_base + kMonitorReserved;
  g_platform = new (g_platform_mem) MonitorPlatform(reinterpret_cast<void*>(arena), arena_end - arena);
  ref::set_platform(*g_platform);
  g_policy = new (g_policy_mem) ref::Policy();
  g_policy->set_log_sink(log_denial, nullptr);
  if (policy_path != nullptr) {
    const int64_t n = semihosting::read_file(policy_path, g_policy_table, sizeof g_policy_table);
    if (n < 0) {
      console_printf("hmx-arm-monitor", "setup error: cannot read the policy table %s", policy_path);
      return false;
    }
    if (!g_policy->load_table(std::span<const std::byte>(reinterpret_cast<const std::byte*>(g_policy_table),
                                                         static_cast<size_t>(n)))) {
      console_printf("hmx-arm-monitor", "setup error: %s is not a policy table (hmx-policy-table)", policy_path);
      return false;
    }
  }
  g_core = new (g_core_mem) ref::Core(*g_policy);
  if (!g_core->ready()) {
    console_printf("hmx-arm-monitor", "setup error: no memory for the HMX core");
    return false;
  }
  // Interrupt moderation (spec event-idx): REGISTER_FLAG_EVENT_IDX and the ring header's rx_event
  // (HMX-EVENT-040). The core decides per message whether the vector is raised (HMX-EVENT-045..048,
  // HMX-EVENT-058); DomainNotifier::raise, the monitor's only injection of an HMX vector, runs
  // only for the messages it announces, so a skipped injection costs no SGI and no list register.
  g_core->offer_event_idx(true);
  for (unsigned i = 0; i < g_monitor.nr_domains; ++i) {
    domain& d = g_monitor.domains[i];
    g_memory[i].d = &d;
    // Arm vectors are PPIs: an unmasked vector register names ARM_PPI_MIN..ARM_PPI_MAX (HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016).
    const int rc = g_core->create_domain(d.id, d.name, g_memory[i], d.nr_vcpus, g_notifier, true,
                                         HMX_ARM_PPI_MAX, HMX_ARM_PPI_MIN);
    if (rc != 0) {
      console_printf("hmx-arm-monitor", "setup error: the HMX core refused domain %s (%d)", d.name, rc);
      return false;
    }
  }
  console_printf(kMe, "HMX core: %u domain(s), policy %s (%u rules), %llu KiB for bookkeeping", g_monitor.nr_domains,
                 policy_path != nullptr ? policy_path : "none: default deny", unsigned(g_policy->rule_count()),
                 (unsigned long long)(g_platform->bytes_free() >> 10));
  return true;
}

bool hmx_smccc(vcpu& v, guest_frame& f, uint32_t fid) {
  domain& d = *v.dom;
  switch (fid) {
    case HMX_SMCCC_FN_CALL_COUNT:
      set4(f, kHmxFunctionCount);
      return true;
    case HMX_SMCCC_FN_CALL_UID:
      set4(f, HMX_SMCCC_UID_W0, HMX_SMCCC_UID_W1, HMX_SMCCC_UID_W2, HMX_SMCCC_UID_W3);
      return true;
    case HMX_SMCCC_FN_REVISION:
      set4(f, HMX_SMCCC_REVISION_MAJOR, HMX_SMCCC_REVISION_MINOR);
      return true;
    case HMX_SMCCC_FN_VERSION:
      set4(f, HMX_VERSION, v.index, d.id);
      return true;
    case HMX_SMCCC_FN_FEATURES:
      set4(f, 0, HMX_MECH_ARM_SMCCC_HVC_BIT | HMX_MECH_ARM_PPI_BIT, g_core->features(), g_core->max_batch());
      return true;
    case HMX_SMCCC_FN_CALL: {
      // A misaligned block, or one not wholly in the caller's RAM, runs nothing (HMX-MECH-003).
      const uint64_t gpa = f.x[1];
      if (gpa % HMX_CALL_BLOCK_ALIGN != 0 || guest_pa(d, gpa, sizeof(hmx_call_block_t)) == 0) {
        set4(f, kSmcccInvalidParameter);
        return true;
      }
      g_core->call(d.id, v.index, gpa);
      set4(f, 0);
      return true;
    }
    default:
      return false;
  }
}

void hmx_domain_stopped(domain& d) {
  if (g_core != nullptr) g_core->destroy_domain(d.id);
}

void hmx_print_stats() {
  if (g_core == nullptr) return;
  const ref::CoreStats s = g_core->stats();
  console_printf(kMe,
                 "stats: calls %llu ops %llu batches %llu messages %llu bytes %llu eagain %llu wakeups %llu "
                 "interrupts %llu denials %llu errors %llu moderated %llu",
                 (unsigned long long)s.calls, (unsigned long long)s.ops, (unsigned long long)s.batches,
                 (unsigned long long)s.messages, (unsigned long long)s.bytes, (unsigned long long)s.eagain,
                 (unsigned long long)s.wakeups, (unsigned long long)s.interrupts, (unsigned long long)s.denials,
                 (unsigned long long)s.errors, (unsigned long long)s.interrupts_moderated);
}

}  // namespace hmx::arm
