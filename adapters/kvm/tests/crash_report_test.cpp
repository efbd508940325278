// SPDX-License-Identifier: Apache-2.0
// Crash report text and instruction decoding, without KVM.
#include <gtest/gtest.h>

#include <vector>

#include "hmx/kvm/crash_report.h"
#include "hmx/kvm/instruction_decoder.h"

namespace hmx::kvm {
namespace {

TEST(InstructionDecoderTest, DecodesInEachMode) {
  std::vector<uint8_t> ud2{0x0f, 0x0b, 0x90};
  EXPECT_EQ(decode_instruction(ud2, 0x1000, cpu_mode::long64), "ud2");
  std::vector<uint8_t> mov{0xc7, 0x00, 0x78, 0x56, 0x34, 0x12};  // mov dword ptr [rax], 0x12345678
  EXPECT_EQ(decode_instruction(mov, 0, cpu_mode::long64), "mov dword ptr [rax], 0x12345678");
  EXPECT_EQ(decode_instruction(mov, 0, cpu_mode::protected32), "mov dword ptr [eax], 0x12345678");
  std::vector<uint8_t> cli{0xfa};
  EXPECT_EQ(decode_instruction(cli, 0, cpu_mode::real16), "cli");
  EXPECT_EQ(decode_instruction({}, 0, cpu_mode::long64), "(no code bytes)");
  std::vector<uint8_t> truncated{0x0f};
  EXPECT_NE(decode_instruction(truncated, 0, cpu_mode::long64).find("undecodable"), std::string::npos);
}

TEST(InstructionDecoderTest, ModeFollowsCr0EferAndCs) {
  EXPECT_EQ(mode_of(0x10, 0, false, false), cpu_mode::real16);
  EXPECT_EQ(mode_of(0x11, 0, false, true), cpu_mode::protected32);
  EXPECT_EQ(mode_of(0x11, 0, false, false), cpu_mode::protected16);
  EXPECT_EQ(mode_of(0x80000011, 0x500, true, false), cpu_mode::long64);
  EXPECT_EQ(mode_of(0x80000011, 0x500, false, true), cpu_mode::protected32);  // compatibility mode
}

TEST(CrashReportTest, FormatsReasonRegistersAndInstruction) {
  crash_report r;
  r.domain = "fault";
  r.vcpu = 1;
  r.reason = "triple fault (KVM_EXIT_SHUTDOWN)";
  r.rip = 0x103446;
  r.rsp = 0x13ffc8;
  r.rflags = 0x10216;
  r.cr0 = 0x80010033;
  r.cr3 = 0x107000;
  r.cr4 = 0x620;
  r.efer = 0x500;
  r.cs = 0x33;
  r.code = {0x0f, 0x0b};
  r.instruction = decode_instruction(r.code, r.rip, r.mode);
  r.details = {"extra detail"};
  std::string text = format_crash_report(r);
  EXPECT_NE(text.find("*** domain fault crashed on vCPU 1: triple fault (KVM_EXIT_SHUTDOWN)"), std::string::npos);
  EXPECT_NE(text.find("rip 0x0000000000103446"), std::string::npos);
  EXPECT_NE(text.find("rsp 0x000000000013ffc8"), std::string::npos);
  EXPECT_NE(text.find("rflags 0x00010216"), std::string::npos);
  EXPECT_NE(text.find("cs  0x0033 (base 0x0, 64-bit mode, CPL3)"), std::string::npos);
  EXPECT_NE(text.find("cr0 0x80010033"), std::string::npos);
  EXPECT_NE(text.find("cr3 0x0000000000107000"), std::string::npos);
  EXPECT_NE(text.find("cr4 0x00000620"), std::string::npos);
  EXPECT_NE(text.find("efer 0x500"), std::string::npos);
  EXPECT_NE(text.find("code at rip: 0f 0b"), std::string::npos);
  EXPECT_NE(text.find("instruction: ud2"), std::string::npos);
  EXPECT_NE(text.find("\n  extra detail"), std::string::npos);
  EXPECT_EQ(text.find("exception"), std::string::npos);
  EXPECT_NE(text.back(), '\n');
}

TEST(CrashReportTest, FormatsGuestExceptionsAndMissingCode) {
  crash_report r;
  r.domain = "d";
  r.reason = "guest CPU exception #PF (vector 14) at CPL3";
  r.exception = guest_exception{14, 0x6, 0xdead000};
  r.instruction = decode_instruction(r.code, 0, r.mode);
  std::string text = format_crash_report(r);
  EXPECT_NE(text.find("exception #PF (vector 14) error code 0x6 cr2 0x000000000dead000"), std::string::npos);
  EXPECT_NE(text.find("code at rip: (unavailable)"), std::string::npos);
  EXPECT_NE(text.find("instruction: (no code bytes)"), std::string::npos);
  EXPECT_STREQ(exception_mnemonic(6), "#UD");
  EXPECT_STREQ(exception_mnemonic(13), "#GP");
  EXPECT_STREQ(exception_mnemonic(40), "external interrupt");
}

}  // namespace
}  // namespace hmx::kvm
