// SPDX-License-Identifier: Apache-2.0
// SMCCC calls from a guest (Arm DEN0028 "SMC Calling Convention"), through HVC #0 and SMC #0:
// the Arm architecture service (OEN 0), PSCI (OEN 4, Arm DEN0022) for the domain's vCPUs, and
// the vendor-specific hypervisor service (OEN 6), where this monitor can answer as KVM or as Xen
// do so that guests written for them keep working beside HMX. Results go to X0..X3; every
// other register is preserved (SMCCC v1.1 and v1.2).
#include <hmx_guest/protocol.h>

#include "hmx_service.h"
#include "monitor.h"

namespace hmx::arm {

namespace {
constexpr uint64_t kNotSupported = ~uint64_t{0};   // -1
constexpr uint64_t kInvalidParameters = ~uint64_t{1};  // PSCI -2
constexpr uint64_t kAlreadyOn = ~uint64_t{3};      // PSCI -4
constexpr uint64_t kOnPending = ~uint64_t{4};      // PSCI -5
constexpr uint64_t kInvalidAddress = ~uint64_t{8};  // PSCI -9

// The SVE live-state hint of SMCCC v1.3 (bit 16 of the function id) names no other function.
constexpr uint32_t kSveHint = 1u << 16;

constexpr uint32_t kSmcccVersion = 0x80000000, kSmcccArchFeatures = 0x80000001;
constexpr uint32_t kSmcccVersion12 = 0x10002;

constexpr uint32_t kPsciVersion = 0x84000000, kPsciCpuSuspend = 0x84000001, kPsciCpuOff = 0x84000002,
                   kPsciCpuOn = 0x84000003, kPsciAffinityInfo = 0x84000004, kPsciMigrateInfoType = 0x84000006,
                   kPsciSystemOff = 0x84000008, kPsciSystemReset = 0x84000009, kPsciFeatures = 0x8400000A;
constexpr uint32_t kPsci64 = 1u << 30;
constexpr uint32_t kPsciVersion11 = 0x10001;

constexpr uint32_t kVendorCallCount = 0x8600FF00, kVendorCallUid = 0x8600FF01, kVendorRevision = 0x8600FF03;
constexpr uint32_t kKvmFeatures = 0x86000000;
// Linux include/linux/arm-smccc.h ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_0..3 (28b46fb6-2ec5-11e9-a9ca-4b564d003a74).
constexpr uint32_t kKvmUid[4] = {0xb66fb428, 0xe911c52e, 0x564bcaa9, 0x743a004d};
// Xen XEN_SMCCC_UID a71812dc-c698-4369-9acf-79d18ddee667 in Wn order (xen/arch/arm/vsmc.c fill_uuid).
constexpr uint32_t kXenUid[4] = {0xdc1218a7, 0x694398c6, 0xd179cf9a, 0x67e6de8d};
constexpr uint32_t kXenFunctionCount = 3, kXenRevisionMajor = 0, kXenRevisionMinor = 1;

void set4(guest_frame& f, uint64_t a, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0) {
  f.x[0] = a;
  f.x[1] = b;
  f.x[2] = c;
  f.x[3] = d;
}

bool psci_implemented(uint32_t fid) {
  switch (fid & ~kPsci64) {
    case kPsciVersion: case kPsciCpuSuspend: case kPsciCpuOff: case kPsciCpuOn: case kPsciAffinityInfo:
    case kPsciMigrateInfoType: case kPsciSystemOff: case kPsciSystemReset: case kPsciFeatures:
      return (fid & kPsci64) == 0 || (fid & ~kPsci64) == kPsciCpuSuspend || (fid & ~kPsci64) == kPsciCpuOn ||
             (fid & ~kPsci64) == kPsciAffinityInfo;
    default:
      return false;
  }
}

// PSCI_FEATURES also answers for the SMCCC architecture calls (DEN0028 7.2: SMCCC_VERSION is
// discovered through PSCI_FEATURES).
uint64_t psci_features(uint32_t query) {
  if (query == kSmcccVersion) return 0;
  return psci_implemented(query) ? 0 : kNotSupported;
}

vcpu* vcpu_by_mpidr(domain& d, uint64_t mpidr) {
  const uint64_t aff = mpidr & 0xff00ffffffull;
  if (aff >= d.nr_vcpus) return nullptr;
  return &d.vcpus[aff];
}

uint64_t psci_cpu_on(domain& d, uint64_t mpidr, uint64_t entry, uint64_t context) {
  vcpu* t = vcpu_by_mpidr(d, mpidr);
  if (t == nullptr) return kInvalidParameters;
  if (guest_pa(d, entry, 4) == 0 || entry % 4 != 0) return kInvalidAddress;
  {
    lock_guard l(g_monitor.lock);
    if (t->state == kVcpuRunning) return kAlreadyOn;
    if (t->state == kVcpuStarting) return kOnPending;
    if (t->state == kVcpuStopped) return kInvalidParameters;
    t->entry = entry;
    t->context = context;
    t->state = kVcpuStarting;
  }
  request(g_monitor.cpus[t->pcpu], kRequestStart);
  sev();
  return 0;
}

uint64_t psci_affinity_info(domain& d, uint64_t mpidr, uint64_t level) {
  if (level != 0) return kInvalidParameters;
  vcpu* t = vcpu_by_mpidr(d, mpidr);
  if (t == nullptr) return kInvalidParameters;
  const uint32_t s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  return s == kVcpuRunning ? 0 : s == kVcpuStarting ? 2 : 1;
}

// Returns false when the calling vCPU does not continue.
bool psci(vcpu& v, guest_frame& f, uint32_t fid) {
  domain& d = *v.dom;
  const bool is64 = (fid & kPsci64) != 0;
  auto arg = [&](unsigned n) { return is64 ? f.x[n] : f.x[n] & 0xffffffffu; };
  if (!psci_implemented(fid)) {
    set4(f, kNotSupported);
    return true;
  }
  switch (fid & ~kPsci64) {
    case kPsciVersion: set4(f, kPsciVersion11); return true;
    case kPsciFeatures: set4(f, psci_features(static_cast<uint32_t>(f.x[1]))); return true;
    case kPsciCpuSuspend: set4(f, 0); return true;  // a standby state: return at once
    case kPsciMigrateInfoType: set4(f, 2); return true;  // no Trusted OS to migrate
    case kPsciCpuOn: set4(f, psci_cpu_on(d, arg(1), arg(2), arg(3))); return true;
    case kPsciAffinityInfo: set4(f, psci_affinity_info(d, arg(1), arg(2))); return true;
    case kPsciCpuOff: {
      lock_guard l(g_monitor.lock);
      if (v.state == kVcpuRunning) v.state = kVcpuOff;
      return false;
    }
    case kPsciSystemOff: {
      const uint32_t status = f.x[2] == HMX_A64_EXIT_MAGIC ? static_cast<uint32_t>(f.x[1]) : 0;
      // The guest runtime's "unexpected exception" status is a crash, as under hmx-kvm.
      if (f.x[2] == HMX_A64_EXIT_MAGIC && status == HMX_GUEST_EXIT_EXCEPTION)
        stop_domain(d, kDomainCrashed, status, "the guest reported an unexpected exception");
      else
        stop_domain(d, kDomainExited, status, nullptr);
      return false;
    }
    case kPsciSystemReset:
      stop_domain(d, kDomainCrashed, 0, "PSCI SYSTEM_RESET");
      return false;
  }
  set4(f, kNotSupported);
  return true;
}

void arch_service(guest_frame& f, uint32_t fid) {
  switch (fid) {
    case kSmcccVersion: set4(f, kSmcccVersion12); return;
    case kSmcccArchFeatures: {
      const uint32_t q = static_cast<uint32_t>(f.x[1]);
      set4(f, q == kSmcccVersion || q == kSmcccArchFeatures ? 0 : kNotSupported);
      return;
    }
    default: set4(f, kNotSupported); return;
  }
}

// OEN 6 as KVM (Linux arch/arm64/kvm/hypercalls.c) or Xen (xen/arch/arm/vsmc.c) answer it.
bool answer_as_vendor(guest_frame& f, uint32_t fid) {
  switch (g_monitor.vendor) {
    case kVendorKvm:
      if (fid == kVendorCallUid) { set4(f, kKvmUid[0], kKvmUid[1], kKvmUid[2], kKvmUid[3]); return true; }
      if (fid == kKvmFeatures) { set4(f, 1u << 0); return true; }  // only FEATURES itself
      return false;
    case kVendorXen:
      if (fid == kVendorCallUid) { set4(f, kXenUid[0], kXenUid[1], kXenUid[2], kXenUid[3]); return true; }
      if (fid == kVendorCallCount) { set4(f, kXenFunctionCount); return true; }
      if (fid == kVendorRevision) { set4(f, kXenRevisionMajor, kXenRevisionMinor); return true; }
      return false;
    case kVendorNone:
      return false;
  }
  return false;
}
}  // namespace

bool handle_smccc(pcpu&, vcpu& v, guest_frame& f) {
  ++v.smccc_calls;
  const uint32_t fid = static_cast<uint32_t>(f.x[0]) & ~kSveHint;
  const uint32_t owner = (fid >> 24) & 0x3f;
  if ((fid & (1u << 31)) == 0) {  // yielding calls: none offered
    set4(f, kNotSupported);
    return true;
  }
  switch (owner) {
    case 0: arch_service(f, fid); return true;
    case 4: return psci(v, f, fid);
    case 6:
      // HMX's block of numbers first (spec "rationale-smccc"), beside whichever vendor service
      // answers the general queries.
      if (!hmx_smccc(v, f, fid) && !answer_as_vendor(f, fid)) set4(f, kNotSupported);
      return true;
    default: set4(f, kNotSupported); return true;
  }
}

}  // namespace hmx::arm
