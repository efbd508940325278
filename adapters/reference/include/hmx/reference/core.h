/* SPDX-License-Identifier: Apache-2.0 */
// The hypervisor-agnostic HMX core: domains, rings, sendv, notify, batch, events, MAC policy.
//
// Semantics are Xen Argo's (Xen xen/common/argo.c) with HMX's additions (call block,
// batch, event page, vector register, null op) from spec/hmx.textproto. Adapters (hmx-kvm, the
// in-process loopback, future ones) translate their conduit into call() or argo_op(), their MSR
// accesses into set_/get_vector and set_/get_event_page, and deliver interrupts for the core
// through a Notifier. Every entry point is thread-safe (see adapters/reference/LOCKING.md).
// Each operation evaluates its error table of spec/06-operations.adoc top to bottom
// (HMX-MECH-008), so every conduit and every adapter gives the same codes (HMX-MECH-010).
//
// Return values: 0 or a positive count on success, otherwise the negated HMX error code
// (-HMX_EINVAL ...), exactly what the guest sees in hmx_call_block_t.result.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <hmx/abi/constants.h>

#include "hmx/reference/exposure_stats.h"
#include "hmx/reference/guest_memory.h"
#include "hmx/reference/notifier.h"
#include "hmx/reference/policy.h"
#include "hmx/reference/types.h"

namespace hmx::ref {

struct CoreState;  // the core's private state (src/core_impl.h)

struct CoreStats {
  uint64_t calls = 0;      // call() and argo_op() invocations
  uint64_t ops = 0;        // operations run (a batch counts itself and each entry)
  uint64_t batches = 0;    // batch operations
  uint64_t messages = 0;   // messages delivered by sendv
  uint64_t bytes = 0;      // payload bytes delivered by sendv
  uint64_t eagain = 0;     // sendv that found the ring full
  uint64_t wakeups = 0;    // space-available signals (waits completed or discarded)
  uint64_t interrupts = 0; // Notifier::raise calls
  uint64_t denials = 0;    // policy denials seen by this core
  uint64_t errors = 0;     // operations that returned a negative result
  uint64_t budget_stops = 0;  // batches stopped by CALL_BYTE_BUDGET (HMX-BATCH-007)
  uint64_t max_call_bytes = 0;  // most payload bytes one call copied (at most
                                // max(CALL_BYTE_BUDGET, MAX_MESSAGE_SIZE))
  uint64_t interrupts_moderated = 0;  // injections skipped by rx_event (HMX-EVENT-046, HMX-EVENT-052)
  uint64_t submits = 0;         // submit operations (spec op-submit)
  uint64_t submit_entries = 0;  // submission queue entries run by drains
};

// A snapshot of one ring, for tests, adapters' debug output and tools.
struct RingInfo {
  DomainId owner = 0;
  uint32_t aport = 0;
  DomainId partner = 0;       // HMX_DOMID_ANY for a wildcard ring
  uint32_t len = 0;           // ring data bytes
  uint32_t npages = 0;
  uint32_t tx_ptr = 0;        // the hypervisor's private copy (Xen argo.c register_ring)
  uint32_t notify_vcpu = 0;   // vCPU whose vector announces the ring
  uint32_t event_index = 0;   // bit in the owner's event page
  uint32_t pending = 0;       // domains waiting for space
};

class Core {
 public:
  // `policy` must outlive the core; it may be reloaded (Policy::load_text) while the core runs.
  explicit Core(Policy& policy);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Make a domain known to the core. `memory` and `notifier` must stay valid until destroy_domain
  // returns (or the Core is destroyed). vCPUs are 0..vcpus-1 (1..256); their vector registers
  // start at HMX_MSR_VECTOR_RESET (masked), the event page at 0 (disabled) (HMX-DOM-004).
  // With `hmx_enabled` false the domain exists but HMX is not enabled for it (Argo's d->argo ==
  // NULL): its operations fail with ENODEV (null still works, HMX-MECH-011), naming it as partner
  // or destination gives ECONNREFUSED, and notify describes it with flags 0.
  // `vector_min`..`vector_max` are the vectors an unmasked VECTOR register may name: x86 interrupt
  // vectors HMX_VECTOR_MIN..255 by default; on Arm the PPIs HMX_ARM_PPI_MIN..HMX_ARM_PPI_MAX
  // (HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016).
  // Errors: -HMX_EINVAL (id >= HMX_DOMID_SELF_ASSIGNED_LIMIT, vcpus out of range, empty name or a
  // name containing '*', vector_min below HMX_ARM_PPI_MIN or above vector_max), -HMX_EEXIST (id or name already
  // present), -HMX_ENOMEM (a portable build's Platform had no memory for it).
  int create_domain(DomainId id, std::string_view name, GuestMemory& memory, uint32_t vcpus,
                    Notifier& notifier, bool hmx_enabled = true, uint8_t vector_max = 255,
                    uint8_t vector_min = HMX_VECTOR_MIN);

