// SPDX-License-Identifier: Apache-2.0
// What the tests that run hmx-kvm with a virtio-argo device domain share (vta_kvm_e2e_test.cpp,
// vta_vhost_kvm_test.cpp): where the binaries are, the policy between the driver domain and the
// device domain, and the lookups in hmx-kvm's console output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

namespace hmx::vm_test {

// The environment's value of `env` (HMX_KVM, HMX_VTA_GUEST_DIR), else the build tree's.
inline std::string setting(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// drv may reach the device domain vta-blk both ways; any other domain has no rule (default deny).
inline constexpr const char* kDriverDevicePolicy = R"(
rule { name: "drv->blk" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "drv" destination: "vta-blk" }
rule { name: "blk->drv" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-blk" destination: "drv" }
)";

// A checksum as the guests print it: 16 hex digits.
inline std::string hex16(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// Whether a line of `out` matches `pattern` (ECMAScript, ^ and $ at line ends).
inline bool has_line(const std::string& out, const std::string& pattern) {
  return std::regex_search(out, std::regex(pattern, std::regex::multiline));
}

// The first group of the first match of `pattern` in `out`, "" when none.
inline std::string capture(const std::string& out, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(out, m, std::regex(pattern, std::regex::multiline)) ? m[1].str() : "";
}

}  // namespace hmx::vm_test
