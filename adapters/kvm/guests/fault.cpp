// SPDX-License-Identifier: Apache-2.0
// fault: executes ud2 at CPL3. The runtime's exception path reports the #UD and exits with
// HMX_GUEST_EXIT_EXCEPTION; hmx-kvm turns that into a crash report (exit code 2).
#include <hmx_guest/runtime.h>

int guest_main(const hmx_guest::start_info&) {
  hmx_guest::printf("fault: executing ud2 at CPL%u\n", hmx_guest::current_cpl());
  asm volatile("ud2");
  return 0;
}
