// SPDX-License-Identifier: MIT
// select_conduit(): the documented order (README.md "Conduit selection"; the data's preference).
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace hmx {
namespace {

probe_result x86_hmx(uint32_t mechanisms, cpu_vendor vendor, uint32_t hypercall_nr = 0x40) {
  probe_result p;
  p.arch = arch_kind::x86_64;
  p.vendor = vendor;
  p.hmx_status = probe_status::found;
  p.mechanisms = mechanisms;
  p.msr_base = HMX_MSR_DEFAULT_BASE;
  p.msr_count = HMX_MSR_COUNT;
  p.hypercall_nr = hypercall_nr;
  return p;
}

conduit_id pick(const probe_result& p) {
  const result<conduit_choice> c = select_conduit(p);
  return c.ok() ? c->id : conduit_id::none;
}

constexpr uint32_t kAllX86 =
    HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMCALL_BIT | HMX_MECH_X86_VMMCALL_BIT;

// covers: HMX-LIB-007
TEST(SelectConduit, MsrFirstOnX86) {
  const probe_result p = x86_hmx(kAllX86, cpu_vendor::intel);
  const result<conduit_choice> c = select_conduit(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->id, conduit_id::x86_msr);
  EXPECT_EQ(c->msr_base, HMX_MSR_DEFAULT_BASE);
}

// covers: HMX-LIB-007
TEST(SelectConduit, VmcallOnlyOnIntelVmmcallOnlyOnAmdAndHygon) {
  const uint32_t both = HMX_MECH_X86_VMCALL_BIT | HMX_MECH_X86_VMMCALL_BIT;
  EXPECT_EQ(pick(x86_hmx(both, cpu_vendor::intel)), conduit_id::x86_vmcall);
  EXPECT_EQ(pick(x86_hmx(both, cpu_vendor::amd)), conduit_id::x86_vmmcall);
  EXPECT_EQ(pick(x86_hmx(both, cpu_vendor::hygon)), conduit_id::x86_vmmcall);
  EXPECT_EQ(pick(x86_hmx(both, cpu_vendor::unknown)), conduit_id::none);
  // Offered only for the other vendor: nothing usable.
  EXPECT_EQ(pick(x86_hmx(HMX_MECH_X86_VMCALL_BIT, cpu_vendor::amd)), conduit_id::none);
  EXPECT_EQ(pick(x86_hmx(HMX_MECH_X86_VMMCALL_BIT, cpu_vendor::intel)), conduit_id::none);
  const result<conduit_choice> c = select_conduit(x86_hmx(both, cpu_vendor::intel, 0x77));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->hypercall_nr, 0x77u);
}

// covers: HMX-LIB-003 HMX-LIB-006
TEST(SelectConduit, HypercallNeedsANumber) {
  EXPECT_EQ(pick(x86_hmx(HMX_MECH_X86_VMCALL_BIT, cpu_vendor::intel, 0)), conduit_id::none);
}

// covers: HMX-LIB-007
TEST(SelectConduit, MisplacedMsrBlockFallsBackToHypercall) {
  probe_result p = x86_hmx(kAllX86, cpu_vendor::intel);
  p.msr_base = HMX_MSR_DEFAULT_BASE + 1;  // not HMX_MSR_ALIGNMENT aligned
  EXPECT_EQ(pick(p), conduit_id::x86_vmcall);
  p = x86_hmx(kAllX86, cpu_vendor::intel);
  p.msr_count = 0;
  EXPECT_EQ(pick(p), conduit_id::x86_vmcall);
}

// covers: HMX-LIB-007
TEST(SelectConduit, XenLast) {
  probe_result p = x86_hmx(kAllX86, cpu_vendor::intel);
  p.xen.present = p.xen.argo = true;
  p.xen.hypercall_msr = 0x40000000;
  EXPECT_EQ(pick(p), conduit_id::x86_msr);
  p.mechanisms = 0;
  const result<conduit_choice> c = select_conduit(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->id, conduit_id::xen_hypercall);
  EXPECT_EQ(c->xen_hypercall_msr, 0x40000000u);
  // Xen without native HMX, Argo confirmed.
  probe_result x;
  x.hmx_status = probe_status::no_signature;
  x.xen.present = x.xen.argo = true;
  EXPECT_EQ(pick(x), conduit_id::xen_hypercall);
  // Xen seen but Argo not confirmed: nothing.
  x.xen.argo = false;
  EXPECT_EQ(pick(x), conduit_id::none);
}

// covers: HMX-LIB-006
TEST(SelectConduit, SmcccOnArmOnly) {
  probe_result p;
  p.arch = arch_kind::aarch64;
  p.hmx_status = probe_status::found;
  p.mechanisms = HMX_MECH_ARM_SMCCC_HVC_BIT | kAllX86;
  EXPECT_EQ(pick(p), conduit_id::arm_smccc_hvc);
  // x86 mechanisms are meaningless on Arm, and SMCCC on x86.
  p.mechanisms = kAllX86;
  EXPECT_EQ(pick(p), conduit_id::none);
  probe_result q = x86_hmx(HMX_MECH_ARM_SMCCC_HVC_BIT, cpu_vendor::intel);
  EXPECT_EQ(pick(q), conduit_id::none);
}

// covers: HMX-LIB-006
TEST(SelectConduit, NotificationMechanismsAreNotConduits) {
  EXPECT_EQ(pick(x86_hmx(HMX_MECH_X86_VECTOR_BIT | HMX_MECH_XEN_VIRQ_BIT, cpu_vendor::intel)),
            conduit_id::none);
}

// covers: HMX-LIB-006 HMX-LIB-021 HMX-LIB-022
TEST(SelectConduit, NothingFoundIsHmxNotPresent) {
  probe_result p;
  p.hmx_status = probe_status::no_hypervisor;
  p.mechanisms = kAllX86;  // ignored: HMX is not present
  const result<conduit_choice> c = select_conduit(p);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.error(), errc::nodev);
}

