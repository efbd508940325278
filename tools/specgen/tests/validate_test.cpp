// SPDX-License-Identifier: Apache-2.0
// Every class of semantic error: the message names file:line and the field.
#include "validate.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hmx::specgen {
namespace {

using testing::validate_sources;
using testing::validate_text;
const char* const F = "t.textproto";

TEST(Validate, RealisticFixtureIsValid) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_file(HMX_SPECGEN_FIXTURES "/valid.textproto", d));
  ASSERT_TRUE(spec.add_file(HMX_SPECGEN_FIXTURES "/requirements.textproto", d));
  validate(spec, d);
  EXPECT_TRUE(d.empty()) << testing::dump(d);
}

TEST(Validate, DuplicateConstantName) {
  auto d = validate_text(
      "constants { name: \"A\" value: 1 type: \"u32\" }\n"
      "constants { name: \"A\" value: 2 type: \"u32\" }\n");
  EXPECT_DIAG(d, F, 2, "constants[A].name", "duplicate constant name A (first at t.textproto:1)");
}

TEST(Validate, ConstantTypeAndRange) {
  auto d = validate_text(
      "constants { name: \"A\" value: 0x10000 type: \"u16\" }\n"
      "constants { name: \"B\" value: 1 type: \"u8\" }\n");
  EXPECT_DIAG(d, F, 1, "constants[A].value", "does not fit u16");
  EXPECT_DIAG(d, F, 2, "constants[B].type", "not one of u16, u32, u64");
}

TEST(Validate, DuplicateErrorNameAndValue) {
  auto d = validate_text(
      "errors { name: \"EPERM\" value: 1 }\n"
      "errors { name: \"EPERM\" value: 2 }\n"
      "errors { name: \"EOTHER\" value: 1 }\n");
  EXPECT_DIAG(d, F, 2, "errors[EPERM].name", "duplicate error name");
  EXPECT_DIAG(d, F, 3, "errors[EOTHER].value", "duplicate error value 1");
}

TEST(Validate, DuplicateOperationNameAndNumber) {
  auto d = validate_text(
      "operations { name: \"a\" number: 1 }\n"
      "operations { name: \"a\" number: 2 }\n"
      "operations { name: \"b\" number: 1 }\n");
  EXPECT_DIAG(d, F, 2, "operations[a].name", "duplicate operation name");
  EXPECT_DIAG(d, F, 3, "operations[b].number", "duplicate operation number 1");
}

TEST(Validate, DuplicateMechanismNameAndId) {
  auto d = validate_text(
      "mechanisms { name: \"m\" id: 0 arch: \"any\" kind: \"call\" }\n"
      "mechanisms { name: \"m\" id: 1 arch: \"any\" kind: \"call\" }\n"
      "mechanisms { name: \"n\" id: 0 arch: \"any\" kind: \"call\" }\n"
      "mechanisms { name: \"o\" id: 40 arch: \"ppc\" kind: \"call\" }\n");
  EXPECT_DIAG(d, F, 2, "mechanisms[m].name", "duplicate mechanism name");
  EXPECT_DIAG(d, F, 3, "mechanisms[n].id", "duplicate mechanism id 0");
  EXPECT_DIAG(d, F, 4, "mechanisms[o].id", "exceeds the 32-bit");
  EXPECT_DIAG(d, F, 4, "mechanisms[o].arch", "not one of x86_64, aarch64, any");
}

TEST(Validate, DuplicateFeatureBit) {
  auto d = validate_text(
      "features { name: \"A\" bit: 3 }\n"
      "features { name: \"B\" bit: 3 }\n");
  EXPECT_DIAG(d, F, 2, "features[B].bit", "duplicate feature bit 3");
}

TEST(Validate, StructLayoutErrors) {
  auto d = validate_text(
      "structs { name: \"s\" size: 16 align: 8\n"
      "  fields { name: \"a\" type: \"u32\" offset: 0 }\n"
      "  fields { name: \"b\" type: \"u64\" offset: 4 }\n"   // misaligned
      "}\n"
      "structs { name: \"h\" size: 16 align: 8\n"
      "  fields { name: \"a\" type: \"u32\" offset: 0 }\n"
      "  fields { name: \"b\" type: \"u64\" offset: 16 }\n"  // hole (natural 8)
      "}\n"
      "structs { name: \"o\" size: 8 align: 4\n"
      "  fields { name: \"a\" type: \"u32\" offset: 0 }\n"
      "  fields { name: \"b\" type: \"u32\" offset: 0 }\n"   // overlap
      "}\n");
  EXPECT_DIAG(d, F, 3, "structs[s].fields[b].offset", "not aligned to 8");
  EXPECT_DIAG(d, F, 7, "structs[h].fields[b].offset", "unexplained hole");
  EXPECT_DIAG(d, F, 5, "structs[h].size", "natural size 24");
  EXPECT_DIAG(d, F, 11, "structs[o].fields[b].offset", "overlaps");
}

