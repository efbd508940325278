// SPDX-License-Identifier: MIT
// The few C library symbols that freestanding compiled code calls (GCC emits memcpy/memset/
// memmove/memcmp calls even with -ffreestanding), plus the C++ ABI stubs a static image needs.
// String instructions keep the compiler from turning these loops back into calls to themselves.
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

// C++ ABI: static objects are never destroyed (the VM ends with exit()), so registration of
// destructors is accepted and ignored.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void __cxa_pure_virtual() { hmx_guest::panic("pure virtual call"); }

}  // extern "C"

// No heap in the guest (docs/ARCHITECTURE.md decision 7). A deleting destructor still references these.
void operator delete(void*) noexcept { hmx_guest::panic("operator delete called"); }
void operator delete(void*, size_t) noexcept { hmx_guest::panic("operator delete called"); }