// The compiled order follows the data's `preference` values (lower first; equal values keep
// mechanism-id order), read here from the spec bundle (spec/CMakeLists.txt).
// covers: HMX-LIB-007
TEST(SelectConduit, OrderFollowsTheDataPreference) {
  std::ifstream in(HMX_SPEC_BUNDLE);
  ASSERT_TRUE(in) << HMX_SPEC_BUNDLE;
  const nlohmann::json mechanisms = nlohmann::json::parse(in).at("spec").at("mechanisms");
  std::map<std::string, uint32_t> pref;
  for (const auto& m : mechanisms)
    if (m.at("kind") == "call") pref[m.at("name")] = m.at("preference");
  ASSERT_EQ(pref.size(), 5u);
  uint32_t last = 0;
  for (const auto& k : conduit_order.c) {
    const std::string name = conduit_name(k.id);
    ASSERT_TRUE(pref.count(name)) << name;
    EXPECT_EQ(pref[name], k.preference) << name;
    EXPECT_GE(k.preference, last) << name;
    last = k.preference;
  }
  EXPECT_EQ(conduit_order.c[4].id, conduit_id::xen_hypercall);
}

// visit_conduit builds the chosen conduit over the environment.
TEST(VisitConduit, ConstructsTheChosenConduit) {
  test::test_env t;
  conduit_id seen = conduit_id::none;
  auto record = [&](auto& c) {
    seen = std::remove_reference_t<decltype(c)>::id;
    return status{};
  };
  for (conduit_id id : {conduit_id::x86_msr, conduit_id::x86_vmcall, conduit_id::x86_vmmcall,
                        conduit_id::arm_smccc_hvc}) {
    conduit_choice ch;
    ch.id = id;
    EXPECT_TRUE(visit_conduit(ch, t.env, nullptr, record).ok()) << conduit_name(id);
    EXPECT_EQ(seen, id);
  }
  conduit_choice xen;
  xen.id = conduit_id::xen_hypercall;
  xen.xen_hypercall_msr = 0x40000000;
  void* page = t.env.alloc_pages(1);
  EXPECT_TRUE(visit_conduit(xen, t.env, page, record).ok());
  EXPECT_EQ(seen, conduit_id::xen_hypercall);
  EXPECT_EQ(t.env.last_wrmsr_index(), 0x40000000u);  // the hypercall page was installed
  EXPECT_EQ(t.env.last_wrmsr_value(), t.env.to_gpa(page));
  EXPECT_EQ(visit_conduit(conduit_choice{}, t.env, nullptr, record), errc::nodev);
}

// An environment without hypercall primitives cannot serve those conduits.
struct msr_only_env {
  test::test_env t;
  uint64_t to_gpa(const void* p) const noexcept { return t.env.to_gpa(p); }
  void* alloc_pages(size_t n) noexcept { return t.env.alloc_pages(n); }
  cpuid_regs cpuid(uint32_t l, uint32_t s) noexcept { return t.env.cpuid(l, s); }
  uint64_t rdmsr(uint32_t i) noexcept { return t.env.rdmsr(i); }
  void wrmsr(uint32_t i, uint64_t v) noexcept { t.env.wrmsr(i, v); }
  cpu_vendor vendor() noexcept { return cpu_vendor::intel; }
};

TEST(VisitConduit, EnvironmentWithoutThePrimitiveGivesNodev) {
  static_assert(X86Environment<msr_only_env> && !VmcallEnvironment<msr_only_env>);
  msr_only_env e;
  conduit_choice ch;
  ch.id = conduit_id::x86_vmcall;
  EXPECT_EQ(visit_conduit(ch, e, nullptr, [](auto&) { return status{}; }), errc::nodev);
  ch.id = conduit_id::x86_msr;
  EXPECT_TRUE(visit_conduit(ch, e, nullptr, [](auto&) { return status{}; }).ok());
}

}  // namespace
}  // namespace hmx
