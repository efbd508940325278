// SPDX-License-Identifier: MIT
// The conduits' register conventions, through the host environment's primitives (spec
// `mechanisms`: x86_msr, x86_vmcall, x86_vmmcall, the loopback), and the direct MSR helpers.
#include "test_support.h"

namespace hmx {
namespace {

using test::test_env;

// A fake hypervisor behind the CALL MSR: runs null, answers everything else with -EOPNOTSUPP.
struct msr_hv {
  env::host* env;
  uint32_t call_msr;
  int calls = 0;
  uint64_t last_gpa = 0;
  static bool hook(void* ctx, uint32_t index, uint64_t value) {
    auto* h = static_cast<msr_hv*>(ctx);
    if (index != h->call_msr) return false;
    ++h->calls;
    h->last_gpa = value;
    auto* cb = static_cast<hmx_call_block_t*>(h->env->host_ptr(value, sizeof(hmx_call_block_t)));
    if (cb != nullptr) cb->result = cb->op == HMX_OP_NULL ? 0 : -HMX_EOPNOTSUPP;
    return true;
  }
};

// covers: HMX-LIB-003
TEST(MsrConduit, OneWrmsrOfTheCallBlockGpaToBasePlusCall) {
  test_env t;
  const uint32_t base = 0x484D5820;  // relocated, still HMX_MSR_ALIGNMENT aligned
  msr_hv hv{&t.env, base + HMX_MSR_CALL};
  t.env.set_wrmsr_hook(&msr_hv::hook, &hv);
  msr_conduit conduit(t.env, base);
  client c(conduit, t.env);
  const uint64_t before = t.env.wrmsr_calls();
  EXPECT_TRUE(c.null().ok());
  EXPECT_EQ(t.env.wrmsr_calls() - before, 1u);
  EXPECT_EQ(hv.calls, 1);
  EXPECT_EQ(hv.last_gpa, c.call_block_gpa());
  EXPECT_EQ(t.env.last_wrmsr_index(), base + HMX_MSR_CALL);
  EXPECT_EQ(c.unregister_ring(1, 1), errc::opnotsupp);
}

// covers: HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029
TEST(MsrConduit, DirectVectorAndEventPageMsrs) {
  test_env t;
  const uint32_t base = HMX_MSR_DEFAULT_BASE;
  x86::write_vector_msr(t.env, base, vector_reg::unmasked(0xEC));
  EXPECT_EQ(t.env.last_wrmsr_index(), base + HMX_MSR_VECTOR);
  EXPECT_EQ(t.env.rdmsr(base + HMX_MSR_VECTOR), 0xECu);
  EXPECT_EQ(x86::read_vector_msr(t.env, base).vector, 0xEC);
  EXPECT_FALSE(x86::read_vector_msr(t.env, base).masked);

  auto* page = static_cast<hmx_event_page_t*>(t.env.alloc_pages(1));
  EXPECT_TRUE(x86::write_event_page_msr(t.env, base, page).ok());
  EXPECT_EQ(t.env.last_wrmsr_index(), base + HMX_MSR_EVENT_PAGE);
  EXPECT_EQ(t.env.rdmsr(base + HMX_MSR_EVENT_PAGE), t.env.to_gpa(page) | 1u);
  EXPECT_TRUE(x86::write_event_page_msr(t.env, base, nullptr).ok());
  EXPECT_EQ(t.env.rdmsr(base + HMX_MSR_EVENT_PAGE), 0u);
  EXPECT_EQ(x86::write_event_page_msr(t.env, base,
                                      reinterpret_cast<hmx_event_page_t*>(
                                          reinterpret_cast<unsigned char*>(page) + 8)),
            errc::inval);
  // The page is zeroed before it is enabled.
  page->ring_pending[1] = 5;
  page->status = 1;
  EXPECT_TRUE(x86::write_event_page_msr(t.env, base, page).ok());
  EXPECT_EQ(page->ring_pending[1] | page->status, 0u);
  static hmx_event_page_t outside;
  EXPECT_EQ(x86::write_event_page_msr(t.env, base, &outside), errc::fault);
}

struct hc_state {
  uint64_t nr = 0, rdi = 0;
  int64_t rax = 0;
  env::host* env = nullptr;
  static int64_t hook(void* ctx, uint64_t nr, uint64_t rdi) {
    auto* s = static_cast<hc_state*>(ctx);
    s->nr = nr;
    s->rdi = rdi;
    if (auto* cb = static_cast<hmx_call_block_t*>(s->env->host_ptr(rdi, 48))) cb->result = 0;
    return s->rax;
  }
};

// covers: HMX-LIB-003
TEST(HypercallConduit, RaxIsTheNumberRdiTheCallBlock) {
  test_env t;
  hc_state vm{.env = &t.env}, svm{.env = &t.env};
  t.env.set_vmcall_hook(&hc_state::hook, &vm);
  t.env.set_vmmcall_hook(&hc_state::hook, &svm);

  vmcall_conduit vc(t.env, 0x484D0001);
  client c(vc, t.env);
  EXPECT_TRUE(c.null().ok());
  EXPECT_EQ(vm.nr, 0x484D0001u);
  EXPECT_EQ(vm.rdi, c.call_block_gpa());
  EXPECT_EQ(svm.nr, 0u);  // the other instruction was not used

  vmmcall_conduit mc(t.env, 0x484D0002);
  client c2(mc, t.env);
  EXPECT_TRUE(c2.null().ok());
  EXPECT_EQ(svm.nr, 0x484D0002u);
  EXPECT_EQ(svm.rdi, c2.call_block_gpa());
}

// covers: HMX-LIB-021 HMX-LIB-022
TEST(HypercallConduit, RaxCarriesTheConduitStatus) {
  test_env t;
  hc_state vm{.env = &t.env};
  t.env.set_vmcall_hook(&hc_state::hook, &vm);
  vmcall_conduit vc(t.env, 1);
  vm.rax = -1000;  // KVM's ENOSYS for an unknown hypercall number (Linux Documentation/virt/kvm/x86/hypercalls.rst)
  EXPECT_EQ(vc.invoke(0x1000), errc::nosys);
  vm.rax = -HMX_EPERM;  // e.g. called from CPL3
  EXPECT_EQ(vc.invoke(0x1000), errc::perm);
  vm.rax = 0;
  EXPECT_TRUE(vc.invoke(0x1000).ok());
  // Without a hook the host environment behaves like a hypervisor without HMX behind vmcall.
  test_env bare;
  vmmcall_conduit mc(bare.env, 1);
  EXPECT_EQ(mc.invoke(0x1000), errc::nosys);
}

TEST(LoopbackConduit, HandsTheGpaToTheCallable) {
  test_env t;
  std::vector<uint64_t> seen;
  loopback_conduit lb([&](uint64_t gpa) {
    seen.push_back(gpa);
    static_cast<hmx_call_block_t*>(t.env.host_ptr(gpa, 48))->result = 7;
  });
  static_assert(CallBlockConduit<decltype(lb)>);
  client c(lb, t.env);
  EXPECT_EQ(*c.call(HMX_OP_NULL), 7);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], c.call_block_gpa());
}

