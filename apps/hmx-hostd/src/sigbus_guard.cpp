// SPDX-License-Identifier: Apache-2.0
#include "sigbus_guard.h"

#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>

namespace hmx::hostd {

namespace {

// Read by the handler with atomics only (no lock, no allocation). A slot is live while its base
// is non-zero; its size and revoked flag are set before its base is published.
struct guarded_range {
  std::atomic<bool> claimed{false};
  std::atomic<std::uintptr_t> base{0};
  std::atomic<std::size_t> size{0};
  std::atomic<bool> revoked{false};
};
constexpr std::size_t kSlots = 64;  // guest mappings at once: one per UML guest
guarded_range g_ranges[kSlots];
struct sigaction g_previous {};

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (guarded_range& r : g_ranges) {
    const std::uintptr_t base = r.base.load(std::memory_order_acquire);
    if (base == 0 || addr < base || addr - base >= r.size.load(std::memory_order_relaxed)) continue;
    // The first fault replaces the mapping; a fault of another thread meanwhile returns and
    // retries until the replacement is in place.
    if (!r.revoked.exchange(true))
      (void)mmap(reinterpret_cast<void*>(base), r.size.load(), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    return;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Not a guest mapping: the fault repeats on return and takes the default action.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGBUS, &dfl, nullptr);
}

void install_handler() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ok = sigaction(SIGBUS, &sa, &g_previous) == 0;
  });
  if (!ok) throw std::runtime_error("cannot install the SIGBUS handler");
}

}  // namespace

sigbus_guard::sigbus_guard(void* base, std::size_t size) : slot_(kSlots) {
  install_handler();
  for (std::size_t i = 0; i < kSlots; ++i) {
    if (g_ranges[i].claimed.exchange(true)) continue;
    g_ranges[i].size.store(size, std::memory_order_relaxed);
    g_ranges[i].revoked.store(false, std::memory_order_relaxed);
    g_ranges[i].base.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
    slot_ = i;
    return;
  }
  throw std::runtime_error("too many guarded guest mappings");
}

sigbus_guard::~sigbus_guard() {
  guarded_range& r = g_ranges[slot_];
  r.base.store(0, std::memory_order_release);
  r.size.store(0, std::memory_order_relaxed);
  r.claimed.store(false, std::memory_order_release);
}

bool sigbus_guard::revoked() const { return g_ranges[slot_].revoked.load(std::memory_order_acquire); }

}  // namespace hmx::hostd
