// SPDX-License-Identifier: Apache-2.0
// The Xen profile stays in step with the spec and the suite: every entry names a requirement of
// the spec data, a conformance test that declares it, and a check message that test prints.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hmx/xen/profile.h"

namespace hmx::xen {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The requirement ids of the spec data, from the spec bundle (hmx-specgen --bundle-out).
std::set<std::string> requirement_ids() {
  std::ifstream in(HMX_SPEC_BUNDLE);
  const nlohmann::json requirements = nlohmann::json::parse(in).at("spec").at("requirements");
  std::set<std::string> ids;
  for (const auto& r : requirements) ids.insert(r.at("id").get<std::string>());
  return ids;
}

// The source of the conformance test `name`: from its HMX_GUEST_TEST line to the next one.
std::string test_source(const std::string& name, std::string* declared) {
  for (const auto& e : std::filesystem::directory_iterator(HMX_XEN_TEST_CONFORMANCE_TESTS)) {
    const std::string text = slurp(e.path());
    const std::string head = "HMX_GUEST_TEST(" + name + ", \"";
    const size_t at = text.find(head);
    if (at == std::string::npos) continue;
    const size_t q = text.find('"', at + head.size());
    *declared = text.substr(at + head.size(), q - at - head.size());
    const size_t next = text.find("HMX_GUEST_TEST(", at + head.size());
    return text.substr(at, next == std::string::npos ? std::string::npos : next - at);
  }
  return "";
}

TEST(Profile, EveryEntryIsTracedToTheSpecAndASuiteCheck) {
  const std::set<std::string> reqs = requirement_ids();
  ASSERT_FALSE(reqs.empty());
  ASSERT_FALSE(xen_profile().empty());
  for (const deviation& d : xen_profile()) {
    SCOPED_TRACE(std::string(d.requirement) + " / " + std::string(d.test));
    EXPECT_TRUE(reqs.count(std::string(d.requirement))) << "not a requirement";
    std::string declared;
    const std::string src = test_source(std::string(d.test), &declared);
    ASSERT_FALSE(src.empty()) << "no such conformance test";
    EXPECT_NE(declared.find(d.requirement), std::string::npos) << "the test does not declare the requirement";
    EXPECT_NE(src.find("\"" + std::string(d.check)), std::string::npos) << "the test prints no such check";
    EXPECT_FALSE(d.xen_does.empty());
    EXPECT_FALSE(d.why.empty());
    EXPECT_FALSE(d.observed_on.empty());
  }
}

TEST(Profile, ExplainsOnlyItsOwnChecks) {
  const auto p = xen_profile();
  const char* msg = "sendv to an aport without a ring: result register: got 0xffffff91, want 0xffffffffffffff91";
  const deviation* d = explain_failure(p, "mech_xen", "HMX-MECH-019", "*", msg);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->requirement, "HMX-MECH-019");
  EXPECT_EQ(explain_failure(p, "mech_xen", "HMX-MECH-019", "HMX-MECH-019", msg), d);
  // Another test, another requirement, a check attributed elsewhere, another message: not explained.
  EXPECT_EQ(explain_failure(p, "mech_msr_call", "HMX-MECH-019", "*", msg), nullptr);
  EXPECT_EQ(explain_failure(p, "mech_xen", "HMX-MECH-021", "*", msg), nullptr);
  EXPECT_EQ(explain_failure(p, "mech_xen", "HMX-MECH-019", "HMX-MECH-021", msg), nullptr);
  EXPECT_EQ(explain_failure(p, "mech_xen", "HMX-MECH-019", "*", "operation 16: result register: got 0x0"), nullptr);
}

}  // namespace
}  // namespace hmx::xen
