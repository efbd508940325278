// SPDX-License-Identifier: Apache-2.0
// The coverage-marker scanner. (Marker lines here sit inside string literals, so scanning this
// file itself finds none.)
#include "scan_tests.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "coverage.h"
#include "test_util.h"

namespace hmx::specgen {
namespace {

const std::set<std::string> kKnown = {"HMX-RING-001", "HMX-RING-002", "HMX-PROBE-001"};

TEST(Scan, MarkerAppliesToNextTest) {
  Coverage cov;
  Diags d;
  scan_source("a_test.cpp",
              "#include <gtest/gtest.h>\n"
              "// covers: HMX-RING-001 HMX-RING-002\n"
              "TEST(Ring, Registers) {}\n"
              "TEST(Ring, Other) {}\n"
              "  // covers: HMX-RING-002, HMX-PROBE-001\n"
              "  // covers: HMX-RING-001\n"
              "TEST_F(Fixture,\n"
              "       Multiline) {}\n"
              "// covers: HMX-PROBE-001\n"
              "TEST_P(Param, Case) {}\n"
              "// covers: HMX-PROBE-001\n"
              "HMX_GUEST_TEST(guest_probe, \"x86\") {}\n",
              kKnown, cov, d);
  EXPECT_TRUE(d.empty()) << testing::dump(d);
  EXPECT_EQ(cov["HMX-RING-001"], (std::set<std::string>{"Ring.Registers", "Fixture.Multiline"}));
  EXPECT_EQ(cov["HMX-RING-002"], (std::set<std::string>{"Ring.Registers", "Fixture.Multiline"}));
  EXPECT_EQ(cov["HMX-PROBE-001"],
            (std::set<std::string>{"Fixture.Multiline", "Param.Case", "guest_probe"}));
}

TEST(Scan, UnknownAndMalformedIdsAreErrorsWithFileLine) {
  Coverage cov;
  Diags d;
  scan_source("b_test.cpp",
              "\n"
              "// covers: HMX-RING-009\n"
              "TEST(A, B) {}\n"
              "// covers: RING-1\n"
              "TEST(A, C) {}\n",
              kKnown, cov, d);
  EXPECT_DIAG(d, "b_test.cpp", 2, "covers", "unknown requirement id HMX-RING-009");
  EXPECT_DIAG(d, "b_test.cpp", 4, "covers", "'RING-1' is not a requirement id");
  EXPECT_TRUE(cov.empty());
}

TEST(Scan, DanglingMarkerIsAWarning) {
  Coverage cov;
  Diags d;
  scan_source("c.cpp", "// covers: HMX-RING-001\nint x;\n", kKnown, cov, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].warning);
  EXPECT_FALSE(has_errors(d));
}

TEST(Scan, CommentedOutTestsAndMacroDefinitionsDoNotCount) {
  Coverage cov;
  Diags d;
  scan_source("d.cpp",
              "#define HMX_GUEST_TEST(name, arch) void name()\n"
              "// covers: HMX-RING-001\n"
              "// TEST(Old, One) {}\n"
              "TEST(New, One) {}\n",
              kKnown, cov, d);
  EXPECT_EQ(cov["HMX-RING-001"], (std::set<std::string>{"New.One"}));
}

TEST(Scan, DirectoriesRecursivelyBySourceExtension) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hmx-specgen-scan-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "x_test.cc") << "// covers: HMX-RING-001\nTEST(X, Y) {}\n";
  std::ofstream(dir / "y.c") << "// covers: HMX-RING-002\nHMX_GUEST_TEST(g1, any) {}\n";
  std::ofstream(dir / "notes.txt") << "// covers: HMX-NOPE-001\nTEST(N, O) {}\n";
  Coverage cov;
  Diags d;
  scan_dirs({dir.string()}, kKnown, cov, d);
  EXPECT_TRUE(d.empty()) << testing::dump(d);
  EXPECT_EQ(cov["HMX-RING-001"], (std::set<std::string>{"X.Y"}));
  EXPECT_EQ(cov["HMX-RING-002"], (std::set<std::string>{"g1"}));
  fs::remove_all(dir);
}

TEST(Coverage, JsonIsTheUnionOfDataAndScan) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_file(HMX_SPECGEN_FIXTURES "/requirements.textproto", d));
  Coverage cov;
  merge_data_tests(spec.merged(), cov);
  cov["HMX-RING-001"].insert("A.B");
  const std::string j = coverage_json(spec.merged(), cov);
  EXPECT_NE(j.find("\"id\": \"HMX-RING-001\",\n      \"level\": \"MUST\",\n      \"target\": \"HYPERVISOR\",\n"
                   "      \"tests\": [\n        \"A.B\",\n        \"Data.Named\"\n      ]"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"level\": \"MUST_NOT\""), std::string::npos);
}

}  // namespace
}  // namespace hmx::specgen
