// SPDX-License-Identifier: Apache-2.0
// The VECTOR and EVENT_PAGE registers and notifications (docs/ARCHITECTURE.md decision 5; spec
// notifications, HMX-EVENT-001..008).
#include <atomic>

#include "core_impl.h"

namespace hmx::ref {
namespace {

constexpr uint64_t kVectorField = HMX_MSR_VECTOR_VECTOR_MASK << HMX_MSR_VECTOR_VECTOR_SHIFT;
constexpr uint64_t kMaskedBit = HMX_MSR_VECTOR_MASKED_MASK << HMX_MSR_VECTOR_MASKED_SHIFT;
constexpr uint64_t kEnableBit = HMX_MSR_EVENT_PAGE_ENABLE_MASK << HMX_MSR_EVENT_PAGE_ENABLE_SHIFT;
constexpr uint64_t kPageField = HMX_MSR_EVENT_PAGE_GPA_MASK << HMX_MSR_EVENT_PAGE_GPA_SHIFT;

std::atomic_ref<uint64_t> page_word(std::byte* page, size_t offset) {
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(page + offset));
}

// OR `bits` into a word of the domain's event page, if enabled. Returns true when the page is
// enabled and any of `bits` was already set. Holding event_mu shared keeps set_event_page from
// completing while a bit is on its way into the old page.
bool event_or(Domain& d, size_t offset, uint64_t bits) {
  port::shared_lock lock(d.event_mu);
  std::byte* page = d.event_page.load(std::memory_order_acquire);
  if (page == nullptr) return false;
  // Release: a guest that sees the bit (and clears it with an acquire AND) sees what it announces
  // (spec memory-model, HMX-EVENT-022, HMX-MECH-024).
  return (page_word(page, offset).fetch_or(bits, std::memory_order_acq_rel) & bits) != 0;
}

}  // namespace

int set_vector_value(Domain& d, uint32_t vcpu, uint64_t value) {
  if (vcpu >= d.vcpus) return static_cast<int>(err(HMX_EINVAL));
  // SINT layout: only the vector and the mask bit exist; an unmasked vector must not name an
  // x86 exception or reserved vector (0-31), nor on Arm anything but a PPI the architecture leaves
  // free (HMX_ARM_PPI_MIN..HMX_ARM_PPI_MAX, HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016). A masked
  // register may hold any vector (its reset value has vector 0). A rejected value leaves the
  // register unchanged (HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013).
  if ((value & ~(kVectorField | kMaskedBit)) != 0) return static_cast<int>(err(HMX_EINVAL));
  const uint64_t vector = (value & kVectorField) >> HMX_MSR_VECTOR_VECTOR_SHIFT;
  if ((value & kMaskedBit) == 0 && (vector < d.vector_min || vector > d.vector_max))
    return static_cast<int>(err(HMX_EINVAL));
  d.vectors[vcpu].store(value, std::memory_order_release);
  return 0;
}

int set_event_page_value(Domain& d, uint64_t value) {
  // HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019: reserved bits 11:1 -> EINVAL; an enabled page outside RAM -> EFAULT; either
  // way the register is unchanged. With ENABLE clear the address bits are kept and read back.
  if ((value & ~(kEnableBit | kPageField)) != 0) return static_cast<int>(err(HMX_EINVAL));
  std::byte* page = nullptr;
  if ((value & kEnableBit) != 0) {
    auto span = d.mem.map(value & kPageField, HMX_PAGE_SIZE);
    if (span.size() != HMX_PAGE_SIZE) return static_cast<int>(err(HMX_EFAULT));
    // The bits are set with atomic OR; the host view must be 8-aligned for that.
    if (reinterpret_cast<uintptr_t>(span.data()) % 8 != 0) return static_cast<int>(err(HMX_EFAULT));
    page = span.data();
  }
  // Exclusive: waits for bit setters still using the old page, so once this returns every bit
  // lands in the new one (spec event-page).
  port::unique_lock lock(d.event_mu);
  d.event_page.store(page, std::memory_order_release);
  d.event_page_value.store(value, std::memory_order_release);
  return 0;
}