TEST(Validate, StructSizeAlignAndFlexible) {
  auto d = validate_text(
      "structs { name: \"s\" size: 12 align: 4\n"
      "  fields { name: \"a\" type: \"u64\" offset: 0 }\n"
      "}\n"
      "structs { name: \"f\" size: 8 align: 4\n"
      "  fields { name: \"data\" type: \"u8\" offset: 0 flexible: true }\n"
      "  fields { name: \"n\" type: \"u32\" offset: 4 }\n"
      "}\n");
  EXPECT_DIAG(d, F, 1, "structs[s].size", "natural size 8");
  EXPECT_DIAG(d, F, 1, "structs[s].align", "largest member alignment 8");
  EXPECT_DIAG(d, F, 5, "structs[f].fields[data].flexible", "must be the last field");
}

TEST(Validate, StructFieldTypes) {
  auto d = validate_text(
      "structs { name: \"a\" size: 8 align: 4\n"
      "  fields { name: \"x\" type: \"b\" offset: 0 }\n"  // defined later
      "  fields { name: \"y\" type: \"float\" offset: 4 }\n"
      "}\n"
      "structs { name: \"b\" size: 4 align: 4 fields { name: \"v\" type: \"u32\" offset: 0 } }\n"
      "structs { name: \"b\" size: 4 align: 4 fields { name: \"v\" type: \"u32\" offset: 0 } }\n");
  EXPECT_DIAG(d, F, 2, "structs[a].fields[x].type", "previously defined struct");
  EXPECT_DIAG(d, F, 3, "structs[a].fields[y].type", "neither a scalar");
  EXPECT_DIAG(d, F, 6, "structs[b].name", "duplicate struct name");
}

TEST(Validate, OperationReferencesAndArgs) {
  auto d = validate_text(
      "errors { name: \"EINVAL\" value: 22 }\n"
      "mechanisms { name: \"msr\" id: 0 arch: \"any\" kind: \"call\" }\n"
      "operations { name: \"op\" number: 1\n"
      "  args { name: \"a\" type: \"u32\" }\n"
      "  args { name: \"b\" type: \"u32\" }\n"
      "  args { name: \"c\" type: \"gpa:nosuch\" }\n"
      "  args { name: \"d\" type: \"u32\" }\n"
      "  args { name: \"e\" type: \"u32\" }\n"
      "  errors: [\"EINVAL\", \"EBOGUS\"]\n"
      "  mechanisms: [\"msr\",\n"
      "    \"smoke_signal\"]\n"
      "}\n");
  EXPECT_DIAG(d, F, 8, "operations[op].args[4]", "at most 4 arguments");
  EXPECT_DIAG(d, F, 6, "operations[op].args[c].type", "neither a scalar nor a struct");
  EXPECT_DIAG(d, F, 9, "operations[op].errors[1]", "'EBOGUS' is not defined");
  EXPECT_DIAG(d, F, 11, "operations[op].mechanisms[1]", "'smoke_signal' is not defined");
}

TEST(Validate, CpuidErrors) {
  auto d = validate_text(
      "cpuid {\n"
      "  signature: \"HMX\\tHMXHMXHM\"\n"
      "  default_base: 0x40000F10 scan_first: 0x40000000 scan_last: 0x4000FF00 scan_step: 0x100\n"
      "  leaves { name: \"A\" offset: 0 }\n"
      "  leaves { name: \"B\" offset: 0\n"
      "    registers { register: \"eax\"\n"
      "      fields { name: \"X\" lsb: 0 width: 8 }\n"
      "      fields { name: \"Y\" lsb: 4 width: 8 }\n"
      "      fields { name: \"Z\" lsb: 30 width: 4 } }\n"
      "    registers { register: \"rax\" } }\n"
      "}\n");
  EXPECT_DIAG(d, F, 2, "cpuid.signature", "12 printable ASCII bytes");
  EXPECT_DIAG(d, F, 3, "cpuid.default_base", "not a base the scan visits");
  EXPECT_DIAG(d, F, 5, "cpuid.leaves[B].offset", "duplicate leaf offset 0");
  EXPECT_DIAG(d, F, 8, "cpuid.leaves[B].registers[eax].fields[Y].lsb", "overlaps field X");
  EXPECT_DIAG(d, F, 9, "cpuid.leaves[B].registers[eax].fields[Z].width", "exceed the 32-bit register");
  EXPECT_DIAG(d, F, 10, "cpuid.leaves[B].registers[rax].register", "not one of eax");
}

