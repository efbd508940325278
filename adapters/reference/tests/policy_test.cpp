// SPDX-License-Identifier: Apache-2.0
// The MAC policy: files, evaluation, the allow/deny matrix at the core, counting and logging.
#include <fstream>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

std::string load_error(const std::string& text) {
  Policy p;
  std::string error;
  EXPECT_FALSE(p.load_text(text, &error, "t.policy"));
  return error;
}

TEST(PolicyFile, ExampleFileLoads) {
  Policy p;
  std::string error;
  ASSERT_TRUE(p.load_file(HMX_REFERENCE_SOURCE_DIR "/examples/site.policy", &error)) << error;
  EXPECT_EQ(p.rule_count(), 5u);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-1", "db"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kRegisterSingleSource, "web-2", "db"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "db", "web-9"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-1", "web-2"), PolicyVerdict::kNoRule);
  EXPECT_EQ(p.evaluate(PolicyHook::kRegisterAnySource, "*", "logger"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kRegisterAnySource, "*", "db"), PolicyVerdict::kNoRule);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "quarantine", "logger"), PolicyVerdict::kDeny);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-1", "logger"), PolicyVerdict::kAllow);
}

TEST(PolicyFile, MissingFileIsAnError) {
  Policy p;
  std::string error;
  EXPECT_FALSE(p.load_file("/nonexistent/hmx.policy", &error));
  EXPECT_NE(error.find("/nonexistent/hmx.policy"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(PolicyFile, BrokenFilesGiveLocatedErrors) {
  // Syntax: the protobuf parser's message with file:line:col.
  std::string e = load_error("rule { action: ALLOW\n hook: SENDD source: \"a\" destination: \"b\" }");
  EXPECT_EQ(e.rfind("t.policy:2:", 0), 0u) << e;
  EXPECT_NE(e.find("SENDD"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: SEND source: \"a\" destination: \"b\" ");
  EXPECT_EQ(e.rfind("t.policy:1:", 0), 0u) << e;
  e = load_error("rules { }");
  EXPECT_NE(e.find("rules"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: SEND source: \"a\" destination: \"b\" colour: 1 }");
  EXPECT_NE(e.find("colour"), std::string::npos) << e;
  // Semantics: rule number, label, what is wrong, where.
  e = load_error("rule { name: \"r1\" hook: SEND source: \"a\" destination: \"b\" }");
  EXPECT_EQ(e, "t.policy:1:1: rule 1 (r1): action is missing (ALLOW or DENY)");
  e = load_error("rule { action: DENY source: \"a\" destination: \"b\" }");
  EXPECT_NE(e.find("rule 1: no hook"), std::string::npos) << e;
  e = load_error("rule { action: DENY hook: HOOK_UNSPECIFIED source: \"a\" destination: \"b\" }");
  EXPECT_NE(e.find("HOOK_UNSPECIFIED"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: SEND source: \"a\" destination: \"b\" }\n"
                 "rule { action: ALLOW hook: SEND\n  source: \"we*b\" destination: \"b\" }");
  EXPECT_EQ(e, "t.policy:3:3: rule 2: source \"we*b\" has a '*' that is not at the end "
               "(patterns are NAME, PREFIX* or *)");
  e = load_error("rule { action: ALLOW hook: SEND source: \"a\" }");
  EXPECT_NE(e.find("destination is empty"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: SEND destination: \"a\" }");
  EXPECT_NE(e.find("source is empty"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: REGISTER_ANY_SOURCE source: \"web\" destination: \"a\" }");
  EXPECT_NE(e.find("REGISTER_ANY_SOURCE rules take no source"), std::string::npos) << e;
  e = load_error("rule { action: ALLOW hook: SEND source: \"**\" destination: \"a\" }");
  EXPECT_NE(e.find("not at the end"), std::string::npos) << e;
}

TEST(PolicyFile, AFailedLoadKeepsThePreviousRules) {
  Policy p;
  std::string error;
  ASSERT_TRUE(p.load_text("rule { action: ALLOW hook: SEND source: \"a\" destination: \"b\" }", &error));
  EXPECT_FALSE(p.load_text("rule { action: ALLOW hook: SEND source: \"a\" }", &error));
  EXPECT_EQ(p.rule_count(), 1u);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "a", "b"), PolicyVerdict::kAllow);
  ASSERT_TRUE(p.load_text("", &error));  // an empty file is a valid, empty policy
  EXPECT_EQ(p.rule_count(), 0u);
}

TEST(PolicyEval, FirstMatchWinsAndPatterns) {
  Policy p;
  std::string error;
  ASSERT_TRUE(p.load_text(R"(
    rule { action: DENY  hook: SEND source: "web-evil" destination: "*" }
    rule { action: ALLOW hook: SEND source: "web-*" destination: "db*" }
    rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "*" destination: "sink" }
  )", &error)) << error;
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-evil", "db"), PolicyVerdict::kDeny);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-1", "db"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-1", "db-replica"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web", "db"), PolicyVerdict::kNoRule);  // "web-*" needs "web-"
  EXPECT_EQ(p.evaluate(PolicyHook::kRegisterSingleSource, "web-1", "db"), PolicyVerdict::kNoRule);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "web-evil", "sink"), PolicyVerdict::kDeny);
  EXPECT_EQ(p.evaluate(PolicyHook::kSend, "anything", "sink"), PolicyVerdict::kAllow);
  EXPECT_EQ(p.evaluate(PolicyHook::kRegisterAnySource, "*", "sink"), PolicyVerdict::kNoRule);
}

// The allow/deny matrix through the core: every hook, allowed and denied, with the error codes.
class PolicyMatrix : public ::testing::Test {
 protected:
  TestPolicy policy{R"(
    rule { name: "a-to-b" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "a" destination: "b" }
    rule { name: "no-c-any" action: DENY hook: REGISTER_ANY_SOURCE destination: "c" }
    rule { name: "b-any" action: ALLOW hook: REGISTER_ANY_SOURCE destination: "b" }
    rule { name: "c-to-b" action: ALLOW hook: SEND source: "c" destination: "b" }
  )"};
  Core core{policy};
  Guest a{core, 1, "a"};
  Guest b{core, 2, "b"};
  Guest c{core, 3, "c"};
};

// covers: HMX-MAC-001 HMX-MAC-008 HMX-MAC-009 HMX-MAC-005
TEST_F(PolicyMatrix, RegisterSingleSource) {
  GuestRing r;
  EXPECT_EQ(b.register_ring(r, 1, a.id, 256), 0);                  // a may send to b
  EXPECT_EQ(a.register_ring(r, 1, b.id, 256), E(HMX_EACCES));      // b may not send to a
  EXPECT_EQ(b.register_ring(r, 2, c.id, 256), E(HMX_EACCES));      // SEND only, not REGISTER
  EXPECT_EQ(c.register_ring(r, 1, c.id, 256), 0);                  // oneself: always
  EXPECT_EQ(policy.denials(PolicyHook::kRegisterSingleSource), 2u);
  EXPECT_EQ(policy.denials(PolicyHook::kRegisterSingleSource, b.id, a.id), 1u);  // source b -> owner a
  EXPECT_EQ(policy.denials(PolicyHook::kRegisterSingleSource, c.id, b.id), 1u);
}

// covers: HMX-MAC-001 HMX-MAC-010 HMX-MAC-011
TEST_F(PolicyMatrix, RegisterAnySource) {
  GuestRing r;
  EXPECT_EQ(b.register_ring(r, 1, HMX_DOMID_ANY, 256), 0);
  EXPECT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 256), E(HMX_EPERM));   // no rule at all
  EXPECT_EQ(c.register_ring(r, 1, HMX_DOMID_ANY, 256), E(HMX_EPERM));   // a DENY rule
  EXPECT_EQ(policy.denials(PolicyHook::kRegisterAnySource), 2u);
  EXPECT_EQ(core.ring_count(a.id) + core.ring_count(c.id), 0u);
}

