// SPDX-License-Identifier: Apache-2.0
// The freestanding C functions the compiler expects. Plain word loops: the monitor is built with
// -mgeneral-regs-only -mstrict-align (its MMU is off until boot.cpp turns it on).
#include "console.h"
#include "monitor.h"

extern "C" {

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (((reinterpret_cast<uintptr_t>(d) | reinterpret_cast<uintptr_t>(s)) & 7) == 0) {
    for (; n >= 32; n -= 32, d += 32, s += 32) {
      const uint64_t* s8 = reinterpret_cast<const uint64_t*>(s);
      uint64_t* d8 = reinterpret_cast<uint64_t*>(d);
      const uint64_t a = s8[0], b = s8[1], c = s8[2], e = s8[3];
      d8[0] = a;
      d8[1] = b;
      d8[2] = c;
      d8[3] = e;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) *reinterpret_cast<uint64_t*>(d) = *reinterpret_cast<const uint64_t*>(s);
  }
  while (n-- > 0) *d++ = *s++;
  return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n-- > 0) d[n] = s[n];
  return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto b = static_cast<unsigned char>(c);
  if ((reinterpret_cast<uintptr_t>(d) & 7) == 0) {
    const uint64_t w = b * 0x0101010101010101ull;
    for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<uint64_t*>(d) = w;
  }
  while (n-- > 0) *d++ = b;
  return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memchr(const void* s, int c, size_t n) {
  const auto* p = static_cast<const unsigned char*>(s);
  for (size_t i = 0; i < n; ++i)
    if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
  return nullptr;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

// C++ ABI: static objects are never destroyed (the run ends with semihosting SYS_EXIT), so registration of
// destructors is accepted and ignored.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void __cxa_pure_virtual() { hmx::arm::fatal("pure virtual call"); }
}

// The monitor allocates nothing with new; the deleting destructors of classes with virtual
// destructors (the core's GuestMemory and Notifier) still name these.
void operator delete(void*) noexcept { hmx::arm::fatal("operator delete called"); }
void operator delete(void*, size_t) noexcept { hmx::arm::fatal("operator delete called"); }
