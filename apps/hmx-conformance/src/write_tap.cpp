// SPDX-License-Identifier: Apache-2.0
// TAP version 13, one test point per requirement (the requirement ID is the unit, as in Arm's
// rule-based ACS); kvm-unit-tests' run_tests.sh -t prints the same shape per check. Failures carry
// a YAML block with the test and checkpoint.
#include "report.h"

namespace conformance::runner {

namespace {
std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
// TAP descriptions must not contain '#' (it starts a directive).
std::string clean(std::string s) {
  for (char& c : s)
    if (c == '#' || c == '\n') c = ' ';
  return s;
}
}  // namespace

void write_tap(std::ostream& out, const report& r) {
  out << "TAP version 13\n1.." << r.ev.reqs.size() << "\n";
  out << "# " << clean(identity_line(r)) << "\n";
  size_t n = 0;
  for (const auto& q : r.ev.reqs) {
    ++n;
    const std::string name = q.req->id + " " + q.req->level;
    switch (q.status) {
      case req_status::pass: out << "ok " << n << " - " << name << "\n"; break;
      case req_status::fail:
        out << "not ok " << n << " - " << name << "\n  ---\n  test: " << q.fail_test << "\n  checkpoint: "
            << q.fail_checkpoint << "\n  message: " << yaml_quote(q.fail_message) << "\n  ...\n";
        break;
      case req_status::warning:
        out << "not ok " << n << " - " << name << " # TODO " << clean(q.detail) << "\n";
        break;
      case req_status::deviation:
        out << "not ok " << n << " - " << name << " # TODO " << clean(q.detail) << "\n";
        break;
      case req_status::not_supported:
        out << "ok " << n << " - " << name << " # SKIP not supported: " << clean(q.detail) << "\n";
        break;
      case req_status::not_tested:
        out << "ok " << n << " - " << name << " # SKIP not tested: " << clean(q.detail) << "\n";
        break;
    }
  }
  if (!r.ev.complete)
    for (const auto& p : r.ev.problems) out << "# RUN INCOMPLETE: " << clean(p) << "\n";
  if (!r.ev.complete) out << "Bail out! the run is incomplete\n";
}

}  // namespace conformance::runner
