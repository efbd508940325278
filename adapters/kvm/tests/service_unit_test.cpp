// SPDX-License-Identifier: Apache-2.0
// hmx_service parts that need no VM: the domains= directory and policy loading errors.
#include <gtest/gtest.h>

#include <sstream>

#include "hmx/kvm/hmx_service.h"

namespace hmx::kvm {
namespace {

TEST(HmxServiceTest, DomainDirectoryListsNamesAndIdsInOrder) {
  EXPECT_EQ(domain_directory({{"alpha", 1}, {"beta", 2}, {"gamma", 3}}), "alpha:1,beta:2,gamma:3");
  EXPECT_EQ(domain_directory({}), "");
}

TEST(HmxServiceTest, BrokenPolicyFileIsRejectedWithFileLineAndColumn) {
  std::ostringstream sink;
  console out(sink, sink);
  hmx_service svc(out);
  std::string error;
  EXPECT_FALSE(svc.load_policy_file(HMX_KVM_TEST_DATA "/broken.policy", &error));
  EXPECT_NE(error.find("broken.policy:3:"), std::string::npos) << error;
  EXPECT_FALSE(svc.load_policy_file(HMX_KVM_TEST_DATA "/does-not-exist.policy", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(svc.load_policy_file(HMX_KVM_DEMO_POLICY, &error)) << error;
  EXPECT_EQ(svc.policy().rule_count(), 2u);
}

// covers: HMX-MAC-001, HMX-MAC-002
TEST(HmxServiceTest, WithoutAPolicyEverythingBetweenDomainsIsDenied) {
  std::ostringstream sink;
  console out(sink, sink);
  hmx_service svc(out);
  EXPECT_EQ(svc.policy().rule_count(), 0u);
  EXPECT_EQ(svc.policy().evaluate(ref::PolicyHook::kSend, "ping", "pong"), ref::PolicyVerdict::kNoRule);
  EXPECT_EQ(svc.policy().send({1, "ping"}, {2, "pong"}), -HMX_EACCES);
  EXPECT_EQ(svc.policy().denials(ref::PolicyHook::kSend, 1, 2), 1u);
  EXPECT_NE(sink.str().find("[hmx] hmx policy: denied SEND"), std::string::npos) << sink.str();
}

}  // namespace
}  // namespace hmx::kvm
