/* SPDX-License-Identifier: Apache-2.0 */
// The requirement list and the names the report needs, read at run time from the spec bundle
// that hmx-specgen writes from the spec data (spec.json, tools/specgen/src/emit_bundle.h), so that
// every requirement of the data is listed, tested or not (Arm ACS rule-based reporting).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace conformance::runner {

struct requirement {
  std::string id;       // HMX-RING-001
  std::string level;    // MUST, MUST_NOT, SHOULD, SHOULD_NOT, MAY
  std::string target;   // HYPERVISOR, GUEST_LIBRARY, TRANSPORT_DRIVER, TRANSPORT_DEVICE
  std::string section;
  std::string text;
  [[nodiscard]] bool mandatory() const { return level == "MUST" || level == "MUST_NOT"; }
};

struct spec_info {
  uint32_t major = 0, minor = 0;
  std::string status;
  std::vector<requirement> requirements;      // in data order
  std::map<uint32_t, std::string> mechanisms;  // id -> name
  std::map<uint32_t, std::string> features;    // bit -> name
  [[nodiscard]] const requirement* find(const std::string& id) const;
  [[nodiscard]] std::string version() const { return std::to_string(major) + "." + std::to_string(minor); }
};

// The bundle's file name in its directory (build: <build>/spec-gen, installed: share/hmx/spec).
inline constexpr const char* kSpecBundleName = "spec.json";

// Reads <dir>/spec.json. Throws std::runtime_error naming the file and the error.
spec_info load_spec(const std::string& dir);
// The same from the bundle's text; `origin` names it in errors (unit tests).
spec_info parse_spec(const std::string& origin, const std::string& bundle_json);

}  // namespace conformance::runner
