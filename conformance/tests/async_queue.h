/* SPDX-License-Identifier: Apache-2.0 */
// A submission queue in test pages and the calls on it, shared by async.cpp and async_polling.cpp
// (spec 08a-submit-queue).
#pragma once

#include "util.h"

namespace async_test {

using namespace conformance;

inline constexpr int64_t kUnrun = 0x0badc0de;

// A queue of `n` entries in fresh test pages (header zeroed, every slot's result kUnrun).
struct queue {
  hmx_submit_queue_header_t* header = nullptr;
  hmx_call_block_t* slots = nullptr;
  uint32_t n = 0;

  bool make(context& ctx, uint32_t entries) {
    const size_t bytes = HMX_SUBMIT_HEADER_SIZE + size_t{entries} * sizeof(hmx_call_block_t);
    auto* p = static_cast<unsigned char*>(ctx.pages((bytes + 4095) / 4096));
    if (p == nullptr) return false;
    header = reinterpret_cast<hmx_submit_queue_header_t*>(p);
    slots = reinterpret_cast<hmx_call_block_t*>(p + HMX_SUBMIT_HEADER_SIZE);
    n = entries;
    for (uint32_t i = 0; i < entries; ++i) {
      slots[i] = hmx_call_block_t{};
      slots[i].op = HMX_OP_NULL;
      slots[i].result = kUnrun;
    }
    return true;
  }
  hmx_call_block_t& at(uint32_t seq) { return slots[seq & (n - 1)]; }
  // Publish entries up to `producer` with release order (HMX-ASYNC-031).
  void publish(uint32_t producer) { __atomic_store_n(&header->producer, producer, __ATOMIC_RELEASE); }
  // The guest library's publication with the NEED_WAKEUP protocol (HMX-ASYNC-042): producer
  // seq_cst, then flags seq_cst. Returns whether NEED_WAKEUP asks for a submit (HMX-ASYNC-043).
  bool publish_polled(uint32_t producer) {
    __atomic_store_n(&header->producer, producer, __ATOMIC_SEQ_CST);
    return need_wakeup();
  }
  uint32_t consumer() { return __atomic_load_n(&header->consumer, __ATOMIC_ACQUIRE); }
  bool need_wakeup() {
    const bool set = (__atomic_load_n(&header->flags, __ATOMIC_SEQ_CST) & HMX_SUBMIT_QUEUE_NEED_WAKEUP) != 0;
    worker |= !set;
    return set;
  }
  // A worker was seen polling this queue (NEED_WAKEUP clear): it may drain right after a submit.
  bool worker = false;
};

inline int64_t set_queue(context& ctx, queue& q, uint32_t flags = 0) {
  return ctx.call(HMX_OP_SET_SUBMIT_QUEUE, ctx.gpa(q.header), q.n, flags);
}
inline int64_t submit(context& ctx) { return ctx.call(HMX_OP_SUBMIT); }
inline void forget(context& ctx) { (void)ctx.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 0, 0); }

// Wait until no worker polls the queue (SUBMIT_QUEUE_NEED_WAKEUP set, spec submit-queue-polling),
// so that entries published next run only when a submit asks (the tests that count what one
// submit runs). A worker that just set the flag drains what raced in at once: a short pause after
// a wait lets that finish. Immediate on a hypervisor without workers (the flag is never clear).
inline bool settle(context& ctx, queue& q) {
  if (q.need_wakeup()) return true;
  const bool slept = ctx.wait_until([&] { return q.need_wakeup(); }, 5000);
  const uint64_t until = ctx.plat().now_us() + 2000;
  while (ctx.plat().now_us() < until) ctx.plat().relax();
  return ctx.check(slept, "a worker kept SUBMIT_QUEUE_NEED_WAKEUP clear on an idle queue for 5 s");
}

inline bool offered(context& ctx) {
  if (ctx.has_feature(HMX_FEATURE_SUBMIT_QUEUE)) return true;
  ctx.skip("feature SUBMIT_QUEUE is not offered");
  return false;
}

}  // namespace async_test
