// SPDX-License-Identifier: Apache-2.0
// JUnit XML (pugixml): one <testsuite> per requirement area (DISC, RING, ...), one <testcase>
// per requirement; FAIL -> <failure>, NOT SUPPORTED / NOT TESTED -> <skipped>, WARNING -> a
// passing case with <system-out>. An incomplete run adds an <error> case.
#include <array>
#include <map>
#include <sstream>

#include <pugixml.hpp>

#include "report.h"

namespace conformance::runner {

namespace {
std::string area_of(const std::string& id) {
  const size_t a = id.find('-'), b = id.rfind('-');
  return a == std::string::npos || b <= a ? id : id.substr(a + 1, b - a - 1);
}
}  // namespace

std::string junit_xml(const report& r) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto suites = doc.append_child("testsuites");
  suites.append_attribute("name") = ("hmx-conformance " + std::string(to_string(r.facts.target))).c_str();
  suites.append_attribute("tests") = static_cast<unsigned>(r.ev.reqs.size());
  suites.append_attribute("failures") = r.ev.fail;
  suites.append_attribute("errors") = r.ev.complete ? 0u : 1u;
  suites.append_attribute("time") = r.facts.seconds;

  std::map<std::string, pugi::xml_node> by_area;
  std::map<std::string, std::array<unsigned, 3>> counts;  // tests, failures, skipped
  for (const auto& q : r.ev.reqs) {
    const std::string area = area_of(q.req->id);
    auto it = by_area.find(area);
    if (it == by_area.end()) {
      auto s = suites.append_child("testsuite");
      s.append_attribute("name") = ("HMX-" + area).c_str();
      auto props = s.append_child("properties");
      auto prop = props.append_child("property");
      prop.append_attribute("name") = "identity";
      prop.append_attribute("value") = identity_line(r).c_str();
      it = by_area.emplace(area, s).first;
    }
    auto tc = it->second.append_child("testcase");
    tc.append_attribute("name") = q.req->id.c_str();
    tc.append_attribute("classname") = ("hmx." + area).c_str();
    std::array<unsigned, 3>& c = counts[area];
    ++c[0];
    switch (q.status) {
      case req_status::fail: {
        ++c[1];
        auto f = tc.append_child("failure");
        f.append_attribute("message") = q.detail.c_str();
        f.append_attribute("type") = q.req->level.c_str();
        std::ostringstream body;
        body << "test " << q.fail_test << ", checkpoint " << q.fail_checkpoint << ": " << q.fail_message << "\n"
             << q.req->text;
        f.text().set(body.str().c_str());
        break;
      }
      case req_status::not_supported:
      case req_status::not_tested: {
        ++c[2];
        auto s = tc.append_child("skipped");
        s.append_attribute("message") = (std::string(to_string(q.status)) + ": " + q.detail).c_str();
        break;
      }
      case req_status::warning:
        tc.append_child("system-out").text().set(("WARNING: " + q.detail).c_str());
        break;
      case req_status::deviation: {
        ++c[2];
        auto s = tc.append_child("skipped");
        s.append_attribute("message") = ("DEVIATION: " + q.detail).c_str();
        break;
      }
      case req_status::pass:
        break;
    }
  }
  for (auto& [area, node] : by_area) {
    node.append_attribute("tests") = counts[area][0];
    node.append_attribute("failures") = counts[area][1];
    node.append_attribute("skipped") = counts[area][2];
    node.append_attribute("errors") = 0;
  }
  if (!r.ev.complete) {
    auto s = suites.append_child("testsuite");
    s.append_attribute("name") = "run";
    s.append_attribute("tests") = 1;
    s.append_attribute("errors") = 1;
    auto tc = s.append_child("testcase");
    tc.append_attribute("name") = "complete";
    std::string all;
    for (const auto& p : r.ev.problems) all += p + "\n";
    auto e = tc.append_child("error");
    e.append_attribute("message") = "the run is incomplete";
    e.text().set(all.c_str());
  }
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

}  // namespace conformance::runner
