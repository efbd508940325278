// SPDX-License-Identifier: Apache-2.0
// conformance::format for the in-process build: the C library's vsnprintf.
#include <cstdio>

#include "conformance/format.h"

namespace conformance {

size_t vformat(char* buf, size_t size, const char* fmt, va_list ap) noexcept {
  const int n = std::vsnprintf(buf, size, fmt, ap);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

size_t format(char* buf, size_t size, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  const size_t n = vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace conformance
