// SPDX-License-Identifier: Apache-2.0
// The HMX service serving real VMs: the demo images exchange messages through the reference core
// over the MSR conduit, a third domain is denied, and every domain is torn down when it stops.
#include <gtest/gtest.h>

#include <sstream>

#include "hmx/kvm/hmx_service.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/monitor.h"

namespace hmx::kvm {
namespace {

struct run_result {
  int rc;
  std::string text;
};

run_result run_demo(hmx_service& svc, std::vector<std::string> specs, std::ostringstream& text) {
  kvm_system system;
  console out(text, text);
  monitor mon(system, out);
  core_domains_guard guard(svc);
  std::vector<domain_config> configs;
  for (const auto& s : specs) configs.push_back(parse_domain_spec(s));
  svc.add_domains(mon, std::move(configs));
  int rc = mon.run(std::chrono::seconds(30));
  std::cout << text.str();
  return {rc, text.str()};
}

const std::string kDemo = HMX_GUEST_DIR "/demo.elf";

// covers: HMX-DISC-004, HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-MAC-002, HMX-MAC-005, HMX-DOM-005 HMX-DOM-006, HMX-EVENT-022 HMX-EVENT-023
TEST(HmxServiceVmTest, TwoDomainsExchangeAThirdIsDeniedAndAllAreTornDown) {
  std::ostringstream text;
  console log(text, text);
  hmx_service svc(log);
  std::string error;
  ASSERT_TRUE(svc.load_policy_file(HMX_KVM_DEMO_POLICY, &error)) << error;
  run_result r = run_demo(svc,
                          {"ping=" + kDemo + ",arg=role=ping,arg=peer=pong",
                           "pong=" + kDemo + ",arg=role=pong,arg=peer=ping",
                           "intruder=" + kDemo + ",vcpus=1,arg=role=denied,arg=peer=pong"},
                          text);
  ASSERT_EQ(r.rc, kExitAllZero) << r.text;
  EXPECT_NE(r.text.find("[ping] demo: ping: all 2 vCPUs done: 400 messages each way, checksums ok"), std::string::npos);
  EXPECT_NE(r.text.find("[pong] demo: pong: all 2 vCPUs done: 400 messages each way, checksums ok"), std::string::npos);
  EXPECT_NE(r.text.find("[intruder] demo: intruder: sendv to pong (id 2): EACCES"), std::string::npos);

  const ref::CoreStats s = svc.core().stats();
  EXPECT_EQ(s.messages, 800u);  // 200 per vCPU and direction, 2 vCPUs
  EXPECT_GE(s.interrupts, 4u);  // at least one per ring (merged while a bit is set, HMX-EVENT-008)
  // The denied domain: one sendv (SEND intruder -> pong) and one register_ring (partner pong).
  EXPECT_EQ(svc.policy().denials(ref::PolicyHook::kSend, 3, 2), 1u);
  EXPECT_EQ(svc.policy().denials(ref::PolicyHook::kRegisterSingleSource, 2, 3), 1u);
  EXPECT_EQ(svc.policy().denials(), 2u);
  for (ref::DomainId id : {1, 2, 3}) EXPECT_FALSE(svc.core().has_domain(id)) << id;
  EXPECT_GE(svc.find("ping")->calls.load(), 400u);
  EXPECT_EQ(svc.find("ping")->refused.load(), 0u);
  // The intruder's conduit checks: every unusable call block, RDMSR of CALL, invalid register value
  // and reserved index raised #GP on real KVM (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-EVENT-001/003).
  EXPECT_NE(r.text.find("[intruder] demo: intruder: conduit checks: 9 of 9 refusals raised #GP"), std::string::npos);
  EXPECT_EQ(svc.find("intruder")->refused.load(), 9u);
}

// covers: HMX-DOM-005 HMX-DOM-006, HMX-DOM-007 HMX-DOM-008
TEST(HmxServiceVmTest, ACrashedDomainVanishesForItsPeer) {
  std::ostringstream text;
  console log(text, text);
  hmx_service svc(log);
  std::string error;
  ASSERT_TRUE(svc.load_policy_file(HMX_KVM_DEMO_POLICY, &error)) << error;
  run_result r = run_demo(svc,
                          {"ping=" + kDemo + ",arg=role=ping,arg=peer=pong",
                           "pong=" + kDemo + ",arg=role=pong,arg=peer=ping,arg=crash-after=50"},
                          text);
  EXPECT_EQ(r.rc, kExitCrashed) << r.text;
  EXPECT_NE(r.text.find("[pong] hmx: domain 2 removed from the HMX core (2 rings torn down)"), std::string::npos);
  EXPECT_NE(r.text.find("[ping] demo: ping: cpu 0: peer pong vanished"), std::string::npos);
  EXPECT_NE(r.text.find("[ping] result: exited with status 16"), std::string::npos);
}

// covers: HMX-MAC-001
TEST(HmxServiceVmTest, WithoutAPolicyRingsForOtherDomainsAreRefused) {
  std::ostringstream text;
  console log(text, text);
  hmx_service svc(log);
  run_result r = run_demo(svc, {"ping=" + kDemo + ",vcpus=1,arg=role=ping,arg=peer=pong",
                                "pong=" + kDemo + ",vcpus=1,arg=role=pong,arg=peer=ping"},
                          text);
  EXPECT_EQ(r.rc, kExitNonZero) << r.text;
  // Whichever registers first is denied (EACCES) and exits; the other then finds its partner
  // gone (ESRCH) or is denied too.
  EXPECT_NE(r.text.find("demo: register_ring: EACCES"), std::string::npos);
  // Whichever domain registers first is denied; the other may find its peer already gone (ESRCH).
  EXPECT_GE(svc.policy().denials(ref::PolicyHook::kRegisterSingleSource), 1u);
  EXPECT_EQ(svc.core().stats().messages, 0u);
}

}  // namespace
}  // namespace hmx::kvm
