// SPDX-License-Identifier: Apache-2.0
// Physical PL011 output (Arm PL011 TRM, DDI 0183: UARTDR 0x00, UARTFR 0x18, TXFF bit 5).
#include "console.h"

#include "arch.h"
#include "platform.h"

namespace hmx::arm {

namespace {
spinlock g_lock;

void put_raw(char c) {
  while (mmio_read32(kUartBase + 0x18) & (1u << 5)) cpu_relax();
  mmio_write32(kUartBase, static_cast<uint8_t>(c));
}

void put_text(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    // Only printable ASCII reaches the host's log: a guest cannot forge control sequences.
    const char c = s[i];
    put_raw((c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?');
  }
}
}  // namespace

void console_line(const char* prefix, const char* text, size_t len) {
  lock_guard l(g_lock);
  put_raw('[');
  put_text(prefix, strlen(prefix));
  put_raw(']');
  put_raw(' ');
  put_text(text, len);
  put_raw('\n');
}

void console_printf(const char* prefix, const char* fmt, ...) {
  char buf[768];
  va_list args;
  va_start(args, fmt);
  size_t n = vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  if (n >= sizeof buf) n = sizeof buf - 1;
  size_t start = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i == n || buf[i] == '\n') {
      if (i > start || i < n) console_line(prefix, buf + start, i - start);
      start = i + 1;
    }
  }
}

void console_emergency(const char* text) {
  for (; *text != '\0'; ++text) put_raw(*text);
}

}  // namespace hmx::arm
