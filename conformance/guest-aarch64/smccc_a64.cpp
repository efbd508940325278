// SPDX-License-Identifier: Apache-2.0
// The aarch64 platform with HMX's own conduit: SMCCC (spec 3.3 "discovery-arm" and 4.4
// "mech-arm-smccc", mechanism arm_smccc_hvc), as the HMX EL2 monitor (adapters/arm-smccc) offers
// it. libhmx's probe finds it first (PSCI_FEATURES, SMCCC_VERSION, HMX's CALL_UID and REVISION,
// VERSION, FEATURES: HMX-LIB-019 HMX-LIB-020); a CALL is HVC #0 with the call block's address in X1.
// Xen's Argo (xen_argo_a64.cpp) is the conduit when this probe finds no HMX.
#include <hmx/conduit/smccc.h>
#include <hmx/env/identity_cpl0.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

#include "guest_platform_a64.h"

namespace conformance::guest {

namespace {

hmx::static_arena<1> g_smccc_arena;
hmx_guest::hmx_env g_smccc_env(g_smccc_arena);

struct smccc_job {
  hmx::smccc_regs* r;
  bool smc;
};
void run_smccc(void* p) {
  auto* j = static_cast<smccc_job*>(p);
  if (j->smc)
    hmx_guest::smc_smccc(*j->r);
  else
    hmx::arch::aarch64::hvc_smccc(*j->r);
}

}  // namespace

// The SMCCC probe's result stands for the domain even when it finds nothing: then it says why
// (no SMCCC 1.1, another UID), and Xen's probe may still add Argo.
bool a64_platform::configure_smccc(hmx::probe_result& p) {
  p = hmx::probe_smccc(g_smccc_env);
  smccc_ok_ = p.hmx_present();
  return smccc_ok_;
}

hmx::status a64_platform::invoke_smccc(uint64_t call_block_gpa) {
  hmx::smccc_conduit<hmx_guest::hmx_env> c(g_smccc_env);
  return c.invoke(call_block_gpa);
}

bool a64_platform::smccc(unsigned vcpu, hmx::smccc_regs& r, bool smc) {
  smccc_job j{&r, smc};
  if (vcpu == hmx_guest::cpu_index()) {
    run_smccc(&j);
    return true;
  }
  if (!start_on(vcpu, run_smccc, &j)) return false;
  while (!finished_on(vcpu)) hmx_guest::cpu_relax();
  return true;
}

}  // namespace conformance::guest