TEST(LoopbackConduit, ArgoShapedLoopbackUsesGpas) {
  test_env t;
  uint64_t a1 = 0;
  loopback_argo_conduit lb([&](uint32_t, uint64_t x, uint64_t, uint64_t, uint64_t) -> int64_t {
    a1 = x;
    return 0;
  });
  static_assert(ArgoConduit<decltype(lb)> && !CallBlockConduit<decltype(lb)>);
  static_assert(handle_mode_for<decltype(lb)> == handle_mode::gpa);
  client c(lb, t.env);
  EXPECT_TRUE(c.unregister_ring(1, 2).ok());
  EXPECT_NE(t.env.host_ptr(a1, 8), nullptr);  // a GPA in the window, not a pointer
  EXPECT_EQ(c.null(), errc::opnotsupp);
}

// Xen's sendv hands back its later errors zero-extended from 32 bits (conduit/xen.h); the
// conduit gives the operation's result with the error sign-extended, and leaves every other
// operation's result as Xen returned it.
TEST(XenConduit, SendvErrorsZeroExtendedByXenAreSignExtended) {
  struct answer_state {
    int64_t rax = 0;
  } st;
  env::host e(nullptr, 0, 0, 4096);
  e.set_xen_hook([](void* c, const void*, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) -> int64_t {
    return static_cast<answer_state*>(c)->rax;
  }, &st);
  alignas(4096) static unsigned char page[4096];
  xen_conduit<env::host> x(e, page, 0x40000000);
  st.rax = 0xfffffff5;  // -EAGAIN as Xen 4.17's sendv returns it
  EXPECT_EQ(x.argo_op(HMX_OP_SENDV, 0, 0, 1, 0), -HMX_EAGAIN);
  st.rax = 0xffffff91;  // -ECONNREFUSED
  EXPECT_EQ(x.argo_op(HMX_OP_SENDV, 0, 0, 1, 0), -HMX_ECONNREFUSED);
  st.rax = -HMX_ESRCH;  // errors found before the ring lookup arrive sign-extended already
  EXPECT_EQ(x.argo_op(HMX_OP_SENDV, 0, 0, 1, 0), -HMX_ESRCH);
  st.rax = HMX_MAX_MESSAGE_SIZE;  // the largest payload is a size, not an error
  EXPECT_EQ(x.argo_op(HMX_OP_SENDV, 0, 0, 1, 0), HMX_MAX_MESSAGE_SIZE);
  st.rax = 0xfffffff5;  // only sendv's result is read that way
  EXPECT_EQ(x.argo_op(HMX_OP_NOTIFY, 0, 0, 0, 0), 0xfffffff5);
}

TEST(ConduitConcepts, EveryConduitHasItsShape) {
  static_assert(CallBlockConduit<msr_conduit<env::host>>);
  static_assert(CallBlockConduit<vmcall_conduit<env::host>>);
  static_assert(CallBlockConduit<vmmcall_conduit<env::host>>);
  static_assert(CallBlockConduit<smccc_conduit<env::host>>);
  static_assert(ArgoConduit<xen_conduit<env::host>>);
  static_assert(!CallBlockConduit<xen_conduit<env::host>>);
  static_assert(handle_mode_for<xen_conduit<env::host>> == handle_mode::pointer);
  static_assert(X86Environment<env::host> && SmcccEnvironment<env::host> &&
                XenEnvironment<env::host> && VmcallEnvironment<env::host>);
  SUCCEED();
}

}  // namespace
}  // namespace hmx