TEST(Validate, CpuidSignatureLength) {
  auto d = validate_text("cpuid { signature: \"HMX\" scan_step: 0x100 scan_last: 0x100 }\n");
  EXPECT_DIAG(d, F, 1, "cpuid.signature", "exactly 12");
}

TEST(Validate, MsrErrors) {
  auto d = validate_text(
      "msrs {\n"
      "  default_base: 0x484D5808 count: 4 alignment: 16\n"
      "  msrs { name: \"A\" offset: 0 access: \"RW\" scope: \"vcpu\" }\n"
      "  msrs { name: \"B\" offset: 0 access: \"RW\" scope: \"vcpu\" }\n"
      "  msrs { name: \"C\" offset: 4 access: \"XX\" scope: \"vcpu\"\n"
      "    fields { name: \"F\" lsb: 60 width: 8 } }\n"
      "}\n");
  EXPECT_DIAG(d, F, 2, "msrs.default_base", "not a multiple of the alignment 16");
  EXPECT_DIAG(d, F, 4, "msrs.msrs[B].offset", "duplicate MSR offset 0");
  EXPECT_DIAG(d, F, 5, "msrs.msrs[C].offset", "outside the block (count 4)");
  EXPECT_DIAG(d, F, 5, "msrs.msrs[C].access", "not one of RO, WO, RW");
  EXPECT_DIAG(d, F, 6, "msrs.msrs[C].fields[F].width", "exceed the 64-bit register");
}

TEST(Validate, SmcccErrors) {
  auto d = validate_text(
      "smccc { owner: 6 uid: \"not-a-uuid\"\n"
      "  functions { name: \"A\" number: 0x10 fast: true }\n"
      "  functions { name: \"B\" number: 0x10 fast: true }\n"
      "  functions { name: \"C\" number: 0x10 fast: true smc64: true }\n"
      "}\n");
  EXPECT_DIAG(d, F, 1, "smccc.uid", "is not a UUID");
  EXPECT_DIAG(d, F, 3, "smccc.functions[B].number", "duplicate SMCCC function number 0x10");
  for (const auto& x : d) EXPECT_EQ(x.field.find("functions[C]"), std::string::npos) << x.str();
}

TEST(Validate, SmcccUidW0MustNotBeAllOnes) {
  auto d = validate_text("smccc { owner: 6\n uid: \"ffffffff-0000-0000-0000-000000000000\" }\n");
  EXPECT_DIAG(d, F, 2, "smccc.uid", "0xFFFFFFFF");
}

TEST(Validate, RequirementErrors) {
  auto d = validate_text(
      "requirements { id: \"HMX-RING-001\" level: MUST target: HYPERVISOR text: \"x\" }\n"
      "requirements { id: \"HMX-RING-001\" level: MUST target: HYPERVISOR text: \"x\" }\n"
      "requirements { id: \"HMX-ring-1\" level: MUST target: HYPERVISOR text: \"x\" }\n"
      "requirements { id: \"HMX-RING-004\" text: \"x\" }\n");
  EXPECT_DIAG(d, F, 2, "requirements[HMX-RING-001].id", "duplicate requirement id");
  EXPECT_DIAG(d, F, 3, "requirements[HMX-ring-1].id", "^HMX-[A-Z]+-[0-9]{3}$");
  EXPECT_DIAG(d, F, 4, "requirements[HMX-RING-004].level", "level must be set");
  EXPECT_DIAG(d, F, 4, "requirements[HMX-RING-004].target", "target must be set");
}

