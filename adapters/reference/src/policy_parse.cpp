// SPDX-License-Identifier: Apache-2.0
// Policy files: protobuf text format (policy.proto) -> PolicyRules, with located errors.
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <string>

#include "hmx/reference/policy.h"
#include "policy.pb.h"
#include "policy_rules.h"

namespace hmx::ref {
namespace {

namespace pb = google::protobuf;

std::string at(std::string_view origin, int line, int column) {
  // Protobuf reports 0-based positions; editors count from 1.
  return std::string(origin) + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
}

// Keeps the first syntax error (later ones are usually consequences).
class FirstError : public pb::io::ErrorCollector {
 public:
  explicit FirstError(std::string_view origin) : origin_(origin) {}
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (error.empty()) error = at(origin_, line, column) + ": " + message;
  }
  std::string error;

 private:
  std::string origin_;
};

// A pattern is an exact name, "*", or "prefix*" with a non-empty prefix.
bool compile_pattern(const std::string& text, NamePattern& out, std::string& why) {
  out = NamePattern{};
  out.text = text;
  const size_t star = text.find('*');
  if (text.empty()) {
    why = "is empty";
    return false;
  }
  if (star == std::string::npos) return true;
  if (text == "*") {
    out.any = true;
    return true;
  }
  if (star != text.size() - 1) {
    why = "\"" + text + "\" has a '*' that is not at the end (patterns are NAME, PREFIX* or *)";
    return false;
  }
  out.prefix = true;
  out.stem = text.substr(0, text.size() - 1);
  return true;
}

}  // namespace

bool parse_policy_text(std::string_view text, std::string_view origin, PolicyRules& out,
                       std::string& error) {
  hmx::policy::Policy file;
  pb::TextFormat::Parser parser;
  FirstError errors(origin);
  pb::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &file)) {
    error = errors.error.empty() ? std::string(origin) + ": not a valid policy" : errors.error;
    return false;
  }

  const pb::Descriptor* policy_desc = hmx::policy::Policy::descriptor();
  const pb::FieldDescriptor* rule_field = policy_desc->FindFieldByName("rule");
  const pb::Descriptor* rule_desc = hmx::policy::Rule::descriptor();

  PolicyRules rules;
  for (int i = 0; i < file.rule_size(); ++i) {
    const hmx::policy::Rule& r = file.rule(i);
    const pb::TextFormat::ParseInfoTree* sub = tree.GetTreeForNested(rule_field, i);
    // Where to point an error: the offending field if present, else the rule itself.
    auto where = [&](const char* field) {
      pb::TextFormat::ParseLocation loc;
      if (sub != nullptr && field != nullptr) {
        loc = sub->GetLocation(rule_desc->FindFieldByName(field), field == std::string("hook") ? 0 : -1);
      }
      if (loc.line < 0) loc = tree.GetLocation(rule_field, i);
      return at(origin, loc.line, loc.column);
    };
    const std::string label = "rule " + std::to_string(i + 1) +
                              (r.name().empty() ? std::string() : " (" + r.name() + ")");
    auto fail = [&](const char* field, const std::string& what) {
      error = where(field) + ": " + label + ": " + what;
      return false;
    };

    PolicyRule rule;
    rule.index = static_cast<size_t>(i) + 1;
    rule.name = r.name();
    if (r.action() == hmx::policy::ALLOW) {
      rule.allow = true;
    } else if (r.action() == hmx::policy::DENY) {
      rule.allow = false;
    } else {
      return fail("action", "action is missing (ALLOW or DENY)");
    }
    if (r.hook_size() == 0) return fail(nullptr, "no hook (SEND, REGISTER_SINGLE_SOURCE or REGISTER_ANY_SOURCE)");
    bool any_source_hook = false;
    for (int h : r.hook()) {
      switch (h) {
        case hmx::policy::SEND:
          rule.hooks |= 1u << static_cast<unsigned>(PolicyHook::kSend);
          break;
        case hmx::policy::REGISTER_SINGLE_SOURCE:
          rule.hooks |= 1u << static_cast<unsigned>(PolicyHook::kRegisterSingleSource);
          break;
        case hmx::policy::REGISTER_ANY_SOURCE:
          rule.hooks |= 1u << static_cast<unsigned>(PolicyHook::kRegisterAnySource);
          any_source_hook = true;
          break;
        default:
          return fail("hook", "HOOK_UNSPECIFIED is not a hook");
      }
    }
    std::string source = r.source();
    if (any_source_hook) {
      // A wildcard ring has no particular sender: the rule is about the owner only.
      if (!source.empty() && source != "*") {
        return fail("source", "REGISTER_ANY_SOURCE rules take no source (leave it out or use \"*\"), got \"" + source + "\"");
      }
      source = "*";
    }
    std::string why;
    if (!compile_pattern(source, rule.source, why)) return fail("source", "source " + why);
    if (!compile_pattern(r.destination(), rule.destination, why)) {
      return fail("destination", "destination " + why);
    }
    rules.rules.push_back(std::move(rule));
  }
  out = std::move(rules);
  return true;
}

}  // namespace hmx::ref
