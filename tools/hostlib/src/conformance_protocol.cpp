// SPDX-License-Identifier: Apache-2.0
// conformance_protocol.h: one function per keyword, each refusing what PROTOCOL.md does not allow.
#include "hmx/host/conformance_protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include "hmx/host/key_value.h"

namespace hmx::host::hmxc {

namespace {

// The fields of a line by key (a repeated key: the last one counts), its bare words apart.
struct fields {
  std::map<std::string, std::string, std::less<>> values;
  std::vector<std::string> words;

  fields(std::string_view text, std::initializer_list<std::string_view> rest_keys) {
    for (const key_value& kv : split_fields(text, rest_keys)) {
      if (kv.has_value) values[std::string(kv.key)] = std::string(kv.value);
      else words.emplace_back(kv.key);
    }
  }
  std::string_view operator[](std::string_view key) const {
    const auto it = values.find(key);
    return it == values.end() ? std::string_view() : std::string_view(it->second);
  }
};

// Decimal or 0x-hexadecimal, at most 20 characters.
std::optional<unsigned long long> parse_uint(std::string_view s, unsigned long long max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  unsigned long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<int> parse_int(std::string_view s) {
  if (s.starts_with('-')) {
    const auto u = parse_uint(s.substr(1), 1000000);
    if (!u) return std::nullopt;
    return -static_cast<int>(*u);
  }
  const auto u = parse_uint(s, INT_MAX);
  if (!u) return std::nullopt;
  return static_cast<int>(*u);
}

std::optional<unsigned> parse_unsigned(std::string_view s) {
  const auto u = parse_uint(s, UINT_MAX);
  if (!u) return std::nullopt;
  return static_cast<unsigned>(*u);
}

parsed_line error(parsed_line p, std::string what) {
  p.error = std::move(what);
  return p;
}

parsed_line parse_begin(parsed_line p, std::string_view rest) {
  const fields f(rest, {});
  if (f["protocol"] != "1") return error(p, "unsupported protocol version");
  p.value = begin_line{std::string(f["role"]), std::string(f["target"])};
  return p;
}

parsed_line parse_ident(parsed_line p, std::string_view rest) {
  ident_line id;
  for (const key_value& kv : split_fields(rest, {"reason"}))
    if (kv.has_value) id.fields[std::string(kv.key)] = std::string(kv.value);
  const auto hmx = id.fields.find("hmx");
  if (hmx == id.fields.end() || (hmx->second != "0" && hmx->second != "1")) return error(p, "IDENT without hmx=0|1");
  id.hmx = hmx->second == "1";
  p.value = std::move(id);
  return p;
}

parsed_line parse_peers(parsed_line p, std::string_view rest) {
  const fields f(rest, {});
  const auto peer = parse_int(f["peer"]);
  const auto denied = parse_int(f["denied"]);
  if (!peer || !denied) return error(p, "bad PEERS");
  p.value = peers_line{*peer, *denied, f["connected"] == "1"};
  return p;
}

parsed_line parse_plan(parsed_line p, std::string_view rest) {
  const auto n = parse_uint(rest, 10000);
  if (!n) return error(p, "bad PLAN");
  p.value = plan_line{static_cast<unsigned>(*n)};
  return p;
}

parsed_line parse_done(parsed_line p, std::string_view rest) {
  const fields f(rest, {});
  const auto status = parse_int(f["status"]);
  const auto pass = parse_unsigned(f["pass"]), fail = parse_unsigned(f["fail"]), skip = parse_unsigned(f["skip"]);
  if (!status || !pass || !fail || !skip) return error(p, "bad DONE");
  p.value = done_line{*pass, *fail, *skip, *status};
  return p;
}

parsed_line parse_test(parsed_line p, std::string_view tail) {
  const fields f(tail, {});
  test_line t{p.test, {}};
  for (const key_value& id : split_key_values(f["reqs"], ',', true)) {
    if (!valid_requirement_id(id.item)) return error(p, "bad requirement id in TEST");
    t.requirements.emplace_back(id.item);
  }
  p.value = std::move(t);
  return p;
}

parsed_line parse_check(parsed_line p, std::string_view tail) {
  const fields f(tail, {"msg"});
  const auto cp = parse_unsigned(f["cp"]);
  if (!cp || f.words.size() != 1 || f.words[0] != "FAIL") return error(p, "bad CHECK");
  const std::string_view req = f["req"];
  if (req != "*" && !valid_requirement_id(req)) return error(p, "bad requirement id in CHECK");
  p.value = check_line{p.test, *cp, std::string(req), std::string(f["msg"])};
  return p;
}

parsed_line parse_result(parsed_line p, std::string_view tail) {
  const fields f(tail, {"msg"});
  const auto cp = parse_unsigned(f["cp"]);
  const auto v = f.words.size() == 1 ? parse_verdict(f.words[0]) : std::nullopt;
  if (!v || !cp) return error(p, "bad RESULT");
  result_line r;
  r.test = p.test;
  r.verdict = *v;
  r.checkpoints = *cp;
  r.message = f["msg"];
  bool any_failed = false;
  for (const key_value& item : split_key_values(f["reqs"], ',')) {
    const std::size_t colon = item.item.find(':');
    if (colon == std::string_view::npos || colon + 2 != item.item.size()) return error(p, "bad RESULT reqs");
    const std::string_view id = item.item.substr(0, colon);
    const std::optional<outcome> o = parse_outcome(item.item[colon + 1]);
    if (!valid_requirement_id(id) || !o) return error(p, "bad RESULT reqs");
    any_failed |= *o == outcome::failed;
    r.outcomes.emplace_back(std::string(id), *o);
  }
  // The verdict must agree with the outcomes: a FAIL hidden behind PASS is not accepted.
  if (any_failed != (r.verdict == verdict::fail)) return error(p, "RESULT verdict disagrees with its outcomes");
  p.value = std::move(r);
  return p;
}

}  // namespace

std::optional<verdict> parse_verdict(std::string_view word) {
  if (word == "PASS") return verdict::pass;
  if (word == "FAIL") return verdict::fail;
  if (word == "SKIP") return verdict::skip;
  return std::nullopt;
}

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::pass: return "PASS";
    case verdict::fail: return "FAIL";
    case verdict::skip: return "SKIP";
  }
  return "?";
}

