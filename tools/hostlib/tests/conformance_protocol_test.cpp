// SPDX-License-Identifier: Apache-2.0
// The conformance protocol's lines (conformance_protocol.h, conformance/PROTOCOL.md), typed: each
// keyword well-formed, the malformed forms a crashing or hostile tester may print, and noise.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "hmx/host/conformance_protocol.h"

namespace hmx::host::hmxc {
namespace {

template <class T>
T must(std::string_view text) {
  const std::optional<parsed_line> p = parse_line(text);
  if (!p) {
    ADD_FAILURE() << "not a protocol line: " << text;
    return T{};
  }
  EXPECT_EQ(p->error, "") << text;
  if (!p->value || !std::holds_alternative<T>(*p->value)) {
    ADD_FAILURE() << "wrong line type: " << text;
    return T{};
  }
  return std::get<T>(*p->value);
}

std::string error_of(std::string_view text) {
  const std::optional<parsed_line> p = parse_line(text);
  if (!p) return "(noise)";
  EXPECT_FALSE(p->value.has_value()) << text;
  return p->error;
}

TEST(Hmxc, EveryKeyword) {
  const begin_line b = must<begin_line>("HMXC BEGIN protocol=1 role=tester target=guest");
  EXPECT_EQ(b.role, "tester");
  EXPECT_EQ(b.target, "guest");
  const ident_line id = must<ident_line>("HMXC IDENT hmx=0 hv=1 reason=HMX not present: a=b c");
  EXPECT_FALSE(id.hmx);
  EXPECT_EQ(id.fields.at("reason"), "HMX not present: a=b c");
  EXPECT_TRUE(must<ident_line>("HMXC IDENT hmx=1 msr_base=0x484d5800").hmx);
  const peers_line pe = must<peers_line>("HMXC PEERS peer=2 denied=-1 connected=1");
  EXPECT_EQ(pe.peer, 2);
  EXPECT_EQ(pe.denied, -1);
  EXPECT_TRUE(pe.connected);
  EXPECT_EQ(must<plan_line>("HMXC PLAN 12").tests, 12u);
  const test_line t = must<test_line>("HMXC TEST ring_a reqs=HMX-RING-001,HMX-RING-007");
  EXPECT_EQ(t.name, "ring_a");
  EXPECT_EQ(t.requirements, (std::vector<std::string>{"HMX-RING-001", "HMX-RING-007"}));
  const check_line c = must<check_line>("HMXC CHECK ring_a cp=3 req=* FAIL msg=got EINVAL (-22), want x=1");
  EXPECT_EQ(c.test, "ring_a");
  EXPECT_EQ(c.checkpoint, 3u);
  EXPECT_EQ(c.requirement, "*");
  EXPECT_EQ(c.message, "got EINVAL (-22), want x=1");
  EXPECT_EQ(must<info_line>("HMXC INFO ring_a msg=a note").message, "a note");
  const result_line r = must<result_line>("HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:F,HMX-RING-007:S msg=cp 3");
  EXPECT_EQ(r.verdict, verdict::fail);
  EXPECT_EQ(r.checkpoints, 7u);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0], (std::pair<std::string, outcome>{"HMX-RING-001", outcome::failed}));
  EXPECT_EQ(r.outcomes[1].second, outcome::not_supported);
  EXPECT_EQ(r.message, "cp 3");
  EXPECT_EQ(must<result_line>("HMXC RESULT t SKIP cp=0 reqs=HMX-RING-001:N msg=").verdict, verdict::skip);
  EXPECT_EQ(must<result_line>("HMXC RESULT t PASS cp=0x10 reqs= msg=").checkpoints, 16u);
  const done_line d = must<done_line>("HMXC DONE pass=10 fail=1 skip=2 status=1");
  EXPECT_EQ(d.pass, 10u);
  EXPECT_EQ(d.fail, 1u);
  EXPECT_EQ(d.skip, 2u);
  EXPECT_EQ(d.status, 1);
}