// covers: HMX-MAC-002 HMX-MAC-008 HMX-MAC-009 HMX-MAC-010 HMX-MAC-011 HMX-MAC-005
TEST_F(PolicyMatrix, Send) {
  GuestRing any, from_a;
  ASSERT_EQ(b.register_ring(any, 1, HMX_DOMID_ANY, 256), 0);
  ASSERT_EQ(b.register_ring(from_a, 2, a.id, 256), 0);
  EXPECT_EQ(a.send(b.id, 1, {"x"}), 1);
  EXPECT_EQ(c.send(b.id, 1, {"x"}), 1);
  EXPECT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EACCES));  // checked before the ring lookup
  EXPECT_EQ(c.send(a.id, 9, {"x"}), E(HMX_EACCES));
  EXPECT_EQ(c.send(b.id, 2, {"x"}), E(HMX_ECONNREFUSED));  // allowed, but the ring is a's
  EXPECT_EQ(a.send(a.id, 5, {"x"}), E(HMX_ECONNREFUSED));  // self: allowed, no ring
  EXPECT_EQ(policy.denials(PolicyHook::kSend), 2u);
  EXPECT_EQ(policy.denials(PolicyHook::kSend, b.id, a.id), 1u);
  EXPECT_EQ(policy.denials(PolicyHook::kSend, c.id, a.id), 1u);
  EXPECT_EQ(policy.denials(), 2u);
  EXPECT_EQ(core.stats().denials, 2u);
}

