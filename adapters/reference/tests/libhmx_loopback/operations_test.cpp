// SPDX-License-Identifier: Apache-2.0
// Every operation of the spec through libhmx's typed API over the loopback conduit into the
// reference core: register, send, receive with the ring reader, notify, batch, event page and
// vector; the MSR and vmcall conduits end to end; probe -> select -> visit; the Argo-shaped path.
#include <cstring>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

using OperationsTest = LoopbackTest;

// covers: HMX-MECH-011
TEST_F(OperationsTest, NullIsOneRoundTrip) {
  bound_client a(alpha);
  ASSERT_TRUE(a->init_status().ok());
  const uint64_t before = core.stats().calls;
  EXPECT_TRUE(a->null().ok());
  EXPECT_EQ(core.stats().calls - before, 1u);
  EXPECT_EQ(a.core_return(), 0);
}

// covers: HMX-SEND-008 HMX-SEND-009 HMX-RING-037 HMX-RING-038 HMX-LIB-026 HMX-LIB-027
TEST_F(OperationsTest, RegisterSendvReceive) {
  bound_client a(alpha), b(beta);
  ring r(beta, 0x100, alpha.id, 4096);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  const auto info = core.ring_info(beta.id, 0x100, alpha.id);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->npages, 2u);
  EXPECT_EQ(info->len, 4096u);

  // Two iovs (guest memory of alpha), an explicit source port; the receiver sees the real
  // sender's id.
  const std::string part1 = "hello ", part2 = "from alpha";
  unsigned char* mem = alpha.pages(1);
  std::memcpy(mem, part1.data(), part1.size());
  std::memcpy(mem + 100, part2.data(), part2.size());
  const buffer gbufs[] = {{mem, part1.size()}, {mem + 100, part2.size()}};
  const result<uint32_t> sent =
      a->sendv(make_addr(0x100, beta.id), gbufs, 0xC0FFEE, make_addr(77, HMX_DOMID_ANY));
  ASSERT_TRUE(sent.ok()) << sent.error().name();
  EXPECT_EQ(*sent, 16u);

  message_view m;
  EXPECT_EQ(receive(r.reader, &m), "hello from alpha");
  EXPECT_EQ(m.source.domain_id, alpha.id);
  EXPECT_EQ(m.source.aport, 77u);
  EXPECT_EQ(m.message_type, 0xC0FFEEu);
  EXPECT_EQ(receive(r.reader), std::nullopt);
}

// covers: HMX-SEND-010 HMX-SEND-008
TEST_F(OperationsTest, SelfSendDefaultSource) {
  bound_client a(alpha);
  ring r(alpha, 1, alpha.id, 256);
  ASSERT_TRUE(a->register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "me", 2);
  ASSERT_EQ(*a->send(make_addr(1, alpha.id), buf, 2, 5), 2u);
  message_view m;
  EXPECT_EQ(receive(r.reader, &m), "me");
  EXPECT_EQ(m.source.domain_id, alpha.id);  // DOMID_ANY was replaced by the caller
  EXPECT_EQ(m.source.aport, 0u);
}

// covers: HMX-RING-011
TEST_F(OperationsTest, WildcardRingTakesAnySender) {
  bound_client a(alpha), b(beta), g(gamma);
  ring r(beta, 9, HMX_DOMID_ANY, 1024);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* abuf = alpha.pages(1);
  unsigned char* gbuf = gamma.pages(1);
  std::memcpy(abuf, "A", 1);
  std::memcpy(gbuf, "G", 1);
  ASSERT_TRUE(a->send(make_addr(9, beta.id), abuf, 1, 0).ok());
  ASSERT_TRUE(g->send(make_addr(9, beta.id), gbuf, 1, 0).ok());
  message_view m1, m2;
  EXPECT_EQ(receive(r.reader, &m1), "A");
  EXPECT_EQ(receive(r.reader, &m2), "G");
  EXPECT_EQ(m1.source.domain_id, alpha.id);
  EXPECT_EQ(m2.source.domain_id, gamma.id);
}