  // Tear a domain down (Xen argo.c argo_destroy): its rings and their pending waits, every ring another
  // domain registered naming it as partner, and its space waits on other domains' rings. Waits
  // until every call in flight has finished; afterwards the core never touches its memory.
  // Errors: -HMX_ESRCH.
  int destroy_domain(DomainId id);
  bool has_domain(DomainId id) const;

  // Run the call block at guest-physical `call_block_gpa` for vCPU `vcpu` of domain `dom`: read it
  // once, run it, write its result field, and return that result (HMX-MECH-021 HMX-MECH-022 HMX-MECH-023). When the block
  // itself is unusable nothing runs, nothing is written and the return value says why: -HMX_EINVAL
  // (not HMX_CALL_BLOCK_ALIGN aligned, or vcpu out of range), -HMX_EFAULT (not in guest RAM),
  // -HMX_ENODEV (no domain `dom` in this core). The adapter turns those into the conduit's status
  // (MSR: #GP(0), HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016; vmcall: RAX, HMX-MECH-002; SMCCC: INVALID_PARAMETER, HMX-MECH-003).
  // A domain created with hmx_enabled false gets its blocks run: null succeeds, the rest fail
  // with ENODEV at their error table's position.
  int64_t call(DomainId dom, uint32_t vcpu, uint64_t call_block_gpa);

  // The same operations with Argo's convention (Xen hypercall 39: cmd, arg1..arg4, arguments are
  // guest-physical addresses here). Only Argo's ops 1-4 exist on this conduit; others give
  // -HMX_EOPNOTSUPP. arg3 or arg4 wider than 32 bits give -HMX_EINVAL (Xen argo.c do_argo_op).
  int64_t argo_op(DomainId dom, uint32_t vcpu, uint32_t cmd, uint64_t arg1, uint64_t arg2,
                  uint64_t arg3, uint64_t arg4);

  // The per-vCPU VECTOR register (HMX_MSR_VECTOR layout: vector bits 7:0, masked bit 16).
  // set_vector: -HMX_EINVAL for reserved bits, an unmasked vector outside the domain's range or a bad
  // vCPU (the register is left unchanged; the MSR conduit raises #GP(0), HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013);
  // -HMX_ESRCH for an unknown domain, -HMX_ENODEV when HMX is not enabled for it.
  int set_vector(DomainId dom, uint32_t vcpu, uint64_t value);
  int get_vector(DomainId dom, uint32_t vcpu, uint64_t* value) const;

  // The per-domain EVENT_PAGE register (enable bit 0, GPA bits 63:12; 0 disables).
  // set_event_page: -HMX_EINVAL for reserved bits 11:1, -HMX_EFAULT when an enabled page is not
  // guest RAM (unchanged either way; the MSR conduit raises #GP(0), HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019), -HMX_ESRCH for
  // an unknown domain, -HMX_ENODEV when HMX is not enabled for it. When it returns, the core sets
  // bits only in the new page.
  int set_event_page(DomainId dom, uint64_t value);
  int get_event_page(DomainId dom, uint64_t* value) const;

