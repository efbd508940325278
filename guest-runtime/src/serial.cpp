// SPDX-License-Identifier: MIT
// Serial console: COM1 transmit register, whole buffers per `rep outsb`.
//
// Every port access is a VM exit (~29 us from CPL3 here, docs/ARCHITECTURE.md), so a line goes out as one
// string instruction: KVM hands the monitor the whole buffer in one KVM_EXIT_IO (count = n).
// The line status register is not polled: hmx-kvm and QEMU's 16550 accept transmit writes at any
// time, and polling would double the exits.
#include "percpu.h"

namespace hmx_guest::detail {

namespace {
spinlock console_lock;
}

void serial_write(const char* s, size_t n, bool take_lock) {
  if (n == 0) return;
  // The CPL0 exception path prints without the lock: the fault may have hit while it was held.
  if (take_lock) console_lock.lock();
  asm volatile("cld; rep outsb" : "+S"(s), "+c"(n) : "d"(uint16_t{HMX_GUEST_PORT_SERIAL}) : "memory");
  if (take_lock) console_lock.unlock();
}

}  // namespace hmx_guest::detail

namespace hmx_guest {

void putc(char c) { detail::serial_write(&c, 1, true); }

void print(const char* s) { detail::serial_write(s, strlen(s), true); }

void vprintf(const char* format, va_list args) {
  char buf[512];
  va_list copy;
  va_copy(copy, args);
  size_t n = vsnprintf(buf, sizeof buf, format, copy);
  va_end(copy);
  detail::serial_write(buf, n < sizeof buf ? n : sizeof buf - 1, true);
}

void printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
}

}  // namespace hmx_guest