// covers: HMX-RING-039 HMX-RING-040 HMX-RING-035 HMX-RING-036
TEST_F(OperationsTest, UnregisterStopsDelivery) {
  bound_client a(alpha), b(beta);
  ring r(beta, 3, alpha.id, 256);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  ASSERT_TRUE(b->unregister_ring(3, alpha.id).ok());
  EXPECT_FALSE(core.ring_info(beta.id, 3, alpha.id).has_value());
  // Nothing writes the frames any more.
  const std::string before(static_cast<const char*>(r.reg.memory), ring_bytes(256));
  unsigned char* buf = alpha.pages(1);
  EXPECT_EQ(a->send(make_addr(3, beta.id), buf, 4, 0).error(), errc::connrefused);
  EXPECT_EQ(std::string(static_cast<const char*>(r.reg.memory), ring_bytes(256)), before);
  EXPECT_EQ(b->unregister_ring(3, alpha.id), errc::noent);
}

// covers: HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004
TEST_F(OperationsTest, NotifyDescribesRings) {
  bound_client a(alpha), b(beta);
  ring shared(beta, 1, HMX_DOMID_ANY, 256);
  ring single(beta, 2, alpha.id, 512);
  ASSERT_TRUE(b->register_ring(shared.reg).ok());
  ASSERT_TRUE(b->register_ring(single.reg).ok());

  hmx_ring_data_ent_t ents[4] = {};
  ents[0].ring = make_addr(1, beta.id);
  ents[0].space_required = 10;
  ents[1].ring = make_addr(2, beta.id);
  ents[1].space_required = 1000;  // more than 512 - 32 can ever hold
  ents[2].ring = make_addr(7, beta.id);  // no such ring
  ents[3].ring = make_addr(1, 99);       // no such domain
  ASSERT_TRUE(a->notify(ents, 4).ok());
  EXPECT_EQ(ents[0].flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMPTY |
                               HMX_RING_SUFFICIENT);
  EXPECT_EQ(ents[0].max_message_size, ring_max_message_size(256));
  EXPECT_EQ(ents[1].flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_EMSGSIZE);
  EXPECT_EQ(ents[1].max_message_size, 480u);
  EXPECT_EQ(ents[2].flags, 0);
  EXPECT_EQ(ents[3].flags, 0);
  EXPECT_TRUE(b->notify().ok());  // the receiver's "I consumed" call
}

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018
TEST_F(OperationsTest, BatchRunsManyOperationsInOneExit) {
  bound_client a(alpha), b(beta);
  ring r(beta, 4, alpha.id, 4096);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  batch_t bt(alpha.env);
  hmx_ring_data_ent_t ent{};
  ent.ring = make_addr(4, beta.id);
  ent.space_required = 8;
  ASSERT_TRUE(bt.add_null().ok());
  for (int i = 0; i < 10; ++i) {
    buf[i] = static_cast<unsigned char>('0' + i);
    const buffer one[] = {{buf + i, 1}};
    ASSERT_TRUE(bt.add_sendv(make_addr(4, beta.id), one, 1, static_cast<uint32_t>(i)).ok());
  }
  ASSERT_TRUE(bt.add_notify(&ent, 1).ok());
  const ref::CoreStats before = core.stats();
  const result<uint32_t> ran = a->run(bt);
  ASSERT_TRUE(ran.ok()) << ran.error().name();
  EXPECT_EQ(*ran, 12u);
  EXPECT_EQ(core.stats().calls - before.calls, 1u);  // one exit
  EXPECT_EQ(core.stats().batches - before.batches, 1u);
  for (uint32_t i = 1; i <= 10; ++i) EXPECT_EQ(bt.entry_result(i), 1);
  EXPECT_EQ(ent.flags & HMX_RING_EXISTS, HMX_RING_EXISTS);
  for (int i = 0; i < 10; ++i) {
    message_view m;
    EXPECT_EQ(receive(r.reader, &m), std::string(1, static_cast<char>('0' + i)));
    EXPECT_EQ(m.message_type, static_cast<uint32_t>(i));
  }
}

