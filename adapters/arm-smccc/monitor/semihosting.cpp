// SPDX-License-Identifier: Apache-2.0
#include "semihosting.h"

#include "arch.h"

namespace hmx::arm::semihosting {

namespace {
constexpr uint64_t kOpen = 0x01, kClose = 0x02, kRead = 0x06, kFlen = 0x0c, kGetCmdline = 0x15,
                   kExit = 0x18;
constexpr uint64_t kModeReadBinary = 1;                 // "rb"
constexpr uint64_t kApplicationExit = 0x20026;          // ADP_Stopped_ApplicationExit

int64_t call(uint64_t op, const void* block) {
  register uint64_t x0 asm("x0") = op;
  register uint64_t x1 asm("x1") = reinterpret_cast<uintptr_t>(block);
  asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
  return static_cast<int64_t>(x0);
}
}  // namespace

bool command_line(char* buf, size_t size) {
  uint64_t block[2] = {reinterpret_cast<uintptr_t>(buf), size};
  if (call(kGetCmdline, block) != 0) return false;
  const size_t n = block[1] < size ? static_cast<size_t>(block[1]) : size - 1;
  buf[n] = '\0';
  return true;
}

int64_t read_file(const char* path, void* dst, size_t capacity) {
  const uint64_t open_block[3] = {reinterpret_cast<uintptr_t>(path), kModeReadBinary, strlen(path)};
  const int64_t fd = call(kOpen, open_block);
  if (fd < 0) return -1;
  const uint64_t fd_block[1] = {static_cast<uint64_t>(fd)};
  const int64_t len = call(kFlen, fd_block);
  int64_t result = len;
  if (len < 0) {
    result = -1;
  } else if (static_cast<uint64_t>(len) > capacity) {
    result = -2;
  } else {
    const uint64_t read_block[3] = {static_cast<uint64_t>(fd), reinterpret_cast<uintptr_t>(dst),
                                    static_cast<uint64_t>(len)};
    // SYS_READ returns the number of bytes NOT read.
    if (call(kRead, read_block) != 0) result = -1;
  }
  call(kClose, fd_block);
  return result;
}

void exit(uint32_t status) {
  const uint64_t block[2] = {kApplicationExit, status};
  call(kExit, block);
  for (;;) wfi();
}

}  // namespace hmx::arm::semihosting
