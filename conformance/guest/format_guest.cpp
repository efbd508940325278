// SPDX-License-Identifier: Apache-2.0
// conformance::format for guest images: the guest runtime's vsnprintf (guest-runtime/).
#include <hmx_guest/runtime.h>

#include "conformance/format.h"

namespace conformance {

size_t vformat(char* buf, size_t size, const char* fmt, va_list ap) noexcept {
  return hmx_guest::vsnprintf(buf, size, fmt, ap);
}

size_t format(char* buf, size_t size, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  const size_t n = vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace conformance
