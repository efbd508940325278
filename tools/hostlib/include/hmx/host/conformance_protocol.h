// SPDX-License-Identifier: Apache-2.0
// The conformance console protocol, version 1 (conformance/PROTOCOL.md), one line at a time and
// typed: the tester's "HMXC <KEYWORD> ..." lines become structs, verdicts and per-requirement
// outcomes enums. What a line means in its run (order, repetition, a RESULT matching its TEST)
// is the runner's business (apps/hmx-conformance serial_parser.h); this is the syntax only.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hmx::host::hmxc {

inline constexpr std::string_view kPrefix = "HMXC ";
inline constexpr std::size_t kMaxLine = 4096;  // PROTOCOL.md "Lines": at most 4096 bytes

enum class verdict { pass, fail, skip };
// Per-requirement outcome in RESULT; the value is the letter on the line.
enum class outcome : char { verified = 'P', failed = 'F', not_supported = 'S', not_tested = 'N' };

std::optional<verdict> parse_verdict(std::string_view word);  // PASS FAIL SKIP
std::string_view to_string(verdict v);
std::optional<outcome> parse_outcome(char letter);

struct begin_line {  // BEGIN protocol=1 role=tester target=guest
  std::string role;
  std::string target;
};
struct ident_line {  // IDENT hmx=0|1 ... [reason=free text]
  bool hmx = false;
  std::map<std::string, std::string> fields;  // every KEY=VALUE, hmx and reason included
};
struct peers_line {  // PEERS peer=2 denied=3 connected=1
  int peer = -1;
  int denied = -1;
  bool connected = false;
};
struct plan_line {  // PLAN <n>
  unsigned tests = 0;
};
struct test_line {  // TEST <name> reqs=ID,ID
  std::string name;
  std::vector<std::string> requirements;
};
struct check_line {  // CHECK <name> cp=<n> req=<id>|* FAIL msg=<text>
  std::string test;
  unsigned checkpoint = 0;
  std::string requirement;  // "*": every requirement of the test
  std::string message;
};
struct info_line {  // INFO <name> msg=<text>
  std::string test;
  std::string message;
};
struct result_line {  // RESULT <name> PASS|FAIL|SKIP cp=<n> reqs=<id>:<o>,... msg=<text>
  std::string test;
  hmxc::verdict verdict = verdict::fail;
  unsigned checkpoints = 0;
  std::vector<std::pair<std::string, outcome>> outcomes;
  std::string message;
};
struct done_line {  // DONE pass=<n> fail=<n> skip=<n> status=<0|1|77>
  unsigned pass = 0, fail = 0, skip = 0;
  int status = -1;
};
using line = std::variant<begin_line, ident_line, peers_line, plan_line, test_line, check_line, info_line,
                          result_line, done_line>;

// A protocol line, parsed: `value`, or `error` when it is malformed. `keyword` is the word after
// "HMXC " and `test` the test it names (lines that name one), both as far as they could be read.
struct parsed_line {
  std::string keyword;
  std::string test;
  std::optional<line> value;
  std::string error;
};

// nullopt: not a protocol line (it does not start with "HMXC "), noise to the runner.
std::optional<parsed_line> parse_line(std::string_view text);

// HMX-<AREA>-<NNN>, the requirement IDs of the spec data.
bool valid_requirement_id(std::string_view id);
// Letters, digits and '_', 1 to 80 of them.
bool valid_test_name(std::string_view name);

}  // namespace hmx::host::hmxc
