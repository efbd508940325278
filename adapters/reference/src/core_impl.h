/* SPDX-License-Identifier: Apache-2.0 */
// The core's private state and the operations' entry points (internal).
//
// Lock order (LOCKING.md): L1 Impl::table_mu (domain table, RwLock) -> L2 Domain::rings_mu (one
// domain's ring table) -> L3 Ring::mu (one ring). Never two L3 at once, never two L2 at once,
// never L2 while holding L3. Every entry point takes L1 shared for its whole duration;
// create/destroy take it exclusively, which excludes every operation in flight.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include <hmx/abi/hmx.h>

#include "domain.h"
#include "hmx/reference/core.h"
#include "port.h"
#include "switches.h"

namespace hmx::ref {

struct AtomicStats {
  std::atomic<uint64_t> calls{0}, ops{0}, batches{0}, messages{0}, bytes{0}, eagain{0},
      wakeups{0}, interrupts{0}, denials{0}, errors{0}, budget_stops{0}, max_call_bytes{0},
      submits{0}, submit_entries{0}, interrupts_moderated{0};
};

struct CoreState {
  explicit CoreState(Policy& p) : policy(p) {}

  Policy& policy;
  mutable port::rwlock table_mu;  // L1
  port::map<DomainId, port::unique<Domain>> domains;  // guarded by table_mu
  AtomicStats stats;
  // SUBMIT_QUEUE is offered by the adapter (Core::offer_submit_queue; HMX-ASYNC-030, HMX-ASYNC-035).
  std::atomic<bool> submit_queue_offered{false};
  // EVENT_IDX is offered by the adapter (Core::offer_event_idx; HMX-EVENT-040, HMX-EVENT-041).
  std::atomic<bool> event_idx_offered{false};
  // EXPOSE is offered by the adapter (Core::offer_exposures; HMX-XPOSE-013).
  std::atomic<bool> exposures_offered{false};

  // Requires table_mu (shared or exclusive).
  Domain* find(DomainId id) const {
    auto it = domains.find(id);
    return it == domains.end() ? nullptr : it->second.get();
  }

