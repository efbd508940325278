// SPDX-License-Identifier: MIT
// The C functions compilers and libhmx expect of a freestanding image (GCC emits memcpy/memset/
// memmove/memcmp calls even with -ffreestanding), in portable C++: plain byte and aligned word
// loops, so they are correct where unaligned accesses fault (aarch64 images are built with
// -mgeneral-regs-only -mstrict-align and run with the MMU off at entry). The x86-64 runtime has
// its own string instructions (guest-runtime/src/libc.cpp). "no-tree-loop-distribute-patterns"
// keeps GCC from turning these loops back into calls to themselves.
#include <stddef.h>
#include <stdint.h>

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

__attribute__((optimize("no-tree-loop-distribute-patterns"))) size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void* memchr(const void* s, int c, size_t n) {
  const auto* p = static_cast<const unsigned char*>(s);
  for (size_t i = 0; i < n; ++i)
    if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
  return nullptr;
}

}  // extern "C"