TEST(Hmxc, KeywordAndTestAreKnownEvenWhenTheLineIsMalformed) {
  const std::optional<parsed_line> p = parse_line("HMXC RESULT ring_a MAYBE cp=1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->keyword, "RESULT");
  EXPECT_EQ(p->test, "ring_a");
  EXPECT_EQ(p->error, "bad RESULT");
}

TEST(Hmxc, MalformedLinesAreErrors) {
  EXPECT_EQ(error_of("HMXC BEGIN protocol=2 role=tester"), "unsupported protocol version");
  EXPECT_EQ(error_of("HMXC IDENT hv=1"), "IDENT without hmx=0|1");
  EXPECT_EQ(error_of("HMXC IDENT hmx=yes"), "IDENT without hmx=0|1");
  EXPECT_EQ(error_of("HMXC PEERS peer=x denied=1"), "bad PEERS");
  EXPECT_EQ(error_of("HMXC PEERS peer=-9999999 denied=1"), "bad PEERS");
  EXPECT_EQ(error_of("HMXC PLAN many"), "bad PLAN");
  EXPECT_EQ(error_of("HMXC PLAN 10001"), "bad PLAN");
  EXPECT_EQ(error_of("HMXC DONE pass=1 fail=0 skip=0"), "bad DONE");
  EXPECT_EQ(error_of("HMXC TEST bad-name! reqs=HMX-RING-001"), "bad test name");
  EXPECT_EQ(error_of("HMXC TEST " + std::string(81, 'a') + " reqs=HMX-RING-001"), "bad test name");
  EXPECT_EQ(error_of("HMXC TEST t2 reqs=HMX-ring-001"), "bad requirement id in TEST");
  EXPECT_EQ(error_of("HMXC TEST t3 reqs=HMX-RING-1"), "bad requirement id in TEST");
  EXPECT_EQ(error_of("HMXC TEST t4"), "bad requirement id in TEST");
  EXPECT_EQ(error_of("HMXC RESULT ring_a MAYBE cp=1 reqs=HMX-RING-001:P msg="), "bad RESULT");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS FAIL cp=1 reqs=HMX-RING-001:P msg="), "bad RESULT");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS cp=-1 reqs=HMX-RING-001:P msg="), "bad RESULT");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS cp=99999999999999999999999 reqs=HMX-RING-001:P msg="), "bad RESULT");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS cp=1 reqs=HMX-RING-001:X msg="), "bad RESULT reqs");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS cp=1 reqs=HMX-RING-001:PP msg="), "bad RESULT reqs");
  EXPECT_EQ(error_of("HMXC RESULT ring_a PASS cp=1 reqs=HMX-RING-001:F msg="),
            "RESULT verdict disagrees with its outcomes");
  EXPECT_EQ(error_of("HMXC RESULT ring_a FAIL cp=1 reqs=HMX-RING-001:P msg="),
            "RESULT verdict disagrees with its outcomes");
  EXPECT_EQ(error_of("HMXC CHECK ring_a cp=1 req=HMX-RING-001 msg=no verdict word"), "bad CHECK");
  EXPECT_EQ(error_of("HMXC CHECK ring_a cp=1 req=HMX-X FAIL msg="), "bad requirement id in CHECK");
  EXPECT_EQ(error_of("HMXC WHATEVER x"), "unknown keyword WHATEVER");
  EXPECT_EQ(error_of(std::string("HMXC INFO t msg=bell\x07")), "non-printable byte in a protocol line");
  EXPECT_EQ(error_of("HMXC INFO t msg=" + std::string(5000, 'x')), "line too long");
}

TEST(Hmxc, NoiseIsNotAProtocolLine) {
  for (const char* noise : {"", "HMXC", "hmxc BEGIN protocol=1", " HMXC BEGIN protocol=1", "xHMXC DONE",
                            "[tester] HMXC DONE pass=0 fail=0 skip=0 status=0", "SeaBIOS (version 1.16)"})
    EXPECT_FALSE(parse_line(noise)) << noise;
}

TEST(Hmxc, VerdictsAndOutcomes) {
  for (verdict v : {verdict::pass, verdict::fail, verdict::skip}) EXPECT_EQ(parse_verdict(to_string(v)), v);
  EXPECT_EQ(parse_verdict("pass"), std::nullopt);
  EXPECT_EQ(parse_verdict(""), std::nullopt);
  for (char c : std::string("PFSN")) EXPECT_EQ(static_cast<char>(*parse_outcome(c)), c);
  EXPECT_EQ(parse_outcome('p'), std::nullopt);
  EXPECT_TRUE(valid_requirement_id("HMX-NOTIFY-006"));
  EXPECT_TRUE(valid_requirement_id("HMX-VTA-041"));
  EXPECT_FALSE(valid_requirement_id("HMX-NOTIFY-06"));
  EXPECT_FALSE(valid_requirement_id("XMH-RING-001"));
  EXPECT_FALSE(valid_requirement_id("HMX--001"));
  EXPECT_TRUE(valid_test_name("teardown_peer_domain"));
  EXPECT_FALSE(valid_test_name(""));
  EXPECT_FALSE(valid_test_name("a b"));
}

// Lines built from protocol pieces and random bytes: never a crash, and never both a value and
// an error; a RESULT that parses always agrees with its outcomes.
TEST(Hmxc, RandomLinesAreRefusedOrParsedConsistently) {
  std::mt19937 rng(3);
  const std::string pieces[] = {"HMXC ", "RESULT ", "TEST ", "CHECK ", "DONE ", "t ", "PASS ", "FAIL ", "cp=1 ",
                                "reqs=HMX-RING-001:P", ",HMX-RING-002:F", " msg=", "=", " ", ":", "0x", "-"};
  for (int round = 0; round < 30000; ++round) {
    std::string line = "HMXC ";
    while (line.size() < rng() % 120) {
      if (rng() % 4 == 0) line += static_cast<char>(rng() & 0xff);
      else line += pieces[rng() % std::size(pieces)];
    }
    const std::optional<parsed_line> p = parse_line(line);
    ASSERT_TRUE(p);
    ASSERT_NE(p->value.has_value(), !p->error.empty()) << line;
    if (p->value && std::holds_alternative<result_line>(*p->value)) {
      const result_line& r = std::get<result_line>(*p->value);
      bool failed = false;
      for (const auto& o : r.outcomes) failed |= o.second == outcome::failed;
      ASSERT_EQ(failed, r.verdict == verdict::fail) << line;
    }
  }
}

}  // namespace
}  // namespace hmx::host::hmxc
