/* SPDX-License-Identifier: Apache-2.0 */
// A per-domain worker that polls the domain's submission queue (spec submit-queue-polling,
// HMX-ASYNC-041; io_uring's SQPOLL with IORING_SQ_NEED_WAKEUP), opt-in with the domain option
// sqpoll=IDLE_US (domain_config.h).
//
// The worker starts asleep: the queue's header says SUBMIT_QUEUE_NEED_WAKEUP, so the guest calls
// submit, which drains in the exit and rings the worker's doorbell (wake(), from
// Notifier::submit_called). Awake, it clears the flag (Core::submit_poll_begin) and drains what
// the guest publishes (Core::submit_poll) without exits; after IDLE_US without work it sets the
// flag, drains what raced in (Core::submit_poll_end, HMX-ASYNC-038) and sleeps again. stop() (the
// domain's VM stopped, the service tears down) ends the thread promptly, leaving the flag set.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include <hmx/reference/core.h>

namespace hmx::kvm {

class submit_poller {
 public:
  submit_poller(ref::Core& core, ref::DomainId dom, std::chrono::microseconds idle);
  ~submit_poller();  // stop()
  submit_poller(const submit_poller&) = delete;
  submit_poller& operator=(const submit_poller&) = delete;

  // The doorbell: a submit call ran while the worker slept. Any thread; never blocks for long.
  void wake();
  // Ends the worker and joins it; the queue's NEED_WAKEUP stays set. Idempotent.
  void stop();

  // Entries the worker drained, the times it went to sleep and was woken.
  uint64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  uint64_t sleeps() const { return sleeps_.load(std::memory_order_relaxed); }
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  void run();
  void poll_until_idle();

  ref::Core& core_;
  const ref::DomainId dom_;
  const std::chrono::microseconds idle_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool doorbell_ = false;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> entries_{0}, sleeps_{0}, wakeups_{0};
  std::thread thread_;
};

}  // namespace hmx::kvm