  // HMX_FEATURE_*_BIT this core implements (for the MECHANISMS CPUID leaf / SMCCC FEATURES).
  uint32_t features() const;
  // Offer SUBMIT_QUEUE (set_submit_queue, submit; spec submit-queue). Off by default: an adapter
  // turns it on before its guests run when it serves the operations through every call conduit it
  // offers (HMX-ASYNC-030); while off they answer EOPNOTSUPP and features() leaves the bit clear
  // (HMX-ASYNC-035).
  void offer_submit_queue(bool offered);
  // A host worker that polls `dom`'s submission queue (spec submit-queue-polling, HMX-ASYNC-041;
  // the design of io_uring's SQPOLL). The worker calls submit_poll_begin when it starts polling
  // (SUBMIT_QUEUE_NEED_WAKEUP cleared in the registered header and in every queue registered
  // until submit_poll_end, HMX-ASYNC-037), submit_poll while it polls (one drain with every rule
  // of a drain, one at a time with submit calls, EVENT_SUBMIT_DONE, never the vector:
  // HMX-ASYNC-028, HMX-ASYNC-040; returns the entries run, 0 when none waited), and
  // submit_poll_end before it sleeps (sets NEED_WAKEUP, re-reads producer and drains what raced
  // in, HMX-ASYNC-038; a positive return means entries arrived: poll on). A submit call while no
  // worker polls rings Notifier::submit_called, the worker's doorbell.
  // Errors: -HMX_ESRCH (unknown domain), -HMX_ENODEV (HMX not enabled, SUBMIT_QUEUE not offered);
  // submit_poll and submit_poll_end: -HMX_EINVAL (a malformed producer, HMX-ASYNC-012), and
  // submit_poll -HMX_ENOENT (no queue registered).
  int submit_poll_begin(DomainId dom);
  int64_t submit_poll(DomainId dom);
  int64_t submit_poll_end(DomainId dom);
  // Offer EVENT_IDX (REGISTER_FLAG_EVENT_IDX, the ring header's rx_event; spec event-idx). Off
  // by default: while off register_ring refuses the flag with EINVAL (HMX-EVENT-041) and
  // features() leaves the bit clear.
  void offer_event_idx(bool offered);
  // Offer EXPOSE (expose, fetch, deposit, revoke; spec exposures). Off by default: an adapter turns
  // it on before its guests run when its call conduits carry the operations; while off they answer
  // EOPNOTSUPP and features() leaves the bit clear (HMX-XPOSE-013).
  void offer_exposures(bool offered);
  // One domain's exposure accounting (HMX-XPOSE-035); nullopt for an unknown domain.
  std::optional<ExposureStats> exposure_stats(DomainId dom) const;
  // Most entries per batch (HMX_MAX_BATCH_ENTRIES).
  uint32_t max_batch() const;

  CoreStats stats() const;
  std::optional<RingInfo> ring_info(DomainId owner, uint32_t aport, DomainId partner) const;
  // Rings registered by `owner` (0 for an unknown domain).
  uint32_t ring_count(DomainId owner) const;
  // Calls fn once for each live ring of `owner` with its snapshot and the host address of each
  // of its frames (header frame first), under that ring's lock: for fuzzers and tests that check
  // the core writes nowhere else. fn must not call into the Core.
  using RingFrameVisitor = void (*)(void* ctx, const RingInfo& info, const std::byte* const* frames,
                                    uint32_t nframes);
  void visit_rings(DomainId owner, RingFrameVisitor fn, void* ctx) const;

  Policy& policy();

  // False only in a portable build whose Platform could not give the core its state.
  bool ready() const { return st_ != nullptr; }

 private:
  // Built by the constructor; in a portable build it is empty when the Platform had no memory
  // for it (ready() is false, and the Core must not be used).
  struct StateDeleter {
    void operator()(CoreState* st) const noexcept;
  };
  std::unique_ptr<CoreState, StateDeleter> st_;
};

}  // namespace hmx::ref
