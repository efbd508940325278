// SPDX-License-Identifier: Apache-2.0
// Compiled policy tables (policy_table.h): hmx-policy-table's output decodes to the rules of the
// text, the hosted Policy loads it with the same verdicts as the text, and the portable engine
// (the freestanding build's Policy) answers, counts and logs exactly like the hosted Policy on
// every (hook, source, destination) of a domain matrix.
#include <gtest/gtest.h>
#include <hmx/abi/hmx.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "hmx/reference/policy.h"
#include "hmx/reference/policy_table.h"
#include "../src/policy_engine.h"

namespace hmx::ref {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs hmx-policy-table on `policy` and returns the table's bytes ("" when it refused). Each run
// its own output file: ctest runs these tests in parallel processes.
std::string compile(const std::string& policy, int* status = nullptr) {
  static int runs = 0;
  const std::string out = ::testing::TempDir() + "/policy." + std::to_string(getpid()) + "." +
                          std::to_string(runs++) + ".hmxpol";
  std::remove(out.c_str());
  const std::string cmd = std::string(HMX_POLICY_TABLE_EXE) + " " + policy + " " + out + " 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  if (status != nullptr) *status = rc;
  return rc == 0 ? read_file(out) : std::string();
}

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A policy with every kind of rule: exact, prefix and any patterns, DENY before ALLOW, a rule
// without a name, several hooks per rule, wildcard rings.
constexpr const char* kEveryKind = R"(
rule { name: "a-to-b" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "alpha" destination: "beta" }
rule { action: DENY hook: SEND source: "web-*" destination: "db" }
rule { name: "web" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "web-*" destination: "*" }
rule { name: "wild" action: ALLOW hook: REGISTER_ANY_SOURCE destination: "beta" }
rule { name: "nobody-wild" action: DENY hook: REGISTER_ANY_SOURCE source: "*" destination: "*" }
rule { name: "to-log" action: ALLOW hook: SEND source: "*" destination: "logger" }
)";

std::string every_kind_file() {
  const std::string path = ::testing::TempDir() + "/every_kind." + std::to_string(getpid()) + ".policy";
  std::ofstream(path) << kEveryKind;
  return path;
}

const std::string kPolicies[] = {HMX_REFERENCE_SOURCE_DIR "/examples/site.policy", every_kind_file()};
const char* const kNames[] = {"alpha", "beta", "web-1", "web-2", "web-", "db", "logger", "quarantine", "x",
                              "alphabet"};

TEST(PolicyTable, CompiledTablesDecodeToTheFilesRules) {
  for (const std::string& file : kPolicies) {
    SCOPED_TRACE(file);
    const std::string table = compile(file);
    ASSERT_FALSE(table.empty());
    CompiledRule rules[kMaxPolicyTableRules];
    size_t n = 0;
    ASSERT_TRUE(decode_policy_table(bytes(table), rules, kMaxPolicyTableRules, &n));
    Policy text;
    std::string error;
    ASSERT_TRUE(text.load_file(file, &error)) << error;
    EXPECT_EQ(n, text.rule_count());
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(rules[i].index, i + 1);
  }
}

