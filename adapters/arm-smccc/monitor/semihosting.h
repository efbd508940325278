/* SPDX-License-Identifier: Apache-2.0 */
// Arm semihosting ("Semihosting for AArch32 and AArch64", Arm IHI 0053): how the monitor, run
// under `qemu-system-aarch64 -semihosting`, reads its command line and the guest images from the
// host and reports its exit status. HLT #0xF000 with the operation in W0 and a parameter block
// in X1.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace hmx::arm::semihosting {

// The command line (QEMU: the -kernel path, then -append). False when unavailable.
bool command_line(char* buf, size_t size);
// A whole host file into [dst, dst + capacity): its length, or -1 (cannot open / read), -2 (it
// does not fit).
int64_t read_file(const char* path, void* dst, size_t capacity);
[[noreturn]] void exit(uint32_t status);

}  // namespace hmx::arm::semihosting
