// SPDX-License-Identifier: MIT
// Console on a PL011 (Arm PrimeCell UART PL011 TRM, DDI 0183) or an SBSA generic UART (its
// subset: 32-bit accesses to UARTDR and UARTFR). The runtime transmits only: it waits while
// UARTFR.TXFF says the FIFO is full, then writes UARTDR. Xen's vpl011 and the HMX monitor's
// emulated PL011 both implement that subset.
#include "internal.h"

namespace hmx_guest::detail {

namespace {
constexpr uintptr_t kDr = 0x00, kFr = 0x18;
constexpr uint32_t kFrTxFull = 1u << 5;

uintptr_t g_uart = HMX_A64_UART_BASE;
spinlock g_console_lock;

void put_raw(char c) {
  while (mmio_read32(g_uart + kFr) & kFrTxFull) cpu_relax();
  mmio_write32(g_uart + kDr, static_cast<uint8_t>(c));
}
}  // namespace

void console_init(uint64_t base) {
  if (base != 0) g_uart = static_cast<uintptr_t>(base);
}

void console_write(const char* s, size_t n, bool take_lock) {
  // The fatal-exception path prints without the lock: the fault may have hit while it was held.
  if (take_lock) g_console_lock.lock();
  for (size_t i = 0; i < n; ++i) put_raw(s[i]);
  if (take_lock) g_console_lock.unlock();
}

}  // namespace hmx_guest::detail

namespace hmx_guest {

void putc(char c) { detail::console_write(&c, 1, true); }

void print(const char* s) { detail::console_write(s, strlen(s), true); }

void vprintf(const char* format, va_list args) {
  char buf[512];
  va_list copy;
  va_copy(copy, args);
  const size_t n = vsnprintf(buf, sizeof buf, format, copy);
  va_end(copy);
  detail::console_write(buf, n < sizeof buf ? n : sizeof buf - 1, true);
}

void printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
}

}  // namespace hmx_guest
