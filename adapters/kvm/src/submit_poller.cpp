// SPDX-License-Identifier: Apache-2.0
// The per-domain submission queue worker (submit_poller.h; spec submit-queue-polling).
#include "hmx/kvm/submit_poller.h"

namespace hmx::kvm {

submit_poller::submit_poller(ref::Core& core, ref::DomainId dom, std::chrono::microseconds idle)
    : core_(core), dom_(dom), idle_(idle), thread_([this] { run(); }) {}

submit_poller::~submit_poller() { stop(); }

void submit_poller::wake() {
  {
    std::lock_guard lock(mu_);
    doorbell_ = true;
  }
  cv_.notify_one();
}

void submit_poller::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.store(true, std::memory_order_relaxed);
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void submit_poller::run() {
  for (;;) {
    {
      // Asleep with NEED_WAKEUP set until a submit call rings the doorbell.
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return doorbell_ || stopping_; });
      if (stopping_) return;
      doorbell_ = false;
    }
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    poll_until_idle();
  }
}

void submit_poller::poll_until_idle() {
  // Polling: NEED_WAKEUP clear, the guest publishes without exits (HMX-ASYNC-037, HMX-ASYNC-041).
  if (core_.submit_poll_begin(dom_) != 0) return;  // the domain is gone: sleep until stopped
  auto last_work = std::chrono::steady_clock::now();
  for (;;) {
    if (stop_.load(std::memory_order_relaxed)) break;
    // One drain, bounded like any (SUBMIT_DRAIN_ENTRIES, CALL_BYTE_BUDGET): a stop request is
    // seen between drains. Errors (no queue, a malformed producer) count as idle.
    const int64_t ran = core_.submit_poll(dom_);
    const auto now = std::chrono::steady_clock::now();
    if (ran > 0) {
      entries_.fetch_add(uint64_t(ran), std::memory_order_relaxed);
      last_work = now;
      continue;
    }
    if (now - last_work < idle_) {
      std::this_thread::yield();  // 2 vCPU threads and this one may share few host CPUs
      continue;
    }
    // Idle: set NEED_WAKEUP, re-read producer and drain what raced in (HMX-ASYNC-038); entries
    // found there mean the guest is still sending: poll on.
    const int64_t late = core_.submit_poll_end(dom_);
    if (late <= 0) {
      sleeps_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    entries_.fetch_add(uint64_t(late), std::memory_order_relaxed);
    if (core_.submit_poll_begin(dom_) != 0) return;
    last_work = std::chrono::steady_clock::now();
  }
  // Stopping: leave NEED_WAKEUP set and drain what is published (HMX-ASYNC-038).
  const int64_t late = core_.submit_poll_end(dom_);
  if (late > 0) entries_.fetch_add(uint64_t(late), std::memory_order_relaxed);
}

}  // namespace hmx::kvm
