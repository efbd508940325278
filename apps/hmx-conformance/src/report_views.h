/* SPDX-License-Identifier: Apache-2.0 */
// The views of a report meant for people: a compact console summary (counts per requirement
// area, then only what needs reading) and report.html (summary first, failures first, every
// requirement linked to its anchor on the spec site and to the test that checked it).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "report.h"

namespace conformance::runner {

// "HMX-RING-001" -> "RING", "HMX-VTA-012" -> "VTA".
std::string requirement_area(const std::string& id);

struct area_counts {
  unsigned pass = 0, fail = 0, warning = 0, deviation = 0, not_supported = 0, not_tested = 0;
  unsigned in_scope = 0;  // requirements of this area the target certifies
};
// Per area, in the order areas first appear in the spec data.
std::vector<std::pair<std::string, area_counts>> count_by_area(const report& r);

// Requirements in reading order: FAIL, WARNING, DEVIATION, PASS, NOT SUPPORTED, NOT TESTED; spec order
// within each status.
std::vector<const req_report*> failures_first(const report& r);

// How the report came about, for the reader who wants to reproduce it.
struct report_context {
  std::string command;          // the hmx-conformance command line, shell-quoted
  std::string monitor_command;  // what it ran (VM targets), "" otherwise
  std::string spec_site;        // the spec site's index.html (a path or URL); anchors are IDs
  std::string full_report;      // where the full report is (console summary footer)
};

// The compact summary: header, identity, a counts line per area with requirements in scope,
// every FAIL and WARNING with its detail, every NOT SUPPORTED in scope with its reason, and
// where the full report is.
void write_summary(std::ostream& out, const report& r, const report_context& c);

// report.html: a standalone page (inline CSS, one small script for the status filter).
std::string report_html(const report& r, const report_context& c);

// Where report.html goes for a JSON report: the same path with ".html" (report.json ->
// report.html, transport.json -> transport.html).
std::string html_path_beside(const std::string& json_path);
// The href of the spec site as seen from the page at `html_path`: a relative path when the site is
// a local file that exists, the URL itself for a URL, "" (no links) when there is no site.
std::string site_href(const std::string& site, const std::string& html_path);

// The command line as a shell would take it back ('...' around words that need it).
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace conformance::runner
