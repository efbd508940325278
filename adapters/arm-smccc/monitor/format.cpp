// SPDX-License-Identifier: Apache-2.0
// vformat: %d %i %u %x %X %p %s %c %%, flags '0' '-' '#', width, length l ll z.
#include "arch.h"
#include "console.h"

namespace hmx::arm {

namespace {
struct sink {
  char* buf;
  size_t size;
  size_t len = 0;
  void put(char c) {
    if (len + 1 < size) buf[len] = c;
    ++len;
  }
};

void number(sink& out, uint64_t v, unsigned base, bool upper, bool negative, unsigned width, bool zero, bool left) {
  char digits[24];
  unsigned n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[v % base];
    v /= base;
  } while (v != 0);
  unsigned total = n + (negative ? 1 : 0);
  if (!left && !zero)
    for (; total < width; ++total) out.put(' ');
  if (negative) out.put('-');
  if (!left && zero)
    for (; total < width; ++total) out.put('0');
  while (n > 0) out.put(digits[--n]);
  if (left)
    for (; total < width; ++total) out.put(' ');
}
}  // namespace

size_t vformat(char* buf, size_t size, const char* f, va_list args) {
  sink out{buf, size};
  for (; *f != '\0'; ++f) {
    if (*f != '%') {
      out.put(*f);
      continue;
    }
    ++f;
    bool zero = false, left = false, alt = false;
    for (;; ++f) {
      if (*f == '0') zero = true;
      else if (*f == '-') left = true;
      else if (*f == '#') alt = true;
      else break;
    }
    unsigned width = 0;
    while (*f >= '0' && *f <= '9') width = width * 10 + unsigned(*f++ - '0');
    unsigned longs = 0;
    while (*f == 'l' || *f == 'z') {
      longs += *f == 'z' ? 2 : 1;
      ++f;
    }
    switch (*f) {
      case 'd':
      case 'i': {
        const int64_t v = longs ? va_arg(args, long long) : va_arg(args, int);
        number(out, v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v), 10, false, v < 0, width, zero, left);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        const uint64_t v = longs ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
        if (alt && *f != 'u') {
          out.put('0');
          out.put('x');
        }
        number(out, v, *f == 'u' ? 10 : 16, *f == 'X', false, width, zero, left);
        break;
      }
      case 'p':
        out.put('0');
        out.put('x');
        number(out, reinterpret_cast<uintptr_t>(va_arg(args, void*)), 16, false, false, width, true, false);
        break;
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr) s = "(null)";
        const size_t n = strlen(s);
        if (!left)
          for (size_t i = n; i < width; ++i) out.put(' ');
        for (size_t i = 0; i < n; ++i) out.put(s[i]);
        if (left)
          for (size_t i = n; i < width; ++i) out.put(' ');
        break;
      }
      case 'c':
        out.put(char(va_arg(args, int)));
        break;
      case '%':
        out.put('%');
        break;
      case '\0':
        --f;
        break;
      default:
        out.put('%');
        out.put(*f);
        break;
    }
  }
  if (size > 0) buf[out.len < size ? out.len : size - 1] = '\0';
  return out.len;
}

size_t format(char* buf, size_t size, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const size_t n = vformat(buf, size, fmt, args);
  va_end(args);
  return n;
}

}  // namespace hmx::arm