// covers: HMX-BATCH-019 HMX-BATCH-020
TEST_F(OperationsTest, BatchStopOnError) {
  bound_client a(alpha);
  batch_t bt(alpha.env);
  ASSERT_TRUE(bt.add_null().ok());
  ASSERT_TRUE(bt.add_unregister_ring(12345, beta.id).ok());  // ENOENT
  ASSERT_TRUE(bt.add_null().ok());
  EXPECT_EQ(*a->run(bt, HMX_BATCH_FLAG_STOP_ON_ERROR), 2u);
  EXPECT_EQ(bt.entry_result(0), 0);
  EXPECT_EQ(bt.entry_status(1), errc::noent);
  EXPECT_EQ(bt.entry_status(2), errc::nosys);  // never ran: still the library's preset
  bt.clear();
  ASSERT_TRUE(bt.add_unregister_ring(12345, beta.id).ok());
  ASSERT_TRUE(bt.add_null().ok());
  EXPECT_EQ(*a->run(bt), 2u);  // without the flag every entry runs
  EXPECT_EQ(bt.entry_result(1), 0);
}

// covers: HMX-EVENT-020 HMX-EVENT-021 HMX-EVENT-022 HMX-EVENT-023 HMX-RING-024 HMX-RING-025 HMX-RING-026 HMX-EVENT-030 HMX-EVENT-031
TEST_F(OperationsTest, EventPageAndVectorAnnounceARing) {
  bound_client a(alpha), b(beta);
  auto* page = reinterpret_cast<hmx_event_page_t*>(beta.pages(1));
  ASSERT_TRUE(b->set_event_page(page).ok());
  ASSERT_TRUE(b->set_vector(1, vector_reg::unmasked(0x50)).ok());
  uint64_t v = 0;
  ASSERT_EQ(core.get_vector(beta.id, 1, &v), 0);
  EXPECT_EQ(v, 0x50u);

  ring r(beta, 6, alpha.id, 256);
  // The vCPU field without the flag, or naming a vCPU beta does not have (4): malformed.
  r.reg.flags = 1u << HMX_REGISTER_FLAG_VCPU_SHIFT;
  EXPECT_EQ(b->register_ring(r.reg), errc::inval);
  r.reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU | 4u << HMX_REGISTER_FLAG_VCPU_SHIFT;
  EXPECT_EQ(b->register_ring(r.reg), errc::inval);
  r.reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU | 1u << HMX_REGISTER_FLAG_VCPU_SHIFT;
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  const uint32_t index = ring_event_index(r.header());
  EXPECT_EQ(index, core.ring_info(beta.id, 6, alpha.id)->event_index);

  unsigned char* buf = alpha.pages(1);
  ASSERT_TRUE(a->send(make_addr(6, beta.id), buf, 3, 0).ok());
  const auto irqs = beta.notifier.log();
  ASSERT_EQ(irqs.size(), 1u);
  EXPECT_EQ(irqs[0].vcpu, 1u);
  EXPECT_EQ(irqs[0].vector, 0x50);
  std::vector<uint32_t> pending;
  EXPECT_EQ(take_ring_pending(page, [&](uint32_t i) { pending.push_back(i); }), 1u);
  EXPECT_EQ(pending, std::vector<uint32_t>{index});
  EXPECT_TRUE(receive(r.reader).has_value());

  // Masked again: messages still arrive and set the bit, but no interrupt.
  ASSERT_TRUE(b->set_vector(1, vector_reg{0x50, true, false}).ok());
  ASSERT_TRUE(a->send(make_addr(6, beta.id), buf, 3, 0).ok());
  EXPECT_EQ(beta.notifier.count(), 1u);
  EXPECT_TRUE(test_and_clear_ring_pending(page, index));
  ASSERT_TRUE(b->set_event_page(nullptr).ok());
  uint64_t ep = 1;
  ASSERT_EQ(core.get_event_page(beta.id, &ep), 0);
  EXPECT_EQ(ep, 0u);
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032 HMX-RING-033 HMX-RING-034 HMX-LIB-030 HMX-LIB-031
TEST_F(OperationsTest, ReregistrationKeepsQueuedMessages) {
  bound_client a(alpha), b(beta);
  ring r(beta, 8, alpha.id, 256);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "kept", 4);
  ASSERT_TRUE(a->send(make_addr(8, beta.id), buf, 4, 0).ok());
  r.reg.preserve = true;  // resume after hibernate (Xen argo.c register_ring): contents kept
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  EXPECT_EQ(receive(r.reader), "kept");
  r.reg.flags = HMX_REGISTER_FLAG_FAIL_EXIST;
  EXPECT_EQ(b->register_ring(r.reg), errc::exist);
}

