// SPDX-License-Identifier: MIT
// The formatter every freestanding HMX image shares (the x86-64 and aarch64 guest runtimes and
// the Arm EL2 monitor): %d %i %u %x %X %p %s %c %%, flags '0' '-' '#', width, length l ll z.
// Output is truncated to size - 1 characters and always terminated when size > 0; the return
// value is the length the whole output would have had, as C's snprintf returns.
#pragma once
#include <stdarg.h>
#include <stddef.h>

namespace hmx::freestanding {

size_t vsnprintf(char* buf, size_t size, const char* format, va_list args);
size_t snprintf(char* buf, size_t size, const char* format, ...) __attribute__((format(printf, 3, 4)));

}  // namespace hmx::freestanding
