/* SPDX-License-Identifier: MIT */
// Arm SMCCC conduit (spec mechanism arm_smccc_hvc, preference 1 on Arm): HVC #0 with
// W0 = HMX_SMCCC_FN_CALL and X1 = call block GPA; X0 returns the SMCCC status (0, or
// NOT_SUPPORTED -1), the operation's result is in the call block. The hvc itself is executed by
// the environment (arch/aarch64.h under __aarch64__), so host tests can drive this conduit too.
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/status.h>

namespace hmx {

// SMCCC return codes (DEN0028; Arm DEN0028 7 (SMCCC_VERSION, SMCCC_ARCH_FEATURES)) as HMX statuses: NOT_SUPPORTED means the service
// does not implement the function (ENOSYS: the conduit exists, HMX is not behind it); other
// negative codes (NOT_REQUIRED -2, INVALID_PARAMETER -3) mean the call was refused as such.
[[nodiscard]] constexpr status smccc_status(uint64_t x0) noexcept {
  const int64_t v = static_cast<int64_t>(x0);
  if (v == 0) return {};
  if (v == -1) return errc::nosys;
  return errc::inval;
}

template <SmcccEnvironment Env>
class smccc_conduit {
 public:
  static constexpr conduit_id id = conduit_id::arm_smccc_hvc;
  explicit smccc_conduit(Env& env) noexcept : env_(&env) {}
  status invoke(uint64_t call_block_gpa) noexcept {
    smccc_regs r;
    r.x[0] = HMX_SMCCC_FN_CALL;
    r.x[1] = call_block_gpa;
    env_->smccc(r);
    return smccc_status(r.x[0]);
  }

 private:
  Env* env_;
};

}  // namespace hmx
