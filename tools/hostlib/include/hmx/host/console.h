// SPDX-License-Identifier: Apache-2.0
// The guest console as hmx-kvm prints it, typed: every guest line and monitor message of a domain
// is "[NAME] TEXT" (adapters/kvm console.cpp), the monitor ends each domain with
// "[NAME] result: exited with status N (T ms after start)" (adapters/kvm monitor.cpp), and the
// benchmark guests report each figure as one "TAG: result KEY=VALUE ..." line (apps/hmx-bench
// guest/bench.cpp, apps/hmx-vta-bench guest/blk_bench.cpp). The conformance tester's own lines
// are conformance_protocol.h. A console is untrusted: every parser here accepts any bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hmx::host::console {

// "[NAME] TEXT" -> {NAME, TEXT}; nullopt for a line without the prefix.
struct domain_line {
  std::string_view domain;
  std::string_view text;
};
std::optional<domain_line> split_domain(std::string_view line);

// The text of `line` when it belongs to `domain`; an empty domain takes every line whole (a
// console with one guest: QEMU's serial, a captured log).
std::optional<std::string_view> text_of(std::string_view line, std::string_view domain);

// How the monitor says a domain ended.
enum class domain_end { exited, crashed, timed_out, failed, other };
struct domain_result {
  domain_end end = domain_end::other;
  int status = -1;         // the guest's exit status when end == exited
  std::string_view state;  // the state as printed ("exited", "timed out", ...)
};
// Parses the TEXT of "result: exited with status N (...)", "result: crashed (...)", ...
std::optional<domain_result> parse_domain_result(std::string_view text);

// One "TAG: result KEY=VALUE ..." line: its fields in order.
struct result_line {
  std::vector<std::pair<std::string, std::string>> fields;

  [[nodiscard]] const std::string* find(std::string_view key) const;
  // The field as a decimal number; nullopt when missing or not a number.
  [[nodiscard]] std::optional<uint64_t> number(std::string_view key) const;
  [[nodiscard]] std::map<std::string, std::string> as_map() const;
};
// The fields of TEXT (a guest's line, the domain prefix already taken off) when it starts with
// "TAG: result "; words without '=' are ignored; nullopt for any other line.
std::optional<result_line> parse_result_line(std::string_view text, std::string_view tag);

}  // namespace hmx::host::console