// covers: HMX-MAC-005 HMX-MAC-006
TEST_F(PolicyMatrix, DenialsAreLoggedNamingBothDomainsAndTheHook) {
  GuestRing r;
  ASSERT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EACCES));
  ASSERT_EQ(a.register_ring(r, 1, c.id, 256), E(HMX_EACCES));
  ASSERT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 256), E(HMX_EPERM));
  auto log = policy.messages();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "hmx policy: denied SEND: domain 'b' (id 2) may not send to domain 'a' (id 1) "
                    "aport 1: no rule matches (default deny) -> EACCES");
  EXPECT_EQ(log[1], "hmx policy: denied REGISTER_SINGLE_SOURCE: domain 'a' (id 1) may not register "
                    "aport 1 for partner domain 'c' (id 3): no rule matches (default deny) -> EACCES");
  EXPECT_EQ(log[2], "hmx policy: denied REGISTER_ANY_SOURCE: domain 'a' (id 1) may not register a "
                    "wildcard (any-source) ring, aport 1: no REGISTER_ANY_SOURCE rule allows "
                    "wildcard rings for it -> EPERM");
  ASSERT_EQ(c.register_ring(r, 1, HMX_DOMID_ANY, 256), E(HMX_EPERM));
  EXPECT_NE(policy.messages()[3].find("rule 2 (no-c-any) denies it"), std::string::npos);
  auto table = policy.denial_table();
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[0].hook, PolicyHook::kSend);
  EXPECT_EQ(table[0].source_name, "b");
  EXPECT_EQ(table[0].destination_name, "a");
  EXPECT_EQ(table[0].count, 1u);
  policy.reset_counters();
  EXPECT_EQ(policy.denials(), 0u);
  EXPECT_TRUE(policy.denial_table().empty());
}

// covers: HMX-MAC-008 HMX-MAC-009 HMX-MAC-010 HMX-MAC-011
TEST(PolicyDefault, DefaultDenyButSelfIsAlwaysAllowed) {
  Policy policy;  // no rules
  policy.set_logger(nullptr);
  Core core(policy);
  Guest a(core, 1, "a"), b(core, 2, "b");
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, b.id, 256), E(HMX_EACCES));
  EXPECT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 256), E(HMX_EPERM));
  ASSERT_EQ(a.register_ring(r, 1, a.id, 256), 0);
  EXPECT_EQ(a.send(a.id, 1, {"self"}), 4);
  EXPECT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EACCES));
  std::vector<hmx_ring_data_ent_t> out;
  EXPECT_EQ(a.notify({ent(a.id, 1, 1)}, &out), 0);
  EXPECT_EQ(out[0].flags & HMX_RING_EXISTS, HMX_RING_EXISTS);
}

TEST(PolicyReload, NewRulesApplyToTheNextCheck) {
  TestPolicy policy("");
  Core core(policy);
  Guest a(core, 1, "a"), b(core, 2, "b");
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, a.id, 256), 0);
  ASSERT_EQ(a.register_ring(r, 2, HMX_DOMID_ANY, 256), E(HMX_EPERM));
  std::string error;
  ASSERT_TRUE(policy.load_text(kAllowAll, &error)) << error;
  ASSERT_EQ(a.register_ring(r, 2, HMX_DOMID_ANY, 256), 0);
  EXPECT_EQ(b.send(a.id, 2, {"now"}), 3);
}

}  // namespace
}  // namespace hmx::ref::test

namespace hmx::ref::test {
namespace {

// covers: HMX-MAC-005 HMX-MAC-006
TEST(PolicyLog, RateLimitedButAlwaysCounted) {
  TestPolicy policy("");
  policy.set_log_rate(1, 3);  // burst 3, then one per second
  Core core(policy);
  Guest a(core, 1, "a"), b(core, 2, "b");
  for (int i = 0; i < 50; ++i) ASSERT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EACCES));
  EXPECT_EQ(policy.denials(PolicyHook::kSend, b.id, a.id), 50u);
  auto log = policy.messages();
  EXPECT_GE(log.size(), 3u);
  EXPECT_LE(log.size(), 5u);
  policy.set_log_rate(0, 0);  // unlimited: the next line reports what was suppressed
  ASSERT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EACCES));
  EXPECT_NE(policy.messages().back().find("earlier denial messages suppressed"), std::string::npos)
      << policy.messages().back();
}

}  // namespace
}  // namespace hmx::ref::test
