// SPDX-License-Identifier: Apache-2.0
// serial_parser (serial_parser.h): hostlib types each line; this decides what it means in the run.
#include "serial_parser.h"

#include <variant>

#include "hmx/host/console.h"

namespace conformance::runner {

namespace hmxc = hmx::host::hmxc;

bool run_log::hmx_present() const {
  const auto it = ident.find("hmx");
  return it != ident.end() && it->second == "1";
}

const test_record* run_log::find(const std::string& name) const {
  for (const auto& t : tests)
    if (t.name == name) return &t;
  return nullptr;
}

serial_parser::serial_parser(std::string domain)
    : domain_(std::move(domain)), lines_(kMaxLine + 1 + (domain_.empty() ? 0 : domain_.size() + 3)) {}

void serial_parser::feed(std::string_view bytes) {
  lines_.feed(bytes, [this](std::string_view line) { feed_line(line); });
}

void serial_parser::finish() {
  lines_.finish([this](std::string_view line) { feed_line(line); });
}

void serial_parser::protocol_error(const std::string& what, std::string_view line) {
  if (log_.protocol_errors.size() < 100)
    log_.protocol_errors.push_back(what + ": \"" + std::string(line.substr(0, 160)) + "\"");
}

test_record* serial_parser::find_test(const std::string& name) {
  for (auto& t : log_.tests)
    if (t.name == name) return &t;
  return nullptr;
}

void serial_parser::feed_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (log_.console.size() < kMaxConsole) log_.console.emplace_back(line.substr(0, kMaxLine));
  const std::optional<std::string_view> body = hmx::host::console::text_of(line, domain_);
  const std::optional<hmxc::parsed_line> parsed = body ? hmxc::parse_line(*body) : std::nullopt;
  if (!parsed) {
    ++log_.noise_lines;
    return;
  }
  if (log_.done) return protocol_error("line after DONE", line);
  apply(*parsed, line);
}

void serial_parser::apply(const hmxc::parsed_line& p, std::string_view line) {
  if (p.keyword == "BEGIN" && log_.begun) return protocol_error("second BEGIN", line);
  if (p.keyword != "BEGIN" && !log_.begun) return protocol_error(p.keyword + " before BEGIN", line);
  if (!p.value) {
    // A test cannot pass twice: a second RESULT counts as failed however it is written.
    if (test_record* t = p.keyword == "RESULT" ? find_test(p.test) : nullptr; t != nullptr && t->finished) {
      t->verdict = hmxc::to_string(hmxc::verdict::fail);
      for (auto& o : t->outcomes) o.second = static_cast<char>(hmxc::outcome::failed);
    }
    return protocol_error(p.error, line);
  }
  struct visitor {
    serial_parser& self;
    std::string_view line;
    run_log& log = self.log_;

    void operator()(const hmxc::begin_line& b) {
      log.begun = true;
      log.role = b.role;
    }
    void operator()(const hmxc::ident_line& id) {
      if (log.ident_seen) return self.protocol_error("second IDENT", line);
      log.ident = id.fields;
      log.ident_seen = true;
    }
    void operator()(const hmxc::peers_line& pe) {
      log.peer = pe.peer;
      log.denied = pe.denied;
      log.peer_connected = pe.connected;
    }
    void operator()(const hmxc::plan_line& pl) {
      if (log.plan >= 0) return self.protocol_error("bad PLAN", line);
      log.plan = static_cast<int>(pl.tests);
    }
    void operator()(const hmxc::done_line& d) {
      if (self.open_ >= 0) self.protocol_error("DONE while test " + log.tests[self.open_].name + " has no RESULT", line);
      log.done = true;
      log.done_status = d.status;
      log.done_pass = d.pass;
      log.done_fail = d.fail;
      log.done_skip = d.skip;
    }
    void operator()(const hmxc::test_line& t) {
      if (log.find(t.name) != nullptr) return self.protocol_error("second TEST line for " + t.name, line);
      if (self.open_ >= 0) self.protocol_error("TEST while " + log.tests[self.open_].name + " has no RESULT", line);
      test_record r;
      r.name = t.name;
      r.declared = t.requirements;
      log.tests.push_back(std::move(r));
      self.open_ = static_cast<long>(log.tests.size()) - 1;
    }
    void operator()(const hmxc::check_line& c) {
      if (self.open_ < 0 || log.tests[self.open_].name != c.test) return self.protocol_error("CHECK outside its test", line);
      log.failures.push_back({c.test, c.checkpoint, c.requirement, c.message});
    }
    void operator()(const hmxc::info_line&) {}  // free text for humans, kept in the console log
    void operator()(const hmxc::result_line& r) {
      test_record* t = self.find_test(r.test);
      if (t == nullptr) return self.protocol_error("RESULT without TEST", line);
      if (t->finished) {
        self.protocol_error("second RESULT for " + r.test, line);
        t->verdict = hmxc::to_string(hmxc::verdict::fail);
        for (auto& o : t->outcomes) o.second = static_cast<char>(hmxc::outcome::failed);
        return;
      }
      std::vector<std::pair<std::string, char>> outcomes;
      for (const auto& [id, o] : r.outcomes) {
        bool declared = false;
        for (const auto& d : t->declared) declared |= d == id;
        if (!declared) return self.protocol_error("RESULT names a requirement its TEST did not declare", line);
        outcomes.emplace_back(id, static_cast<char>(o));
      }
      t->finished = true;
      t->verdict = hmxc::to_string(r.verdict);
      t->checkpoints = r.checkpoints;
      t->outcomes = std::move(outcomes);
      t->message = r.message;
      if (self.open_ >= 0 && &log.tests[self.open_] == t) self.open_ = -1;
    }
  };
  std::visit(visitor{*this, line}, *p.value);
}

}  // namespace conformance::runner
