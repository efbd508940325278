// SPDX-License-Identifier: Apache-2.0
// report.html, written beside the JSON report: what a vendor reads first. Summary first (verdict,
// identity, exact command, counts per area), then failures with their detail, then every
// requirement, failures first, each linked to its anchor on the spec site (the site gives every
// requirement an anchor named by its ID) and to the tests that reported on it (their rows below).
// One standalone file: inline CSS, one small script (the status filter); it works without it.
#include <cctype>
#include <filesystem>
#include <sstream>

#include "report_views.h"

namespace conformance::runner {

namespace {

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  return out;
}

// An element id for a test row: the name with anything but [A-Za-z0-9._-] as '-'.
std::string test_anchor(const std::string& name) {
  std::string id = "test-";
  for (const char ch : name)
    id += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-') ? ch : '-';
  return id;
}

std::string status_class(req_status s) {
  switch (s) {
    case req_status::pass: return "pass";
    case req_status::fail: return "fail";
    case req_status::warning: return "warn";
    case req_status::deviation: return "dev";
    case req_status::not_supported: return "nsup";
    case req_status::not_tested: return "ntest";
  }
  return "ntest";
}

std::string requirement_link(const report_context& c, const std::string& id) {
  if (c.spec_site.empty()) return esc(id);
  return "<a href=\"" + esc(c.spec_site) + "#" + esc(id) + "\">" + esc(id) + "</a>";
}

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:78em;padding:0 1em;color:#1b1b1b}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
.verdict{display:inline-block;padding:.1em .6em;border-radius:.3em;color:#fff;font-weight:600}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#c62828}.verdict.none{background:#6e6e6e}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;vertical-align:top;border-bottom:1px solid #eee}
th{background:#f5f5f5}#requirements td:first-child{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12.5px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.st{font-weight:600;white-space:nowrap}.st.pass{color:#1a7f37}.st.fail{color:#c62828}.st.warn{color:#9a6700}
.st.dev{color:#6f42c1}.st.nsup{color:#555}.st.ntest{color:#888}tr.ntest td{color:#777}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{font-weight:600}dd{margin:0}#filter label{margin-right:1em}
)";

// Hides requirement rows whose status box is unchecked.
constexpr const char* kScript = R"(
document.querySelectorAll('#filter input').forEach(function (box) {
  box.addEventListener('change', function () {
    document.querySelectorAll('#requirements tbody tr.' + box.value).forEach(function (row) {
      row.hidden = !box.checked;
    });
  });
});
)";

}  // namespace

std::string html_path_beside(const std::string& json_path) {
  return std::filesystem::path(json_path).replace_extension(".html").string();
}

std::string site_href(const std::string& site, const std::string& html_path) {
  namespace fs = std::filesystem;
  if (site.empty() || site.find("://") != std::string::npos) return site;
  std::error_code ec;
  if (!fs::is_regular_file(site, ec)) return "";
  const fs::path from = fs::absolute(html_path, ec).parent_path();
  const fs::path rel = fs::relative(fs::absolute(site, ec), from, ec);
  return ec || rel.empty() ? fs::absolute(site, ec).string() : rel.generic_string();
}

std::string report_html(const report& r, const report_context& c) {
  std::ostringstream h;
  const int code = r.ev.exit_code;
  const std::string verdict = code == 0 ? "PASS" : code == 77 ? "NOTHING APPLICABLE" : "FAIL";
  const std::string vclass = code == 0 ? "pass" : code == 77 ? "none" : "fail";
  const std::string title = "HMX conformance: target " + std::string(to_string(r.facts.target));

  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << esc(title)
    << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  h << "<h1>" << esc(title) << " <span class=\"verdict " << vclass << "\" id=\"verdict\">" << esc(verdict)
    << "</span></h1>\n";

  // --- summary ---
  h << "<section id=\"summary\">\n<dl>\n";
  h << "<dt>Result</dt><dd>" << r.ev.reqs.size() << " requirements: " << r.ev.pass << " passed, " << r.ev.fail
    << " failed, " << r.ev.warning << " warnings, " << r.ev.not_supported << " not supported, " << r.ev.not_tested
    << " not tested (exit code " << code << ")</dd>\n";
  h << "<dt>Hypervisor</dt><dd>" << esc(identity_line(r)) << "</dd>\n";
  h << "<dt>Specification</dt><dd>HMX " << esc(r.spec.version()) << " (" << esc(r.spec.status) << ")";
  if (!c.spec_site.empty()) h << ", <a href=\"" << esc(c.spec_site) << "\">spec site</a>";
  h << "</dd>\n<dt>Date</dt><dd>" << esc(r.date) << ", " << r.facts.seconds << " s</dd>\n";
  if (!c.command.empty()) h << "<dt>Command</dt><dd><pre id=\"command\">" << esc(c.command) << "</pre></dd>\n";
  if (!c.monitor_command.empty())
    h << "<dt>Monitor</dt><dd><pre id=\"monitor-command\">" << esc(c.monitor_command) << "</pre></dd>\n";
  h << "</dl>\n";
  if (!r.ev.complete) {
    h << "<p><strong>Run incomplete:</strong></p>\n<ul>\n";
    for (const auto& p : r.ev.problems) h << "<li>" << esc(p) << "</li>\n";
    h << "</ul>\n";
  }
  h << "<table id=\"areas\">\n<thead><tr><th>Area</th><th>Pass</th><th>Fail</th><th>Warning</th>"
       "<th>Not supported</th><th>Not tested</th><th>Certified by this target</th></tr></thead>\n<tbody>\n";
  for (const auto& [area, n] : count_by_area(r))
    h << "<tr><td>" << esc(area) << "</td><td class=\"num\">" << n.pass << "</td><td class=\"num\">" << n.fail
      << "</td><td class=\"num\">" << n.warning << "</td><td class=\"num\">" << n.not_supported
      << "</td><td class=\"num\">" << n.not_tested << "</td><td class=\"num\">" << n.in_scope << "</td></tr>\n";
  h << "</tbody>\n</table>\n</section>\n";

  // --- failures ---
  h << "<section id=\"failures\">\n<h2>Failures, warnings and documented deviations</h2>\n";
  bool any = false;
  for (const req_report* q : failures_first(r)) {
    if (q->status != req_status::fail && q->status != req_status::warning && q->status != req_status::deviation)
      continue;
    if (!any) h << "<ul>\n";
    any = true;
    h << "<li><span class=\"st " << status_class(q->status) << "\">" << to_string(q->status) << "</span> "
      << requirement_link(c, q->req->id) << " (" << esc(q->req->level) << "): " << esc(q->req->text);
    if (!q->fail_test.empty())
      h << "<br>failed in <a href=\"#" << esc(test_anchor(q->fail_test)) << "\">" << esc(q->fail_test) << "</a>"
        << (q->fail_checkpoint ? ", checkpoint " + std::to_string(q->fail_checkpoint) : "");
    if (!q->fail_message.empty()) h << ": <code>" << esc(q->fail_message) << "</code>";
    else if (!q->detail.empty()) h << ": " << esc(q->detail);
    for (const auto& d : q->deviations) h << "<br>documented deviation: " << esc(d);
    h << "</li>\n";
  }
  h << (any ? "</ul>\n" : "<p>None.</p>\n") << "</section>\n";

  // --- every requirement ---
  h << "<section>\n<h2>Requirements</h2>\n<p id=\"filter\">Show:";
  for (const req_status s : {req_status::fail, req_status::warning, req_status::deviation, req_status::pass,
                             req_status::not_supported, req_status::not_tested})
    h << " <label><input type=\"checkbox\" value=\"" << status_class(s) << "\" checked> " << to_string(s)
      << "</label>";
  h << "</p>\n<table id=\"requirements\">\n<thead><tr><th>Requirement</th><th>Level</th><th>Applies to</th>"
       "<th>Status</th><th>Tests</th><th>Detail</th></tr></thead>\n<tbody>\n";
  for (const req_report* q : failures_first(r)) {
    h << "<tr class=\"" << status_class(q->status) << "\"><td>" << requirement_link(c, q->req->id) << "</td><td>"
      << esc(q->req->level) << "</td><td>" << esc(q->req->target) << "</td><td class=\"st "
      << status_class(q->status) << "\">" << to_string(q->status) << "</td><td>";
    for (size_t i = 0; i < q->tests.size(); ++i)
      h << (i ? ", " : "") << "<a href=\"#" << esc(test_anchor(q->tests[i])) << "\">" << esc(q->tests[i]) << "</a>";
    h << "</td><td>" << esc(q->detail) << "</td></tr>\n";
  }
  h << "</tbody>\n</table>\n</section>\n";

  // --- every test ---
  h << "<section>\n<h2>Tests</h2>\n<table id=\"tests\">\n<thead><tr><th>Test</th><th>Verdict</th>"
       "<th>Checkpoints</th><th>Requirements</th><th>Message</th></tr></thead>\n<tbody>\n";
  for (const auto& t : r.log.tests) {
    const std::string v = t.finished ? t.verdict : "INCOMPLETE";
    const std::string cls = v == "PASS" ? "pass" : v == "SKIP" ? "nsup" : "fail";
    h << "<tr id=\"" << esc(test_anchor(t.name)) << "\"><td><code>" << esc(t.name) << "</code></td><td class=\"st "
      << cls << "\">" << esc(v) << "</td><td class=\"num\">" << t.checkpoints << "</td><td>";
    for (size_t i = 0; i < t.outcomes.size(); ++i)
      h << (i ? ", " : "") << requirement_link(c, t.outcomes[i].first) << "&nbsp;" << t.outcomes[i].second;
    h << "</td><td>" << esc(t.message) << "</td></tr>\n";
  }
  h << "</tbody>\n</table>\n<p>Outcome letters: P passed, F failed, S skipped, N not applicable.</p>\n</section>\n";
  h << "<script>" << kScript << "</script>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace conformance::runner
