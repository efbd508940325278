/* SPDX-License-Identifier: Apache-2.0 */
// Byte copies that tolerate a concurrently writing guest (internal).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
#define HMX_REF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HMX_REF_TSAN 1
#endif
#endif

namespace hmx::ref::detail {

// Guest memory is shared with a guest that may rewrite it at any moment. Hypervisors copy such
// memory with plain memcpy-like loops and never re-read a value (we copy what is there). memmove,
// not memcpy: a hostile self-send may name an iov that overlaps its own ring. Under
// ThreadSanitizer the copy uses relaxed atomics, so the deliberately racing tests (a guest thread
// rewriting a call block, a batch list or a payload while the core reads it) are not reported as
// data races in our own code while real races elsewhere still are.
inline void racy_copy(std::byte* dst, const std::byte* src, size_t n) noexcept {
#if defined(HMX_REF_TSAN)
  if (dst == src || n == 0) return;
  const bool backwards = dst > src && dst < src + n;
  const bool aligned = ((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src) |
                         n) & 7) == 0;
  if (aligned) {
    auto* d = reinterpret_cast<uint64_t*>(dst);
    auto* s = reinterpret_cast<const uint64_t*>(src);
    const size_t w = n / 8;
    for (size_t k = 0; k < w; ++k) {
      const size_t i = backwards ? w - 1 - k : k;
      __atomic_store_n(d + i, __atomic_load_n(s + i, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    }
    return;
  }
  for (size_t k = 0; k < n; ++k) {
    const size_t i = backwards ? n - 1 - k : k;
    auto* d = reinterpret_cast<unsigned char*>(dst) + i;
    auto* s = reinterpret_cast<const unsigned char*>(src) + i;
    __atomic_store_n(d, __atomic_load_n(s, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
  }
#else
  __builtin_memmove(dst, src, n);  // memmove: the one C function a freestanding build needs here
#endif
}

}  // namespace hmx::ref::detail