  // Policy hooks with the core's denial counter (policy.h).
  int check_send(const Domain& src, const Domain& dst, uint32_t aport);
  int check_register_single(const Domain& owner, const Domain& partner, uint32_t aport);
  int check_register_any(const Domain& owner, uint32_t aport);
};

// Interrupts a batch collects and injects once before it returns (HMX-BATCH-006).
struct DeferredIrqs {
  struct Irq {
    Domain* domain;
    uint32_t vcpu;
    uint8_t vector;
  };
  port::vector<Irq> irqs;
};

// What an operation runs with: the caller and the vCPU that trapped. L1 is held shared.
struct CallCtx {
  CoreState& core;
  Domain& caller;
  uint32_t vcpu;
  DeferredIrqs* deferred = nullptr;  // set while a batch runs
  // The per-call byte budget (spec batching-budget): payload bytes the entries of this call
  // copied so far, and whether the entry now running may be stopped by the budget (an entry of a
  // batch after the first, HMX-BATCH-007/008).
  uint64_t copied = 0;
  bool budget_applies = false;
};

// What an operation returns when CALL_BYTE_BUDGET stops it before it runs: never a guest-visible
// value; op_batch turns it into -EAGAIN for this entry and every later one (HMX-BATCH-009).
inline constexpr int64_t kStoppedByBudget = std::numeric_limits<int64_t>::min();

// A call that copied `bytes` of payload: the largest any call copied, for the core's statistics.
void note_call_bytes(CoreState& core, uint64_t bytes);

// Bookkeeping allocations call this first: under the test switch set_allocation_failure they fail
// the way an exhausted allocator would (test_switches.h), so ENOMEM is provable, not assumed.
// Hosted it throws std::bad_alloc (run_op answers ENOMEM); portable it returns false and the
// caller returns ENOMEM itself, as it does when a port:: growth fails.
[[nodiscard]] inline bool bookkeeping_allowed() {
#if HMX_REFERENCE_PORTABLE
  return !detail::allocation_should_fail();
#else
  if (detail::allocation_should_fail()) throw std::bad_alloc();
  return true;
#endif
}

// One operation, arguments as in the call block (arg[0..3]). `argo_conduit`: called through
// argo_op (only Argo's ops exist there). Never nests a batch when `in_batch`.
int64_t run_op(CallCtx& ctx, uint32_t op, const uint64_t (&arg)[4], bool argo_conduit,
               bool in_batch);

// A call block read into hypervisor memory: flags must be 0, then run_op.
int64_t run_block(CallCtx& ctx, const hmx_call_block_t& block, bool in_batch);

int64_t op_register_ring(CallCtx& ctx, uint64_t reg_gpa, uint64_t gfns_gpa, uint64_t npages,
                         uint64_t flags);
int64_t op_unregister_ring(CallCtx& ctx, uint64_t unreg_gpa, uint64_t arg2, uint64_t arg3,
                           uint64_t arg4);
int64_t op_sendv(CallCtx& ctx, uint64_t addr_gpa, uint64_t iovs_gpa, uint64_t niov,
                 uint64_t message_type);
int64_t op_notify(CallCtx& ctx, uint64_t ring_data_gpa, uint64_t arg2, uint64_t arg3,
                  uint64_t arg4);
int64_t op_batch(CallCtx& ctx, uint64_t list_gpa, uint64_t count, uint64_t flags, uint64_t arg4);
// submit_queue.cpp (spec submit-queue)
int64_t op_set_submit_queue(CallCtx& ctx, uint64_t queue_gpa, uint64_t entries, uint64_t flags,
                            uint64_t arg4);
int64_t op_submit(CallCtx& ctx, const uint64_t (&arg)[4]);
// One drain of `self`'s queue under submit_mu (held by the caller), the rules of op-submit from
// error 4 on. `asked`: a submit call asked for it on ctx.vcpu (SUBMIT_FLAG_INTERRUPT applies);
// a worker's drain never injects the vector (HMX-ASYNC-040). Returns entries run or -EINVAL.
int64_t drain_submit_queue(CallCtx& ctx, bool asked);
// Store the header's flags word of `self`'s registered queue (submit_mu held), sequentially
// consistent: the worker's half of the NEED_WAKEUP full barrier (HMX-ASYNC-038).
void store_submit_flags(Domain& self, uint32_t flags);
// submit_poll.cpp: the flags word a queue registered now gets (HMX-ASYNC-037).
inline uint32_t submit_flags_for(const Domain& self) {
  return self.submit_polled ? 0u : uint32_t{HMX_SUBMIT_QUEUE_NEED_WAKEUP};
}

// exposure.cpp (spec exposures): operations 22-25; the EXPOSE bit when offered; the end of every
// exposure of `owner` naming `peer` (a destroyed domain, HMX-XPOSE-034).
int64_t run_exposure_op(CallCtx& ctx, uint32_t op, const uint64_t (&arg)[4], bool argo_conduit);
uint32_t exposure_features(const CoreState& core);
void end_exposures_naming(Domain& owner, DomainId peer);

// events.cpp
int set_vector_value(Domain& d, uint32_t vcpu, uint64_t value);
int set_event_page_value(Domain& d, uint64_t value);
// A message arrived in ring `event_index` of `owner`: set its event-page bit. Call under the
// ring's L3 (so the bit belongs to this ring), after tx_ptr is published. Returns false when the
// bit was already set (the guest has not read the ring yet: the injection may be skipped,
// HMX-EVENT-008), true otherwise (also without an event page).
bool mark_ring_pending(Domain& owner, uint32_t event_index);
// OR EVENT_* `bits` into the status word of `d`'s event page, if enabled (release order).
void event_status_or(Domain& d, uint64_t bits);
// Interrupt moderation of a ring registered with REGISTER_FLAG_EVENT_IDX (spec event-idx): after
// its message moved tx_ptr from old_tx to new_tx (published) and its event bit was set, whether
// it is announced: exactly when the message covers rx_event, whatever `announce` (the event bit
// rule, HMX-EVENT-008) says (HMX-EVENT-058). Reads rx_event once, after a seq_cst fence
// (HMX-EVENT-045, HMX-EVENT-050), and counts a skip. Requires ring.mu; a ring without the flag
// returns `announce` unchanged.
bool moderate_announce(CoreState& core, const Ring& ring, uint32_t old_tx, uint32_t new_tx,
                       bool announce);
// Inject the vCPU's vector unless it is masked (HMX-EVENT-005/006); inside a batch the injection
// is deferred to the batch's end and merged per vCPU. Call with no L2/L3 held.
void raise_vector(CallCtx& ctx, Domain& d, uint32_t vcpu);
void raise_vector_now(CoreState& core, Domain& d, uint32_t vcpu);
void flush_deferred(CoreState& core, DeferredIrqs& deferred);
// A space wait of `waiter` completed or was discarded: EVENT_SPACE_AVAILABLE in its event page,
// then the vector of its vCPU 0 (HMX-EVENT-007).
void signal_space_available(CoreState& core, Domain& waiter, uint32_t vcpu, DeferredIrqs* deferred);

// notify.cpp: signal every waiter of `owner`'s rings whose space became available (Xen argo.c notify).
void wake_space_waiters(CallCtx& ctx, Domain& owner);
// Signal the domains of discarded space waits (HMX-RING-010). L1 held, no L2/L3.
void signal_discarded(CoreState& core, const port::vector<PendingWaiter>& waiters, DomainId skip);

// Negated error code as the guest sees it.
constexpr int64_t err(int e) { return -static_cast<int64_t>(e); }

}  // namespace hmx::ref
