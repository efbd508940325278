// SPDX-License-Identifier: Apache-2.0
// The MAC policy as a guest sees it through libhmx (docs/ARCHITECTURE.md decision 9; Xen xsm/dummy.h Argo hooks): the
// allow/deny matrix of every hook between three domains, denial counting, notify's refusal to
// describe rings the caller may not send to, and a policy reload while domains run.
#include <cstring>
#include <map>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

// SEND:  alpha -> beta allowed, beta -> alpha denied by rule, gamma <-> anyone: no rule (deny),
//        except beta -> gamma allowed. Self-sends are always allowed.
// REGISTER_SINGLE_SOURCE: beta may take rings from alpha; gamma from anyone; "*" -> alpha denied.
// REGISTER_ANY_SOURCE: gamma allowed, beta denied by rule, alpha no rule: both EPERM
//        (HMX-MAC-001: an any-source denial is EPERM, as Argo without mac-permissive).
constexpr const char* kMatrix = R"(
rule { name: "a-to-b" action: ALLOW hook: [SEND] source: "alpha" destination: "beta" }
rule { name: "b-to-a" action: DENY hook: [SEND] source: "beta" destination: "alpha" }
rule { name: "b-to-g" action: ALLOW hook: [SEND] source: "beta" destination: "gamma" }
rule { name: "reg-b" action: ALLOW hook: [REGISTER_SINGLE_SOURCE] source: "alpha" destination: "beta" }
rule { name: "reg-g" action: ALLOW hook: [REGISTER_SINGLE_SOURCE] source: "*" destination: "gamma" }
rule { name: "reg-a" action: DENY hook: [REGISTER_SINGLE_SOURCE] source: "*" destination: "alpha" }
rule { name: "any-g" action: ALLOW hook: [REGISTER_ANY_SOURCE] source: "*" destination: "gamma" }
rule { name: "any-b" action: DENY hook: [REGISTER_ANY_SOURCE] source: "*" destination: "beta" }
)";

class PolicyTest : public LoopbackTest {
 protected:
  PolicyTest() : LoopbackTest(kMatrix) {}
  domain* dom(int i) { return i == 0 ? &alpha : i == 1 ? &beta : &gamma; }
};

// covers: HMX-MAC-001 HMX-MAC-008 HMX-MAC-009
TEST_F(PolicyTest, RegisterSingleSourceMatrix) {
  // expected[owner][partner]
  const errc expected[3][3] = {
      /* alpha owns */ {errc::ok, errc::acces, errc::acces},  // "reg-a" denies everyone
      /* beta owns  */ {errc::ok, errc::ok, errc::acces},     // only alpha by rule
      /* gamma owns */ {errc::ok, errc::ok, errc::ok},        // "reg-g" allows all
  };
  for (int o = 0; o < 3; ++o)
    for (int p = 0; p < 3; ++p) {
      bound_client c(*dom(o));
      ring r(*dom(o), 100 + p, dom(p)->id, 256);
      const status s = c->register_ring(r.reg);
      EXPECT_EQ(s, expected[o][p]) << dom(o)->name << " owns, partner " << dom(p)->name;
    }
}

// covers: HMX-MAC-001 HMX-MAC-010 HMX-MAC-011
TEST_F(PolicyTest, RegisterAnySource) {
  const errc expected[3] = {errc::perm, errc::perm, errc::ok};  // no rule / DENY / ALLOW
  for (int o = 0; o < 3; ++o) {
    bound_client c(*dom(o));
    ring r(*dom(o), 7, HMX_DOMID_ANY, 256);
    EXPECT_EQ(c->register_ring(r.reg), expected[o]) << dom(o)->name;
  }
}

