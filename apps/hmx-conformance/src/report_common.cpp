// SPDX-License-Identifier: Apache-2.0
// Identity helpers shared by the writers.
#include <cstdio>
#include <ctime>

#include "report.h"

namespace conformance::runner {

namespace {
std::string field(const run_log& log, const char* key, const char* fallback = "?") {
  const auto it = log.ident.find(key);
  return it == log.ident.end() ? fallback : it->second;
}
uint32_t number(const run_log& log, const char* key) {
  const auto it = log.ident.find(key);
  if (it == log.ident.end()) return 0;
  return static_cast<uint32_t>(std::strtoul(it->second.c_str(), nullptr, 0));
}
}  // namespace

std::string signature_text(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int v = std::stoi(hex.substr(i, 2), nullptr, 16);
    out += (v >= 0x20 && v < 0x7f) ? static_cast<char>(v) : '.';
  }
  return out;
}

std::vector<std::string> bit_names(uint32_t bits, const std::map<uint32_t, std::string>& names) {
  std::vector<std::string> out;
  for (uint32_t b = 0; b < 32; ++b) {
    if ((bits >> b & 1u) == 0) continue;
    const auto it = names.find(b);
    out.push_back(it == names.end() ? "bit" + std::to_string(b) : it->second);
  }
  return out;
}

std::string deviations_text(const evaluation& ev) {
  if (ev.deviation == 0) return "";
  return ", " + std::to_string(ev.deviation) + " documented deviation" + (ev.deviation == 1 ? "" : "s");
}

std::string identity_line(const report& r) {
  const run_log& log = r.log;
  if (r.facts.target == target_kind::transport)
    return "transport: virtio-argo over HMX (hmx_vta_over_hmx_tests; hypervisor: the reference core in-process, "
           "hmx-kvm for OverKvm.*)";
  if (!log.ident_seen) return "hypervisor: unknown (no IDENT line)";
  if (log.hmx_present() && log.ident.count("xen") != 0)
    return "hypervisor: Xen " + field(log, "xen") + " (xen_version)" +
           (r.facts.hypervisor.empty() ? "" : ", booted as " + r.facts.hypervisor) +
           "; HMX through Xen's Argo, conduit " + field(log, "conduit") + ", domain " + field(log, "domid");
  std::string hv = field(log, "hv") == "1" ? "'" + signature_text(field(log, "hv_sig", "")) + "'" : "none (CPUID.1:ECX[31] clear)";
  if (!log.hmx_present()) return "hypervisor: " + hv + "; HMX not present: " + field(log, "reason", "");
  const uint32_t version = number(log, "version");
  std::string mech, feat;
  for (const auto& n : bit_names(number(log, "mechanisms"), r.spec.mechanisms)) mech += (mech.empty() ? "" : ",") + n;
  for (const auto& n : bit_names(number(log, "features"), r.spec.features)) feat += (feat.empty() ? "" : ",") + n;
  // Arm: HMX found by its SMCCC Call UID (spec 3.3); CPUID leaves and MSRs do not exist there.
  if (field(log, "conduit").rfind("arm_smccc", 0) == 0)
    return "hypervisor: " + (r.facts.hypervisor.empty() ? std::string("Arm") : r.facts.hypervisor) + "; HMX " +
           std::to_string(version >> 16) + "." + std::to_string(version & 0xffff) + " through SMCCC (HMX's Call UID), " +
           "mechanisms " + (mech.empty() ? "-" : mech) + ", features " + (feat.empty() ? "-" : feat) + ", conduit " +
           field(log, "conduit") + ", domain " + field(log, "domid");
  return "hypervisor: " + hv + "; HMX " + std::to_string(version >> 16) + "." + std::to_string(version & 0xffff) +
         " at CPUID " + field(log, "base") + ", mechanisms " + (mech.empty() ? "-" : mech) + ", features " +
         (feat.empty() ? "-" : feat) + ", MSR base " + field(log, "msr_base") + ", conduit " + field(log, "conduit");
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace conformance::runner
