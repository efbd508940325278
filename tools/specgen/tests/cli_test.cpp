// SPDX-License-Identifier: Apache-2.0
// The hmx-specgen command line end to end: exit codes, messages, --check, outputs.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "output.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int rc;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  const std::string cmd = std::string(HMX_SPECGEN_EXE) + " " + args + " 2>&1";
  Result r{-1, {}};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

const std::string kFix = HMX_SPECGEN_FIXTURES;
const std::string kSpecs = "--spec " + kFix + "/valid.textproto --spec " + kFix + "/requirements.textproto";

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hmx-specgen-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string p(const std::string& name) { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(Cli, GeneratesThenCheckPassesThenDriftFails) {
  Result r = run(kSpecs + " --abi-out " + p("abi"));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "abi" / "hmx.h"));
  r = run(kSpecs + " --abi-out " + p("abi") + " --check");
  EXPECT_EQ(r.rc, 0) << r.out;

  std::ofstream(dir_ / "abi" / "ops.h", std::ios::app) << "/* hand edit */\n";
  fs::remove(dir_ / "abi" / "msr.h");
  r = run(kSpecs + " --abi-out " + p("abi") + " --check");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find(p("abi/ops.h") + ": drifted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-/* hand edit */"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(p("abi/msr.h") + ": missing"), std::string::npos) << r.out;
}

TEST_F(Cli, InvalidSpecExitsTwoNamingFileLineField) {
  Result r = run("--spec " + kFix + "/broken_layout.textproto --abi-out " + p("abi"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find(kFix + "/broken_layout.textproto:7:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("structs[call_block].fields[result].offset"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kFix + "/broken_layout.textproto:11:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("operations[sendv].errors[0]"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "abi"));  // nothing written
}

TEST_F(Cli, ParseErrorExitsTwoWithLineColumn) {
  std::ofstream(p("bad.textproto")) << "version {\n  major: one\n}\n";
  Result r = run("--spec " + p("bad.textproto"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find(p("bad.textproto") + ":2:10: error: parse error"), std::string::npos) << r.out;
}

TEST_F(Cli, ScanCoverageAdocAndXenChecks) {
  fs::create_directories(dir_ / "tests");
  std::ofstream(dir_ / "tests" / "t.cpp") << "// covers: HMX-RING-002\nTEST(S, T) {}\n";
  Result r = run(kSpecs + " --scan-tests " + p("tests") + " --coverage-json " + p("cov.json") +
              " --adoc-out " + p("adoc") + " --xen-checks-out " + p("xen.inc"));
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string s;
  ASSERT_TRUE(hmx::specgen::read_file(p("cov.json"), s));
  EXPECT_NE(s.find("\"S.T\""), std::string::npos) << s;
  ASSERT_TRUE(hmx::specgen::read_file(p("adoc/requirements.adoc"), s));
  EXPECT_NE(s.find("[[HMX-RING-002]]"), std::string::npos);
  EXPECT_NE(s.find("`+S.T+`"), std::string::npos);
  ASSERT_TRUE(hmx::specgen::read_file(p("xen.inc"), s));
  EXPECT_NE(s.find("HMX_XEN_STRUCT(hmx_addr_t, xen_argo_addr_t)"), std::string::npos);

  std::ofstream(dir_ / "tests" / "u.cpp") << "\n// covers: HMX-NOPE-001\nTEST(S, U) {}\n";
  r = run(kSpecs + " --scan-tests " + p("tests") + " --coverage-json " + p("cov.json"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find(p("tests/u.cpp") + ":2: error: covers: unknown requirement id HMX-NOPE-001"),
            std::string::npos)
      << r.out;
}

TEST_F(Cli, RequireCodeCitationsFailsListingTheUncited) {
  fs::create_directories(dir_ / "lib" / "tests");
  std::ofstream(dir_ / "lib" / "ring.h") << "// HMX-RING-001\n";
  std::ofstream(dir_ / "lib" / "tests" / "t.cpp") << "// HMX-RING-002 (a test: no citation)\n";
  Result r = run(kSpecs + " --scan " + p("lib") + " --source-root " + dir_.string() +
                 " --require-code-citations RING=lib");
  EXPECT_EQ(r.rc, 4) << r.out;
  EXPECT_NE(r.out.find("HMX-RING-002 is cited by no code under lib/"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("HMX-RING-001 is cited"), std::string::npos) << r.out;

  std::ofstream(dir_ / "lib" / "ring.cpp") << "int x;  // HMX-RING-002\n";
  r = run(kSpecs + " --scan " + p("lib") + " --source-root " + dir_.string() +
          " --require-code-citations RING=lib --adoc-out " + p("adoc"));
  EXPECT_EQ(r.rc, 0) << r.out;
  std::string s;
  ASSERT_TRUE(hmx::specgen::read_file(p("adoc/requirements.adoc"), s));
  EXPECT_NE(s.find("link:{hmx-source}/lib/ring.cpp#L1[`+lib/ring.cpp:1+`]"), std::string::npos) << s;

  r = run(kSpecs + " --scan " + p("lib") + " --require-code-citations RING");
  EXPECT_EQ(r.rc, 3) << r.out;
}

TEST_F(Cli, CheckNeedsAbiOut) {
  Result r = run(kSpecs + " --check");
  EXPECT_EQ(r.rc, 3) << r.out;
}

}  // namespace

namespace {

TEST(CliNoFixture, MissingSpecFileExitsTwo) {
  Result r = run("--spec /nonexistent/hmx.textproto");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/hmx.textproto: error: cannot open file"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// A bare `hmx-specgen --check` checks this checkout: its spec data against its committed abi/.
TEST(CliNoFixture, BareCheckChecksTheCheckout) {
  Result r = run("--check");
  EXPECT_EQ(r.rc, 0) << r.out;
}

}  // namespace
