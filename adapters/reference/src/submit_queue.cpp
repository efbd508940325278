// SPDX-License-Identifier: Apache-2.0
// The submission queue (spec submit-queue, op-set-submit-queue, op-submit; issue 15 item 1): the
// guest fills call blocks in its own memory, one submit runs up to SUBMIT_DRAIN_ENTRIES of them.
#include <atomic>
#include <cstddef>

#include "core_impl.h"

namespace hmx::ref {
namespace {

constexpr uint64_t kEntrySize = sizeof(hmx_call_block_t);

std::atomic_ref<uint32_t> header_word(std::byte* header, size_t offset) {
  return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(header + offset));
}

constexpr bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Operations a queue carries: the data path only. Configuration changes and nested drains get
// -EINVAL without running (HMX-ASYNC-016); unknown numbers reach dispatch and get EOPNOTSUPP.
bool allowed_in_queue(uint32_t op) {
  switch (op) {
    case HMX_OP_REGISTER_RING:
    case HMX_OP_UNREGISTER_RING:
    case HMX_OP_BATCH:
    case HMX_OP_SET_EVENT_PAGE:
    case HMX_OP_SET_VECTOR:
    case HMX_OP_SET_SUBMIT_QUEUE:
    case HMX_OP_SUBMIT:
      return false;
    default:
      return true;
  }
}

uint64_t slot_gpa(const SubmitQueue& q, uint32_t index) {
  return q.gpa + HMX_SUBMIT_HEADER_SIZE + uint64_t{index & (q.entries - 1)} * kEntrySize;
}

}  // namespace

int64_t op_set_submit_queue(CallCtx& ctx, uint64_t queue_gpa, uint64_t entries, uint64_t flags,
                            uint64_t arg4) {
  // The error table of spec op-set-submit-queue, top to bottom (HMX-MECH-008).
  Domain& self = ctx.caller;
  if (arg4 != 0) return err(HMX_EINVAL);                                           // 1.
  if (!self.enabled) return err(HMX_ENODEV);                                       // 2.
  if (queue_gpa == 0) {
    if ((entries | flags) != 0) return err(HMX_EINVAL);                            // 3. HMX-ASYNC-005
    // Forget the queue; a drain in progress holds submit_mu, so it completes first and none of
    // the old queue's entries runs after this returns (HMX-ASYNC-008).
    port::lock_guard lock(self.submit_mu);
    self.submit = SubmitQueue{};
    return 0;
  }
  if ((flags & ~uint64_t{HMX_SUBMIT_FLAG_MASK}) != 0) return err(HMX_EINVAL);      // 4. HMX-ASYNC-001
  if (queue_gpa % HMX_SUBMIT_QUEUE_ALIGN != 0) return err(HMX_EINVAL);             // 5. HMX-ASYNC-002
  if (!is_power_of_two(entries) || entries > HMX_SUBMIT_MAX_ENTRIES)
    return err(HMX_EINVAL);                                                         // 6. HMX-ASYNC-003
  // 7. The whole queue must be guest RAM (HMX-ASYNC-004); every later access stays inside it.
  if (!self.mem.contains(queue_gpa, HMX_SUBMIT_HEADER_SIZE + entries * kEntrySize))
    return err(HMX_EFAULT);
  // The indices are accessed atomically through a host view of the header (one page: the header
  // is SUBMIT_QUEUE_ALIGN aligned), which must be 4-byte aligned for that.
  auto header = self.mem.map(queue_gpa, HMX_SUBMIT_HEADER_SIZE);
  if (header.size() != HMX_SUBMIT_HEADER_SIZE || reinterpret_cast<uintptr_t>(header.data()) % 4 != 0)
    return err(HMX_EFAULT);
  SubmitQueue q;
  q.gpa = queue_gpa;
  q.entries = static_cast<uint32_t>(entries);
  q.flags = static_cast<uint32_t>(flags);
  q.header = header.data();
  q.vcpu = ctx.vcpu;
  // The consumer index is read once, here; the hypervisor keeps its own copy from now on
  // (HMX-ASYNC-007): a guest rewriting the field cannot make an entry run twice.
  q.consumer = header_word(q.header, offsetof(hmx_submit_queue_header_t, consumer))
                   .load(std::memory_order_acquire);
  port::lock_guard lock(self.submit_mu);
  self.submit = q;  // replaces any previous queue (HMX-ASYNC-008)
  // NEED_WAKEUP set unless a worker polls this domain's queue (HMX-ASYNC-037).
  store_submit_flags(self, submit_flags_for(self));
  return 0;
}

void store_submit_flags(Domain& self, uint32_t flags) {
  SubmitQueue& q = self.submit;
  if (q.entries == 0) return;
  // Inside the header checked at registration (HMX-SEC-004); seq_cst: paired with the seq_cst
  // re-read of producer after it (HMX-ASYNC-038) and the guest's seq_cst producer store then
  // flags load (HMX-ASYNC-042), one of the two sides sees the other's store.
  header_word(q.header, offsetof(hmx_submit_queue_header_t, flags)).store(flags, std::memory_order_seq_cst);
}

