// SPDX-License-Identifier: Apache-2.0
// The boot harness on real Xen (built with Argo from Debian's source): x86 with a PVH dom0, Arm
// with two dom0less domUs; consoles per domain, exit statuses, the Xen version, the time limit.
#include <gtest/gtest.h>

#include <iostream>

#include "boot_test_config.h"
#include "hmx/xen/boot.h"

namespace hmx::xen {
namespace {

std::string lines_of(const domain_console& d) {
  std::string s;
  for (const auto& l : d.lines) s += l + "\n";
  return s;
}

void print_failure(const boot_result& r) {
  std::cout << "failure: " << r.failure() << "\n";
  for (const auto& l : r.xen_lines) std::cout << "  xen: " << l << "\n";
  for (const auto& d : r.domains)
    for (const auto& l : d.lines) std::cout << "  " << d.name << ": " << l << "\n";
}

std::string long_line() {
  std::string s;
  for (unsigned i = 0; i < 300; ++i) s += static_cast<char>('a' + i % 26);
  return s;
}

x86_boot_options x86_options(const std::string& cmdline, double timeout) {
  x86_boot_options o;
  o.xen = hmx_xen_test::xen_x86_64;
  o.dom0_image = hmx_xen_test::x86_echo_image;
  o.dom0_cmdline = cmdline;
  o.timeout_s = timeout;
  return o;
}

TEST(X86, Dom0PrintsAndExitsWithItsStatus) {
  const boot_result r = boot_x86_dom0(x86_options("status=42 token=xyzzy argo=1", 90));
  if (!r.complete()) print_failure(r);
  ASSERT_TRUE(r.complete());
  const domain_console& d = r.domains.at(0);
  EXPECT_EQ(d.exit_status, 42);
  const std::string out = lines_of(d);
  // Xen hands a PVH dom0 start_info version 0 and its module's command line.
  EXPECT_NE(out.find("start_info version 0"), std::string::npos) << out;
  EXPECT_NE(out.find("token=xyzzy"), std::string::npos) << out;
  EXPECT_NE(out.find(long_line()), std::string::npos);
  // libhmx on real Xen: the XenVMM leaves at 0x40000000, the hypercall page installed through
  // MSR 0x40000000, and the Argo probe answered -EINVAL (present) through the CPL0 gate.
  EXPECT_NE(out.find("xen=1 base=0x40000000 version=0x4"), std::string::npos) << out;
  EXPECT_NE(out.find(" msr=0x40000000 argo_probe=-22 argo=1"), std::string::npos) << out;
  // libhmx selects Xen's conduit, and its typed client carries register, sendv, unregister.
  EXPECT_NE(out.find("xen_echo: conduit xen_hypercall"), std::string::npos) << out;
  EXPECT_NE(out.find("xen_echo: sendv 5, message 'hello' from domain 0 type 0x42"), std::string::npos) << out;
  EXPECT_NE(out.find("xen_echo: typed client OK"), std::string::npos) << out;
  EXPECT_EQ(r.xen_version.rfind("4.", 0), 0u) << "version '" << r.xen_version << "'";
  bool dom0_built = false;
  for (const auto& l : r.xen_lines) dom0_built |= l.find("d0 has maximum") != std::string::npos;
  EXPECT_TRUE(dom0_built) << "Xen's own console was not captured";
  std::cout << "x86 dom0 run: " << r.qemu.seconds << " s, Xen " << r.xen_version << "\n";
}

TEST(X86, TimeLimitEndsAHungDom0) {
  const boot_result r = boot_x86_dom0(x86_options("hang=1", 8));
  EXPECT_FALSE(r.complete());
  EXPECT_TRUE(r.qemu.timed_out);
  EXPECT_NE(r.failure().find("time limit"), std::string::npos) << r.failure();
  EXPECT_LT(r.qemu.seconds, 20);
}

TEST(Arm64, TwoDomUsEachWithItsConsoleAndStatus) {
  arm64_boot_options o;
  o.xen = hmx_xen_test::xen_arm64;
  o.domains = {{"first", hmx_xen_test::arm64_echo_image_3, "one", 64, 1},
               {"second", hmx_xen_test::arm64_echo_image_4, "two", 32, 1}};
  o.timeout_s = 90;
  const boot_result r = boot_arm64_dom0less(o);
  if (!r.complete()) print_failure(r);
  ASSERT_TRUE(r.complete());
  const domain_console* first = r.find("first");
  const domain_console* second = r.find("second");
  ASSERT_TRUE(first && second);
  // Xen numbers dom0less domUs from 1 in device tree order.
  EXPECT_EQ(first->domid, 1);
  EXPECT_EQ(second->domid, 2);
  EXPECT_EQ(first->exit_status, 3);
  EXPECT_EQ(second->exit_status, 4);
  for (const domain_console* d : {first, second}) {
    const std::string out = lines_of(*d);
    EXPECT_NE(out.find("hello from a dom0less domU"), std::string::npos) << out;
    // Joined from Xen's 126-character vpl011 pieces.
    EXPECT_NE(out.find("\n" + long_line() + "\n"), std::string::npos) << out;
  }
  EXPECT_EQ(r.xen_version.rfind("4.", 0), 0u) << "version '" << r.xen_version << "'";
  std::cout << "arm64 dom0less run: " << r.qemu.seconds << " s, Xen " << r.xen_version << "\n";
}

}  // namespace
}  // namespace hmx::xen
