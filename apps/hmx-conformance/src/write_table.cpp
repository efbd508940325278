// SPDX-License-Identifier: Apache-2.0
// The human table: every requirement of the spec data, one line each, ACS style.
#include <iomanip>

#include "report.h"

namespace conformance::runner {

void write_table(std::ostream& out, const report& r) {
  out << "HMX conformance: target " << to_string(r.facts.target) << ", spec " << r.spec.version() << " ("
      << r.spec.status << "), " << r.date << "\n";
  out << identity_line(r) << "\n";
  if (r.log.peer >= 0 || r.log.denied >= 0)
    out << "domains: peer " << r.log.peer << ", denied " << r.log.denied << (r.log.peer_connected ? "" : " (peer agent not answering)") << "\n";
  out << "\n" << std::left << std::setw(16) << "REQUIREMENT" << std::setw(11) << "LEVEL" << std::setw(18) << "TARGET"
      << std::setw(15) << "STATUS" << "DETAIL\n";
  for (const auto& q : r.ev.reqs) {
    std::string detail = q.detail;
    if (q.status == req_status::pass) {
      for (const auto& t : q.tests) detail += (detail.empty() ? "" : ", ") + t;
    }
    if (detail.size() > 110) detail = detail.substr(0, 107) + "...";
    out << std::left << std::setw(16) << q.req->id << std::setw(11) << q.req->level << std::setw(18) << q.req->target
        << std::setw(15) << to_string(q.status) << detail << "\n";
  }
  out << "\n" << r.ev.reqs.size() << " requirements: " << r.ev.pass << " passed, " << r.ev.fail << " failed, "
      << r.ev.warning << " warnings, " << r.ev.not_supported << " not supported, " << r.ev.not_tested
      << " not tested" << deviations_text(r.ev) << "\n";
  if (!r.ev.complete) {
    out << "RUN INCOMPLETE:\n";
    for (const auto& p : r.ev.problems) out << "  " << p << "\n";
  }
  out << "result: " << (r.ev.exit_code == 0 ? "PASS" : r.ev.exit_code == 77 ? "NOTHING APPLICABLE" : "FAIL")
      << " (exit code " << r.ev.exit_code << ")\n";
}

}  // namespace conformance::runner
