// SPDX-License-Identifier: Apache-2.0
// hmx_vta_over_hmx_tests' main: GoogleTest, plus `--require-kvm`, which makes a run that needs
// /dev/kvm (the OverKvm.* tests) end at once with exit code 77 and a loud SKIPPED line when there
// is none (ctest SKIP_RETURN_CODE 77), instead of a green run that tested nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  bool require_kvm = false;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--require-kvm") == 0) require_kvm = true;
    else argv[out++] = argv[i];
  }
  argc = out;
  if (require_kvm && ::access("/dev/kvm", R_OK | W_OK) != 0) {
    std::printf("SKIPPED: /dev/kvm not available\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