std::optional<outcome> parse_outcome(char letter) {
  switch (letter) {
    case 'P': return outcome::verified;
    case 'F': return outcome::failed;
    case 'S': return outcome::not_supported;
    case 'N': return outcome::not_tested;
    default: return std::nullopt;
  }
}

std::optional<parsed_line> parse_line(std::string_view text) {
  if (!text.starts_with(kPrefix)) return std::nullopt;
  parsed_line p;
  const std::string_view body = text.substr(kPrefix.size());
  const std::size_t sp = body.find(' ');
  p.keyword = std::string(body.substr(0, std::min<std::size_t>(sp, 32)));
  if (text.size() > kMaxLine) return error(p, "line too long");
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return error(p, "non-printable byte in a protocol line");
  const std::string_view rest = sp == std::string_view::npos ? std::string_view() : body.substr(sp + 1);
  if (p.keyword == "BEGIN") return parse_begin(p, rest);
  if (p.keyword == "IDENT") return parse_ident(p, rest);
  if (p.keyword == "PEERS") return parse_peers(p, rest);
  if (p.keyword == "PLAN") return parse_plan(p, rest);
  if (p.keyword == "DONE") return parse_done(p, rest);

  // The lines about one test: "<KEYWORD> <name> ...".
  const std::size_t nsp = rest.find(' ');
  const std::string_view name = rest.substr(0, nsp);
  const std::string_view tail = nsp == std::string_view::npos ? std::string_view() : rest.substr(nsp + 1);
  if (!valid_test_name(name)) return error(p, "bad test name");
  p.test = std::string(name);
  if (p.keyword == "TEST") return parse_test(p, tail);
  if (p.keyword == "CHECK") return parse_check(p, tail);
  if (p.keyword == "RESULT") return parse_result(p, tail);
  if (p.keyword == "INFO") {
    p.value = info_line{p.test, std::string(fields(tail, {"msg"})["msg"])};
    return p;
  }
  return error(p, "unknown keyword " + p.keyword);
}

bool valid_requirement_id(std::string_view id) {
  if (id.size() < 9 || id.size() > 20 || !id.starts_with("HMX-")) return false;
  const std::size_t dash = id.rfind('-');
  if (dash <= 4 || id.size() - dash != 4) return false;
  for (std::size_t i = 4; i < dash; ++i)
    if (!std::isupper(static_cast<unsigned char>(id[i]))) return false;
  for (std::size_t i = dash + 1; i < id.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return false;
  return true;
}

bool valid_test_name(std::string_view name) {
  if (name.empty() || name.size() > 80) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace hmx::host::hmxc
