// SPDX-License-Identifier: Apache-2.0
// Entry points: call blocks, Argo's conduit, operation dispatch, registers, statistics.
#include "hmx/reference/core.h"

#include <cstddef>
#include <new>

#include "core_impl.h"

namespace hmx::ref {

#if HMX_REFERENCE_PORTABLE
Core::Core(Policy& policy) {
  void* mem = port::allocate(sizeof(CoreState), alignof(CoreState));
  if (mem != nullptr) st_.reset(new (mem) CoreState(policy));
}
void Core::StateDeleter::operator()(CoreState* st) const noexcept {
  st->~CoreState();
  port::deallocate(st, sizeof(CoreState), alignof(CoreState));
}
#else
Core::Core(Policy& policy) : st_(new CoreState(policy)) {}
void Core::StateDeleter::operator()(CoreState* st) const noexcept { delete st; }
#endif
Core::~Core() = default;

Policy& Core::policy() { return st_->policy; }

namespace {

bool fits_u32(uint64_t v) { return v <= UINT32_MAX; }

int64_t count_result(CoreState& core, int64_t result) {
  if (result == kStoppedByBudget) return result;  // the entry did not run
  core.stats.ops.fetch_add(1, std::memory_order_relaxed);
  if (result < 0) core.stats.errors.fetch_add(1, std::memory_order_relaxed);
  return result;
}

int64_t dispatch(CallCtx& ctx, uint32_t op, const uint64_t (&arg)[4], bool argo_conduit,
                 bool in_batch) {
  // Common checks (spec op-common, HMX-MECH-031 HMX-MECH-032): arg3 and arg4 fit 32 bits (as Argo's hypercall
  // demands, Xen argo.c do_argo_op), then the operation must exist on this conduit. The call block's flags
  // were checked by run_block.
  if (!fits_u32(arg[2]) || !fits_u32(arg[3])) return err(HMX_EINVAL);
  const bool submit_op = op == HMX_OP_SET_SUBMIT_QUEUE || op == HMX_OP_SUBMIT;
  const bool hmx_op = op == HMX_OP_NULL || op == HMX_OP_BATCH || op == HMX_OP_SET_EVENT_PAGE ||
                      op == HMX_OP_SET_VECTOR || submit_op;
  // HMX additions exist only behind call blocks (HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020); features are all offered.
  if (hmx_op && argo_conduit) return err(HMX_EOPNOTSUPP);
  // SUBMIT_QUEUE exists only where the adapter offers it (HMX-ASYNC-035).
  if (submit_op && !ctx.core.submit_queue_offered.load(std::memory_order_relaxed))
    return err(HMX_EOPNOTSUPP);
  switch (op) {
    case HMX_OP_REGISTER_RING:
      return op_register_ring(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_UNREGISTER_RING:
      return op_unregister_ring(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_SENDV:
      return op_sendv(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_NOTIFY:
      return op_notify(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_NULL:
      // Works whether or not HMX is enabled for the caller (HMX-MECH-011).
      return (arg[0] | arg[1] | arg[2] | arg[3]) != 0 ? err(HMX_EINVAL) : 0;
    case HMX_OP_BATCH:
      // A batch never nests: bounded work per exit (HMX-BATCH-014 HMX-BATCH-015).
      if (in_batch) return err(HMX_EINVAL);
      ctx.core.stats.batches.fetch_add(1, std::memory_order_relaxed);
      return op_batch(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_SET_EVENT_PAGE:
      if ((arg[1] | arg[2] | arg[3]) != 0) return err(HMX_EINVAL);
      if (!ctx.caller.enabled) return err(HMX_ENODEV);
      return set_event_page_value(ctx.caller, arg[0]);
    case HMX_OP_SET_VECTOR:
      if ((arg[2] | arg[3]) != 0) return err(HMX_EINVAL);
      if (!ctx.caller.enabled) return err(HMX_ENODEV);
      if (arg[0] >= ctx.caller.vcpus) return err(HMX_EINVAL);
      return set_vector_value(ctx.caller, static_cast<uint32_t>(arg[0]), arg[1]);
    case HMX_OP_EXPOSE:
    case HMX_OP_FETCH:
    case HMX_OP_DEPOSIT:
    case HMX_OP_REVOKE:
      return run_exposure_op(ctx, op, arg, argo_conduit);
    case HMX_OP_SET_SUBMIT_QUEUE:
      return op_set_submit_queue(ctx, arg[0], arg[1], arg[2], arg[3]);
    case HMX_OP_SUBMIT:
      // A drain is bounded like a batch; a batch entry does not start one (HMX-ASYNC-036).
      if (in_batch) return err(HMX_EINVAL);
      ctx.core.stats.submits.fetch_add(1, std::memory_order_relaxed);
      return op_submit(ctx, arg);
    default:
      return err(HMX_EOPNOTSUPP);  // Xen public/argo.h operations: any other cmd
  }
}

}  // namespace

int64_t run_op(CallCtx& ctx, uint32_t op, const uint64_t (&arg)[4], bool argo_conduit,
               bool in_batch) {
  int64_t rc;
#if HMX_REFERENCE_PORTABLE
  // Portable growth reports failure itself: each operation returns ENOMEM where it happens.
  rc = dispatch(ctx, op, arg, argo_conduit, in_batch);
#else
  try {
    rc = dispatch(ctx, op, arg, argo_conduit, in_batch);
  } catch (const std::bad_alloc&) {
    // Bookkeeping allocations (frame lists, ring records) happen before any state changes.
    rc = err(HMX_ENOMEM);
  }
#endif
  return count_result(ctx.core, rc);
}

int64_t run_block(CallCtx& ctx, const hmx_call_block_t& block, bool in_batch) {
  if (block.flags != 0) return count_result(ctx.core, err(HMX_EINVAL));
  return run_op(ctx, block.op, block.arg, /*argo_conduit=*/false, in_batch);
}

int64_t Core::call(DomainId dom, uint32_t vcpu, uint64_t call_block_gpa) {
  port::shared_lock l1(st_->table_mu);
  st_->stats.calls.fetch_add(1, std::memory_order_relaxed);
  Domain* d = st_->find(dom);
  if (d == nullptr) return err(HMX_ENODEV);  // not a domain of this core at all
  if (vcpu >= d->vcpus || call_block_gpa % HMX_CALL_BLOCK_ALIGN != 0) return err(HMX_EINVAL);
  // Read the block once into hypervisor memory (docs/ARCHITECTURE.md decision 4): later guest writes to it
  // cannot change what runs.
  hmx_call_block_t block;
  if (!d->mem.read_once(call_block_gpa, block)) return err(HMX_EFAULT);
  CallCtx ctx{*st_, *d, vcpu};
  const int64_t result = run_block(ctx, block, /*in_batch=*/false);
  note_call_bytes(*st_, ctx.copied);
  // Only result is written back; the range was checked by the read above.
  d->mem.write(call_block_gpa + offsetof(hmx_call_block_t, result), result);
  return result;
}

int64_t Core::argo_op(DomainId dom, uint32_t vcpu, uint32_t cmd, uint64_t arg1, uint64_t arg2,
                      uint64_t arg3, uint64_t arg4) {
  port::shared_lock l1(st_->table_mu);
  st_->stats.calls.fetch_add(1, std::memory_order_relaxed);
  Domain* d = st_->find(dom);
  if (d == nullptr) return err(HMX_ENODEV);  // not a domain of this core at all
  if (vcpu >= d->vcpus) return err(HMX_EINVAL);
  CallCtx ctx{*st_, *d, vcpu};
  const uint64_t arg[4] = {arg1, arg2, arg3, arg4};
  const int64_t result = run_op(ctx, cmd, arg, /*argo_conduit=*/true, /*in_batch=*/false);
  note_call_bytes(*st_, ctx.copied);
  return result;
}

int Core::set_vector(DomainId dom, uint32_t vcpu, uint64_t value) {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(dom);
  if (d == nullptr) return static_cast<int>(err(HMX_ESRCH));
  if (!d->enabled) return static_cast<int>(err(HMX_ENODEV));
  return set_vector_value(*d, vcpu, value);
}

int Core::get_vector(DomainId dom, uint32_t vcpu, uint64_t* value) const {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(dom);
  if (d == nullptr) return static_cast<int>(err(HMX_ESRCH));
  if (vcpu >= d->vcpus || value == nullptr) return static_cast<int>(err(HMX_EINVAL));
  *value = d->vectors[vcpu].load(std::memory_order_acquire);
  return 0;
}

int Core::set_event_page(DomainId dom, uint64_t value) {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(dom);
  if (d == nullptr) return static_cast<int>(err(HMX_ESRCH));
  if (!d->enabled) return static_cast<int>(err(HMX_ENODEV));
  return set_event_page_value(*d, value);
}

int Core::get_event_page(DomainId dom, uint64_t* value) const {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(dom);
  if (d == nullptr) return static_cast<int>(err(HMX_ESRCH));
  if (value == nullptr) return static_cast<int>(err(HMX_EINVAL));
  *value = d->event_page_value.load(std::memory_order_acquire);
  return 0;
}

uint32_t Core::features() const {
  return HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT | HMX_FEATURE_VECTOR_BIT |
         HMX_FEATURE_RING_VCPU_BIT | HMX_FEATURE_NULL_OP_BIT | exposure_features(*st_) |
         (st_->submit_queue_offered.load(std::memory_order_relaxed) ? HMX_FEATURE_SUBMIT_QUEUE_BIT : 0u) |
         (st_->event_idx_offered.load(std::memory_order_relaxed) ? HMX_FEATURE_EVENT_IDX_BIT : 0u);
}

void Core::offer_event_idx(bool offered) {
  st_->event_idx_offered.store(offered, std::memory_order_relaxed);
}

void Core::offer_submit_queue(bool offered) {
  st_->submit_queue_offered.store(offered, std::memory_order_relaxed);
}

uint32_t Core::max_batch() const { return HMX_MAX_BATCH_ENTRIES; }

void note_call_bytes(CoreState& core, uint64_t bytes) {
  uint64_t seen = core.stats.max_call_bytes.load(std::memory_order_relaxed);
  while (bytes > seen && !core.stats.max_call_bytes.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
  }
}

CoreStats Core::stats() const {
  const AtomicStats& s = st_->stats;
  CoreStats out;
  out.calls = s.calls.load(std::memory_order_relaxed);
  out.ops = s.ops.load(std::memory_order_relaxed);
  out.batches = s.batches.load(std::memory_order_relaxed);
  out.messages = s.messages.load(std::memory_order_relaxed);
  out.bytes = s.bytes.load(std::memory_order_relaxed);
  out.eagain = s.eagain.load(std::memory_order_relaxed);
  out.wakeups = s.wakeups.load(std::memory_order_relaxed);
  out.interrupts = s.interrupts.load(std::memory_order_relaxed);
  out.denials = s.denials.load(std::memory_order_relaxed);
  out.errors = s.errors.load(std::memory_order_relaxed);
  out.budget_stops = s.budget_stops.load(std::memory_order_relaxed);
  out.max_call_bytes = s.max_call_bytes.load(std::memory_order_relaxed);
  out.interrupts_moderated = s.interrupts_moderated.load(std::memory_order_relaxed);
  out.submits = s.submits.load(std::memory_order_relaxed);
  out.submit_entries = s.submit_entries.load(std::memory_order_relaxed);
  return out;
}

// Policy hooks: a domain acting on itself is always allowed (policy.cpp), denials are counted
// here too so CoreStats shows them without querying the policy.
int CoreState::check_send(const Domain& src, const Domain& dst, uint32_t aport) {
  const int rc = policy.send({src.id, src.name}, {dst.id, dst.name}, aport);
  if (rc != 0) stats.denials.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

int CoreState::check_register_single(const Domain& owner, const Domain& partner, uint32_t aport) {
  const int rc =
      policy.register_single_source({owner.id, owner.name}, {partner.id, partner.name}, aport);
  if (rc != 0) stats.denials.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

int CoreState::check_register_any(const Domain& owner, uint32_t aport) {
  const int rc = policy.register_any_source({owner.id, owner.name}, aport);
  if (rc != 0) stats.denials.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

}  // namespace hmx::ref