// covers: HMX-MAC-002 HMX-MAC-008 HMX-MAC-009 HMX-MAC-005 HMX-MAC-007
TEST_F(PolicyTest, SendMatrix) {
  // Each destination registers one ring per sender under a permissive registration policy;
  // then the matrix policy is back and the send rules alone decide.
  std::string error;
  ASSERT_TRUE(tp.policy.load_text(R"(
rule { name: "reg-all" action: ALLOW hook: [REGISTER_SINGLE_SOURCE] source: "*" destination: "*" }
)", &error)) << error;
  std::vector<std::unique_ptr<ring>> rings;
  for (int d = 0; d < 3; ++d)
    for (int s = 0; s < 3; ++s) {
      rings.push_back(std::make_unique<ring>(*dom(d), 10 + s, dom(s)->id, 256));
      bound_client c(*dom(d));
      ASSERT_TRUE(c->register_ring(rings.back()->reg).ok());
    }
  ASSERT_TRUE(tp.policy.load_text(kMatrix, &error)) << error;

  const errc expected[3][3] = {
      /* alpha sends to */ {errc::ok, errc::ok, errc::acces},
      /* beta sends to  */ {errc::acces, errc::ok, errc::ok},
      /* gamma sends to */ {errc::acces, errc::acces, errc::ok},
  };
  const uint64_t denials_before = tp.policy.denials(ref::PolicyHook::kSend);
  int denied = 0;
  for (int s = 0; s < 3; ++s) {
    bound_client c(*dom(s));
    unsigned char* buf = dom(s)->pages(1);
    for (int d = 0; d < 3; ++d) {
      const result<uint32_t> r = c->send(make_addr(10 + s, dom(d)->id), buf, 8, 0);
      const status got = r.ok() ? status{} : r.error();
      EXPECT_EQ(got, expected[s][d]) << dom(s)->name << " -> " << dom(d)->name;
      if (expected[s][d] != errc::ok) ++denied;
    }
  }
  // Every denial is counted, per pair, and logged.
  EXPECT_EQ(tp.policy.denials(ref::PolicyHook::kSend) - denials_before,
            static_cast<uint64_t>(denied));
  EXPECT_EQ(tp.policy.denials(ref::PolicyHook::kSend, beta.id, alpha.id), 1u);
  EXPECT_GE(tp.messages().size(), static_cast<size_t>(denied));
  // Delivered messages carry their real source.
  for (int d = 0; d < 3; ++d)
    for (int s = 0; s < 3; ++s) {
      message_view m;
      const auto got = receive(rings[static_cast<size_t>(d * 3 + s)]->reader, &m);
      EXPECT_EQ(got.has_value(), expected[s][d] == errc::ok) << s << "->" << d;
      if (got) {
        EXPECT_EQ(m.source.domain_id, dom(s)->id);
      }
    }
}

// covers: HMX-MAC-002
TEST_F(PolicyTest, NotifyDoesNotDescribeRingsTheCallerMayNotSendTo) {
  bound_client g(gamma);
  hmx_ring_data_ent_t ent[2] = {};
  ent[0].ring = make_addr(1, gamma.id);  // itself: allowed
  ent[1].ring = make_addr(1, alpha.id);  // gamma -> alpha: no rule
  EXPECT_EQ(g->notify(ent, 2), errc::acces);
  EXPECT_EQ(g->notify(ent, 1), errc{});
}

TEST_F(PolicyTest, ReloadTakesEffectForRunningDomains) {
  bound_client b(beta), c(gamma);
  ring r(beta, 1, HMX_DOMID_ANY, 256);
  EXPECT_EQ(b->register_ring(r.reg), errc::perm);
  std::string error;
  ASSERT_TRUE(tp.policy.load_text(kAllowAll, &error)) << error;
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* buf = gamma.pages(1);
  EXPECT_TRUE(c->send(make_addr(1, beta.id), buf, 1, 0).ok());
  ASSERT_TRUE(tp.policy.load_text(kMatrix, &error)) << error;
  EXPECT_EQ(c->send(make_addr(1, beta.id), buf, 1, 0).error(), errc::acces);
}

}  // namespace
}  // namespace hmx::loopback
