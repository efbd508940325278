// SPDX-License-Identifier: Apache-2.0
// serial_parser (serial_parser.h).
#include "serial_parser.h"

#include <cctype>
#include <charconv>

namespace conformance::runner {

namespace {

// Split "k1=v1 k2=v2 msg=free text": the keys in `rest_keys` take the remainder of the line.
std::map<std::string, std::string> fields(std::string_view s, std::initializer_list<std::string_view> rest_keys) {
  std::map<std::string, std::string> out;
  while (!s.empty()) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    const size_t eq = s.find('=');
    const size_t sp = s.find(' ');
    if (eq == std::string_view::npos || (sp != std::string_view::npos && sp < eq)) {
      out["\x01" + std::string(s.substr(0, sp))] = "";  // a bare token
      if (sp == std::string_view::npos) break;
      s.remove_prefix(sp);
      continue;
    }
    const std::string key(s.substr(0, eq));
    s.remove_prefix(eq + 1);
    bool rest = false;
    for (auto k : rest_keys) rest |= key == k;
    if (rest) {
      out[key] = std::string(s);
      break;
    }
    const size_t end = s.find(' ');
    out[key] = std::string(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return out;
}

bool parse_uint(const std::string& s, unsigned long long& v) {
  if (s.empty() || s.size() > 20) return false;
  int base = 10;
  std::string_view d = s;
  if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
    base = 16;
    d.remove_prefix(2);
  }
  const auto r = std::from_chars(d.data(), d.data() + d.size(), v, base);
  return r.ec == std::errc() && r.ptr == d.data() + d.size();
}

bool parse_int(const std::string& s, long long& v) {
  if (!s.empty() && s[0] == '-') {
    unsigned long long u;
    if (!parse_uint(s.substr(1), u) || u > 1000000) return false;
    v = -static_cast<long long>(u);
    return true;
  }
  unsigned long long u;
  if (!parse_uint(s, u) || u > 0x7fffffffffffffffull) return false;
  v = static_cast<long long>(u);
  return true;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

bool valid_requirement_id(std::string_view id) {
  // HMX-<AREA>-<NNN>
  if (id.size() < 9 || id.size() > 20 || id.substr(0, 4) != "HMX-") return false;
  const size_t dash = id.rfind('-');
  if (dash <= 4 || id.size() - dash != 4) return false;
  for (size_t i = 4; i < dash; ++i)
    if (!std::isupper(static_cast<unsigned char>(id[i]))) return false;
  for (size_t i = dash + 1; i < id.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return false;
  return true;
}

bool valid_test_name(std::string_view name) {
  if (name.empty() || name.size() > 80) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

bool run_log::hmx_present() const {
  const auto it = ident.find("hmx");
  return it != ident.end() && it->second == "1";
}

const test_record* run_log::find(const std::string& name) const {
  for (const auto& t : tests)
    if (t.name == name) return &t;
  return nullptr;
}

serial_parser::serial_parser(std::string domain) {
  if (!domain.empty()) prefix_ = "[" + domain + "] ";
}

void serial_parser::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n') {
      feed_line(partial_);
      partial_.clear();
    } else if (partial_.size() <= kMaxLine) {
      partial_ += c;
    }
  }
}

void serial_parser::finish() {
  if (!partial_.empty()) feed_line(partial_);
  partial_.clear();
}

void serial_parser::protocol_error(const std::string& what, std::string_view line) {
  if (log_.protocol_errors.size() < 100)
    log_.protocol_errors.push_back(what + ": \"" + std::string(line.substr(0, 160)) + "\"");
}

void serial_parser::feed_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (log_.console.size() < kMaxConsole) log_.console.emplace_back(line.substr(0, kMaxLine));
  std::string_view body = line;
  if (!prefix_.empty()) {
    if (body.substr(0, prefix_.size()) != prefix_) {
      ++log_.noise_lines;
      return;
    }
    body.remove_prefix(prefix_.size());
  }
  if (body.substr(0, 5) != "HMXC ") {
    ++log_.noise_lines;
    return;
  }
  if (line.size() > kMaxLine) {
    protocol_error("line too long", line);
    return;
  }
  for (char c : body)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      protocol_error("non-printable byte in a protocol line", line);
      return;
    }
  if (log_.done) {
    protocol_error("line after DONE", line);
    return;
  }
  parse(body.substr(5), line);
}