TEST(PolicyTable, TextAndTableGiveTheSameVerdictsCountsAndLog) {
  for (const std::string& file : kPolicies) {
    SCOPED_TRACE(file);
    const std::string table = compile(file);
    ASSERT_FALSE(table.empty());
    Policy hosted;
    std::string error;
    ASSERT_TRUE(hosted.load_file(file, &error)) << error;
    Policy loaded;
    ASSERT_TRUE(loaded.load_table(bytes(table)));
    PolicyEngine engine;
    ASSERT_TRUE(engine.load(bytes(table)));
    std::vector<std::string> hosted_log, engine_log;
    hosted.set_log_rate(0, 0);
    engine.set_log_rate(0, 0);
    hosted.set_logger([&](std::string_view m) { hosted_log.emplace_back(m); });
    engine.set_log_sink([](void* ctx, std::string_view m) { static_cast<std::vector<std::string>*>(ctx)->emplace_back(m); },
                        &engine_log);
    DomainId id = 1;
    for (const char* s : kNames) {
      for (const char* d : kNames) {
        for (auto hook : {PolicyHook::kSend, PolicyHook::kRegisterSingleSource, PolicyHook::kRegisterAnySource}) {
          EXPECT_EQ(hosted.evaluate(hook, s, d), engine.evaluate(hook, s, d)) << s << " -> " << d;
          EXPECT_EQ(hosted.evaluate(hook, s, d), loaded.evaluate(hook, s, d)) << s << " -> " << d;
        }
        const PolicySubject src{id, s}, dst{static_cast<DomainId>(id + 1), d};
        EXPECT_EQ(hosted.send(src, dst, 7), engine.check(PolicyHook::kSend, src, dst, 7));
        EXPECT_EQ(hosted.register_single_source(dst, src, 9),
                  engine.check(PolicyHook::kRegisterSingleSource, src, dst, 9));
        EXPECT_EQ(hosted.register_any_source(dst, 11), engine.check(PolicyHook::kRegisterAnySource, dst, dst, 11));
        EXPECT_EQ(hosted.denials(PolicyHook::kSend, src.id, dst.id), engine.denials(PolicyHook::kSend, src.id, dst.id));
      }
      id = static_cast<DomainId>(id + 2);
    }
    EXPECT_EQ(hosted.denials(), engine.denials());
    EXPECT_GT(engine.denials(), 0u);
    EXPECT_EQ(hosted_log, engine_log);
  }
}

TEST(PolicyTable, MalformedTablesAreRefused) {
  const std::string good = compile(kPolicies[1]);
  ASSERT_FALSE(good.empty());
  CompiledRule rules[kMaxPolicyTableRules];
  size_t n = 99;
  EXPECT_FALSE(decode_policy_table(bytes(good.substr(0, good.size() - 1)), rules, kMaxPolicyTableRules, &n));
  EXPECT_FALSE(decode_policy_table(bytes(good + "x"), rules, kMaxPolicyTableRules, &n));
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(decode_policy_table(bytes(bad_magic), rules, kMaxPolicyTableRules, &n));
  std::string bad_hook = good;
  bad_hook[13] = static_cast<char>(0x80);  // first rule's hooks
  EXPECT_FALSE(decode_policy_table(bytes(bad_hook), rules, kMaxPolicyTableRules, &n));
  std::string bad_action = good;
  bad_action[12] = 2;
  EXPECT_FALSE(decode_policy_table(bytes(bad_action), rules, kMaxPolicyTableRules, &n));
  EXPECT_FALSE(decode_policy_table(bytes(good), rules, 0, &n));  // more rules than room
  EXPECT_EQ(n, 99u);
  Policy p;
  EXPECT_FALSE(p.load_table(bytes(bad_magic)));
  PolicyEngine e;
  EXPECT_FALSE(e.load(bytes(bad_hook)));
  EXPECT_EQ(e.rule_count(), 0u);
}

TEST(PolicyTable, TheCompilerRefusesWhatTheParserRefuses) {
  const std::string bad = ::testing::TempDir() + "/bad." + std::to_string(getpid()) + ".policy";
  std::ofstream(bad) << "rule { action: ALLOW hook: SEND source: \"a*b\" destination: \"c\" }\n";
  int status = 0;
  EXPECT_TRUE(compile(bad, &status).empty());
  EXPECT_NE(status, 0);
}

TEST(PolicyTable, PatternsAreNamePrefixOrAny) {
  EXPECT_TRUE(policy_pattern_matches("*", "anything"));
  EXPECT_TRUE(policy_pattern_matches("web-*", "web-1"));
  EXPECT_TRUE(policy_pattern_matches("web-*", "web-"));
  EXPECT_FALSE(policy_pattern_matches("web-*", "web"));
  EXPECT_TRUE(policy_pattern_matches("db", "db"));
  EXPECT_FALSE(policy_pattern_matches("db", "db2"));
}

}  // namespace
}  // namespace hmx::ref
