// SPDX-License-Identifier: Apache-2.0
// The submission queue's completion (EVENT_SUBMIT_DONE, SUBMIT_FLAG_INTERRUPT) and its polling
// protocol (spec submit-queue-polling): the header's SUBMIT_QUEUE_NEED_WAKEUP, entries drained
// without a submit while it is clear, none while it is set. A hypervisor without a worker (the
// reference core, hmx-kvm without sqpoll=) keeps the flag set: the worker's rows are then NOT
// SUPPORTED; hmx-kvm with sqpoll= on the tester runs them.
#include "async_queue.h"

namespace {

using namespace async_test;

void pause_ms(context& ctx, uint32_t ms) {
  const uint64_t until = ctx.plat().now_us() + uint64_t{ms} * 1000;
  while (ctx.plat().now_us() < until) {
    ctx.plat().poll();
    ctx.plat().relax();
  }
}

}  // namespace

// covers: HMX-ASYNC-025 HMX-ASYNC-026 HMX-ASYNC-027
HMX_GUEST_TEST(async_completion, "HMX-ASYNC-025 HMX-ASYNC-026 HMX-ASYNC-027") {
  if (!offered(ctx)) return;
  const bool page = ctx.has_feature(HMX_FEATURE_EVENT_PAGE), vec = ctx.has_feature(HMX_FEATURE_VECTOR);
  platform& p = ctx.plat();
  const uint8_t kV = ctx.vector(0x57);
  queue q;
  if (!ctx.check(q.make(ctx, 8), "queue pages")) return;
  hmx_event_page_t* ev = page ? ctx.alloc<hmx_event_page_t>() : nullptr;
  if (page && (ev == nullptr || !ctx.expect_rc(ctx.client(0).set_event_page(ev).code(), 0, "set_event_page"))) return;
  if (vec) ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kV), 0, "set_vector(0, %#x)", kV);
  forget(ctx);
  ctx.expect_rc(set_queue(ctx, q), 0, "set_submit_queue of 8 entries without SUBMIT_FLAG_INTERRUPT");
  settle(ctx, q);
  if (ev) __atomic_store_n(&ev->status, 0, __ATOMIC_SEQ_CST);
  p.poll();
  uint32_t before = vec ? p.vector_count(0, kV) : 0;
  q.publish(2);
  ctx.expect_rc(submit(ctx), 2, "submit of two null entries");

  ctx.req("HMX-ASYNC-025");
  if (ev) {
    ctx.check((__atomic_load_n(&ev->status, __ATOMIC_ACQUIRE) & HMX_EVENT_SUBMIT_DONE) != 0,
              "EVENT_SUBMIT_DONE not set after a drain that ran two entries");
  } else {
    ctx.skip_req("HMX-ASYNC-025", "EVENT_PAGE is not offered");
  }
  ctx.req("HMX-ASYNC-027");
  if (vec) {
    pause_ms(ctx, 20);
    ctx.expect_eq(p.vector_count(0, kV), before, "interrupts for a drain without SUBMIT_FLAG_INTERRUPT");
  } else {
    ctx.skip_req("HMX-ASYNC-027", "VECTOR is not offered");
  }
  ctx.req("HMX-ASYNC-026");
  if (vec) {
    // The consumer field says 2: the new registration continues from there (HMX-ASYNC-007).
    ctx.expect_rc(set_queue(ctx, q, HMX_SUBMIT_FLAG_INTERRUPT), 0, "set_submit_queue with SUBMIT_FLAG_INTERRUPT");
    settle(ctx, q);
    p.poll();
    before = p.vector_count(0, kV);
    q.publish(3);
    ctx.expect_rc(submit(ctx), 1, "submit of one null entry");
    ctx.check(ctx.wait_until([&] { return p.vector_count(0, kV) > before; }, 2000),
              "no interrupt on vCPU 0 after a drain with SUBMIT_FLAG_INTERRUPT");
  } else {
    ctx.skip_req("HMX-ASYNC-026", "VECTOR is not offered");
  }
  forget(ctx);
  if (vec) (void)ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET);
  if (ev) (void)ctx.call(HMX_OP_SET_EVENT_PAGE, 0);
}

