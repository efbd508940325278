// SPDX-License-Identifier: Apache-2.0
// The console parser against well-formed, garbled and hostile output (serial_parser.h).
#include <gtest/gtest.h>

#include "unit_support.h"

namespace conformance::runner {
namespace {

using testing::parse_lines;
using testing::passing_run;

TEST(Parser, ReadsACompleteRun) {
  const run_log log = parse_lines(passing_run());
  EXPECT_TRUE(log.begun);
  EXPECT_TRUE(log.done);
  EXPECT_EQ(log.done_status, 0);
  EXPECT_TRUE(log.hmx_present());
  EXPECT_EQ(log.ident.at("msr_base"), "0x484d5800");
  EXPECT_EQ(log.peer, 2);
  EXPECT_EQ(log.denied, 3);
  ASSERT_EQ(log.tests.size(), 2u);
  EXPECT_EQ(log.tests[0].verdict, "PASS");
  EXPECT_EQ(log.tests[0].checkpoints, 7u);
  ASSERT_EQ(log.tests[0].outcomes.size(), 2u);
  EXPECT_EQ(log.tests[0].outcomes[1].first, "HMX-RING-002");
  EXPECT_TRUE(log.protocol_errors.empty());
}

TEST(Parser, FreeTextKeepsSpacesAndEquals) {
  const run_log log = parse_lines({"HMXC BEGIN protocol=1 role=tester",
                                   "HMXC IDENT hmx=0 hv=1 reason=HMX not present: a=b c",
                                   "HMXC TEST t reqs=HMX-RING-001",
                                   "HMXC CHECK t cp=3 req=HMX-RING-001 FAIL msg=got EINVAL (-22), want x=1",
                                   "HMXC RESULT t FAIL cp=3 reqs=HMX-RING-001:F msg=cp 3: got EINVAL"});
  EXPECT_EQ(log.ident.at("reason"), "HMX not present: a=b c");
  ASSERT_EQ(log.failures.size(), 1u);
  EXPECT_EQ(log.failures[0].checkpoint, 3u);
  EXPECT_EQ(log.failures[0].message, "got EINVAL (-22), want x=1");
  EXPECT_FALSE(log.hmx_present());
}

TEST(Parser, ChunksAndCarriageReturns) {
  serial_parser p;
  std::string all;
  for (const auto& l : passing_run()) all += l + "\r\n";
  for (size_t i = 0; i < all.size(); i += 7) p.feed(std::string_view(all).substr(i, 7));
  p.finish();
  EXPECT_TRUE(p.log().done);
  EXPECT_EQ(p.log().tests.size(), 2u);
  EXPECT_TRUE(p.log().protocol_errors.empty());
}

TEST(Parser, NoiseIsIgnored) {
  std::vector<std::string> lines = {"SeaBIOS (version 1.16)", "\x1b[2J\x1b[01;01H", "", "hmx-guest: boot",
                                    "  HMXC RESULT fake PASS cp=1 reqs=HMX-RING-001:P msg=",  // not at line start
                                    "xHMXC DONE pass=9 fail=0 skip=0 status=0"};
  for (const auto& l : passing_run()) lines.push_back(l);
  const run_log log = parse_lines(lines);
  EXPECT_EQ(log.noise_lines, 6u);
  EXPECT_EQ(log.tests.size(), 2u);
  EXPECT_TRUE(log.protocol_errors.empty());
}

TEST(Parser, OnlyTheTesterDomainCounts) {
  // hmx-kvm prefixes each guest line with its domain; a peer or a hostile domain printing
  // protocol lines must not pass tests for the tester.
  std::vector<std::string> lines;
  for (const auto& l : passing_run()) lines.push_back("[tester] " + l);
  lines.insert(lines.begin() + 5, "[peer] HMXC RESULT ring_a FAIL cp=1 reqs=HMX-RING-001:F msg=forged");
  lines.insert(lines.begin() + 5, "[evil] HMXC DONE pass=0 fail=0 skip=0 status=0");
  lines.insert(lines.begin() + 1, "[tester]HMXC TEST nospace reqs=HMX-RING-001");
  const run_log log = parse_lines(lines, "tester");
  EXPECT_TRUE(log.protocol_errors.empty());
  EXPECT_EQ(log.tests.size(), 2u);
  EXPECT_EQ(log.tests[0].verdict, "PASS");
  EXPECT_EQ(log.noise_lines, 3u);
}

TEST(Parser, GarbledLinesAreProtocolErrors) {
  const std::vector<std::string> bad = {
      "HMXC TEST bad-name! reqs=HMX-RING-001",
      "HMXC TEST t2 reqs=HMX-ring-001",
      "HMXC TEST t3 reqs=HMX-RING-1",
      "HMXC RESULT ring_a MAYBE cp=1 reqs=HMX-RING-001:P msg=",
      "HMXC RESULT ring_a PASS cp=-1 reqs=HMX-RING-001:P msg=",
      "HMXC RESULT ring_a PASS cp=1 reqs=HMX-RING-001:X msg=",
      "HMXC RESULT ring_a PASS cp=99999999999999999999999 reqs=HMX-RING-001:P msg=",
      "HMXC PLAN many",
      "HMXC WHATEVER x",
      std::string("HMXC INFO t msg=bell\x07"),
      "HMXC CHECK ring_a cp=1 req=HMX-RING-001 msg=no verdict word",
  };
  std::vector<std::string> lines = {"HMXC BEGIN protocol=1 role=tester", "HMXC TEST ring_a reqs=HMX-RING-001"};
  lines.insert(lines.end(), bad.begin(), bad.end());
  const run_log log = parse_lines(lines);
  EXPECT_EQ(log.protocol_errors.size(), bad.size());
  ASSERT_EQ(log.tests.size(), 1u);
  EXPECT_FALSE(log.tests[0].finished);
}

TEST(Parser, AResultMustMatchItsTest) {
  const run_log log = parse_lines({
      "HMXC BEGIN protocol=1 role=tester",
      "HMXC RESULT ghost PASS cp=1 reqs=HMX-RING-001:P msg=",  // no TEST line
      "HMXC TEST t reqs=HMX-RING-001",
      "HMXC RESULT t PASS cp=1 reqs=HMX-RING-002:P msg=",  // a requirement it did not declare
      "HMXC RESULT t PASS cp=1 reqs=HMX-RING-001:F msg=",  // verdict hides a failure
      "HMXC RESULT t PASS cp=1 reqs=HMX-RING-001:P msg=",
      "HMXC RESULT t PASS cp=1 reqs=HMX-RING-001:P msg=",  // a second claim
  });
  EXPECT_EQ(log.protocol_errors.size(), 4u);
  ASSERT_EQ(log.tests.size(), 1u);
  EXPECT_EQ(log.tests[0].verdict, "FAIL");  // the duplicate turns it into a failure
}

TEST(Parser, LinesBeforeBeginOrAfterDone) {
  std::vector<std::string> lines = {"HMXC TEST early reqs=HMX-RING-001"};
  for (const auto& l : passing_run()) lines.push_back(l);
  lines.push_back("HMXC RESULT ring_a FAIL cp=1 reqs=HMX-RING-001:F msg=late");
  const run_log log = parse_lines(lines);
  EXPECT_EQ(log.protocol_errors.size(), 2u);
  EXPECT_EQ(log.tests[0].verdict, "PASS");
}

TEST(Parser, HugeAndBinaryInputDoesNotCrash) {
  serial_parser p;
  std::string junk;
  for (int i = 0; i < 200000; ++i) junk += static_cast<char>((i * 7919) & 0xff);
  p.feed(junk);
  p.feed(std::string(100000, 'A'));  // an endless line
  p.feed("\nHMXC " + std::string(10000, 'B') + "\n");
  p.finish();
  EXPECT_FALSE(p.log().begun);
  EXPECT_LE(p.log().console.size(), serial_parser::kMaxConsole);
}

}  // namespace
}  // namespace conformance::runner
