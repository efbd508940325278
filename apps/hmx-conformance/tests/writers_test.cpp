// SPDX-License-Identifier: Apache-2.0
// The report writers: TAP 13, JUnit XML (read back with pugixml), the JSON certification report.
#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <sstream>

#include "report.h"
#include "unit_support.h"

namespace conformance::runner {
namespace {

using testing::parse_lines;
using testing::passing_run;
using testing::small_spec;

struct fixture {
  spec_info spec = small_spec();
  run_log log;
  run_facts facts;
  selection sel;
  evaluation ev;
  explicit fixture(std::vector<std::string> lines) {
    log = parse_lines(lines);
    facts.target = target_kind::kvm;
    facts.guest_status = log.done_status;
    ev = evaluate(spec, log, facts, sel);
  }
  report rep() const { return report{spec, log, facts, ev, sel, "2030-01-02T03:04:05Z"}; }
};

std::vector<std::string> failing_run() {
  auto lines = passing_run();
  lines[5] = "HMXC CHECK ring_a cp=4 req=HMX-RING-002 FAIL msg=got \"0\" # want EINVAL";
  lines.insert(lines.begin() + 6, "HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:P,HMX-RING-002:F msg=cp 4");
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  return lines;
}

TEST(Tap, OnePointPerRequirement) {
  const fixture f(failing_run());
  std::ostringstream out;
  write_tap(out, f.rep());
  const std::string tap = out.str();
  EXPECT_EQ(tap.rfind("TAP version 13\n1..4\n", 0), 0u) << tap;
  EXPECT_NE(tap.find("ok 1 - HMX-RING-001 MUST\n"), std::string::npos);
  EXPECT_NE(tap.find("not ok 2 - HMX-RING-002 MUST\n  ---\n  test: ring_a\n  checkpoint: 4\n"), std::string::npos);
  EXPECT_NE(tap.find("message: \"got \\\"0\\\" # want EINVAL\""), std::string::npos);
  EXPECT_NE(tap.find("ok 4 - HMX-LIB-001 MUST # SKIP not tested"), std::string::npos);
  EXPECT_EQ(tap.find("Bail out!"), std::string::npos);
}

TEST(Tap, IncompleteRunBailsOut) {
  auto lines = passing_run();
  lines.pop_back();
  const fixture f(lines);
  std::ostringstream out;
  write_tap(out, f.rep());
  EXPECT_NE(out.str().find("Bail out!"), std::string::npos);
}

TEST(JUnit, ParsesBackWithFailuresAndSkips) {
  const fixture f(failing_run());
  const std::string xml = junit_xml(f.rep());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  const pugi::xml_node suites = doc.child("testsuites");
  EXPECT_EQ(suites.attribute("tests").as_uint(), 4u);
  EXPECT_EQ(suites.attribute("failures").as_uint(), 1u);
  const pugi::xml_node ring = suites.find_child_by_attribute("testsuite", "name", "HMX-RING");
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring.attribute("tests").as_uint(), 2u);
  const pugi::xml_node bad = ring.find_child_by_attribute("testcase", "name", "HMX-RING-002");
  ASSERT_TRUE(bad.child("failure"));
  EXPECT_NE(std::string(bad.child("failure").text().get()).find("checkpoint 4"), std::string::npos);
  const pugi::xml_node lib = suites.find_child_by_attribute("testsuite", "name", "HMX-LIB");
  EXPECT_TRUE(lib.child("testcase").child("skipped"));
}

TEST(JUnit, HostileTextIsEscaped) {
  auto lines = failing_run();
  lines[5] = "HMXC CHECK ring_a cp=4 req=HMX-RING-002 FAIL msg=</failure><x a='1'>&amp;]]>";
  const fixture f(lines);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(junit_xml(f.rep()).c_str()));
  const pugi::xml_node tc =
      doc.child("testsuites").find_child_by_attribute("testsuite", "name", "HMX-RING").find_child_by_attribute(
          "testcase", "name", "HMX-RING-002");
  EXPECT_NE(std::string(tc.child("failure").text().get()).find("</failure><x a='1'>&amp;]]>"), std::string::npos);
}

