// SPDX-License-Identifier: Apache-2.0
// notify at the core level (Xen argo.c notify; spec op-notify), including space waits and wake-ups.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-MECH-008
TEST_F(CoreTest, NotifyWithoutListSucceeds) {
  EXPECT_EQ(a.notify_null(), 0);
  EXPECT_EQ(a.notify({}), 0);  // nent 0
}

// covers: HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-009 HMX-NOTIFY-010
TEST_F(CoreTest, NotifyDescribesMissingDomainsAndRingsWithZeroFlags) {
  std::vector<hmx_ring_data_ent_t> out;
  EXPECT_EQ(b.notify({ent(77, 1, 0), ent(a.id, 1, 0)}, &out), 0);
  for (const auto& e : out) {
    EXPECT_EQ(e.flags, 0u);
    EXPECT_EQ(e.max_message_size, 0xFFFFFFFFu);  // flags 0: max_message_size is kept
  }
}

// covers: HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004 HMX-NOTIFY-009 HMX-NOTIFY-010
TEST_F(CoreTest, NotifyDescribesAnEmptyRing) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  std::vector<hmx_ring_data_ent_t> out;
  ASSERT_EQ(b.notify({ent(a.id, 1, 100)}, &out), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
  EXPECT_EQ(out[0].max_message_size, 256u - 32u);
  // The in fields are not rewritten.
  EXPECT_EQ(out[0].space_required, 100u);
  EXPECT_EQ(out[0].ring.aport, 1u);
}

// covers: HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004
TEST_F(CoreTest, NotifyFlagsSharedAndEmsgsize) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 256), 0);
  std::vector<hmx_ring_data_ent_t> out;
  ASSERT_EQ(b.notify({ent(a.id, 1, 225)}, &out), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EMSGSIZE | HMX_RING_EMPTY);
  EXPECT_EQ(out[0].max_message_size, 224u);
  ASSERT_EQ(b.notify({ent(a.id, 1, 224)}, &out), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_SUFFICIENT | HMX_RING_EMPTY);
}

// covers: HMX-NOTIFY-001 HMX-NOTIFY-004 HMX-EVENT-007
TEST_F(CoreTest, NotifyQueuesAWaitWhenSpaceIsShortAndWakesItLater) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  ASSERT_EQ(b.send(a.id, 1, {std::string(150, 'x')}), 150);  // 176 bytes used, 80 free
  std::vector<hmx_ring_data_ent_t> out;
  ASSERT_EQ(b.notify({ent(a.id, 1, 100)}, &out, /*vcpu=*/1), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 1u);
  b.enable_event_page();
  ASSERT_EQ(core.set_vector(b.id, 0, 0x51), 0);
  ASSERT_EQ(core.set_vector(b.id, 1, 0x52), 0);
  // The receiver consumes and calls notify: the waiter hears about it on the vCPU that queued
  // the wait (vCPU 1 here), not on vCPU 0 (HMX-EVENT-007).
  ASSERT_TRUE(a.receive(r).has_value());
  ASSERT_EQ(a.notify_null(), 0);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 0u);
  EXPECT_EQ(b.event_status() & HMX_EVENT_SPACE_AVAILABLE, HMX_EVENT_SPACE_AVAILABLE);
  ASSERT_EQ(b.notifier.count(), 1u);
  EXPECT_EQ(b.notifier.log()[0].vcpu, 1u);
  EXPECT_EQ(b.notifier.log()[0].vector, 0x52);
  EXPECT_EQ(core.stats().wakeups, 1u);
}

// covers: HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-NOTIFY-001 HMX-EVENT-007
TEST_F(CoreTest, SpaceWaitFromEagainIsWokenOnlyWhenItsSizeFits) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  b.enable_event_page();
  ASSERT_EQ(core.set_vector(b.id, 0, 0x50), 0);
  ASSERT_EQ(b.send(a.id, 1, {std::string(100, 'a')}), 100);  // 128 used
  ASSERT_EQ(b.send(a.id, 1, {std::string(60, 'b')}), 60);    // 208 used, 48 free
  EXPECT_EQ(b.send(a.id, 1, {std::string(150, 'c')}), E(HMX_EAGAIN));
  // Consuming the 60-byte message alone is not enough for 150 bytes... (messages are FIFO, so
  // consume the first: 128 + 48 = 176 free -> payload space 144 < 150).
  ASSERT_TRUE(a.receive(r).has_value());
  ASSERT_EQ(a.notify_null(), 0);
  EXPECT_EQ(b.notifier.count(), 0u);
  EXPECT_EQ(b.event_status(), 0u);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 1u);
  ASSERT_TRUE(a.receive(r).has_value());
  ASSERT_EQ(a.notify_null(), 0);
  EXPECT_EQ(b.notifier.count(), 1u);
  EXPECT_EQ(b.event_status(), HMX_EVENT_SPACE_AVAILABLE);
  EXPECT_EQ(b.send(a.id, 1, {std::string(150, 'c')}), 150);
}

