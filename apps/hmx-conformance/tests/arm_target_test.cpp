// SPDX-License-Identifier: Apache-2.0
// The --target arm command line (target_arm.cpp) and the EL2 monitor's result lines, which
// run_vm_target reads with hmx-kvm's parser (adapters/arm-smccc/monitor/run.cpp prints them).
#include <gtest/gtest.h>

#include <algorithm>

#include "targets.h"

namespace conformance::runner {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(Arm, CommandBootsTheMonitorAtEl2WithThreeDomains) {
  target_options o;
  o.kind = target_kind::arm;
  o.qemu_aarch64 = "/q/qemu-system-aarch64";
  o.arm_monitor = "/m/hmx-arm-monitor.elf";
  o.arm_policy = "/p/conformance.hmxpol";
  o.image_dir = "/img";
  o.timeout_s = 99.5;
  const auto cmd = arm_command(o);
  ASSERT_FALSE(cmd.empty());
  EXPECT_EQ(cmd[0], "/q/qemu-system-aarch64");
  EXPECT_TRUE(has(cmd, "virt,virtualization=on,gic-version=3"));  // the monitor needs EL2 and a GICv3
  EXPECT_TRUE(has(cmd, "-semihosting"));                          // its exit status (SYS_EXIT)
  EXPECT_TRUE(has(cmd, "/m/hmx-arm-monitor.elf"));
  // One CPU per vCPU: 2 for the tester, 1 each for the peer and the denied domain.
  const auto smp = std::find(cmd.begin(), cmd.end(), "-smp");
  ASSERT_NE(smp, cmd.end());
  ASSERT_NE(smp + 1, cmd.end());
  EXPECT_EQ(*(smp + 1), "4");
  const auto append = std::find(cmd.begin(), cmd.end(), "-append");
  ASSERT_NE(append, cmd.end());
  ASSERT_NE(append + 1, cmd.end());
  const std::string& args = *(append + 1);
  EXPECT_NE(args.find("--domain tester=/img/hmx-conformance-tester-a64.img,vcpus=2,mem=128M"), std::string::npos) << args;
  EXPECT_NE(args.find("--domain peer=/img/hmx-conformance-peer-a64.img,mem=32M"), std::string::npos) << args;
  EXPECT_NE(args.find("--domain denied=/img/hmx-conformance-peer-a64.img,mem=32M"), std::string::npos) << args;
  EXPECT_NE(args.find("--policy /p/conformance.hmxpol"), std::string::npos) << args;
  EXPECT_NE(args.find("--timeout 100"), std::string::npos) << args;
}

TEST(Arm, MonitorResultLinesParseAsHmxKvms) {
  int st = -1;
  std::string state;
  EXPECT_TRUE(parse_kvm_result("[tester] result: exited with status 0 (81234.5 ms after start)", "tester", &st, &state));
  EXPECT_EQ(state, "exited");
  EXPECT_EQ(st, 0);
  EXPECT_TRUE(parse_kvm_result("[tester] result: crashed (812.0 ms after start)", "tester", &st, &state));
  EXPECT_EQ(state, "crashed");
  EXPECT_TRUE(parse_kvm_result("[tester] result: timed out (100000.0 ms after start)", "tester", &st, &state));
  EXPECT_EQ(state, "timed out");
  EXPECT_FALSE(parse_kvm_result("[hmx] result: exited with status 0", "tester", &st, &state));
}

TEST(Arm, TargetName) { EXPECT_STREQ(to_string(target_kind::arm), "arm"); }

}  // namespace
}  // namespace conformance::runner