// covers: HMX-ASYNC-037 HMX-ASYNC-039 HMX-ASYNC-040 HMX-ASYNC-041
HMX_GUEST_TEST(async_need_wakeup, "HMX-ASYNC-037 HMX-ASYNC-039 HMX-ASYNC-040 HMX-ASYNC-041") {
  if (!offered(ctx)) return;
  const bool vec = ctx.has_feature(HMX_FEATURE_VECTOR);
  platform& p = ctx.plat();
  const uint8_t kV = ctx.vector(0x58);
  queue q;
  if (!ctx.check(q.make(ctx, 64), "queue pages")) return;
  if (vec) ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kV), 0, "set_vector(0, %#x)", kV);
  forget(ctx);
  q.header->flags = 0;  // what the guest left there: registration writes the word
  ctx.expect_rc(set_queue(ctx, q, vec ? HMX_SUBMIT_FLAG_INTERRUPT : 0), 0, "set_submit_queue of 64 entries");

  // Set: no worker drains without a submit (a worker that polls at registration clears it, and
  // must then drain, below).
  ctx.req("HMX-ASYNC-037");
  settle(ctx, q);
  uint32_t producer = 4;
  const bool asks = q.publish_polled(producer);
  ctx.check(asks, "SUBMIT_QUEUE_NEED_WAKEUP cleared without a submit on an idle queue");
  pause_ms(ctx, 20);
  if (q.need_wakeup())
    ctx.expect_eq(q.consumer(), 0, "entries drained without a submit while SUBMIT_QUEUE_NEED_WAKEUP was set");
  // The vector that submit injects (SUBMIT_FLAG_INTERRUPT) arrives asynchronously: wait for it, so
  // that it is not counted against the worker's drains below.
  const auto submit_and_wait_irq = [&](int64_t want) {
    p.poll();
    const uint32_t base = vec ? p.vector_count(0, kV) : 0;
    const int64_t r = submit(ctx);
    if (want >= 0) ctx.expect_rc(r, want, "the submit NEED_WAKEUP asked for");
    if (vec && r > 0) (void)ctx.wait_until([&] { return p.vector_count(0, kV) > base; }, 2000);
  };
  submit_and_wait_irq(4);

  // Clear: a worker polls (woken by that submit, if the hypervisor has one).
  ctx.req("HMX-ASYNC-039 HMX-ASYNC-040 HMX-ASYNC-041");
  if (!ctx.wait_until([&] { return !q.need_wakeup(); }, 500)) {
    ctx.skip_req("HMX-ASYNC-039 HMX-ASYNC-040 HMX-ASYNC-041",
                 "no worker polls the queue on this hypervisor (hmx-kvm: domain option sqpoll=)");
    forget(ctx);
    if (vec) (void)ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET);
    return;
  }
  bool tested = false;
  for (int round = 0; round < 4 && !tested; ++round) {
    if (!ctx.wait_until([&] { return !q.need_wakeup(); }, 500)) break;
    p.poll();
    const uint32_t irqs = vec ? p.vector_count(0, kV) : 0;
    producer += 8;
    if (q.publish_polled(producer)) {  // the worker went to sleep meanwhile: submit, as a guest must
      submit_and_wait_irq(-1);
      continue;
    }
    tested = true;
    ctx.req("HMX-ASYNC-039 HMX-ASYNC-041");
    ctx.check(ctx.wait_until([&] { return q.consumer() == producer; }, 2000),
              "entries published with SUBMIT_QUEUE_NEED_WAKEUP clear not drained within 2 s (consumer %u, producer %u)",
              q.consumer(), producer);
    ctx.expect_rc(q.at(producer - 1).result, 0, "the last null entry the worker ran");
    ctx.req("HMX-ASYNC-040");
    if (vec) {
      pause_ms(ctx, 20);
      ctx.expect_eq(p.vector_count(0, kV), irqs, "interrupts for the worker's drains (SUBMIT_FLAG_INTERRUPT set)");
    } else {
      ctx.skip_req("HMX-ASYNC-040", "VECTOR is not offered");
    }
  }
  if (!tested) ctx.untestable("HMX-ASYNC-039 HMX-ASYNC-040 HMX-ASYNC-041", "the worker went to sleep before every publication");
  forget(ctx);
  if (vec) (void)ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET);
}
