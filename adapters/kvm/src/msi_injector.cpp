// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/msi_injector.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "hmx/kvm/error.h"

namespace hmx::kvm {

msi_injector::msi_injector(kvm_vm& vm, unsigned vcpus, interrupt_injection how) : vm_(vm), how_(how) {
  fds_.reserve(vcpus);
  for (unsigned i = 0; i < vcpus; ++i) {
    auto row = std::make_unique<std::array<std::atomic<int>, 256>>();
    for (auto& fd : *row) fd.store(kNone, std::memory_order_relaxed);
    fds_.push_back(std::move(row));
  }
  if (how_ == interrupt_injection::irqfd) routes_ = kvm_vm::default_irqchip_routes();
  if (how_ == interrupt_injection::thread) {
    for (unsigned i = 0; i < vcpus; ++i) {
      auto bits = std::make_unique<std::array<std::atomic<uint64_t>, 4>>();
      for (auto& w : *bits) w.store(0, std::memory_order_relaxed);
      pending_.push_back(std::move(bits));
    }
    worker_ = std::thread([this] { worker_main(); });
  }
}

msi_injector::~msi_injector() {
  if (!worker_.joinable()) return;
  stop_.store(true, std::memory_order_seq_cst);
  work_.fetch_add(1, std::memory_order_seq_cst);
  work_.notify_one();
  worker_.join();
}

bool msi_injector::post(unsigned vcpu, uint8_t vector) {
  const uint64_t bit = uint64_t{1} << (vector % 64);
  // Already pending: the thread has not delivered it yet, and will (one edge interrupt).
  if (((*pending_[vcpu])[vector / 64].fetch_or(bit, std::memory_order_seq_cst) & bit) != 0) return true;
  // The thread stores sleeping_ then reads work_; we bump work_ then read sleeping_: one of us sees
  // the other (seq_cst), so a posted bit never waits for a thread that went to sleep past it.
  work_.fetch_add(1, std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst)) {
    thread_wakes_.fetch_add(1, std::memory_order_relaxed);
    work_.notify_one();
  }
  return true;
}

void msi_injector::worker_main() {
  while (!stop_.load(std::memory_order_acquire)) {
    const uint32_t seen = work_.load(std::memory_order_seq_cst);
    bool found = false;
    for (unsigned vcpu = 0; vcpu < pending_.size(); ++vcpu) {
      for (unsigned w = 0; w < 4; ++w) {
        uint64_t bits = (*pending_[vcpu])[w].exchange(0, std::memory_order_seq_cst);
        while (bits != 0) {
          found = true;
          const unsigned b = unsigned(__builtin_ctzll(bits));
          bits &= bits - 1;
          try {
            (void)vm_.signal_msi(vcpu, uint8_t(w * 64 + b));
            thread_injections_.fetch_add(1, std::memory_order_relaxed);
          } catch (const kvm_error&) {
            // The VM is going away: nothing to deliver to.
          }
        }
      }
    }
    if (found) continue;
    sleeping_.store(true, std::memory_order_seq_cst);
    if (work_.load(std::memory_order_seq_cst) == seen && !stop_.load(std::memory_order_acquire)) work_.wait(seen);
    sleeping_.store(false, std::memory_order_seq_cst);
  }
}

int msi_injector::route(unsigned vcpu, uint8_t vector) {
  std::lock_guard lock(mu_);
  std::atomic<int>& slot = (*fds_[vcpu])[vector];
  if (const int fd = slot.load(std::memory_order_acquire); fd != kNone) return fd;
  if (next_gsi_ >= kFirstGsi + kMaxRoutes) {
    route_failures_.fetch_add(1, std::memory_order_relaxed);
    slot.store(kFailed, std::memory_order_release);
    return kFailed;
  }
  unique_fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!efd) {
    route_failures_.fetch_add(1, std::memory_order_relaxed);
    return kFailed;  // not remembered: a later injection tries again
  }
  const uint32_t gsi = next_gsi_;
  routes_.push_back(kvm_vm::msi_route(gsi, vcpu, vector));
  try {
    vm_.set_gsi_routing(routes_);
    vm_.assign_irqfd(efd.get(), gsi);
  } catch (const kvm_error&) {
    routes_.pop_back();
    route_failures_.fetch_add(1, std::memory_order_relaxed);
    slot.store(kFailed, std::memory_order_release);
    return kFailed;
  }
  ++next_gsi_;
  const int fd = efd.get();
  eventfds_.push_back(std::move(efd));
  slot.store(fd, std::memory_order_release);
  return fd;
}

bool msi_injector::inject(unsigned vcpu, uint8_t vector) {
  if (vcpu >= fds_.size()) return false;
  if (how_ == interrupt_injection::thread) return post(vcpu, vector);
  if (how_ == interrupt_injection::irqfd) {
    int fd = (*fds_[vcpu])[vector].load(std::memory_order_acquire);
    if (fd == kNone) fd = route(vcpu, vector);
    if (fd >= 0) {
      // An eventfd counter only saturates after 2^64 - 2 unread writes; KVM reads it at once.
      const uint64_t one = 1;
      irqfd_injections_.fetch_add(1, std::memory_order_relaxed);
      return ::write(fd, &one, sizeof one) == ssize_t(sizeof one);
    }
  }
  return vm_.signal_msi(vcpu, vector);
}

}  // namespace hmx::kvm