TEST(Json, CertificationReportFields) {
  const fixture f(failing_run());
  const nlohmann::json j = certification_json(f.rep());
  EXPECT_EQ(j["format"], "hmx-conformance-report/1");
  EXPECT_EQ(j["generated"], "2030-01-02T03:04:05Z");
  EXPECT_EQ(j["spec"]["version"], "0.1");
  EXPECT_EQ(j["target"], "kvm");
  EXPECT_EQ(j["hypervisor"]["signature"], "KVMKVMKVM...");
  EXPECT_EQ(j["hypervisor"]["hmx"]["version"], "0.1");
  EXPECT_EQ(j["hypervisor"]["hmx"]["mechanisms"], nlohmann::json({"x86_msr", "x86_vector"}));
  EXPECT_EQ(j["hypervisor"]["hmx"]["features"], nlohmann::json({"BATCH", "NULL_OP"}));
  EXPECT_EQ(j["hypervisor"]["hmx"]["msr_base"], "0x484d5800");
  EXPECT_EQ(j["summary"]["fail"], 1);
  EXPECT_EQ(j["summary"]["exit_code"], 1);
  ASSERT_EQ(j["requirements"].size(), 4u);
  const auto& r2 = j["requirements"][1];
  EXPECT_EQ(r2["id"], "HMX-RING-002");
  EXPECT_EQ(r2["status"], "FAIL");
  EXPECT_EQ(r2["failure"]["test"], "ring_a");
  EXPECT_EQ(r2["failure"]["checkpoint"], 4);
  EXPECT_EQ(j["requirements"][3]["status"], "NOT TESTED");
  EXPECT_EQ(j["tests"][0]["requirements"]["HMX-RING-002"], "F");
  EXPECT_EQ(j["run"]["tester_exit_status"], 1);
}

TEST(Json, AbsentHmxHasAReason) {
  const fixture f({"HMXC BEGIN protocol=1 role=tester",
                   "HMXC IDENT hmx=0 hv=1 hv_max=0x40000001 hv_sig=544347544347544347544347 vcpus=2 reason=HMX not present: no HMX CPUID signature",
                   "HMXC PLAN 0", "HMXC DONE pass=0 fail=0 skip=0 status=77"});
  const nlohmann::json j = certification_json(f.rep());
  EXPECT_EQ(j["hypervisor"]["signature"], "TCGTCGTCGTCG");
  EXPECT_FALSE(j["hypervisor"]["hmx"]["present"].get<bool>());
  EXPECT_EQ(j["hypervisor"]["hmx"]["reason"], "HMX not present: no HMX CPUID signature");
  EXPECT_EQ(j["requirements"][0]["status"], "NOT SUPPORTED");
  EXPECT_EQ(j["summary"]["exit_code"], 77);
}

TEST(Table, ListsEveryRequirementAndTheResult) {
  const fixture f(failing_run());
  std::ostringstream out;
  write_table(out, f.rep());
  const std::string t = out.str();
  for (const char* id : {"HMX-RING-001", "HMX-RING-002", "HMX-DISC-003", "HMX-LIB-001"})
    EXPECT_NE(t.find(id), std::string::npos) << id;
  EXPECT_NE(t.find("ring_a checkpoint 4"), std::string::npos);
  EXPECT_NE(t.find("result: FAIL (exit code 1)"), std::string::npos);
}

TEST(Identity, SignatureAndBitNames) {
  EXPECT_EQ(signature_text("4b564d4b564d4b564d000000"), "KVMKVMKVM...");
  EXPECT_EQ(signature_text(""), "");
  const std::map<uint32_t, std::string> names{{0, "a"}, {8, "b"}};
  EXPECT_EQ(bit_names(0x301, names), (std::vector<std::string>{"a", "b", "bit9"}));
}

}  // namespace
}  // namespace conformance::runner
