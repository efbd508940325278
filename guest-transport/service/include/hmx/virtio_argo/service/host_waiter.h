/* SPDX-License-Identifier: Apache-2.0 */
// How a domain hosted in this process sleeps: the reference core's Notifier::raise (the
// "interrupt" of a hosted domain, adapters/reference/include/hmx/reference/notifier.h) bumps a
// counter and wakes a condition variable. It satisfies hmx_channel's channel_waiter: prepare()
// takes the counter before the rings are checked, so a notification that lands between the check
// and sleep() is never lost. Hosted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include <hmx/reference/notifier.h>

namespace hmx::virtio_argo::service {

class host_waiter final : public ref::Notifier {
 public:
  // Called by the core (any thread, no ring lock held) and by wake().
  void raise(ref::DomainId, uint32_t, uint8_t) override { wake(); }
  void wake() {
    {
      std::lock_guard lock(mu_);
      ++generation_;
    }
    cv_.notify_all();
  }

  uint64_t now_ns() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
  uint64_t prepare() {
    std::lock_guard lock(mu_);
    return generation_;
  }
  void sleep(uint64_t token, uint64_t deadline_ns) {
    const auto deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns));
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return generation_ != token; });
  }
  uint64_t notifications() const {
    std::lock_guard lock(mu_);
    return generation_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
};

}  // namespace hmx::virtio_argo::service
