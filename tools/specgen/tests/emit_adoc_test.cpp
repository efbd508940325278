// AsciiDoc fragments: one file per table, anchors that prose can xref, escaped cells.
#include "emit_adoc.h"

#include <gtest/gtest.h>

#include "coverage.h"
#include "test_util.h"

namespace hmx::specgen {
namespace {

class EmitAdoc : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(spec_.add_file(HMX_SPECGEN_FIXTURES "/valid.textproto", d_));
    ASSERT_TRUE(spec_.add_file(HMX_SPECGEN_FIXTURES "/requirements.textproto", d_));
    Coverage cov;
    merge_data_tests(spec_.merged(), cov);
    cov["HMX-RING-002"].insert("Scanned.Test");
    files_ = emit_adoc(spec_, cov);
  }
  bool contains(const std::string& file, const std::string& text) {
    return files_.at(file).find(text) != std::string::npos;
  }
  LoadedSpec spec_;
  Diags d_;
  FileSet files_;
};

TEST_F(EmitAdoc, OneFilePerTable) {
  for (const char* f : {"version.adoc", "constants.adoc", "errors.adoc", "structs.adoc",
                        "operations.adoc", "mechanisms.adoc", "features.adoc", "cpuid.adoc",
                        "msrs.adoc", "smccc.adoc", "requirements.adoc"})
    EXPECT_TRUE(files_.count(f)) << f;
}

TEST_F(EmitAdoc, AnchorsForProseXrefs) {
  EXPECT_TRUE(contains("structs.adoc", "[[struct-addr]]\n"));
  EXPECT_TRUE(contains("structs.adoc", "[[struct-block]]\n"));
  EXPECT_TRUE(contains("requirements.adoc", "|[[HMX-RING-001]]HMX-RING-001 |MUST |hypervisor |<<sec-rings>>"));
  EXPECT_TRUE(contains("requirements.adoc", "|[[HMX-RING-002]]HMX-RING-002 |MUST NOT |guest library"));
  EXPECT_TRUE(contains("errors.adoc", "[[abi-error-EINVAL]]"));
  EXPECT_TRUE(contains("mechanisms.adoc", "[[abi-mech-msr]]"));
}

TEST_F(EmitAdoc, OperationsLinkErrorsMechanismsAndStructs) {
  EXPECT_TRUE(contains("operations.adoc", "[[abi-op-do_thing]]"));
  EXPECT_TRUE(contains("operations.adoc", "<<abi-error-EINVAL,EINVAL>>, <<abi-error-EPERM,EPERM>>"));
  EXPECT_TRUE(contains("operations.adoc", "<<abi-mech-msr,msr>>"));
  EXPECT_TRUE(contains("operations.adoc", "gpa:<<struct-block,block>>"));
  EXPECT_TRUE(contains("operations.adoc", "|Number |1\n"));
  EXPECT_TRUE(contains("structs.adoc", "<<struct-addr,addr>>"));  // nested field type
}

TEST_F(EmitAdoc, CoveringTestsAreTheUnion) {
  EXPECT_TRUE(contains("requirements.adoc", "`+Data.Named+`"));
  EXPECT_TRUE(contains("requirements.adoc", "`+Scanned.Test+`"));
  EXPECT_TRUE(contains("requirements.adoc", "|_none_"));  // HMX-PROBE-001
}

TEST_F(EmitAdoc, DerivedNumbersAndEscaping) {
  EXPECT_TRUE(contains("smccc.adoc", "W0 0xb66fb428, W1 0xe911c52e, W2 0x564bcaa9, W3 0x743a004d"));
  EXPECT_TRUE(contains("smccc.adoc", "|0x8600ff01 |0xff01 |SMC32, fast"));
  EXPECT_TRUE(contains("constants.adoc", "Any \\| all."));
  EXPECT_TRUE(contains("msrs.adoc", "`+PAGE.GPA+` | | | |63:12"));
  EXPECT_TRUE(contains("cpuid.adoc", "|31:16 |Major."));
}

}  // namespace
}  // namespace hmx::specgen
