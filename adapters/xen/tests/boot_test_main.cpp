// SPDX-License-Identifier: Apache-2.0
// main() of the tests that boot real Xen: without QEMU (or, for arm64, without the arm64 Xen)
// they skip LOUDLY with exit 77 (ctest SKIP_RETURN_CODE 77), naming what is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "boot_test_config.h"

namespace {

bool in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string p = path == nullptr ? "" : path;
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const std::string arch = argc > 1 ? argv[1] : "";
  const bool arm = arch == "arm64";
  const std::string qemu = arm ? "qemu-system-aarch64" : "qemu-system-x86_64";
  if (!in_path(qemu)) {
    std::cout << "SKIPPED: " << qemu << " is not installed (Debian " << (arm ? "qemu-system-arm" : "qemu-system-x86")
              << ")\n";
    return 77;
  }
  if (arm && !hmx_xen_test::arm64_available) {
    std::cout << "SKIPPED: no arm64 Xen and images: the aarch64 cross compiler (" << hmx_xen_test::cross_prefix
              << "gcc) is missing\n";
    return 77;
  }
  if (access((arm ? hmx_xen_test::xen_arm64 : hmx_xen_test::xen_x86_64), R_OK) != 0) {
    std::cout << "FAILED: the Xen hypervisor " << (arm ? hmx_xen_test::xen_arm64 : hmx_xen_test::xen_x86_64)
              << " was not built (target hmx-xen-" << (arm ? "arm64" : "x86_64") << ")\n";
    return 1;
  }
  ::testing::GTEST_FLAG(filter) = arm ? "Arm64*" : "X86*";
  return RUN_ALL_TESTS();
}
