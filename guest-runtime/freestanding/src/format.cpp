// SPDX-License-Identifier: MIT
// The shared freestanding formatter (hmx_freestanding/format.h).
#include <hmx_freestanding/format.h>
#include <stdint.h>

extern "C" size_t strlen(const char* s);

namespace hmx::freestanding {

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

void emit_number(sink& out, uint64_t value, unsigned base, bool upper, bool negative, unsigned width,
                 bool zero_pad, bool left) {
  char digits[24];
  unsigned n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[value % base];
    value /= base;
  } while (value != 0);
  unsigned total = n + (negative ? 1 : 0);
  if (!left && !zero_pad)
    for (; total < width; ++total) out.put(' ');
  if (negative) out.put('-');
  if (!left && zero_pad)
    for (; total < width; ++total) out.put('0');
  while (n > 0) out.put(digits[--n]);
  if (left)
    for (; total < width; ++total) out.put(' ');
}

}  // namespace

size_t vsnprintf(char* buf, size_t size, const char* f, va_list args) {
  sink out{buf, size};
  for (; *f != '\0'; ++f) {
    if (*f != '%') {
      out.put(*f);
      continue;
    }
    ++f;
    bool zero_pad = false, left = false, alt = false;
    for (;; ++f) {
      if (*f == '0') zero_pad = true;
      else if (*f == '-') left = true;
      else if (*f == '#') alt = true;
      else break;
    }
    unsigned width = 0;
    while (*f >= '0' && *f <= '9') width = width * 10 + unsigned(*f++ - '0');
    unsigned longs = 0;
    while (*f == 'l' || *f == 'z') {
      longs += (*f == 'z') ? 2 : 1;
      ++f;
    }
    switch (*f) {
      case 'd':
      case 'i': {
        int64_t v = longs ? va_arg(args, long long) : va_arg(args, int);
        uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
        emit_number(out, mag, 10, false, v < 0, width, zero_pad, left);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = longs ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
        if (alt && *f != 'u') {
          out.put('0');
          out.put('x');
        }
        emit_number(out, v, *f == 'u' ? 10 : 16, *f == 'X', false, width, zero_pad, left);
        break;
      }
      case 'p':
        out.put('0');
        out.put('x');
        emit_number(out, reinterpret_cast<uintptr_t>(va_arg(args, void*)), 16, false, false, width, true, false);
        break;
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr) s = "(null)";
        size_t n = strlen(s);
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
        --f;  // dangling '%' at the end
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

size_t snprintf(char* buf, size_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  size_t n = vsnprintf(buf, size, format, args);
  va_end(args);
  return n;
}

}  // namespace hmx::freestanding
