// SPDX-License-Identifier: Apache-2.0
// main() of the GoogleTest binaries that need /dev/kvm: without it the whole binary is skipped
// loudly with ctest's SKIP_RETURN_CODE 77 (tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  struct stat st {};
  if (::stat("/dev/kvm", &st) != 0 || !S_ISCHR(st.st_mode) || ::access("/dev/kvm", R_OK | W_OK) != 0) {
    std::printf("SKIPPED: /dev/kvm not available\n");
    return 77;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
