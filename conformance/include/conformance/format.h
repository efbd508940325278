/* SPDX-License-Identifier: Apache-2.0 */
// printf-style formatting for the shared code: the guest runtime's vsnprintf in guest images
// (guest/format_guest.cpp), the C library's in the host build (hosted/format_hosted.cpp). Only
// the conversions both support: %d %i %u %x %X %p %s %c %% with l/ll/z and width/'0'/'-'/'#'.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace conformance {

size_t vformat(char* buf, size_t size, const char* fmt, va_list ap) noexcept;
size_t format(char* buf, size_t size, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));

}  // namespace conformance
