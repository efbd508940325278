/* SPDX-License-Identifier: MIT */
// What libhmx needs from the guest it runs in.
//
// libhmx never executes a privileged instruction and never assumes an address mapping itself
// (docs/ARCHITECTURE.md decision 7 and "Facts of the machines": guest workloads run at CPL3 and reach CPL0
// only through the guest runtime's interrupt gate). An environment supplies:
//
//   to_gpa(p)        guest-physical address of the byte at p, or hmx::invalid_gpa. Translation
//                    is per byte and may differ per page: libhmx splits buffers at page
//                    boundaries when consecutive pages are not physically contiguous.
//   alloc_pages(n)   n zeroed 4 KiB pages, guest-physically contiguous, from a caller-provided
//                    static arena (no heap), or nullptr. Call blocks and argument structs live
//                    there, so their GPAs are known.
//
// and, per architecture and conduit, the privileged primitives:
//
//   x86:      cpuid(leaf, subleaf), rdmsr(index), wrmsr(index, value), vendor()
//             vmcall(nr, rdi) / vmmcall(nr, rdi) -> RAX           (hypercall conduits)
//             xen_hypercall(entry, cmd, a1, a2, a3, a4) -> RAX    (Xen conduit)
//   aarch64:  smccc(regs&) (hvc #0, X0..X7 in/out)                 (SMCCC conduit and probe)
//
// hmx::env::identity_cpl0 implements all of them with inline assembly for code that runs in
// kernel mode on an identity map; hmx::env::host (env/host.h) fakes them for host tests.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/cpuid.h>

namespace hmx {

inline constexpr uint64_t invalid_gpa = ~static_cast<uint64_t>(0);

// SMCCC argument/result registers X0..X7 (SMCCC v1.1: arguments X1..X7, results X0..X3).
struct smccc_regs {
  uint64_t x[8] = {};
};

// HMX-LIB-010: what a freestanding guest supplies instead of a hosted library: the translation
// of its own addresses to guest-physical ones, and zeroed pages from a static arena (no heap).
// The pages hold rings, event pages and call blocks, so the environment maps them normal
// write-back cacheable (HMX-LIB-032): the hypervisor's acquire/release pairs order nothing on
// uncached or write-combining mappings.
template <class E>
concept Environment = requires(E& e, const void* p, size_t n) {
  { e.to_gpa(p) } -> std::same_as<uint64_t>;
  { e.alloc_pages(n) } -> std::same_as<void*>;
};

template <class E>
concept X86Environment = Environment<E> && requires(E& e, uint32_t i, uint64_t v) {
  { e.cpuid(i, i) } -> std::same_as<cpuid_regs>;
  { e.rdmsr(i) } -> std::same_as<uint64_t>;
  { e.wrmsr(i, v) } -> std::same_as<void>;
  { e.vendor() } -> std::same_as<cpu_vendor>;
};

template <class E>
concept VmcallEnvironment = Environment<E> && requires(E& e, uint64_t a) {
  { e.vmcall(a, a) } -> std::same_as<int64_t>;
};

template <class E>
concept VmmcallEnvironment = Environment<E> && requires(E& e, uint64_t a) {
  { e.vmmcall(a, a) } -> std::same_as<int64_t>;
};

template <class E>
concept XenEnvironment = Environment<E> && requires(E& e, const void* entry, uint64_t a) {
  { e.xen_hypercall(entry, a, a, a, a, a) } -> std::same_as<int64_t>;
};

template <class E>
concept SmcccEnvironment = Environment<E> && requires(E& e, smccc_regs& r) {
  { e.smccc(r) } -> std::same_as<void>;
};

// Bump allocator of whole pages over a caller-provided static arena. Pages are never returned:
// a guest sets up its rings and scratch pages once. Safe to call from several threads.
class page_arena {
 public:
  constexpr page_arena() noexcept = default;
  // Uses the page-aligned part of [base, base + bytes).
  page_arena(void* base, size_t bytes) noexcept { reset(base, bytes); }

  void reset(void* base, size_t bytes) noexcept {
    const uintptr_t b = reinterpret_cast<uintptr_t>(base);
    const uintptr_t first = (b + page_size - 1) & ~static_cast<uintptr_t>(page_size - 1);
    base_ = reinterpret_cast<unsigned char*>(first);
    pages_ = (base == nullptr || first - b > bytes) ? 0 : (bytes - (first - b)) / page_size;
    next_ = 0;
  }

  // n zeroed pages, or nullptr when n is 0 or the arena is exhausted.
  [[nodiscard]] void* alloc_pages(size_t n) noexcept {
    if (n == 0) return nullptr;
    size_t cur = __atomic_load_n(&next_, __ATOMIC_RELAXED);
    do {
      if (n > pages_ - cur) return nullptr;
    } while (!__atomic_compare_exchange_n(&next_, &cur, cur + n, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    unsigned char* p = base_ + cur * page_size;
    for (size_t i = 0; i < n * page_size; ++i) p[i] = 0;
    return p;
  }

  [[nodiscard]] size_t pages_left() const noexcept {
    return pages_ - __atomic_load_n(&next_, __ATOMIC_RELAXED);
  }
  [[nodiscard]] size_t pages_total() const noexcept { return pages_; }
  [[nodiscard]] unsigned char* base() const noexcept { return base_; }

 private:
  unsigned char* base_ = nullptr;
  size_t pages_ = 0;
  size_t next_ = 0;
};

// A static arena of N pages for a guest image: `static hmx::static_arena<16> arena;`.
template <size_t Pages>
struct static_arena {
  alignas(4096) unsigned char bytes[Pages * 4096];
  [[nodiscard]] static constexpr size_t size() noexcept { return Pages * 4096; }
};

}  // namespace hmx
