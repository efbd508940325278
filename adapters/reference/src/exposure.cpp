// SPDX-License-Identifier: Apache-2.0
// Exposures (spec exposures, feature EXPOSE): expose, fetch, deposit, revoke. The owner offers
// one range of its memory to one peer; the peer asks the hypervisor to copy out of it or into it.
// Nothing is shared: the core copies, checks the send hook in the direction the bytes flow at
// every copy (HMX-XPOSE-024 HMX-XPOSE-025), and counts the bytes for both domains.
#include <algorithm>
#include <atomic>

#include "core_impl.h"
#include "exposure_table.h"

namespace hmx::ref {
namespace {

bool offered(const CoreState& core) { return core.exposures_offered.load(std::memory_order_relaxed); }

// Generations come from one counter for every slot of every domain: a domain destroyed and
// created again with the same id starts a fresh table, and per-slot generations would hand its
// predecessor's handles out again (HMX-XPOSE-017: never accepted again, whatever the owner
// exposes afterwards). 47 bits wrap after 1.4e14 exposes in all.
std::atomic<uint64_t> next_generation{0};
uint64_t fresh_generation() {
  uint64_t g;
  do {
    g = (next_generation.fetch_add(1, std::memory_order_relaxed) + 1) & kExposeGenerationMask;
  } while (g == 0);
  return g;
}

// Copy guest [src_gpa, +len) of `src` into guest [dst_gpa, +len) of `dst`, in pieces that never
// cross a page of either side when the adapter maps its memory in pieces. Both ranges were checked
// with contains(); false only if the adapter's memory changed since.
bool copy_between(GuestMemory& src, uint64_t src_gpa, GuestMemory& dst, uint64_t dst_gpa, uint64_t len) {
  if (auto s = src.map(src_gpa, len), d = dst.map(dst_gpa, len); s.size() == len && d.size() == len) {
    copy_guest_to_guest_bytes(d.data(), s.data(), len);
    return true;
  }
  uint64_t done = 0;
  while (done < len) {
    const uint64_t sg = src_gpa + done, dg = dst_gpa + done;
    const uint64_t n = std::min(len - done, std::min(kPageSize - (sg & (kPageSize - 1)), kPageSize - (dg & (kPageSize - 1))));
    auto s = src.map(sg, n);
    auto d = dst.map(dg, n);
    if (s.size() != n || d.size() != n) return false;
    copy_guest_to_guest_bytes(d.data(), s.data(), n);
    done += n;
  }
  return true;
}

// The slot a handle names, or nullptr when its index is out of the table. The generation is
// checked under the slot's lock by the caller.
ExposureSlot* slot_of(Domain& owner, uint64_t handle) {
  const uint32_t index = expose_handle_index(handle);
  if (index >= HMX_EXPOSE_MAX_PER_DOMAIN || (handle >> 63) != 0) return nullptr;
  return &owner.exposures.slots[index];
}

// Ends a live slot. Requires its lock.
void end_slot(Domain& owner, ExposureSlot& s) {
  s.live = false;
  s.uses = 0;
  owner.exposures.live.fetch_sub(1, std::memory_order_relaxed);
}

int64_t op_expose(CallCtx& ctx, const uint64_t (&arg)[4]) {
  // The rows of the spec's expose table (op-expose), in order.
  Domain& self = ctx.caller;
  if ((arg[1] | arg[2] | arg[3]) != 0) return err(HMX_EINVAL);  // HMX-XPOSE-002
  hmx_expose_t x;
  if (!self.mem.read_once(arg[0], x)) return err(HMX_EFAULT);  // HMX-XPOSE-003 HMX-XPOSE-038
  if (!self.enabled) return err(HMX_ENODEV);                   // HMX-XPOSE-036
  if (x.access == 0 || (x.access & ~HMX_EXPOSE_ACCESS_MASK) != 0) return err(HMX_EINVAL);  // HMX-XPOSE-004
  if (x.len == 0 || x.len > HMX_EXPOSE_MAX_BYTES) return err(HMX_EINVAL);                  // HMX-XPOSE-005
  if (x.uses == 0 || x.pad != 0) return err(HMX_EINVAL);                                   // HMX-XPOSE-006
  if (x.peer_id == self.id || x.peer_id >= HMX_DOMID_SELF_ASSIGNED_LIMIT) return err(HMX_EINVAL);  // HMX-XPOSE-007
  Domain* peer = ctx.core.find(x.peer_id);
  if (peer == nullptr) return err(HMX_ESRCH);                  // HMX-XPOSE-008
  if (!peer->enabled) return err(HMX_ECONNREFUSED);            // HMX-XPOSE-037
  // The directions granted, each as a send in the direction its bytes flow (HMX-XPOSE-009 HMX-XPOSE-010).
  if ((x.access & HMX_EXPOSE_READ) != 0)
    if (int rc = ctx.core.check_send(self, *peer, 0); rc != 0) return rc;
  if ((x.access & HMX_EXPOSE_WRITE) != 0)
    if (int rc = ctx.core.check_send(*peer, self, 0); rc != 0) return rc;
  if (!self.mem.contains(x.gpa, x.len)) return err(HMX_EFAULT);  // HMX-XPOSE-011

  ExposureTable& t = self.exposures;
  port::lock_guard alloc(t.alloc_mu);
  for (uint32_t k = 0; k < HMX_EXPOSE_MAX_PER_DOMAIN; ++k) {
    const uint32_t index = (t.next + k) % HMX_EXPOSE_MAX_PER_DOMAIN;
    ExposureSlot& s = t.slots[index];
    port::lock_guard l(s.mu);
    if (s.live) continue;
    s.generation = fresh_generation();
    s.live = true;
    s.peer = x.peer_id;
    s.access = x.access;
    s.len = x.len;
    s.uses = x.uses;
    s.gpa = x.gpa;
    t.next = (index + 1) % HMX_EXPOSE_MAX_PER_DOMAIN;
    t.live.fetch_add(1, std::memory_order_relaxed);
    t.exposes.fetch_add(1, std::memory_order_relaxed);
    return static_cast<int64_t>(make_expose_handle(index, s.generation));  // HMX-XPOSE-001
  }
  return err(HMX_ENOSPC);  // HMX-XPOSE-012
}

// fetch (`to_caller`) and deposit: the rows of the spec's table (op-fetch), in order.
int64_t op_copy(CallCtx& ctx, const uint64_t (&arg)[4], bool to_caller) {
  Domain& self = ctx.caller;
  if ((arg[1] | arg[2] | arg[3]) != 0) return err(HMX_EINVAL);  // HMX-XPOSE-028
  hmx_expose_copy_t c;
  if (!self.mem.read_once(arg[0], c)) return err(HMX_EFAULT);  // HMX-XPOSE-029 HMX-XPOSE-038
  if (c.pad != 0) return err(HMX_EINVAL);                      // HMX-XPOSE-028
  if (!self.enabled) return err(HMX_ENODEV);                   // HMX-XPOSE-036
  if (c.len == 0 || c.len > HMX_CALL_BYTE_BUDGET) return err(HMX_EINVAL);  // HMX-XPOSE-021
  // The per-call byte budget counts len as this entry's payload (HMX-XPOSE-030, HMX-BATCH-007).
  if (ctx.budget_applies && ctx.copied + c.len > HMX_CALL_BYTE_BUDGET) return kStoppedByBudget;
  Domain* owner = ctx.core.find(c.owner_id);
  if (owner == nullptr) return err(HMX_ESRCH);  // HMX-XPOSE-023
  // The send hook in the direction the bytes flow, now (HMX-XPOSE-024 HMX-XPOSE-025). It depends on
  // the two identities only, so a denied domain learns nothing about handles.
  if (int rc = to_caller ? ctx.core.check_send(*owner, self, 0) : ctx.core.check_send(self, *owner, 0); rc != 0)
    return rc;

  ExposureSlot* s = slot_of(*owner, c.handle);
  if (s == nullptr) return err(HMX_ENOENT);  // HMX-XPOSE-016
  port::lock_guard l(s->mu);
  // Never issued, ended, revoked, another generation, or made for another domain: one answer,
  // so a third domain cannot tell a live handle from a guess (HMX-XPOSE-016 HMX-XPOSE-017 HMX-XPOSE-039).
  if (!s->live || s->generation != expose_handle_generation(c.handle) || s->peer != self.id)
    return err(HMX_ENOENT);
  if ((s->access & (to_caller ? HMX_EXPOSE_READ : HMX_EXPOSE_WRITE)) == 0) return err(HMX_EPERM);  // HMX-XPOSE-018 HMX-XPOSE-019
  if (c.offset > s->len || c.len > s->len - c.offset) return err(HMX_EINVAL);  // HMX-XPOSE-020: no overflow
  if (!self.mem.contains(c.gpa, c.len)) return err(HMX_EFAULT);              // HMX-XPOSE-022
  const bool copied = to_caller ? copy_between(owner->mem, s->gpa + c.offset, self.mem, c.gpa, c.len)
                                : copy_between(self.mem, c.gpa, owner->mem, s->gpa + c.offset, c.len);
  if (!copied) return err(HMX_EFAULT);  // only if an adapter's memory changed under us
  // One use consumed; the last one ends the exposure (HMX-XPOSE-026).
  if (--s->uses == 0) end_slot(*owner, *s);
  ctx.copied += c.len;
  (to_caller ? owner->exposures.bytes_fetched_from : owner->exposures.bytes_deposited_into)
      .fetch_add(c.len, std::memory_order_relaxed);
  (to_caller ? self.exposures.bytes_fetched : self.exposures.bytes_deposited).fetch_add(c.len, std::memory_order_relaxed);
  return c.len;  // HMX-XPOSE-014 HMX-XPOSE-015
}

int64_t op_revoke(CallCtx& ctx, const uint64_t (&arg)[4]) {
  Domain& self = ctx.caller;
  if ((arg[1] | arg[2] | arg[3]) != 0) return err(HMX_EINVAL);  // HMX-XPOSE-033
  if (!self.enabled) return err(HMX_ENODEV);                     // HMX-XPOSE-036
  ExposureSlot* s = slot_of(self, arg[0]);
  if (s == nullptr) return err(HMX_ENOENT);  // HMX-XPOSE-031
  // Taking the slot's lock waits for a copy in flight; after it no copy touches the range
  // (HMX-XPOSE-032).
  port::lock_guard l(s->mu);
  if (!s->live || s->generation != expose_handle_generation(arg[0])) return err(HMX_ENOENT);
  end_slot(self, *s);
  return 0;
}

}  // namespace

int64_t run_exposure_op(CallCtx& ctx, uint32_t op, const uint64_t (&arg)[4], bool argo_conduit) {
  // Only behind call blocks, and only where the adapter offers EXPOSE (HMX-XPOSE-013).
  if (argo_conduit || !offered(ctx.core)) return err(HMX_EOPNOTSUPP);
  switch (op) {
    case HMX_OP_EXPOSE:
      return op_expose(ctx, arg);
    case HMX_OP_FETCH:
      return op_copy(ctx, arg, /*to_caller=*/true);
    case HMX_OP_DEPOSIT:
      return op_copy(ctx, arg, /*to_caller=*/false);
    case HMX_OP_REVOKE:
      return op_revoke(ctx, arg);
    default:
      return err(HMX_EOPNOTSUPP);
  }
}

void end_exposures_naming(Domain& owner, DomainId peer) {
  // Under L1 exclusive (destroy_domain): no copy is in flight; the slot locks order the change for
  // later readers (HMX-XPOSE-034).
  for (ExposureSlot& s : owner.exposures.slots) {
    port::lock_guard l(s.mu);
    if (s.live && s.peer == peer) end_slot(owner, s);
  }
}

uint32_t exposure_features(const CoreState& core) { return offered(core) ? HMX_FEATURE_EXPOSE_BIT : 0u; }

void Core::offer_exposures(bool on) { st_->exposures_offered.store(on, std::memory_order_relaxed); }

std::optional<ExposureStats> Core::exposure_stats(DomainId dom) const {
  port::shared_lock l1(st_->table_mu);
  const Domain* d = st_->find(dom);
  if (d == nullptr) return std::nullopt;
  const ExposureTable& t = d->exposures;
  ExposureStats out;
  out.live = t.live.load(std::memory_order_relaxed);
  out.exposes = t.exposes.load(std::memory_order_relaxed);
  out.bytes_fetched_from = t.bytes_fetched_from.load(std::memory_order_relaxed);
  out.bytes_deposited_into = t.bytes_deposited_into.load(std::memory_order_relaxed);
  out.bytes_fetched = t.bytes_fetched.load(std::memory_order_relaxed);
  out.bytes_deposited = t.bytes_deposited.load(std::memory_order_relaxed);
  return out;
}

}  // namespace hmx::ref
