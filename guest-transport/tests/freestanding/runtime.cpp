// SPDX-License-Identifier: Apache-2.0
// What a freestanding guest runtime supplies to compiled C++: memcpy, memmove, memset, and an
// entry point. Byte loops, built with -fno-tree-loop-distribute-patterns so that the compiler
// does not turn them back into calls to themselves.
#include <cstddef>

extern "C" void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

extern "C" void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s)
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
  else
    for (size_t i = n; i != 0; --i) d[i - 1] = s[i - 1];
  return dst;
}

extern "C" void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dst;
}

extern "C" int vta_guest_main();
extern "C" [[noreturn]] void vta_guest_entry() {
  (void)vta_guest_main();
  for (;;) {
  }
}
