// SPDX-License-Identifier: Apache-2.0
// hmx-policy-table: compiles a policy file (protobuf text format, POLICY.md) into the table a
// freestanding core loads (include/hmx/reference/policy_table.h). The file is checked by the
// parser Policy::load_text uses, so a table exists only for a policy the hosted core accepts.
//
//   hmx-policy-table INPUT.textproto OUTPUT.hmxpol
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hmx/reference/policy_table.h"
#include "policy_rules.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: hmx-policy-table INPUT.textproto OUTPUT.hmxpol\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "hmx-policy-table: %s: cannot open\n", argv[1]);
    return 1;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  hmx::ref::PolicyRules rules;
  std::string error;
  if (!hmx::ref::parse_policy_text(text, argv[1], rules, error)) {
    std::fprintf(stderr, "hmx-policy-table: %s\n", error.c_str());
    return 1;
  }
  if (rules.rules.size() > hmx::ref::kMaxPolicyTableRules) {
    std::fprintf(stderr, "hmx-policy-table: %s: %zu rules, a table holds at most %zu\n", argv[1],
                 rules.rules.size(), hmx::ref::kMaxPolicyTableRules);
    return 1;
  }
  std::string out(hmx::ref::kPolicyTableMagic, sizeof hmx::ref::kPolicyTableMagic);
  const auto put32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
  };
  put32(static_cast<uint32_t>(rules.rules.size()));
  for (const auto& r : rules.rules) {
    out += static_cast<char>(r.allow ? 1 : 0);
    out += static_cast<char>(r.hooks);
    out += static_cast<char>(r.index & 0xff);
    out += static_cast<char>(r.index >> 8 & 0xff);
    for (const std::string* s : {&r.name, &r.source.text, &r.destination.text}) {
      if (s->find('\0') != std::string::npos) {
        std::fprintf(stderr, "hmx-policy-table: %s: rule %zu: a NUL inside a string\n", argv[1], r.index);
        return 1;
      }
      out += *s;
      out += '\0';
    }
  }
  std::ofstream of(argv[2], std::ios::binary | std::ios::trunc);
  of.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!of) {
    std::fprintf(stderr, "hmx-policy-table: %s: cannot write\n", argv[2]);
    return 1;
  }
  return 0;
}
