/* SPDX-License-Identifier: MIT */
// The driver's side of the shared-memory baseline in a VM (baseline/mailbox.h): the operations of
// argo_transport, so blk_driver and the workloads run unchanged on it, carried by two MSRs and an
// interrupt vector instead of HMX messages. The device reads the queues from guest memory
// itself, so the ring-layout features are the device's to offer (unlike virtio-argo,
// HMX-VTA-076 HMX-VTA-077). Freestanding; not thread-safe.
//
// Env: wrmsr(index, value) and to_gpa(p) (hmx_guest::hmx_env). Waiter: hmx_channel's
// channel_waiter (prepare / sleep / now_ns), woken by the completion vector.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/baseline/mailbox.h"
#include "hmx/virtio_argo/driver/queue_proxy.h"
#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/result.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo::baseline {

template <class Env, class Waiter, uint16_t MaxQueues = 8>
class mailbox_transport {
 public:
  // `block` is a mailbox_block in guest memory (16-byte aligned); msr_base from the command line.
  // poll_ns: before sleeping, watch the used rings this long (as hmx_channel_options::poll_ns
  // does for virtio-argo, so both transports wait the same way).
  mailbox_transport(Env& env, Waiter& waiter, mailbox_block* block, uint32_t msr_base, uint64_t poll_ns = 0)
      : env_(&env), w_(&waiter), mb_(block), base_(msr_base), poll_ns_(poll_ns) {}

  result get_features(uint64_t& f) {
    const result r = call(MBOX_GET_FEATURES);
    f = mb_->arg[0];
    return r;
  }
  result set_features(uint64_t f) {
    driver_features_ = f;
    return call(MBOX_SET_FEATURES, f);
  }
  result get_status(uint8_t& s) {
    const result r = call(MBOX_GET_STATUS);
    s = static_cast<uint8_t>(mb_->arg[0]);
    return r;
  }
  result set_status(uint8_t s) { return s == 0 ? result::invalid : call(MBOX_SET_STATUS, s); }
  result reset() {
    for (auto& q : queues_) q = nullptr;
    driver_features_ = 0;
    return call(MBOX_RESET);
  }
  result read_config(uint32_t offset, void* buf, uint32_t len, uint32_t* generation = nullptr) {
    if (len > kMaxConfigRead) return result::invalid;
    if (generation != nullptr) *generation = 0;
    return call(MBOX_READ_CONFIG, offset, len, env_->to_gpa(buf));
  }
  result write_config(uint32_t, const void*, uint32_t, const uint32_t* = nullptr) { return result::not_supported; }
  result setup_queue(split_virtqueue& vq, inflight_slot* /*unused: no transport state per request*/) {
    if (vq.index() >= MaxQueues) return result::invalid;
    vq.negotiate((driver_features_ & virtio::bit(virtio::F_INDIRECT_DESC)) != 0,
                 (driver_features_ & virtio::bit(virtio::F_EVENT_IDX)) != 0);
    const split_ring& r = vq.ring();
    const result res = call(MBOX_SET_QUEUE, vq.index(), vq.size(), env_->to_gpa(r.desc), env_->to_gpa(r.avail),
                            env_->to_gpa(r.used));
    if (res == result::ok) {
      queues_[vq.index()] = &vq;
      seen_used_[vq.index()] = r.used_idx();
    }
    return res;
  }
  result reset_queue(uint16_t q) {
    if (q < MaxQueues) queues_[q] = nullptr;
    return call(MBOX_RESET_QUEUE, q);
  }
  // Available-buffer notification: one exit (virtio 1.2 2.7.13).
  result notify(uint16_t q) {
    ++doorbells_;
    env_->wrmsr(base_ + kMsrDoorbell, q);
    return result::ok;
  }
  result poll() { return result::ok; }
  // Sleeps until the device published used elements since the last wait (its vector) or the
  // time-out. The used indices are checked after prepare(): a completion in between is seen.
  result wait(uint64_t timeout_ns) {
    const uint64_t start = w_->now_ns();
    const uint64_t deadline = start + timeout_ns;
    if (poll_ns_ != 0) {
      // While the driver looks at the rings itself, it asks for no interrupt (virtio 1.2
      // 2.7.7: AVAIL_F_NO_INTERRUPT / used_event), as a polling Linux driver does; re-armed below
      // before it sleeps.
      for (auto* q : queues_)
        if (q != nullptr) q->disable_cb();
      const uint64_t until = timeout_ns > poll_ns_ ? start + poll_ns_ : deadline;
      bool found = false;
      do {
        found = moved();
        if (found) break;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } while (w_->now_ns() < until);
      bool pending = false;
      for (auto* q : queues_)
        if (q != nullptr && q->enable_cb()) pending = true;
      if (found || pending) {
        (void)moved();
        return result::ok;
      }
    }
    const uint64_t token = w_->prepare();
    if (moved()) return result::ok;
    w_->sleep(token, deadline);
    (void)moved();
    return result::ok;
  }
  bool broken() const { return false; }
  uint64_t doorbells() const { return doorbells_; }
  uint64_t calls() const { return calls_; }

 private:
  bool moved() {
    bool any = false;
    for (uint16_t q = 0; q < MaxQueues; ++q) {
      if (queues_[q] == nullptr) continue;
      const uint16_t u = queues_[q]->ring().used_idx();
      if (u != seen_used_[q]) any = true;
      seen_used_[q] = u;
    }
    return any;
  }

  result call(uint32_t op, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
    mb_->op = op;
    mb_->result = -38;  // ENOSYS until the monitor writes it
    mb_->arg[0] = a0;
    mb_->arg[1] = a1;
    mb_->arg[2] = a2;
    mb_->arg[3] = a3;
    mb_->arg[4] = a4;
    ++calls_;
    env_->wrmsr(base_ + kMsrMailbox, env_->to_gpa(mb_));
    return static_cast<result>(__atomic_load_n(&mb_->result, __ATOMIC_ACQUIRE));
  }

  Env* env_;
  Waiter* w_;
  mailbox_block* mb_;
  uint32_t base_;
  uint64_t poll_ns_;
  uint64_t driver_features_ = 0;
  split_virtqueue* queues_[MaxQueues] = {};
  uint16_t seen_used_[MaxQueues] = {};
  uint64_t doorbells_ = 0;
  uint64_t calls_ = 0;
};

}  // namespace hmx::virtio_argo::baseline