// A domain whose guest-virtual pages are physically scattered: the library splits buffers at
// page boundaries and lists the ring's frames one by one; the bytes arrive intact.
// covers: HMX-LIB-010
TEST_F(OperationsTest, ScatteredPagesEndToEnd) {
  aliased_memory am(256, 32);
  recording_notifier n;
  ASSERT_EQ(core.create_domain(20, "scattered", am, 1, n), 0);
  aliased_memory::env_t env = am.env();
  conduit_t conduit(core_call{&core, 20, 0});
  client cl(conduit, env);
  ASSERT_TRUE(cl.init_status().ok());

  // A 3-page ring in the scrambled part: virtually contiguous, frames 65, 64, 67.
  unsigned char* ring_mem = am.virt() + 64 * 4096;
  ring_reader::prepare(ring_mem);
  ring_registration reg;
  reg.memory = ring_mem;
  reg.len = 2 * 4096;
  reg.aport = 1;
  reg.partner_id = 20;
  ASSERT_TRUE(cl.register_ring(reg).ok());
  ring_reader reader(ring_mem, reg.len);

  // A payload that crosses two page boundaries of the scrambled part.
  unsigned char* src = am.virt() + 100 * 4096 + 4000;
  const std::string payload = pattern(5000, 7);
  std::memcpy(src, payload.data(), payload.size());
  for (int round = 0; round < 5; ++round) {  // wrap the ring a few times
    const result<uint32_t> sent = cl.send(make_addr(1, 20), src, payload.size(), round);
    ASSERT_TRUE(sent.ok()) << sent.error().name();
    message_view m;
    EXPECT_EQ(receive(reader, &m), payload) << round;
    EXPECT_EQ(m.message_type, static_cast<uint32_t>(round));
  }
  EXPECT_EQ(core.destroy_domain(20), 0);
}

// --- the real conduits, their instructions replaced by host hooks that trap into the core ------

struct msr_trap {
  ref::Core* core;
  ref::DomainId dom;
  uint32_t base;
  static bool hook(void* ctx, uint32_t index, uint64_t value) {
    auto* t = static_cast<msr_trap*>(ctx);
    if (index == t->base + HMX_MSR_CALL) {
      (void)t->core->call(t->dom, 0, value);
      return true;
    }
    if (index == t->base + HMX_MSR_VECTOR) return t->core->set_vector(t->dom, 0, value) == 0;
    if (index == t->base + HMX_MSR_EVENT_PAGE) return t->core->set_event_page(t->dom, value) == 0;
    return false;
  }
};

// covers: HMX-LIB-003
TEST_F(OperationsTest, MsrConduitEndToEnd) {
  msr_trap trap{&core, alpha.id, HMX_MSR_DEFAULT_BASE};
  alpha.env.set_wrmsr_hook(&msr_trap::hook, &trap);
  msr_conduit conduit(alpha.env, HMX_MSR_DEFAULT_BASE);
  client c(conduit, alpha.env);
  ring r(alpha, 1, alpha.id, 256);
  ASSERT_TRUE(c.register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "via wrmsr", 9);
  ASSERT_EQ(*c.send(make_addr(1, alpha.id), buf, 9, 0), 9u);
  EXPECT_EQ(receive(r.reader), "via wrmsr");

  auto* page = reinterpret_cast<hmx_event_page_t*>(alpha.pages(1));
  ASSERT_TRUE(x86::write_event_page_msr(alpha.env, HMX_MSR_DEFAULT_BASE, page).ok());
  x86::write_vector_msr(alpha.env, HMX_MSR_DEFAULT_BASE, vector_reg::unmasked(0x31));
  uint64_t v = 0, ep = 0;
  ASSERT_EQ(core.get_vector(alpha.id, 0, &v), 0);
  ASSERT_EQ(core.get_event_page(alpha.id, &ep), 0);
  EXPECT_EQ(v, 0x31u);
  EXPECT_EQ(ep, alpha.env.to_gpa(page) | 1u);
}

struct vmcall_trap {
  ref::Core* core;
  ref::DomainId dom;
  uint64_t nr;
  static int64_t hook(void* ctx, uint64_t nr, uint64_t rdi) {
    auto* t = static_cast<vmcall_trap*>(ctx);
    if (nr != t->nr) return -1000;  // KVM: unknown hypercall
    (void)t->core->call(t->dom, 0, rdi);
    return 0;
  }
};

