// SPDX-License-Identifier: Apache-2.0
// The control case of the freestanding check: a unit that calls into a hosted C library, which
// no guest image has. hostlib.freestanding.can_fail expects the check to refuse it.
extern "C" int puts(const char*);

extern "C" [[noreturn]] void hmx_needs_libc_entry() {
  puts("a guest has no C library");
  for (;;) {
  }
}
