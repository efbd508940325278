// SPDX-License-Identifier: Apache-2.0
// wild: writes to a guest-physical address that no memory or device backs (3 GiB, inside the
// runtime's identity map). The access reaches the monitor as an MMIO exit, which hmx-kvm treats
// as a crash: this exercises the monitor-side crash report (instruction decoded from guest memory).
#include <hmx_guest/runtime.h>

int guest_main(const hmx_guest::start_info&) {
  hmx_guest::printf("wild: writing to unbacked guest-physical address 0xc0000000\n");
  *hmx_guest::phys_to_virt<volatile uint32_t>(0xc0000000) = 0x12345678;
  return 0;
}
