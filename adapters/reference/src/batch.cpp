// SPDX-License-Identifier: Apache-2.0
// batch (spec op-batch, batching; docs/ARCHITECTURE.md decision 6): many operations in one exit.
#include <array>

#include "core_impl.h"

namespace hmx::ref {

int64_t op_batch(CallCtx& ctx, uint64_t list_gpa, uint64_t count, uint64_t flags, uint64_t arg4) {
  // Rows of the spec's batch error table (HMX-MECH-008, HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013).
  Domain& self = ctx.caller;
  if (arg4 != 0) return err(HMX_EINVAL);                                       // 1.
  if (!self.enabled) return err(HMX_ENODEV);                                   // 2.
  if ((flags & ~uint64_t{HMX_BATCH_FLAG_MASK}) != 0) return err(HMX_EINVAL);   // 3.
  if (count == 0) return err(HMX_EINVAL);                                      // 4.
  if (count > HMX_MAX_BATCH_ENTRIES) return err(HMX_E2BIG);                    // 5.
  if (list_gpa % HMX_CALL_BLOCK_ALIGN != 0) return err(HMX_EINVAL);            // 6.

  // 7. The whole list is read once into hypervisor memory before anything runs (HMX-BATCH-002):
  //    a guest rewriting the list meanwhile cannot change what runs or make us read beyond it.
  std::array<hmx_call_block_t, HMX_MAX_BATCH_ENTRIES> list;
  if (!self.mem.read_bytes(list_gpa, list.data(), count * sizeof(hmx_call_block_t))) {
    return err(HMX_EFAULT);
  }
  // Interrupts the entries cause are merged per vCPU and injected once, before the batch
  // returns (HMX-BATCH-006): one KVM_SIGNAL_MSI instead of up to 64.
  DeferredIrqs deferred;
  CallCtx inner{ctx.core, ctx.caller, ctx.vcpu, &deferred};
  const auto result_gpa = [&](uint64_t i) {
    return list_gpa + i * sizeof(hmx_call_block_t) + offsetof(hmx_call_block_t, result);
  };
  int64_t ran = 0;
  for (uint64_t i = 0; i < count; ++i) {
    // Each entry as if issued alone through the same conduit; a nested batch gets EINVAL
    // (HMX-BATCH-014 HMX-BATCH-015). Only its result field is written (HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018).
    // Every entry but the first is subject to the call's byte budget (HMX-BATCH-007, HMX-BATCH-008).
    inner.budget_applies = i > 0;
    const int64_t r = run_block(inner, list[i], /*in_batch=*/true);
    if (r == kStoppedByBudget) {
      // This entry and every later one did not run: -EAGAIN in each result (HMX-BATCH-009),
      // whatever BATCH_FLAG_STOP_ON_ERROR says (the stop is not an entry's failure).
      for (uint64_t j = i; j < count; ++j) self.mem.write(result_gpa(j), err(HMX_EAGAIN));
      ctx.core.stats.budget_stops.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    self.mem.write(result_gpa(i), r);
    ++ran;
    if (r < 0 && (flags & HMX_BATCH_FLAG_STOP_ON_ERROR) != 0) break;  // HMX-BATCH-019 HMX-BATCH-020
  }
  ctx.copied = inner.copied;
  flush_deferred(ctx.core, deferred);
  // Entries after a STOP_ON_ERROR stop are not run and their result fields are left untouched.
  return ran;
}

}  // namespace hmx::ref
