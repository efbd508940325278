// SPDX-License-Identifier: Apache-2.0
// What every freestanding guest runtime supplies to compiled C and C++, and all that the
// freestanding check (HmxFreestanding.cmake) links beside the code it checks: memcpy, memmove and
// memset, which the compiler may call for copies and zeroing. Plain byte loops, compiled with
// -fno-tree-loop-distribute-patterns so that they do not turn into calls to themselves.
#include <stddef.h>

extern "C" void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
  return dst;
}

extern "C" void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
  } else {
    for (size_t i = n; i != 0; --i) d[i - 1] = s[i - 1];
  }
  return dst;
}

extern "C" void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dst;
}