TEST(Validate, RequirementTextSaysItsLevelPlainly) {
  auto d = validate_text(
      "requirements { id: \"HMX-RING-001\" level: MUST_NOT target: HYPERVISOR text: \"It MUST do x.\" }\n"
      "requirements { id: \"HMX-RING-002\" level: MAY target: HYPERVISOR text: \"It MAY see <<ring-protocol>>.\" }\n"
      "requirements { id: \"HMX-RING-003\" level: SHOULD target: HYPERVISOR text: \"It SHOULD do y.\" }\n");
  EXPECT_DIAG(d, F, 1, "requirements[HMX-RING-001].text", "does not say 'MUST NOT'");
  EXPECT_DIAG(d, F, 2, "requirements[HMX-RING-002].text", "cross reference");
  for (const auto& x : d) EXPECT_EQ(x.field.find("HMX-RING-003"), std::string::npos) << x.str();
}

TEST(Validate, ARequirementStatesOneCondition) {
  auto d = validate_text(
      "requirements { id: \"HMX-RING-001\" level: MUST target: HYPERVISOR text: \"It MUST do x and MUST do y.\" }\n"
      "requirements { id: \"HMX-RING-002\" level: MUST target: HYPERVISOR text: \"It MUST do x; it MAY do y.\" }\n"
      "requirements { id: \"HMX-RING-003\" level: MUST_NOT target: HYPERVISOR text: \"It MUST NOT do x.\" }\n"
      "requirements { id: \"HMX-RING-004\" level: SHOULD target: HYPERVISOR text: \"It SHOULD do x (MUSTARD is no keyword).\" }\n");
  EXPECT_DIAG(d, F, 1, "requirements[HMX-RING-001].text", "holds 2 level keywords");
  EXPECT_DIAG(d, F, 2, "requirements[HMX-RING-002].text", "split it");
  for (const auto& x : d) {
    EXPECT_EQ(x.field.find("HMX-RING-003"), std::string::npos) << x.str();
    EXPECT_EQ(x.field.find("HMX-RING-004"), std::string::npos) << x.str();
  }
  EXPECT_EQ(level_keyword_count("A MUST NOT b, c SHOULD d, e MAY f"), 3);
}

TEST(Validate, DeprecatedIdsAreNeverReusedAndNameLiveSuccessors) {
  auto d = validate_text(
      "requirements { id: \"HMX-RING-002\" level: MUST target: HYPERVISOR text: \"It MUST do x.\" }\n"
      "deprecated_requirements { id: \"HMX-RING-001\" since: \"0.2\" replaced_by: \"HMX-RING-002\" text: \"old\" }\n"
      "deprecated_requirements { id: \"HMX-RING-002\" since: \"0.2\" text: \"reused\" }\n"
      "deprecated_requirements { id: \"HMX-RING-003\" replaced_by: \"HMX-RING-009\" text: \"x\" }\n");
  EXPECT_DIAG(d, F, 3, "deprecated_requirements[HMX-RING-002].id", "first at");
  EXPECT_DIAG(d, F, 4, "deprecated_requirements[HMX-RING-003].since", "version");
  EXPECT_DIAG(d, F, 4, "deprecated_requirements[HMX-RING-003].replaced_by[0]", "no live requirement");
  for (const auto& x : d) EXPECT_EQ(x.field.find("HMX-RING-001"), std::string::npos) << x.str();
}

TEST(Validate, ErrorsInALaterFileNameThatFile) {
  auto d = validate_sources({{"a.textproto", "errors { name: \"E\" value: 1 }\n"},
                             {"b.textproto", "\n\nerrors { name: \"E\" value: 2 }\n"}});
  EXPECT_DIAG(d, "b.textproto", 3, "errors[E].name", "first at a.textproto:1");
}

TEST(Validate, ReportsAllErrorsNotJustTheFirst) {
  auto d = validate_text(
      "errors { name: \"E\" value: 1 }\n"
      "errors { name: \"E\" value: 1 }\n"
      "features { name: \"F\" bit: 99 }\n"
      "requirements { id: \"bad\" }\n");
  EXPECT_GE(d.size(), 5u) << testing::dump(d);
}

TEST(Validate, RequirementIdPattern) {
  EXPECT_TRUE(is_requirement_id("HMX-RING-003"));
  EXPECT_FALSE(is_requirement_id("HMX-RING-03"));
  EXPECT_FALSE(is_requirement_id("HMX-RING-0003"));
  EXPECT_FALSE(is_requirement_id("HMX-Ring-003"));
  EXPECT_FALSE(is_requirement_id("XMH-RING-003"));
}

}  // namespace
}  // namespace hmx::specgen
