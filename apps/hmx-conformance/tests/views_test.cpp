// SPDX-License-Identifier: Apache-2.0
// The views for people: the compact console summary and report.html (report_views.h).
#include <gtest/gtest.h>

#include <sstream>

#include "report_views.h"
#include "unit_support.h"

namespace conformance::runner {
namespace {

using testing::parse_lines;
using testing::passing_run;
using testing::small_spec;

struct views_fixture {
  spec_info spec = small_spec();
  run_log log;
  run_facts facts;
  selection sel;
  evaluation ev;
  explicit views_fixture(std::vector<std::string> lines) {
    log = parse_lines(lines);
    facts.target = target_kind::kvm;
    facts.guest_status = log.done_status;
    ev = evaluate(spec, log, facts, sel);
  }
  report rep() const { return report{spec, log, facts, ev, sel, "2030-01-02T03:04:05Z"}; }
};

std::vector<std::string> failing_run() {
  auto lines = passing_run();
  lines[5] = "HMXC CHECK ring_a cp=4 req=HMX-RING-002 FAIL msg=got <0> # want EINVAL";
  lines.insert(lines.begin() + 6, "HMXC RESULT ring_a FAIL cp=7 reqs=HMX-RING-001:P,HMX-RING-002:F msg=cp 4");
  lines.back() = "HMXC DONE pass=1 fail=1 skip=0 status=1";
  return lines;
}

const report_context kContext{"hmx-conformance --target kvm --json 'out dir/report.json'", "hmx-kvm --x",
                              "../site/index.html", "out dir/report.html"};

TEST(Views, AreaIsTheMiddleOfTheId) {
  EXPECT_EQ(requirement_area("HMX-RING-001"), "RING");
  EXPECT_EQ(requirement_area("HMX-VTA-012"), "VTA");
  EXPECT_EQ(requirement_area("odd"), "odd");
}

TEST(Views, ShellQuoteRoundTripsAWordWithSpaces) {
  EXPECT_EQ(shell_quote({"a", "b c", "it's", "--x=y"}), "a 'b c' 'it'\\''s' --x=y");
}

TEST(Views, FailuresComeFirst) {
  const views_fixture f(failing_run());
  const auto order = failures_first(f.rep());
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0]->req->id, "HMX-RING-002");
  EXPECT_EQ(order[0]->status, req_status::fail);
}

TEST(Views, SummaryCountsAreasAndShowsOnlyWhatNeedsReading) {
  const views_fixture f(failing_run());
  std::ostringstream out;
  write_summary(out, f.rep(), kContext);
  const std::string s = out.str();
  EXPECT_NE(s.find("RING         1     1"), std::string::npos) << s;
  EXPECT_NE(s.find("HMX-RING-002    FAIL"), std::string::npos) << s;
  EXPECT_EQ(s.find("HMX-RING-001    PASS"), std::string::npos) << "passing rows are not listed:\n" << s;
  // The guest-library area is certified in-process only: counted apart, not as a row.
  EXPECT_EQ(s.find("\nLIB "), std::string::npos) << s;
  EXPECT_NE(s.find("full report: out dir/report.html"), std::string::npos) << s;
  EXPECT_NE(s.find("result: FAIL (exit code 1)"), std::string::npos) << s;
}

TEST(Views, HtmlLinksRequirementsToTheSiteAndToTheirTests) {
  const views_fixture f(failing_run());
  const std::string h = report_html(f.rep(), kContext);
  EXPECT_NE(h.find("<a href=\"../site/index.html#HMX-RING-002\">HMX-RING-002</a>"), std::string::npos);
  EXPECT_NE(h.find("href=\"#test-ring_a\""), std::string::npos);
  EXPECT_NE(h.find("<tr id=\"test-ring_a\">"), std::string::npos);
  EXPECT_NE(h.find("&#39;out dir/report.json&#39;"), std::string::npos) << "the exact command, escaped";
  EXPECT_NE(h.find("got &lt;0&gt;"), std::string::npos) << "console text is escaped";
  // Summary, then failures, then the requirement table, failures first within it.
  const size_t summary = h.find("id=\"summary\""), failures = h.find("id=\"failures\""),
               table = h.find("id=\"requirements\"");
  EXPECT_LT(summary, failures);
  EXPECT_LT(failures, table);
  EXPECT_LT(h.find("HMX-RING-002", table), h.find("HMX-RING-001", table));
}

TEST(Views, HtmlWithoutSiteHasNoDanglingRequirementLinks) {
  const views_fixture f(passing_run());
  report_context c = kContext;
  c.spec_site = "";
  const std::string h = report_html(f.rep(), c);
  EXPECT_EQ(h.find("#HMX-"), std::string::npos);
  EXPECT_NE(h.find("class=\"verdict pass\""), std::string::npos);
}

TEST(Views, HtmlGoesBesideTheJson) {
  EXPECT_EQ(html_path_beside("out/report.json"), "out/report.html");
  EXPECT_EQ(html_path_beside("out/transport.json"), "out/transport.html");
  EXPECT_EQ(site_href("", "out/report.html"), "");
  EXPECT_EQ(site_href("https://example.org/hmx/", "out/report.html"), "https://example.org/hmx/");
}

}  // namespace
}  // namespace conformance::runner
