// SPDX-License-Identifier: Apache-2.0
// The QEMU and Xen command lines of both harnesses, and how a run's outcome reads.
#include <gtest/gtest.h>

#include <algorithm>

#include "hmx/xen/boot.h"

namespace hmx::xen {
namespace {

bool has_pair(const std::vector<std::string>& v, const std::string& a, const std::string& b) {
  for (size_t i = 0; i + 1 < v.size(); ++i)
    if (v[i] == a && v[i + 1] == b) return true;
  return false;
}

TEST(BootCommand, X86Dom0) {
  x86_boot_options o;
  o.xen = "/b/xen";
  o.dom0_image = "/b/tester.elf";
  o.dom0_cmdline = "cpus=1 hmxc.target=xen";
  o.dom0_mib = 200;
  o.xen_args = {"sync_console"};
  const std::string xen = x86_xen_cmdline(o);
  for (const char* want : {"console=com2", "dom0=pvh", "dom0-iommu=none", "argo=1,mac-permissive=1",
                           "dom0_mem=200M,max:200M", "noreboot", "sync_console"})
    EXPECT_NE(xen.find(want), std::string::npos) << want;
  const auto argv = x86_qemu_command(o, "/w/dom0.log", "/w/xen.log");
  EXPECT_EQ(argv.front(), "qemu-system-x86_64");
  EXPECT_TRUE(has_pair(argv, "-kernel", "/b/xen"));
  EXPECT_TRUE(has_pair(argv, "-initrd", "/b/tester.elf cpus=1 hmxc.target=xen"));
  EXPECT_TRUE(has_pair(argv, "-cpu", "qemu64,+svm"));
  // COM1 is dom0's, COM2 Xen's.
  const auto com1 = std::find(argv.begin(), argv.end(), "file:/w/dom0.log");
  const auto com2 = std::find(argv.begin(), argv.end(), "file:/w/xen.log");
  EXPECT_TRUE(com1 != argv.end() && com2 != argv.end() && com1 < com2);
  EXPECT_TRUE(has_pair(argv, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"));
  o.mac_permissive = false;
  EXPECT_NE(x86_xen_cmdline(o).find("argo=1 "), std::string::npos) << x86_xen_cmdline(o);
  EXPECT_EQ(x86_xen_cmdline(o).find("mac-permissive"), std::string::npos);
  o.dom0_cmdline = "a,b";
  EXPECT_THROW(x86_qemu_command(o, "/w/dom0.log", "/w/xen.log"), std::invalid_argument);
}

TEST(BootCommand, DebugExitStatus) {
  EXPECT_EQ(decode_debug_exit(1), 0);
  EXPECT_EQ(decode_debug_exit(155), 77);
  EXPECT_FALSE(decode_debug_exit(0));
  EXPECT_FALSE(decode_debug_exit(2));
}

TEST(BootCommand, Arm64Dom0less) {
  arm64_boot_options o;
  o.xen = "/b/xen-arm64";
  o.domains = {{"tester", "/b/t.img", "x", 64, 1}, {"peer", "/b/p.img", "y", 32, 1}};
  const auto argv = arm64_qemu_command(o, "/w/x.dtb", {0x50000000, 0x50200000}, "/w/console.log");
  EXPECT_TRUE(has_pair(argv, "-serial", "file:/w/console.log"));
  EXPECT_TRUE(has_pair(argv, "-machine", "virt,virtualization=on,gic-version=3"));
  EXPECT_TRUE(has_pair(argv, "-kernel", "/b/xen-arm64"));
  EXPECT_TRUE(has_pair(argv, "-dtb", "/w/x.dtb"));
  EXPECT_TRUE(has_pair(argv, "-device", "loader,file=/b/t.img,addr=0x50000000,force-raw=on"));
  EXPECT_TRUE(has_pair(argv, "-device", "loader,file=/b/p.img,addr=0x50200000,force-raw=on"));
  const std::string args = arm64_xen_bootargs(o);
  EXPECT_NE(args.find("dtuart=/pl011@9000000"), std::string::npos);
  EXPECT_NE(args.find("argo=1,mac-permissive=1"), std::string::npos);
  // The machine alone, for -machine dumpdtb=: no kernel, no images.
  const auto m = arm64_machine_args(o);
  EXPECT_EQ(std::find(m.begin(), m.end(), "-kernel"), m.end());
}

TEST(BootResult, FailureNamesWhatIsMissing) {
  boot_result r;
  r.qemu.started = true;
  r.domains = {{"tester", 1, {}, 0}, {"peer", 2, {}, std::nullopt}};
  r.qemu.timed_out = true;
  EXPECT_FALSE(r.complete());
  EXPECT_NE(r.failure().find("time limit"), std::string::npos);
  EXPECT_NE(r.failure().find("peer"), std::string::npos);
  r.domains[1].exit_status = 3;
  EXPECT_TRUE(r.complete());
  r.fatal_line = "(XEN) Panic on CPU 0:";
  EXPECT_NE(r.failure().find("Panic"), std::string::npos);
  boot_result missing_arm_image;
  arm64_boot_options o;
  o.xen = "/nonexistent/xen";
  o.domains = {{"tester", "/nonexistent/t.img", "", 64, 1}};
  missing_arm_image = boot_arm64_dom0less(o);
  EXPECT_NE(missing_arm_image.failure().find("/nonexistent/t.img"), std::string::npos);
  EXPECT_TRUE(missing_arm_image.command.empty());
}

}  // namespace
}  // namespace hmx::xen
