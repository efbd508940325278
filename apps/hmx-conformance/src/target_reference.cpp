// SPDX-License-Identifier: Apache-2.0
// --target reference: the suite in-process (hosted/reference_run.h), its protocol lines parsed
// like a guest's console.
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <hmx/reference/test_switches.h>

#include "../hosted/reference_run.h"
#include "targets.h"

namespace conformance::runner {

namespace {

bool wanted(const test_case& t, void* user) {
  const auto* sel = static_cast<const selection*>(user);
  std::vector<std::string> ids;
  std::istringstream in(t.reqs);
  for (std::string id; in >> id;) ids.push_back(id);
  return sel->any_selected(ids);
}

}  // namespace

target_outcome run_reference_target(const target_options& o) {
  target_outcome out;
  out.facts.target = target_kind::reference;
  std::ifstream in(o.policy_file);
  if (!in) {
    out.facts.finished = false;
    out.facts.failure = o.policy_file + ": cannot read the policy";
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();

  // A test switch of the reference core (--disable-check): the suite must then fail.
  if (!o.disable_check.empty()) {
    hmx::ref::testing::check c;
    if (!hmx::ref::testing::from_name(o.disable_check, &c)) {
      std::string known;
      for (unsigned i = 0; i < static_cast<unsigned>(hmx::ref::testing::check::count); ++i)
        known += std::string(i ? ", " : "") + hmx::ref::testing::name(static_cast<hmx::ref::testing::check>(i));
      throw std::runtime_error("--disable-check: unknown check '" + o.disable_check + "' (known: " + known + ")");
    }
    hmx::ref::testing::disable(c);
  }

  hosted::reference_options ro;
  ro.policy_text = text.str();
  ro.policy_origin = o.policy_file;
  ro.timeout_s = static_cast<unsigned>(o.timeout_s);
  ro.suite.library_scope = true;
  ro.suite.discover_ms = 2000;
  if (!o.sel.all()) {
    ro.suite.want = wanted;
    ro.suite.user = const_cast<selection*>(&o.sel);
  }
  if (o.echo) ro.agent_log = o.echo;

  const auto start = std::chrono::steady_clock::now();
  hosted::reference_outcome r = hosted::run_reference(ro);
  out.facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  serial_parser parser;
  for (const auto& l : r.lines) {
    if (o.echo) o.echo(l);
    parser.feed_line(l);
  }
  out.log = parser.log();
  out.console = r.lines;
  if (!r.error.empty()) {
    out.facts.finished = false;
    out.facts.failure = r.error;
  } else if (r.timed_out) {
    out.facts.finished = false;
    out.facts.failure = "time limit of " + std::to_string(ro.timeout_s) + " s reached in-process";
    out.abandon = true;
  } else {
    out.facts.guest_status = r.status;
  }
  return out;
}

}  // namespace conformance::runner
