// SPDX-License-Identifier: Apache-2.0
// A domain that escapes its memory: a store to a guest-physical address that is not its RAM
// (`addr=0x...`, default just past its RAM). The monitor must report the stage-2 fault and stop
// this domain only.
#include <hmx_guest/cmdline.h>
#include <hmx_guest/runtime.h>

using namespace hmx_guest;

int guest_main(const start_info& info) {
  const uint64_t addr = cmdline_u64(cmdline_text(info), "addr", info.ram_end);
  printf("writing to %#llx, outside RAM [%#llx, %#llx)\n", (unsigned long long)addr,
         (unsigned long long)info.ram_base, (unsigned long long)info.ram_end);
  mmio_write32(static_cast<uintptr_t>(addr), 0x484d5821);
  print("the write went through: isolation is broken\n");
  return 3;
}