int64_t op_submit(CallCtx& ctx, const uint64_t (&arg)[4]) {
  // The error table of spec op-submit.
  Domain& self = ctx.caller;
  if ((arg[0] | arg[1] | arg[2] | arg[3]) != 0) return err(HMX_EINVAL);           // 1. HMX-ASYNC-010
  if (!self.enabled) return err(HMX_ENODEV);                                       // 2.
  int64_t rc;
  bool wake_worker;
  {
    // Drains of one queue run one at a time (HMX-ASYNC-028); the lock is taken before any L2/L3
    // (LOCKING.md) and never while another domain's is held.
    port::lock_guard lock(self.submit_mu);
    if (self.submit.entries == 0) return err(HMX_ENOENT);                          // 3. HMX-ASYNC-011
    rc = drain_submit_queue(ctx, /*asked=*/true);                                  // 4. and the drain
    wake_worker = !self.submit_polled;
  }
  // The doorbell of a worker that sleeps with NEED_WAKEUP set (spec submit-queue-polling); the
  // adapter's hook only wakes a thread, it never calls back into the core.
  if (wake_worker) self.notifier.submit_called(self.id);
  return rc;
}

int64_t drain_submit_queue(CallCtx& ctx, bool asked) {
  Domain& self = ctx.caller;
  SubmitQueue& q = self.submit;
  // The producer index is read once per drain, with acquire order (seq_cst: a worker's re-read
  // after it set NEED_WAKEUP, HMX-ASYNC-038): every entry before it was written before the guest
  // published it (HMX-ASYNC-014).
  const uint32_t producer = header_word(q.header, offsetof(hmx_submit_queue_header_t, producer))
                                .load(std::memory_order_seq_cst);
  const uint32_t waiting = producer - q.consumer;  // modulo 2^32
  if (waiting > q.entries) return err(HMX_EINVAL);                                  // HMX-ASYNC-012
  const uint32_t limit = waiting < HMX_SUBMIT_DRAIN_ENTRIES ? waiting : HMX_SUBMIT_DRAIN_ENTRIES;

  // Interrupts the entries cause are merged per vCPU and injected once, as a batch's are.
  DeferredIrqs deferred;
  CallCtx inner{ctx.core, ctx.caller, ctx.vcpu, &deferred};
  uint32_t ran = 0;
  while (ran < limit) {  // at most SUBMIT_DRAIN_ENTRIES (HMX-ASYNC-021)
    const uint64_t slot = slot_gpa(q, q.consumer);
    // Each entry is copied into hypervisor memory once, before it runs; a guest rewriting the slot
    // meanwhile changes nothing of this drain (HMX-ASYNC-015).
    hmx_call_block_t entry;
    if (!self.mem.read_once(slot, entry)) break;  // not reachable: the range was checked at registration
    int64_t r;
    if (!allowed_in_queue(entry.op)) {
      r = err(HMX_EINVAL);  // HMX-ASYNC-016
    } else {
      // Every entry after the drain's first is subject to CALL_BYTE_BUDGET (HMX-ASYNC-022); the
      // entry it stops before stays queued, unwritten (HMX-ASYNC-023).
      inner.budget_applies = ran > 0;
      r = run_block(inner, entry, /*in_batch=*/true);
      if (r == kStoppedByBudget) {
        ctx.core.stats.budget_stops.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    // The result first, then the consumer index with release order: a guest that reads consumer
    // with acquire order sees every result before it (HMX-ASYNC-017, HMX-ASYNC-018). Nothing else
    // of the queue is written (HMX-ASYNC-019); a negative result does not stop the drain
    // (HMX-ASYNC-020). Entries run one after the other, in queue order (HMX-ASYNC-013).
    self.mem.write(slot + offsetof(hmx_call_block_t, result), r);
    ++q.consumer;
    header_word(q.header, offsetof(hmx_submit_queue_header_t, consumer))
        .store(q.consumer, std::memory_order_release);
    ++ran;
  }
  ctx.copied = inner.copied;
  ctx.core.stats.submit_entries.fetch_add(ran, std::memory_order_relaxed);
  if (ran > 0) {
    // Completion: EVENT_SUBMIT_DONE after the last consumer store (HMX-ASYNC-025), and the
    // caller's vector only when the queue asked for it (HMX-ASYNC-026, HMX-ASYNC-027) and a vCPU
    // asked for the drain: a worker's drain injects nothing for itself (HMX-ASYNC-040).
    event_status_or(self, HMX_EVENT_SUBMIT_DONE);
    if (asked && (q.flags & HMX_SUBMIT_FLAG_INTERRUPT) != 0) raise_vector(inner, self, ctx.vcpu);
  }
  flush_deferred(ctx.core, deferred);
  return ran;  // HMX-ASYNC-024
}

}  // namespace hmx::ref
