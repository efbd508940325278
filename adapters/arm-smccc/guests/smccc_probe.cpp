// SPDX-License-Identifier: Apache-2.0
// Asks the SMCCC services what they are and prints one "smccc KEY=VALUE" line per answer, for the
// monitor's tests to compare with what PSCI (DEN0022), SMCCC (DEN0028) and the vendor hypervisor
// services of KVM and Xen answer; then probes HMX with libhmx beside them (spec
// "rationale-smccc": HMX's own CALL_UID, never the service's).
#include <hmx/hmx.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

using namespace hmx_guest;

namespace {
struct regs4 {
  uint64_t x[4];
};

regs4 fast_call(uint32_t fid, uint64_t a1 = 0) {
  register uint64_t x0 asm("x0") = fid;
  register uint64_t x1 asm("x1") = a1;
  register uint64_t x2 asm("x2") = 0;
  register uint64_t x3 asm("x3") = 0;
  // X4..X17 must come back unchanged (SMCCC v1.1): x4 carries a canary through the call.
  register uint64_t x4 asm("x4") = 0x484d5834;
  asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)::"memory");
  if (x4 != 0x484d5834) printf("smccc preserved_x4=no fid=%#x\n", fid);
  return {{x0, x1, x2, x3}};
}

void show(const char* key, uint32_t fid, uint64_t a1 = 0) {
  const regs4 r = fast_call(fid, a1);
  printf("smccc %s=%#llx,%#llx,%#llx,%#llx\n", key, (unsigned long long)r.x[0], (unsigned long long)r.x[1],
         (unsigned long long)r.x[2], (unsigned long long)r.x[3]);
}
}  // namespace

int guest_main(const start_info&) {
  show("psci_version", 0x84000000);
  show("psci_features_smccc_version", 0x8400000A, 0x80000000);
  show("smccc_version", 0x80000000);
  show("arch_features_arch_features", 0x80000001, 0x80000001);
  show("arch_features_workaround_1", 0x80000001, 0x80008000);
  show("vendor_call_count", 0x8600FF00);
  show("vendor_call_uid", 0x8600FF01);
  show("vendor_revision", 0x8600FF03);
  show("kvm_features", 0x86000000);
  show("kvm_ptp", 0x86000001);
  // The same call id with the SMCCC v1.3 SVE hint (bit 16) set names the same function.
  show("smccc_version_sve_hint", 0x80010000);
  show("yielding_call", 0x06000001);
  show("hmx_call_uid", HMX_SMCCC_FN_CALL_UID);
  show("hmx_revision", HMX_SMCCC_FN_REVISION);
  show("hmx_call_count", HMX_SMCCC_FN_CALL_COUNT);
  show("hmx_version", HMX_SMCCC_FN_VERSION);
  show("hmx_features", HMX_SMCCC_FN_FEATURES);
  show("hmx_call_uid_sve_hint", HMX_SMCCC_FN_CALL_UID | HMX_SMCCC_SVE_HINT);
  static hmx::static_arena<4> arena;
  static hmx_guest::hmx_env env(arena);
  const hmx::probe_result p = hmx::probe(env);
  printf("smccc hmx_probe=%s domain=%u vcpu=%u mechanisms=%#x features=%#x max_batch=%u\n",
         hmx::describe(p.hmx_status), p.domain_id, p.vcpu_index, p.mechanisms, p.features, p.max_batch);
  return 0;
}