bool mark_ring_pending(Domain& owner, uint32_t event_index) {
  if (event_index >= HMX_MAX_RINGS_PER_DOMAIN) return true;
  const size_t word = offsetof(hmx_event_page_t, ring_pending) + (event_index / 64) * 8;
  return !event_or(owner, word, uint64_t{1} << (event_index % 64));
}

void event_status_or(Domain& d, uint64_t bits) {
  event_or(d, offsetof(hmx_event_page_t, status), bits);
}

bool moderate_announce(CoreState& core, const Ring& ring, uint32_t old_tx, uint32_t new_tx,
                       bool announce) {
  if (!ring.event_idx) return announce;  // HMX-EVENT-044
  // The receiver stores rx_event, then loads tx_ptr behind a full barrier; the caller stored
  // tx_ptr seq_cst (ring_publish_tx) and we load rx_event seq_cst: one of the two loads sees the
  // other side's store, so a receiver that armed rx_event and halts is never left with a message
  // and no interrupt (HMX-EVENT-050, HMX-EVENT-055).
  const uint32_t rx_event = ring_read_rx_event(ring);  // once (HMX-EVENT-045)
  // Asked for: injected even when the event bit was already set. On a moderated ring bits are
  // set without interrupts, so a set bit no longer means a handler is on its way, and the skip of
  // HMX-EVENT-008 would lose the wake-up of a receiver that armed rx_event and halted (HMX-EVENT-058).
  if (ring_event_idx_covers(ring.len, old_tx, new_tx, rx_event)) return true;
  // Not asked for (HMX-EVENT-046); the event bit was set all the same (HMX-EVENT-049).
  core.stats.interrupts_moderated.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void raise_vector_now(CoreState& core, Domain& d, uint32_t vcpu) {
  if (vcpu >= d.vcpus) return;
  const uint64_t reg = d.vectors[vcpu].load(std::memory_order_acquire);
  if ((reg & kMaskedBit) != 0) return;  // skipped, never delivered later (HMX-EVENT-024 HMX-EVENT-025)
  core.stats.interrupts.fetch_add(1, std::memory_order_relaxed);
  d.notifier.raise(d.id, vcpu, static_cast<uint8_t>(reg & kVectorField));
}

void raise_vector(CallCtx& ctx, Domain& d, uint32_t vcpu) {
  if (ctx.deferred == nullptr || vcpu >= d.vcpus) {
    raise_vector_now(ctx.core, d, vcpu);
    return;
  }
  // Inside a batch: decide masked/unmasked now (a masked vector is never delivered later) and
  // merge per (domain, vCPU, vector).
  const uint64_t reg = d.vectors[vcpu].load(std::memory_order_acquire);
  if ((reg & kMaskedBit) != 0) return;
  const auto vector = static_cast<uint8_t>(reg & kVectorField);
  for (const auto& irq : ctx.deferred->irqs) {
    if (irq.domain == &d && irq.vcpu == vcpu && irq.vector == vector) return;
  }
  if (!port::try_push_back(ctx.deferred->irqs, DeferredIrqs::Irq{&d, vcpu, vector}))
    raise_vector_now(ctx.core, d, vcpu);  // the message is delivered; never lose its interrupt
}

void flush_deferred(CoreState& core, DeferredIrqs& deferred) {
  for (const auto& irq : deferred.irqs) {
    core.stats.interrupts.fetch_add(1, std::memory_order_relaxed);
    irq.domain->notifier.raise(irq.domain->id, irq.vcpu, irq.vector);
  }
  deferred.irqs.clear();
}

void signal_space_available(CoreState& core, Domain& waiter, uint32_t vcpu,
                            DeferredIrqs* deferred) {
  core.stats.wakeups.fetch_add(1, std::memory_order_relaxed);
  event_or(waiter, offsetof(hmx_event_page_t, status), HMX_EVENT_SPACE_AVAILABLE);
  // The vCPU whose call queued the wait (HMX-EVENT-007): the thread that got EAGAIN wakes.
  if (deferred != nullptr) {
    CallCtx ctx{core, waiter, vcpu, deferred};
    raise_vector(ctx, waiter, vcpu);
  } else {
    raise_vector_now(core, waiter, vcpu);
  }
}

}  // namespace hmx::ref
