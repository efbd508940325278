// SPDX-License-Identifier: Apache-2.0
// The compact console summary (hmx-conformance --summary; what scripts/main.sh prints per
// target): a screen when nothing fails, since every requirement is still in the full report.
#include <algorithm>
#include <iomanip>

#include "report_views.h"

namespace conformance::runner {

std::string requirement_area(const std::string& id) {
  const size_t first = id.find('-');
  const size_t last = id.rfind('-');
  if (first == std::string::npos || last <= first) return id;
  return id.substr(first + 1, last - first - 1);
}

std::vector<std::pair<std::string, area_counts>> count_by_area(const report& r) {
  std::vector<std::pair<std::string, area_counts>> out;
  for (const auto& q : r.ev.reqs) {
    const std::string area = requirement_area(q.req->id);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == area; });
    if (it == out.end()) it = out.insert(out.end(), {area, area_counts{}});
    area_counts& c = it->second;
    if (in_scope(r.facts.target, q.req->target)) ++c.in_scope;
    switch (q.status) {
      case req_status::pass: ++c.pass; break;
      case req_status::fail: ++c.fail; break;
      case req_status::warning: ++c.warning; break;
      case req_status::deviation: ++c.deviation; break;
      case req_status::not_supported: ++c.not_supported; break;
      case req_status::not_tested: ++c.not_tested; break;
    }
  }
  return out;
}

std::vector<const req_report*> failures_first(const report& r) {
  static constexpr req_status order[] = {req_status::fail, req_status::warning, req_status::deviation,
                                         req_status::pass, req_status::not_supported, req_status::not_tested};
  std::vector<const req_report*> out;
  for (const req_status s : order)
    for (const auto& q : r.ev.reqs)
      if (q.status == s) out.push_back(&q);
  return out;
}

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789-_./=:,@+%") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (const char ch : a) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    out += '\'';
  }
  return out;
}

void write_summary(std::ostream& out, const report& r, const report_context& c) {
  out << "HMX conformance: target " << to_string(r.facts.target) << ", spec " << r.spec.version() << " ("
      << r.spec.status << "), " << r.date << "\n";
  out << identity_line(r) << "\n\n";
  out << std::left << std::setw(8) << "AREA" << std::right << std::setw(6) << "PASS" << std::setw(6) << "FAIL"
      << std::setw(6) << "WARN" << std::setw(8) << "NOT-SUP" << std::setw(9) << "NOT-TEST" << "\n";
  unsigned out_of_scope = 0;
  for (const auto& [area, n] : count_by_area(r)) {
    if (n.in_scope == 0) {
      out_of_scope += n.not_tested;
      continue;
    }
    out << std::left << std::setw(8) << area << std::right << std::setw(6) << n.pass << std::setw(6) << n.fail
        << std::setw(6) << n.warning << std::setw(8) << n.not_supported << std::setw(9) << n.not_tested << "\n";
  }
  if (out_of_scope != 0)
    out << "(" << out_of_scope << " requirements of areas this target does not certify are not listed)\n";

  bool header = false;
  for (const req_report* q : failures_first(r)) {
    const bool show = q->status == req_status::fail || q->status == req_status::warning ||
                      q->status == req_status::deviation ||
                      (q->status == req_status::not_supported && in_scope(r.facts.target, q->req->target));
    if (!show) continue;
    if (!header) out << "\n";
    header = true;
    std::string detail = q->detail;
    if (!q->fail_message.empty() && detail.find(q->fail_message) == std::string::npos)
      detail += (detail.empty() ? "" : ": ") + q->fail_message;
    out << std::left << std::setw(16) << q->req->id << std::setw(15) << to_string(q->status) << detail << "\n";
  }
  out << "\n" << r.ev.reqs.size() << " requirements: " << r.ev.pass << " passed, " << r.ev.fail << " failed, "
      << r.ev.warning << " warnings, " << r.ev.not_supported << " not supported, " << r.ev.not_tested
      << " not tested" << deviations_text(r.ev) << "\n";
  if (!r.ev.complete) {
    out << "RUN INCOMPLETE:\n";
    for (const auto& p : r.ev.problems) out << "  " << p << "\n";
  }
  if (!c.full_report.empty()) out << "full report: " << c.full_report << "\n";
  out << "result: " << (r.ev.exit_code == 0 ? "PASS" : r.ev.exit_code == 77 ? "NOTHING APPLICABLE" : "FAIL")
      << " (exit code " << r.ev.exit_code << ")\n";
}

}  // namespace conformance::runner
