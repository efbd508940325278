// SPDX-License-Identifier: Apache-2.0
// The JSON certification report ("hmx-conformance-report/1"; docs/guide-hypervisor-vendors.md).
#include <cstdlib>

#include "report.h"

namespace conformance::runner {

namespace {
uint32_t number(const run_log& log, const char* key) {
  const auto it = log.ident.find(key);
  return it == log.ident.end() ? 0 : static_cast<uint32_t>(std::strtoul(it->second.c_str(), nullptr, 0));
}
std::string text(const run_log& log, const char* key) {
  const auto it = log.ident.find(key);
  return it == log.ident.end() ? "" : it->second;
}
}  // namespace

nlohmann::json certification_json(const report& r) {
  using nlohmann::json;
  const run_log& log = r.log;
  json j;
  j["format"] = "hmx-conformance-report/1";
  j["generated"] = r.date;
  j["tool"] = {{"name", "hmx-conformance"}, {"protocol", 1}};
  j["spec"] = {{"version", r.spec.version()}, {"status", r.spec.status}};
  j["target"] = to_string(r.facts.target);
  if (!r.facts.hypervisor.empty()) j["hypervisor_booted"] = r.facts.hypervisor;

  json hv;
  hv["hypervisor_present"] = text(log, "hv") == "1";
  hv["cpuid_leaf"] = "0x40000000";
  hv["signature"] = signature_text(text(log, "hv_sig"));
  hv["signature_hex"] = text(log, "hv_sig");
  hv["max_leaf"] = text(log, "hv_max");
  json hmx;
  hmx["present"] = log.hmx_present();
  if (log.hmx_present()) {
    const uint32_t v = number(log, "version");
    hmx["cpuid_base"] = text(log, "base");
    hmx["max_leaf"] = text(log, "max_leaf");
    hmx["version"] = std::to_string(v >> 16) + "." + std::to_string(v & 0xffff);
    hmx["mechanisms"] = bit_names(number(log, "mechanisms"), r.spec.mechanisms);
    hmx["mechanism_bitmap"] = text(log, "mechanisms");
    hmx["features"] = bit_names(number(log, "features"), r.spec.features);
    hmx["feature_bitmap"] = text(log, "features");
    hmx["max_batch"] = number(log, "max_batch");
    hmx["msr_base"] = text(log, "msr_base");
    hmx["msr_count"] = number(log, "msr_count");
    hmx["hypercall_nr"] = text(log, "hypercall_nr");
    hmx["domain_id"] = number(log, "domid");
    hmx["vcpus"] = number(log, "vcpus");
    hmx["cpu_vendor"] = text(log, "vendor");
    hmx["conduit_used"] = text(log, "conduit");
    if (!text(log, "xen").empty()) {
      hv["xen_version"] = text(log, "xen");
      hv["name"] = "Xen " + text(log, "xen");
    }
  } else {
    hmx["reason"] = text(log, "reason");
  }
  hv["hmx"] = hmx;
  j["hypervisor"] = hv;
  j["domains"] = {{"peer", log.peer}, {"denied", log.denied}, {"peer_connected", log.peer_connected}};
  j["selection"] = r.sel.patterns();

  json run;
  run["complete"] = r.ev.complete;
  run["problems"] = r.ev.problems;
  run["seconds"] = r.facts.seconds;
  if (r.facts.guest_status) run["tester_exit_status"] = *r.facts.guest_status;
  else run["tester_exit_status"] = nullptr;
  run["tests_planned"] = log.plan;
  j["run"] = run;

  j["summary"] = {{"requirements", r.ev.reqs.size()}, {"pass", r.ev.pass},     {"fail", r.ev.fail},
                  {"warning", r.ev.warning},          {"deviation", r.ev.deviation},
                  {"not_supported", r.ev.not_supported}, {"not_tested", r.ev.not_tested},
                  {"exit_code", r.ev.exit_code}};

  json reqs = json::array();
  for (const auto& q : r.ev.reqs) {
    json e = {{"id", q.req->id},         {"level", q.req->level},         {"target", q.req->target},
              {"section", q.req->section}, {"status", to_string(q.status)}, {"tests", q.tests}};
    if (!q.detail.empty()) e["detail"] = q.detail;
    if (q.status == req_status::fail || q.status == req_status::warning || q.status == req_status::deviation)
      e["failure"] = {{"test", q.fail_test}, {"checkpoint", q.fail_checkpoint}, {"message", q.fail_message}};
    if (q.status == req_status::deviation) e["deviations"] = q.deviations;
    reqs.push_back(e);
  }
  j["requirements"] = reqs;

  json tests = json::array();
  for (const auto& t : log.tests) {
    json o = json::object();
    for (const auto& [id, c] : t.outcomes) o[id] = std::string(1, c);
    tests.push_back({{"name", t.name},
                     {"verdict", t.finished ? t.verdict : "INCOMPLETE"},
                     {"checkpoints", t.checkpoints},
                     {"requirements", o},
                     {"message", t.message}});
  }
  j["tests"] = tests;
  return j;
}

}  // namespace conformance::runner