// covers: HMX-NOTIFY-004
TEST_F(CoreTest, SufficientCancelsThePendingWait) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 128), 0);
  ASSERT_EQ(b.send(a.id, 1, {std::string(64, 'x')}), 64);
  EXPECT_EQ(b.send(a.id, 1, {std::string(64, 'x')}), E(HMX_EAGAIN));
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 1u);
  std::vector<hmx_ring_data_ent_t> out;
  ASSERT_EQ(b.notify({ent(a.id, 1, 16)}, &out), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 0u);
}

// covers: HMX-NOTIFY-001 HMX-NOTIFY-004 HMX-LIMIT-002
TEST(NotifyWaiters, EbusyFlagWhenThirtyTwoDomainsWait) {
  TestPolicy policy;
  Core core(policy);
  Guest owner(core, 1, "owner");
  GuestRing r;
  ASSERT_EQ(owner.register_ring(r, 7, HMX_DOMID_ANY, 48), 0);
  ASSERT_EQ(owner.send(owner.id, 7, {std::string(16, 'x')}), 16);
  std::vector<std::unique_ptr<Guest>> askers;
  for (int i = 0; i < 33; ++i) {
    askers.push_back(std::make_unique<Guest>(core, 10 + i, "q" + std::to_string(i), 64 << 10));
  }
  std::vector<hmx_ring_data_ent_t> out;
  for (int i = 0; i < 32; ++i) {
    ASSERT_EQ(askers[i]->notify({ent(owner.id, 7, 16)}, &out), 0);
    EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_SHARED) << i;
  }
  ASSERT_EQ(askers[32]->notify({ent(owner.id, 7, 16)}, &out), 0);
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_SHARED | HMX_RING_EBUSY);
  // Everyone is signalled once the receiver drains and notifies (Argo signals all eligible).
  ASSERT_TRUE(owner.receive(r).has_value());
  ASSERT_EQ(owner.notify_null(), 0);
  EXPECT_EQ(core.stats().wakeups, 32u);
}

// covers: HMX-NOTIFY-002 HMX-MECH-007 HMX-SEC-007 HMX-SEC-008
TEST_F(CoreTest, NotifyListLimitsAndChecks) {
  std::vector<hmx_ring_data_ent_t> many(HMX_MAX_NOTIFY_COUNT, ent(77, 1, 0));
  EXPECT_EQ(b.notify(many), 0);
  many.push_back(ent(77, 1, 0));
  EXPECT_EQ(b.notify(many), E(HMX_EACCES));  // Argo's answer for nent > 256
  // Pad fields are not checked, as in Argo.
  auto padded = ent(a.id, 1, 0);
  padded.ring.pad = 1;
  padded.pad = 1;
  EXPECT_EQ(b.notify({padded}), 0);
  const uint64_t head = b.alloc(8, 8);
  b.at<hmx_ring_data_t>(head)->nent = 0;
  b.at<hmx_ring_data_t>(head)->pad = 3;
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, head), 0);
  // Extra arguments.
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, 0, 0, 0, 1), E(HMX_EINVAL));
  // Outside memory: the header, and entries running past the end.
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, b.mem.size() - 4), E(HMX_EFAULT));
  const uint64_t tail = b.mem.size() - 16;
  b.at<hmx_ring_data_t>(tail)->nent = 2;
  b.at<hmx_ring_data_t>(tail)->pad = 0;
  EXPECT_EQ(b.call(HMX_OP_NOTIFY, tail), E(HMX_EFAULT));
}

// covers: HMX-MAC-002 HMX-NOTIFY-009 HMX-NOTIFY-010
TEST(NotifyPolicy, DeniedEntryStopsTheListWithEacces) {
  TestPolicy policy(R"(
    rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "q" destination: "ok" }
  )");
  Core core(policy);
  Guest ok(core, 1, "ok"), no(core, 2, "no"), q(core, 3, "q");
  GuestRing r1, r2;
  ASSERT_EQ(ok.register_ring(r1, 1, q.id, 256), 0);
  ASSERT_EQ(no.register_ring(r2, 1, no.id, 256), 0);
  std::vector<hmx_ring_data_ent_t> out;
  EXPECT_EQ(q.notify({ent(ok.id, 1, 0), ent(no.id, 1, 0), ent(ok.id, 1, 0)}, &out), E(HMX_EACCES));
  EXPECT_EQ(out[0].flags, HMX_RING_EXISTS | HMX_RING_EMPTY | HMX_RING_SUFFICIENT);
  EXPECT_EQ(out[1].flags, 0xFFFF);  // never reached
  EXPECT_EQ(out[2].flags, 0xFFFF);
  EXPECT_EQ(policy.denials(PolicyHook::kSend, q.id, no.id), 1u);
}

}  // namespace
}  // namespace hmx::ref::test