TEST_F(OperationsTest, VmcallConduitEndToEnd) {
  vmcall_trap trap{&core, alpha.id, 0x484D};
  alpha.env.set_vmcall_hook(&vmcall_trap::hook, &trap);
  vmcall_conduit good(alpha.env, 0x484D);
  client c(good, alpha.env);
  EXPECT_TRUE(c.null().ok());
  vmcall_conduit wrong(alpha.env, 0x1234);
  client c2(wrong, alpha.env);
  EXPECT_EQ(c2.null(), errc::nosys);
}

// probe() over a CPUID table describing this core, select_conduit(), visit_conduit(): the whole
// discovery path a guest runs, ending in real operations.
// covers: HMX-LIB-002 HMX-LIB-007
TEST_F(OperationsTest, ProbeSelectVisitEndToEnd) {
  env::host& e = alpha.env;
  e.set_cpuid(0, cpuid_regs{0xd, 0x756e6547, 0x6c65746e, 0x49656e69});  // GenuineIntel
  e.set_cpuid(1, cpuid_regs{0, 0, 1u << 31, 0});
  e.set_cpuid(0x40000000, cpuid_regs{0x40000005, 0x7263694D, 0x666F736F, 0x76482074});
  const uint32_t base = 0x40000F00;
  e.set_cpuid(base, cpuid_regs{base + 3, HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_ECX,
                               HMX_CPUID_SIGNATURE_EDX});
  e.set_cpuid(base + 1, cpuid_regs{HMX_VERSION, alpha.id, 0, 0});
  e.set_cpuid(base + 2, cpuid_regs{HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMCALL_BIT |
                                       HMX_MECH_X86_VECTOR_BIT,
                                   core.features(), core.max_batch(), 0});
  e.set_cpuid(base + 3, cpuid_regs{HMX_MSR_DEFAULT_BASE, HMX_MSR_COUNT, 0x484D, 0});
  msr_trap trap{&core, alpha.id, HMX_MSR_DEFAULT_BASE};
  e.set_wrmsr_hook(&msr_trap::hook, &trap);

  const probe_result p = probe(e);
  ASSERT_TRUE(p.hmx_present()) << describe(p.hmx_status);
  EXPECT_EQ(p.domain_id, alpha.id);
  EXPECT_TRUE(p.has_feature(HMX_FEATURE_BATCH));
  const result<conduit_choice> choice = select_conduit(p);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->id, conduit_id::x86_msr);

  ring r(alpha, 5, alpha.id, 256);
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "discovered", 10);
  const status s = visit_conduit(*choice, e, nullptr, [&](auto& conduit) -> status {
    client c(conduit, e);
    if (status st = c.register_ring(r.reg); !st.ok()) return st;
    const result<uint32_t> sent = c.send(make_addr(5, p.domain_id), buf, 10, 0);
    return sent.error();
  });
  EXPECT_TRUE(s.ok()) << s.name();
  EXPECT_EQ(receive(r.reader), "discovered");
}

// The Xen conduit's marshalling (Argo's structs passed directly, no call block) into the core's
// argo_op.
// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020
TEST_F(OperationsTest, ArgoShapedPath) {
  bound_argo_client a(alpha), b(beta);
  ring r(beta, 0x42, alpha.id, 512);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "argo", 4);
  ASSERT_EQ(*a->send(make_addr(0x42, beta.id), buf, 4, 3), 4u);
  EXPECT_EQ(receive(r.reader), "argo");
  hmx_ring_data_ent_t ent{};
  ent.ring = make_addr(0x42, beta.id);
  ASSERT_TRUE(a->notify(&ent, 1).ok());
  EXPECT_NE(ent.flags & HMX_RING_EXISTS, 0);
  EXPECT_TRUE(b->unregister_ring(0x42, alpha.id).ok());
  EXPECT_EQ(a->null(), errc::opnotsupp);
  EXPECT_EQ(a->call(HMX_OP_NULL).error(), errc::opnotsupp);  // the core agrees
}

}  // namespace
}  // namespace hmx::loopback
