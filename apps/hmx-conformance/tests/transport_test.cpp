// SPDX-License-Identifier: Apache-2.0
// The transport target's parsing (targets.h): `// covers:` markers and GoogleTest XML reports,
// and its evaluation (TRANSPORT_* requirements only).
#include <gtest/gtest.h>

#include "evaluate.h"
#include "targets.h"

namespace conformance::runner {
namespace {

// Fixtures spell the marker as @MARKER@: a literal one in this file would be read by hmx-specgen's
// coverage scanner as a claim of this test file.
std::string with_markers(std::string text) {
  const std::string marker = std::string("// cov") + "ers:";
  for (size_t at = text.find("@MARKER@"); at != std::string::npos; at = text.find("@MARKER@", at))
    text.replace(at, 8, marker);
  return text;
}

TEST(TransportCovers, MarkerAppliesToTheNextTestLine) {
  covers_map c;
  parse_covers(with_markers(R"(
// A comment that is not a marker.
@MARKER@ HMX-VTA-001 HMX-VTA-002
TEST_F(OverCore, First) {
  @MARKER@ inside a body still waits for the next TEST line
}
TEST(Channel, Second) {}

@MARKER@ HMX-VTA-003 not-an-id
@MARKER@ HMX-VTA-004
  TEST_P( Param , Third ) {}
TEST(NoMarker, Fourth) {}
TEST_F(Broken {
)"),
               &c);
  ASSERT_EQ(c.count("OverCore.First"), 1u);
  EXPECT_EQ(c["OverCore.First"], (std::vector<std::string>{"HMX-VTA-001", "HMX-VTA-002"}));
  EXPECT_EQ(c.count("Channel.Second"), 0u);  // the marker inside the body had no valid ID
  EXPECT_EQ(c["Param.Third"], (std::vector<std::string>{"HMX-VTA-003", "HMX-VTA-004"}));
  EXPECT_EQ(c.count("NoMarker.Fourth"), 0u);
  EXPECT_EQ(c.size(), 2u);
}

constexpr const char* kXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" failures="1" disabled="1" errors="0" name="AllTests">
  <testsuite name="OverCore" tests="3" failures="1" disabled="1" skipped="0" errors="0">
    <testcase name="Good" file="a.cpp" line="1" status="run" result="completed" time="0.1" classname="OverCore" />
    <testcase name="Bad" file="a.cpp" line="9" status="run" result="completed" time="0.1" classname="OverCore">
      <failure message="a.cpp:12&#x0A;Expected equality" type=""><![CDATA[a.cpp:12
Expected equality]]></failure>
    </testcase>
    <testcase name="DISABLED_Off" status="notrun" result="suppressed" time="0" classname="OverCore" />
  </testsuite>
  <testsuite name="Channel" tests="1" failures="0" disabled="0" skipped="1" errors="0">
    <testcase name="Skips" status="run" result="skipped" time="0" classname="Channel">
      <skipped message="no peer" />
    </testcase>
  </testsuite>
</testsuites>
)";

TEST(TransportXml, TestcasesBecomeResultsPerRequirement) {
  const covers_map c = {{"OverCore.Good", {"HMX-VTA-001", "HMX-VTA-002"}},
                        {"OverCore.Bad", {"HMX-VTA-002"}},
                        {"Channel.Skips", {"HMX-VTA-003"}}};
  run_log log;
  std::string error;
  ASSERT_TRUE(gtest_xml_to_log(kXml, c, &log, &error)) << error;
  ASSERT_EQ(log.tests.size(), 3u);  // the disabled one is not a result
  const test_record* good = log.find("OverCore.Good");
  ASSERT_NE(good, nullptr);
  EXPECT_TRUE(good->finished);
  EXPECT_EQ(good->outcomes, (std::vector<std::pair<std::string, char>>{{"HMX-VTA-001", 'P'}, {"HMX-VTA-002", 'P'}}));
  const test_record* bad = log.find("OverCore.Bad");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->verdict, "FAIL");
  EXPECT_EQ(bad->outcomes, (std::vector<std::pair<std::string, char>>{{"HMX-VTA-002", 'F'}}));
  EXPECT_NE(bad->message.find("a.cpp:12"), std::string::npos);
  const test_record* skip = log.find("Channel.Skips");
  ASSERT_NE(skip, nullptr);
  EXPECT_EQ(skip->outcomes, (std::vector<std::pair<std::string, char>>{{"HMX-VTA-003", 'S'}}));
  EXPECT_EQ(skip->message, "no peer");
  EXPECT_EQ(log.done_pass, 1u);
  EXPECT_EQ(log.done_fail, 1u);
  EXPECT_EQ(log.done_skip, 1u);
}

constexpr const char* kXmlNamed = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="2" disabled="0" errors="0" name="AllTests">
  <testsuite name="OverCore" tests="2" failures="2" disabled="0" skipped="0" errors="0">
    <testcase name="Rows" file="a.cpp" line="1" status="run" result="completed" time="0.1" classname="OverCore">
      <failure message="a.cpp:20&#x0A;Expected equality&#x0A;Google Test trace:&#x0A;a.cpp:18: HMX-VTA-107" type=""><![CDATA[a.cpp:20
Expected equality
Google Test trace:
a.cpp:18: HMX-VTA-107]]></failure>
    </testcase>
    <testcase name="Unnamed" file="a.cpp" line="30" status="run" result="completed" time="0.1" classname="OverCore">
      <failure message="a.cpp:31&#x0A;HMX-VTA-0 is not an id" type=""><![CDATA[a.cpp:31]]></failure>
    </testcase>
  </testsuite>
</testsuites>
)";

// A failure that names one of the test's requirement rows fails that row only; the test's other
// rows are not tested (its failure may have stopped their checks). One that names none fails all.
TEST(TransportXml, AFailureThatNamesARowFailsOnlyThatRow) {
  const covers_map c = {{"OverCore.Rows", {"HMX-VTA-105", "HMX-VTA-107", "HMX-VTA-10"}},
                        {"OverCore.Unnamed", {"HMX-VTA-001", "HMX-VTA-002"}}};
  run_log log;
  std::string error;
  ASSERT_TRUE(gtest_xml_to_log(kXmlNamed, c, &log, &error)) << error;
  const test_record* rows = log.find("OverCore.Rows");
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(rows->outcomes,
            (std::vector<std::pair<std::string, char>>{{"HMX-VTA-105", 'N'}, {"HMX-VTA-107", 'F'}, {"HMX-VTA-10", 'N'}}));
  const test_record* unnamed = log.find("OverCore.Unnamed");
  ASSERT_NE(unnamed, nullptr);
  EXPECT_EQ(unnamed->outcomes, (std::vector<std::pair<std::string, char>>{{"HMX-VTA-001", 'F'}, {"HMX-VTA-002", 'F'}}));
  ASSERT_EQ(log.failures.size(), 2u);
  EXPECT_EQ(log.failures[0].req, "HMX-VTA-107");
  EXPECT_EQ(log.failures[1].req, "*");
  EXPECT_EQ(log.done_fail, 2u);
}

TEST(TransportXml, RejectsWhatIsNotAReport) {
  run_log log;
  std::string error;
  EXPECT_FALSE(gtest_xml_to_log("", {}, &log, &error));
  EXPECT_FALSE(gtest_xml_to_log("<testsuites><testsuite>", {}, &log, &error));
  EXPECT_FALSE(gtest_xml_to_log("<other/>", {}, &log, &error));
  EXPECT_FALSE(error.empty());
}

TEST(TransportEvaluate, OnlyTransportRequirementsAreInScope) {
  EXPECT_TRUE(in_scope(target_kind::transport, "TRANSPORT_DRIVER"));
  EXPECT_TRUE(in_scope(target_kind::transport, "TRANSPORT_DEVICE"));
  EXPECT_FALSE(in_scope(target_kind::transport, "HYPERVISOR"));
  EXPECT_FALSE(in_scope(target_kind::transport, "GUEST_LIBRARY"));
  EXPECT_FALSE(in_scope(target_kind::kvm, "TRANSPORT_DRIVER"));

  const spec_info spec = parse_spec("transport.json", R"({"format": "hmx-spec-bundle/1", "spec": {
  "version": {"major": 0, "minor": 1, "status": "draft"},
  "requirements": [
    {"id": "HMX-RING-001", "level": "MUST", "target": "HYPERVISOR", "section": "s", "text": "a"},
    {"id": "HMX-VTA-001", "level": "MUST", "target": "TRANSPORT_DRIVER", "section": "s", "text": "b"},
    {"id": "HMX-VTA-002", "level": "MUST", "target": "TRANSPORT_DEVICE", "section": "s", "text": "c"},
    {"id": "HMX-VTA-003", "level": "MUST", "target": "TRANSPORT_DEVICE", "section": "s", "text": "d"}]}})");
  run_log log;
  log.begun = log.ident_seen = log.done = true;
  log.ident["hmx"] = "1";
  std::string error;
  ASSERT_TRUE(gtest_xml_to_log(kXml, {{"OverCore.Good", {"HMX-VTA-001", "HMX-VTA-002"}}}, &log, &error)) << error;
  log.plan = static_cast<int>(log.tests.size());
  log.done_status = 0;
  run_facts facts;
  facts.target = target_kind::transport;
  const evaluation ev = evaluate(spec, log, facts, selection(std::vector<std::string>{}));
  EXPECT_TRUE(ev.complete);
  ASSERT_EQ(ev.reqs.size(), 4u);
  EXPECT_EQ(ev.reqs[0].status, req_status::not_tested);
  EXPECT_EQ(ev.reqs[0].detail, "hypervisor: certified by --target kvm/reference");
  EXPECT_EQ(ev.reqs[1].status, req_status::pass);
  EXPECT_EQ(ev.reqs[2].status, req_status::pass);
  EXPECT_EQ(ev.reqs[3].status, req_status::not_tested);
  EXPECT_EQ(ev.exit_code, 0);
}

}  // namespace
}  // namespace conformance::runner
