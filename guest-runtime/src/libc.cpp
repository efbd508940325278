// SPDX-License-Identifier: MIT
// The few C library symbols that freestanding compiled code calls (GCC emits memcpy/memset/
// memmove/memcmp calls even with -ffreestanding), with x86 string instructions (which also keep
// the compiler from turning these loops back into calls to themselves). The C++ ABI stubs are the
// shared ones (guest-runtime/freestanding/src/cxx_abi.cpp).
#include "hmx_guest/runtime.h"

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  asm volatile("cld; rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto d = static_cast<unsigned char*>(dst);
  auto s = static_cast<const unsigned char*>(src);
  if (d <= s || d >= s + n) return memcpy(dst, src, n);
  // Overlapping with dst above src: copy backwards.
  const unsigned char* s_end = s + n - 1;
  unsigned char* d_end = d + n - 1;
  asm volatile("std; rep movsb; cld" : "+D"(d_end), "+S"(s_end), "+c"(n) : : "memory");
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  asm volatile("cld; rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) int memcmp(const void* a, const void* b, size_t n) {
  auto x = static_cast<const unsigned char*>(a);
  auto y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

__attribute__((optimize("no-tree-loop-distribute-patterns"))) size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

}  // extern "C"
