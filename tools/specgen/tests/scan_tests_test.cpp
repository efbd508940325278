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

TEST(Scan, ARetiredIdIsAWarningThatNamesItsSuccessorsAndCoversNothing) {
  Coverage cov;
  Diags d;
  Sites sites;
  const Retired retired = {{"HMX-RING-007", "HMX-RING-001 HMX-RING-002"}};
  scan_source("r_test.cpp", "// covers: HMX-RING-007 HMX-RING-001\nTEST(A, B) {}\n", kKnown, cov, sites, d,
              "r_test.cpp", true, &retired);
  ASSERT_EQ(d.size(), 1u) << testing::dump(d);
  EXPECT_TRUE(d[0].warning);
  EXPECT_NE(d[0].message.find("HMX-RING-001 HMX-RING-002"), std::string::npos) << d[0].message;
  EXPECT_FALSE(cov.count("HMX-RING-007"));
  EXPECT_EQ(cov["HMX-RING-001"], (std::set<std::string>{"A.B"}));
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


TEST(Scan, CodeCitesRequirementsTestsDoNot) {
  Coverage cov;
  Sites sites;
  Diags d;
  const std::string text =
      "// Registers a ring (HMX-RING-001, HMX-RING-002).\n"
      "int f();\n"
      "const char* id = \"HMX-PROBE-001\";  // HMX-PROBE-001 once per line\n"
      "// Parse \"HMX-A-001 HMX-B-002\": examples, no area of the data\n"
      "// HMX-RING-099 is a typo\n"
      "//   // covers: HMX-RING-001 (describing the marker cites nothing)\n";
  scan_source("src/ring.cpp", text, kKnown, cov, sites, d, "lib/ring.cpp", false);
  EXPECT_EQ(sites.code["HMX-RING-001"], (std::vector<Site>{{"lib/ring.cpp", 1}}));
  EXPECT_EQ(sites.code["HMX-RING-002"], (std::vector<Site>{{"lib/ring.cpp", 1}}));
  EXPECT_EQ(sites.code["HMX-PROBE-001"], (std::vector<Site>{{"lib/ring.cpp", 3}}));
  EXPECT_EQ(sites.code.size(), 3u);
  ASSERT_EQ(d.size(), 1u) << testing::dump(d);
  EXPECT_TRUE(d[0].warning);
  EXPECT_EQ(d[0].line, 5);
  EXPECT_NE(d[0].message.find("HMX-RING-099"), std::string::npos);

  Sites in_test;
  Diags d2;
  scan_source("tests/ring_test.cpp", text + "// covers: HMX-RING-001\nTEST(Ring, Reg) {}\n", kKnown,
              cov, in_test, d2, "lib/tests/ring_test.cpp", true);
  EXPECT_TRUE(in_test.code.empty());
  EXPECT_EQ(in_test.tests["HMX-RING-001"].at("Ring.Reg"), (Site{"lib/tests/ring_test.cpp", 8}));
}

TEST(Scan, TestSourcesAreThoseBelowATestsFolder) {
  EXPECT_TRUE(is_test_path("libhmx/tests/status_test.cpp"));
  EXPECT_TRUE(is_test_path("tests/x.cpp"));
  EXPECT_FALSE(is_test_path("libhmx/include/hmx/status.h"));
  EXPECT_FALSE(is_test_path("libhmx/include/hmx/tests_helper.h"));
}

TEST(Scan, DirectoriesRecordSitesRelativeToTheRoot) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("hmx-specgen-sites-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "lib" / "tests");
  std::ofstream(root / "lib" / "ring.h") << "\n// HMX-RING-001\n";
  std::ofstream(root / "lib" / "tests" / "t.cpp") << "// HMX-RING-002\n// covers: HMX-RING-001\nTEST(A, B) {}\n";
  Coverage cov;
  Sites sites;
  Diags d;
  scan_dirs({(root / "lib").string()}, kKnown, cov, d, &sites, root.string());
  EXPECT_TRUE(d.empty()) << testing::dump(d);
  EXPECT_EQ(sites.code["HMX-RING-001"], (std::vector<Site>{{"lib/ring.h", 2}}));
  EXPECT_FALSE(sites.code.count("HMX-RING-002"));
  EXPECT_EQ(sites.tests["HMX-RING-001"].at("A.B"), (Site{"lib/tests/t.cpp", 3}));
  fs::remove_all(root);
}

TEST(Coverage, UncitedListsTheRequirementsOfAnAreaWithoutCodeInTheFolder) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_file(HMX_SPECGEN_FIXTURES "/requirements.textproto", d));
  Sites sites;
  sites.code["HMX-RING-001"] = {{"libhmx/include/hmx/ring.h", 3}};
  sites.code["HMX-RING-002"] = {{"adapters/reference/src/ring.cpp", 9}};
  EXPECT_EQ(uncited(spec.merged(), sites, "RING", "libhmx"), (std::vector<std::string>{"HMX-RING-002"}));
  EXPECT_EQ(uncited(spec.merged(), sites, "RING", "lib"), (std::vector<std::string>{"HMX-RING-001", "HMX-RING-002"}));
  EXPECT_EQ(uncited(spec.merged(), sites, "PROBE", "libhmx"), (std::vector<std::string>{"HMX-PROBE-001"}));
  const std::string j = coverage_json(spec.merged(), Coverage{}, &sites);
  EXPECT_NE(j.find("\"code\": [\n        {\n          \"file\": \"libhmx/include/hmx/ring.h\",\n          \"line\": 3"),
            std::string::npos)
      << j;
}

}  // namespace
}  // namespace hmx::specgen