void serial_parser::parse(std::string_view body, std::string_view line) {
  const size_t sp = body.find(' ');
  const std::string kw(body.substr(0, sp));
  const std::string_view rest = sp == std::string_view::npos ? std::string_view{} : body.substr(sp + 1);

  if (kw == "BEGIN") {
    auto f = fields(rest, {});
    if (log_.begun) return protocol_error("second BEGIN", line);
    if (f["protocol"] != "1") return protocol_error("unsupported protocol version", line);
    log_.begun = true;
    log_.role = f["role"];
    return;
  }
  if (!log_.begun) return protocol_error(kw + " before BEGIN", line);

  if (kw == "IDENT") {
    if (log_.ident_seen) return protocol_error("second IDENT", line);
    auto f = fields(rest, {"reason"});
    if (f["hmx"] != "0" && f["hmx"] != "1") return protocol_error("IDENT without hmx=0|1", line);
    for (auto& [k, v] : f)
      if (k[0] != '\x01') log_.ident[k] = v;
    log_.ident_seen = true;
    return;
  }
  if (kw == "PEERS") {
    auto f = fields(rest, {});
    long long p = -1, d = -1;
    if (!parse_int(f["peer"], p) || !parse_int(f["denied"], d)) return protocol_error("bad PEERS", line);
    log_.peer = static_cast<int>(p);
    log_.denied = static_cast<int>(d);
    log_.peer_connected = f["connected"] == "1";
    return;
  }
  if (kw == "PLAN") {
    unsigned long long n;
    if (log_.plan >= 0 || !parse_uint(std::string(rest), n) || n > 10000) return protocol_error("bad PLAN", line);
    log_.plan = static_cast<int>(n);
    return;
  }
  if (kw == "DONE") {
    auto f = fields(rest, {});
    long long st;
    unsigned long long p, fl, sk;
    if (!parse_int(f["status"], st) || !parse_uint(f["pass"], p) || !parse_uint(f["fail"], fl) ||
        !parse_uint(f["skip"], sk))
      return protocol_error("bad DONE", line);
    if (open_ >= 0) protocol_error("DONE while test " + log_.tests[open_].name + " has no RESULT", line);
    log_.done = true;
    log_.done_status = static_cast<int>(st);
    log_.done_pass = static_cast<unsigned>(p);
    log_.done_fail = static_cast<unsigned>(fl);
    log_.done_skip = static_cast<unsigned>(sk);
    return;
  }

  // Test lines: "<KW> <name> ..."
  const size_t nsp = rest.find(' ');
  const std::string name(rest.substr(0, nsp));
  const std::string_view tail = nsp == std::string_view::npos ? std::string_view{} : rest.substr(nsp + 1);
  if (!valid_test_name(name)) return protocol_error("bad test name", line);

  if (kw == "TEST") {
    auto f = fields(tail, {});
    if (log_.find(name) != nullptr) return protocol_error("second TEST line for " + name, line);
    test_record t;
    t.name = name;
    for (const auto& id : split(f["reqs"], ','))
      if (valid_requirement_id(id)) t.declared.push_back(id);
      else return protocol_error("bad requirement id in TEST", line);
    if (open_ >= 0) protocol_error("TEST while " + log_.tests[open_].name + " has no RESULT", line);
    log_.tests.push_back(std::move(t));
    open_ = static_cast<long>(log_.tests.size()) - 1;
    return;
  }
  if (kw == "CHECK") {
    auto f = fields(tail, {"msg"});
    unsigned long long cp;
    if (!parse_uint(f["cp"], cp) || f.count("\x01" "FAIL") == 0) return protocol_error("bad CHECK", line);
    const std::string& req = f["req"];
    if (req != "*" && !valid_requirement_id(req)) return protocol_error("bad requirement id in CHECK", line);
    if (open_ < 0 || log_.tests[open_].name != name) return protocol_error("CHECK outside its test", line);
    log_.failures.push_back({name, static_cast<unsigned>(cp), req, f["msg"]});
    return;
  }
  if (kw == "INFO") return;  // free text for humans, kept in the console log
  if (kw == "RESULT") {
    auto f = fields(tail, {"msg"});
    std::string verdict;
    for (const auto& [k, v] : f)
      if (k[0] == '\x01') verdict = k.substr(1);
    unsigned long long cp;
    if ((verdict != "PASS" && verdict != "FAIL" && verdict != "SKIP") || !parse_uint(f["cp"], cp))
      return protocol_error("bad RESULT", line);
    test_record* t = nullptr;
    long index = -1;
    for (size_t i = 0; i < log_.tests.size(); ++i)
      if (log_.tests[i].name == name) {
        t = &log_.tests[i];
        index = static_cast<long>(i);
      }
    if (t == nullptr) return protocol_error("RESULT without TEST", line);
    if (t->finished) {
      // A test cannot pass twice: the second claim is a protocol violation and counts as failed.
      protocol_error("second RESULT for " + name, line);
      t->verdict = "FAIL";
      for (auto& o : t->outcomes) o.second = 'F';
      return;
    }
    std::vector<std::pair<std::string, char>> outcomes;
    for (const auto& item : split(f["reqs"], ',')) {
      if (item.empty()) continue;
      const size_t colon = item.find(':');
      if (colon == std::string::npos || colon + 2 != item.size()) return protocol_error("bad RESULT reqs", line);
      const std::string id = item.substr(0, colon);
      const char o = item[colon + 1];
      if (!valid_requirement_id(id) || (o != 'P' && o != 'F' && o != 'S' && o != 'N'))
        return protocol_error("bad RESULT reqs", line);
      bool declared = false;
      for (const auto& d : t->declared) declared |= d == id;
      if (!declared) return protocol_error("RESULT names a requirement its TEST did not declare", line);
      outcomes.emplace_back(id, o);
    }
    // The verdict must agree with the outcomes: a FAIL hidden behind PASS is not accepted.
    bool any_f = false;
    for (const auto& o : outcomes) any_f |= o.second == 'F';
    if (any_f != (verdict == "FAIL")) return protocol_error("RESULT verdict disagrees with its outcomes", line);
    t->finished = true;
    t->verdict = verdict;
    t->checkpoints = static_cast<unsigned>(cp);
    t->outcomes = std::move(outcomes);
    t->message = f["msg"];
    if (open_ == index) open_ = -1;
    return;
  }
  protocol_error("unknown keyword " + kw, line);
}

}  // namespace conformance::runner
