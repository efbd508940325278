// SPDX-License-Identifier: Apache-2.0
// Monitor command lines and exit statuses (targets.h), and the real spec data (spec_data.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "spec_data.h"
#include "targets.h"

namespace conformance::runner {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(Qemu, DecodesIsaDebugExit) {
  int st = -1;
  EXPECT_TRUE(decode_qemu_status(1, &st));
  EXPECT_EQ(st, 0);
  EXPECT_TRUE(decode_qemu_status(3, &st));
  EXPECT_EQ(st, 1);
  EXPECT_TRUE(decode_qemu_status(155, &st));  // (77 << 1) | 1
  EXPECT_EQ(st, 77);
  EXPECT_TRUE(decode_qemu_status(0xfb, &st));  // the runtime's exception status 0x7d
  EXPECT_EQ(st, 0x7d);
  EXPECT_FALSE(decode_qemu_status(0, &st));  // a plain shutdown carries no guest status
  EXPECT_FALSE(decode_qemu_status(2, &st));
  EXPECT_FALSE(decode_qemu_status(-1, &st));
}

TEST(Qemu, CommandBootsTheTesterWithTheExitDevice) {
  target_options o;
  o.image_dir = "/img";
  const auto cmd = qemu_command(o);
  EXPECT_EQ(cmd[0], "qemu-system-x86_64");
  EXPECT_TRUE(has(cmd, "tcg"));
  EXPECT_TRUE(has(cmd, "-no-reboot"));
  EXPECT_TRUE(has(cmd, "isa-debug-exit,iobase=0xf4,iosize=4"));
  EXPECT_TRUE(has(cmd, "/img/hmx-conformance-tester.elf"));
  EXPECT_TRUE(has(cmd, "stdio"));
}

TEST(Kvm, CommandHasThreeDomainsPolicyAndTimeLimit) {
  target_options o;
  o.hmx_kvm = "/bin/hmx-kvm";
  o.image_dir = "/img";
  o.policy_file = "/p.textproto";
  o.timeout_s = 99.5;
  const auto cmd = kvm_command(o);
  EXPECT_EQ(cmd[0], "/bin/hmx-kvm");
  EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "--domain"), 3);
  EXPECT_TRUE(has(cmd, "tester=/img/hmx-conformance-tester.elf,vcpus=2,mem=128M"));
  EXPECT_TRUE(has(cmd, "denied=/img/hmx-conformance-peer.elf,vcpus=1,mem=32M"));
  EXPECT_TRUE(has(cmd, "/p.textproto"));
  EXPECT_TRUE(has(cmd, "100"));
}

TEST(Kvm, ResultLine) {
  int st = -1;
  std::string state;
  EXPECT_TRUE(parse_kvm_result("[tester] result: exited with status 77 (12.0 ms after start)", "tester", &st, &state));
  EXPECT_EQ(state, "exited");
  EXPECT_EQ(st, 77);
  EXPECT_TRUE(parse_kvm_result("[tester] result: timed_out (5000.0 ms after start)", "tester", &st, &state));
  EXPECT_EQ(state, "timed_out");
  EXPECT_FALSE(parse_kvm_result("[peer] result: exited with status 0", "tester", &st, &state));
  EXPECT_FALSE(parse_kvm_result("[tester] HMXC DONE", "tester", &st, &state));
}

TEST(SpecData, TheRealSpecLoads) {
  const spec_info spec = load_spec(HMX_CONFORMANCE_SPEC_DIR);
  EXPECT_GT(spec.requirements.size(), 50u);
  ASSERT_NE(spec.find("HMX-MECH-012"), nullptr);
  EXPECT_EQ(spec.find("HMX-MECH-012")->target, "HYPERVISOR");
  EXPECT_TRUE(spec.find("HMX-MECH-012")->mandatory());
  EXPECT_EQ(spec.mechanisms.at(0), "x86_msr");
  EXPECT_EQ(spec.features.at(0), "BATCH");
}

TEST(SpecData, ParseErrorsNameTheFile) {
  try {
    (void)parse_spec("broken.json", R"({"format": "hmx-spec-bundle/1", "spec": {)");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json: "), std::string::npos) << e.what();
  }
  try {
    (void)parse_spec("other.json", R"({"format": "something-else/1", "spec": {}})");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("other.json: not a spec bundle"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace conformance::runner

namespace conformance::runner {
namespace {

TEST(Console, EvaluatesACapturedLog) {
  const std::string path = ::testing::TempDir() + "/console.log";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("[vendor-monitor] booting\n[tester] HMXC BEGIN protocol=1 role=tester\n", f);
    std::fputs("[tester] HMXC IDENT hmx=1 hv=1\n[tester] HMXC PLAN 0\n", f);
    std::fputs("[peer] HMXC DONE pass=9 fail=0 skip=0 status=0\n[tester] HMXC DONE pass=0 fail=0 skip=0 status=77", f);
    std::fclose(f);
  }
  target_options o;
  o.kind = target_kind::console;
  o.console_file = path;
  o.console_domain = "tester";
  o.tester_status = 77;
  const target_outcome out = run_console_target(o);
  EXPECT_TRUE(out.log.done);
  EXPECT_EQ(out.log.done_status, 77);
  EXPECT_EQ(out.facts.guest_status.value_or(-1), 77);
  EXPECT_TRUE(out.facts.finished);
  o.console_file = path + ".missing";
  EXPECT_FALSE(run_console_target(o).facts.finished);
}

}  // namespace
}  // namespace conformance::runner
