// SPDX-License-Identifier: Apache-2.0
// A host worker that polls submission queues (spec submit-queue-polling; io_uring's SQPOLL with
// IORING_SQ_NEED_WAKEUP): the entry points Core::submit_poll_begin, submit_poll, submit_poll_end.
#include "core_impl.h"

namespace hmx::ref {
namespace {

// The domain a worker polls, under L1 shared (held by the caller); nullptr with *rc set.
Domain* polled_domain(CoreState& core, DomainId dom, int64_t* rc) {
  Domain* d = core.find(dom);
  if (d == nullptr) {
    *rc = err(HMX_ESRCH);
  } else if (!d->enabled || !core.submit_queue_offered.load(std::memory_order_relaxed)) {
    *rc = err(HMX_ENODEV);
    d = nullptr;
  }
  return d;
}

// One worker drain of `d`'s queue (submit_mu held): no vCPU asked for it (HMX-ASYNC-040); its
// sendv entries queue their space waits for the vCPU that registered the queue.
int64_t worker_drain(CoreState& core, Domain& d) {
  if (d.submit.entries == 0) return err(HMX_ENOENT);
  CallCtx ctx{core, d, d.submit.vcpu};
  const int64_t ran = drain_submit_queue(ctx, /*asked=*/false);
  note_call_bytes(core, ctx.copied);
  return ran;
}

}  // namespace

int Core::submit_poll_begin(DomainId dom) {
  port::shared_lock l1(st_->table_mu);
  int64_t rc = 0;
  Domain* d = polled_domain(*st_, dom, &rc);
  if (d == nullptr) return static_cast<int>(rc);
  port::lock_guard lock(d->submit_mu);
  // A worker polls from now on: NEED_WAKEUP clear in this queue and in every one registered
  // until submit_poll_end (HMX-ASYNC-037, HMX-ASYNC-041).
  d->submit_polled = true;
  store_submit_flags(*d, 0);
  return 0;
}

int64_t Core::submit_poll(DomainId dom) {
  port::shared_lock l1(st_->table_mu);
  int64_t rc = 0;
  Domain* d = polled_domain(*st_, dom, &rc);
  if (d == nullptr) return rc;
  // One at a time with the drains of submit calls (HMX-ASYNC-028), one drain's limit and budget
  // (HMX-ASYNC-021, HMX-ASYNC-022): the worker calls again for the rest.
  port::lock_guard lock(d->submit_mu);
  return worker_drain(*st_, *d);
}

int64_t Core::submit_poll_end(DomainId dom) {
  port::shared_lock l1(st_->table_mu);
  int64_t rc = 0;
  Domain* d = polled_domain(*st_, dom, &rc);
  if (d == nullptr) return rc;
  port::lock_guard lock(d->submit_mu);
  d->submit_polled = false;
  if (d->submit.entries == 0) return 0;
  // Set NEED_WAKEUP, then re-read producer, both seq_cst, and drain what raced in: a guest that
  // published before it could see the flag set is not left waiting (HMX-ASYNC-038).
  store_submit_flags(*d, HMX_SUBMIT_QUEUE_NEED_WAKEUP);
  return worker_drain(*st_, *d);
}

}  // namespace hmx::ref
