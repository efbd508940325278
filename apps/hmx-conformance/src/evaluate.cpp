// SPDX-License-Identifier: Apache-2.0
// evaluate (evaluate.h).
#include "evaluate.h"

#include <algorithm>

namespace conformance::runner {

const char* to_string(req_status s) {
  switch (s) {
    case req_status::pass: return "PASS";
    case req_status::fail: return "FAIL";
    case req_status::warning: return "WARNING";
    case req_status::deviation: return "DEVIATION";
    case req_status::not_supported: return "NOT SUPPORTED";
    case req_status::not_tested: return "NOT TESTED";
  }
  return "?";
}

const char* to_string(target_kind t) {
  switch (t) {
    case target_kind::reference: return "reference";
    case target_kind::kvm: return "kvm";
    case target_kind::qemu: return "qemu";
    case target_kind::console: return "console";
    case target_kind::transport: return "transport";
    case target_kind::xen: return "xen";
    case target_kind::xen_arm64: return "xen-arm64";
    case target_kind::arm: return "arm";
    case target_kind::kvm_xen: return "kvm-xen";
  }
  return "?";
}

bool in_scope(target_kind t, const std::string& req_target) {
  if (t == target_kind::transport) return req_target == "TRANSPORT_DRIVER" || req_target == "TRANSPORT_DEVICE";
  if (req_target == "HYPERVISOR") return true;
  return req_target == "GUEST_LIBRARY" && t == target_kind::reference;
}

namespace {

// The most CHECK lines a test prints (conformance/common/report.cpp): with that many, more
// failures may have gone unprinted, and none of them can be proven documented.
constexpr size_t kMaxCheckLines = 16;

// When every failed check of `req` in the tests that failed it is an entry of the profile: the
// entries' texts; otherwise empty (a FAIL).
std::vector<std::string> explain(const run_log& log, const std::vector<documented_deviation>& profile,
                                 const std::string& req, const std::vector<const test_record*>& failed) {
  std::vector<std::string> out;
  if (profile.empty() || failed.empty()) return {};
  for (const test_record* t : failed) {
    if (!t->finished) return {};
    size_t lines = 0, mine = 0;
    for (const auto& c : log.failures) {
      if (c.test != t->name) continue;
      ++lines;
      if (c.req != req && c.req != "*") continue;
      ++mine;
      const auto d = std::find_if(profile.begin(), profile.end(), [&](const documented_deviation& e) {
        return e.requirement == req && e.test == t->name && !e.check.empty() &&
               c.message.compare(0, e.check.size(), e.check) == 0;
      });
      if (d == profile.end()) return {};
      const std::string text = d->hypervisor_does + " (" + t->name + " checkpoint " + std::to_string(c.checkpoint) +
                               ": " + c.message + "; why: " + d->why + ")";
      if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
    }
    if (mine == 0 || lines >= kMaxCheckLines) return {};
  }
  return out;
}

std::vector<std::string> completeness_problems(const run_log& log, const run_facts& facts) {
  std::vector<std::string> p;
  if (!facts.finished) p.push_back(facts.failure.empty() ? "the run did not finish" : facts.failure);
  if (!log.begun) p.push_back("no HMXC BEGIN line: the tester did not start");
  else if (!log.ident_seen) p.push_back("no HMXC IDENT line");
  if (log.begun && !log.done) p.push_back("no HMXC DONE line: the tester did not finish");
  for (const auto& t : log.tests)
    if (!t.finished) p.push_back("test " + t.name + " started but reported no result");
  if (log.done) {
    size_t results = 0;
    for (const auto& t : log.tests) results += t.finished ? 1 : 0;
    if (log.plan >= 0 && results != static_cast<size_t>(log.plan))
      p.push_back("PLAN " + std::to_string(log.plan) + " but " + std::to_string(results) + " results");
    if (facts.guest_status && *facts.guest_status != log.done_status)
      p.push_back("tester exit status " + std::to_string(*facts.guest_status) + " but DONE status=" +
                  std::to_string(log.done_status));
  }
  for (const auto& e : log.protocol_errors) p.push_back("protocol: " + e);
  return p;
}

}  // namespace

evaluation evaluate(const spec_info& spec, const run_log& log, const run_facts& facts, const selection& sel) {
  evaluation ev;
  ev.problems = completeness_problems(log, facts);
  ev.complete = ev.problems.empty();
  const bool absent = log.ident_seen && !log.hmx_present();
  const auto reason_it = log.ident.find("reason");
  const std::string absent_reason = reason_it == log.ident.end() ? "HMX not present" : reason_it->second;

  for (const auto& r : spec.requirements) {
    req_report rep;
    rep.req = &r;
    if (!sel.selected(r.id)) {
      rep.detail = "not selected (--only)";
    } else if (!in_scope(facts.target, r.target)) {
      rep.detail = r.target == "GUEST_LIBRARY"     ? "guest library: certified by --target reference"
                   : r.target == "HYPERVISOR"      ? "hypervisor: certified by --target kvm/reference"
                   : r.target.rfind("TRANSPORT_", 0) == 0 ? "transport: certified by --target transport"
                                                   : "no test in this suite for target " + r.target;
    } else if (absent && r.target == "HYPERVISOR") {
      rep.status = req_status::not_supported;
      rep.detail = absent_reason;
    } else {
      bool f = false, p = false, s = false, n = false;
      std::string skip_msg, untested_msg;
      std::vector<const test_record*> failed;
      for (const auto& t : log.tests) {
        char o = 0;
        if (t.finished) {
          for (const auto& [id, oc] : t.outcomes)
            if (id == r.id) o = oc;
        } else if (std::find(t.declared.begin(), t.declared.end(), r.id) != t.declared.end()) {
          o = 'F';  // started and never finished: crash or time limit inside this test
        }
        if (o == 0) continue;
        rep.tests.push_back(t.name);
        if (o == 'F') failed.push_back(&t);
        if (o == 'F' && !f) {
          f = true;
          rep.fail_test = t.name;
          rep.fail_message = t.finished ? t.message : "the test did not complete (crash or time limit)";
          for (const auto& c : log.failures)
            if (c.test == t.name && (c.req == r.id || c.req == "*")) {
              rep.fail_checkpoint = c.checkpoint;
              rep.fail_message = c.message;
              break;
            }
        }
        p |= o == 'P';
        if (o == 'S' && !s) skip_msg = t.message;
        s |= o == 'S';
        if (o == 'N' && !n) untested_msg = t.message;
        n |= o == 'N';
      }
      if (f) {
        rep.deviations = explain(log, facts.profile, r.id, failed);
        if (!rep.deviations.empty()) {
          rep.status = req_status::deviation;
          rep.detail = "documented deviation: " + rep.deviations.front();
        } else {
          rep.status = r.mandatory() ? req_status::fail : req_status::warning;
          rep.detail = rep.fail_test +
                       (rep.fail_checkpoint ? " checkpoint " + std::to_string(rep.fail_checkpoint) : "") + ": " +
                       rep.fail_message;
        }
      } else if (p) {
        rep.status = req_status::pass;
      } else if (s) {
        rep.status = req_status::not_supported;
        rep.detail = skip_msg;
      } else {
        rep.detail = n ? untested_msg : rep.tests.empty() ? "no test covers it" : "not verified by this run";
        if (!ev.complete && rep.tests.empty() && !log.done) rep.detail = "the run ended before a test covered it";
      }
    }
    switch (rep.status) {
      case req_status::pass: ++ev.pass; break;
      case req_status::fail: ++ev.fail; break;
      case req_status::warning: ++ev.warning; break;
      case req_status::deviation: ++ev.deviation; break;
      case req_status::not_supported: ++ev.not_supported; break;
      case req_status::not_tested: ++ev.not_tested; break;
    }
    ev.reqs.push_back(std::move(rep));
  }
  if (!ev.complete || ev.fail != 0) ev.exit_code = 1;
  else if (ev.pass != 0 || ev.warning != 0 || ev.deviation != 0) ev.exit_code = 0;
  else ev.exit_code = 77;
  return ev;
}

}  // namespace conformance::runner
