// SPDX-License-Identifier: Apache-2.0
// The VECTOR and EVENT_PAGE registers, the set_vector / set_event_page ops and event bits.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013 HMX-DOM-004
TEST_F(CoreTest, VectorRegisterResetAndValidation) {
  uint64_t v = 0;
  ASSERT_EQ(core.get_vector(a.id, 1, &v), 0);
  EXPECT_EQ(v, HMX_MSR_VECTOR_RESET);
  EXPECT_EQ(core.set_vector(a.id, 1, 0x30), 0);
  ASSERT_EQ(core.get_vector(a.id, 1, &v), 0);
  EXPECT_EQ(v, 0x30u);
  EXPECT_EQ(core.set_vector(a.id, 1, 0x10005), 0);             // masked: any vector
  EXPECT_EQ(core.set_vector(a.id, 1, 0x05), E(HMX_EINVAL));    // unmasked exception vector
  EXPECT_EQ(core.set_vector(a.id, 1, HMX_VECTOR_MIN), 0);
  EXPECT_EQ(core.set_vector(a.id, 1, 0x130), E(HMX_EINVAL));   // reserved bit 8
  EXPECT_EQ(core.set_vector(a.id, 1, 1ull << 63), E(HMX_EINVAL));
  EXPECT_EQ(core.set_vector(a.id, 2, 0x30), E(HMX_EINVAL));    // no vCPU 2
  EXPECT_EQ(core.get_vector(a.id, 2, &v), E(HMX_EINVAL));
  EXPECT_EQ(core.set_vector(55, 0, 0x30), E(HMX_ESRCH));
  EXPECT_EQ(core.get_vector(55, 0, &v), E(HMX_ESRCH));
  ASSERT_EQ(core.get_vector(a.id, 0, &v), 0);
  EXPECT_EQ(v, HMX_MSR_VECTOR_RESET);  // per vCPU
}

// covers: HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013
TEST_F(CoreTest, X86VectorsBelow32AreRefused) {
  EXPECT_EQ(core.set_vector(a.id, 0, 0x12), E(HMX_EINVAL));  // #MC
  EXPECT_EQ(core.set_vector(a.id, 0, HMX_VECTOR_MIN - 1), E(HMX_EINVAL));
  EXPECT_EQ(core.set_vector(a.id, 0, HMX_VECTOR_MIN), 0);
  EXPECT_EQ(core.set_vector(a.id, 0, 0x10012), 0);  // masked: any vector
}

// covers: HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016
TEST(CoreVectorRange, ArmDomainsNameOnlyTheFreePpis) {
  TestPolicy policy;
  Core core{policy};
  ArenaGuestMemory mem{1 << 20};
  RecordingNotifier n;
  ASSERT_EQ(core.create_domain(1, "arm", mem, 1, n, true, HMX_ARM_PPI_MAX, HMX_ARM_PPI_MIN), 0);
  EXPECT_EQ(core.set_vector(1, 0, HMX_ARM_PPI_MIN), 0);
  EXPECT_EQ(core.set_vector(1, 0, HMX_ARM_PPI_MAX), 0);
  EXPECT_EQ(core.set_vector(1, 0, 15), E(HMX_EINVAL));  // an SGI
  EXPECT_EQ(core.set_vector(1, 0, 23), E(HMX_EINVAL));  // the PMU
  EXPECT_EQ(core.set_vector(1, 0, 27), E(HMX_EINVAL));  // the virtual timer
  EXPECT_EQ(core.set_vector(1, 0, 32), E(HMX_EINVAL));  // an SPI
  EXPECT_EQ(core.create_domain(2, "bad", mem, 1, n, true, 22, 15), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(2, "bad", mem, 1, n, true, 16, 17), E(HMX_EINVAL));
  core.destroy_domain(1);
}

// covers: HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013 HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016 HMX-MECH-007
TEST_F(CoreTest, SetVectorOp) {
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 1, 0x44), 0);
  uint64_t v = 0;
  ASSERT_EQ(core.get_vector(a.id, 1, &v), 0);
  EXPECT_EQ(v, 0x44u);
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 2, 0x44), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 1ull << 32, 0x44), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 0, 0x3), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 0, 0x44, 1), E(HMX_EINVAL));
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_SET_VECTOR, 0, 0x44, 0, 0), E(HMX_EOPNOTSUPP));
}

// covers: HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019 HMX-DOM-004
TEST_F(CoreTest, EventPageRegisterAndOp) {
  uint64_t v = 1;
  ASSERT_EQ(core.get_event_page(a.id, &v), 0);
  EXPECT_EQ(v, HMX_MSR_EVENT_PAGE_RESET);
  const uint64_t page = a.alloc(4096, 4096);
  EXPECT_EQ(core.set_event_page(a.id, page | 1), 0);
  ASSERT_EQ(core.get_event_page(a.id, &v), 0);
  EXPECT_EQ(v, page | 1);
  EXPECT_EQ(core.set_event_page(a.id, page | 2), E(HMX_EINVAL));           // reserved bits 11:1
  EXPECT_EQ(core.set_event_page(a.id, a.mem.size() | 1), E(HMX_EFAULT));    // not RAM
  EXPECT_EQ(core.set_event_page(a.id, (~0ull & ~0xFFFull) | 1), E(HMX_EFAULT));
  EXPECT_EQ(core.set_event_page(a.id, a.mem.size()), 0);  // disabled: the address is not used
  EXPECT_EQ(core.set_event_page(a.id, 0), 0);
  EXPECT_EQ(core.set_event_page(55, 0), E(HMX_ESRCH));
  EXPECT_EQ(a.call(HMX_OP_SET_EVENT_PAGE, page | 1), 0);
  ASSERT_EQ(core.get_event_page(a.id, &v), 0);
  EXPECT_EQ(v, page | 1);
  EXPECT_EQ(a.call(HMX_OP_SET_EVENT_PAGE, page | 1, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_SET_EVENT_PAGE, page | 0x800), E(HMX_EINVAL));
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_SET_EVENT_PAGE, page | 1, 0, 0, 0), E(HMX_EOPNOTSUPP));
}

// covers: HMX-EVENT-020 HMX-EVENT-021 HMX-EVENT-022 HMX-EVENT-023
TEST_F(CoreTest, SendSetsTheRingsPendingBit) {
  a.enable_event_page();
  std::vector<GuestRing> rings(70);
  for (uint32_t i = 0; i < 70; ++i) ASSERT_EQ(a.register_ring(rings[i], i, b.id, 48), 0);
  ASSERT_EQ(b.send(a.id, 3, {"x"}), 1);
  ASSERT_EQ(b.send(a.id, 66, {"y"}), 1);
  const uint32_t i3 = a.event_index(rings[3]);
  const uint32_t i66 = a.event_index(rings[66]);
  uint64_t words[2] = {a.ring_pending(0), a.ring_pending(1)};
  EXPECT_EQ(words[0] | words[1], words[i3 / 64] | words[i66 / 64]);
  EXPECT_TRUE(words[i3 / 64] & (1ull << (i3 % 64)));
  EXPECT_TRUE(words[i66 / 64] & (1ull << (i66 % 64)));
  EXPECT_EQ(__builtin_popcountll(words[0]) + __builtin_popcountll(words[1]), 2);
  // The guest clears a bit with atomic AND; the next message sets it again.
  std::atomic_ref<uint64_t>(a.at<hmx_event_page_t>(a.event_page_gpa)->ring_pending[i3 / 64])
      .fetch_and(~(1ull << (i3 % 64)));
  ASSERT_TRUE(a.receive(rings[3]).has_value());
  ASSERT_EQ(b.send(a.id, 3, {"z"}), 1);
  EXPECT_TRUE(a.ring_pending(i3 / 64) & (1ull << (i3 % 64)));
}

// covers: HMX-EVENT-022 HMX-EVENT-023
TEST_F(CoreTest, NoEventBitsWithoutAnEventPage) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  const uint64_t page = a.alloc(4096, 4096);
  ASSERT_EQ(b.send(a.id, 1, {"x"}), 1);
  for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(*a.host(page + i), std::byte{0});
  // Enabled then disabled again: still nothing.
  ASSERT_EQ(core.set_event_page(a.id, page | 1), 0);
  ASSERT_EQ(core.set_event_page(a.id, page), 0);
  ASSERT_EQ(b.send(a.id, 1, {"y"}), 1);
  for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(*a.host(page + i), std::byte{0});
}

}  // namespace
}  // namespace hmx::ref::test

namespace hmx::ref::test {
namespace {

// covers: HMX-EVENT-022 HMX-EVENT-023 HMX-EVENT-008
TEST_F(CoreTest, InjectionIsSkippedWhileTheRingsBitIsStillSet) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  a.enable_event_page();
  ASSERT_EQ(core.set_vector(a.id, 0, 0x40), 0);
  ASSERT_EQ(b.send(a.id, 1, {"1"}), 1);
  ASSERT_EQ(b.send(a.id, 1, {"2"}), 1);  // bit still set: the guest has not read the ring yet
  EXPECT_EQ(a.notifier.count(), 1u);
  const uint32_t idx = a.event_index(r);
  std::atomic_ref<uint64_t>(a.at<hmx_event_page_t>(a.event_page_gpa)->ring_pending[idx / 64])
      .fetch_and(~(1ull << (idx % 64)));
  ASSERT_EQ(b.send(a.id, 1, {"3"}), 1);
  EXPECT_EQ(a.notifier.count(), 2u);
}

// covers: HMX-EVENT-022 HMX-EVENT-023
TEST_F(CoreTest, WithoutAnEventPageEveryMessageInterrupts) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  ASSERT_EQ(core.set_vector(a.id, 0, 0x40), 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(b.send(a.id, 1, {"m"}), 1);
  EXPECT_EQ(a.notifier.count(), 3u);
}

// covers: HMX-BATCH-006
TEST_F(CoreTest, ABatchInjectsOncePerVcpu) {
  GuestRing r1, r2;
  ASSERT_EQ(a.register_ring(r1, 1, b.id, 4096 - 64), 0);
  const uint32_t vcpu1 = HMX_REGISTER_FLAG_NOTIFY_VCPU | (1u << HMX_REGISTER_FLAG_VCPU_SHIFT);
  ASSERT_EQ(a.register_ring(r2, 2, b.id, 4096 - 64, vcpu1), 0);
  ASSERT_EQ(core.set_vector(a.id, 0, 0x40), 0);
  ASSERT_EQ(core.set_vector(a.id, 1, 0x41), 0);
  std::vector<hmx_call_block_t> list;
  for (int i = 0; i < 10; ++i) {
    hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {static_cast<uint32_t>(1 + i % 2), a.id, 0}};
    hmx_iov_t iov{b.put_string("batched"), 7, 0};
    hmx_call_block_t e{};
    e.op = HMX_OP_SENDV;
    e.arg[0] = b.put(addr);
    e.arg[1] = b.put(iov);
    e.arg[2] = 1;
    list.push_back(e);
  }
  const uint64_t gpa = b.put_bytes(std::as_bytes(std::span(list)), 64);
  ASSERT_EQ(b.call(HMX_OP_BATCH, gpa, list.size(), 0), 10);
  auto log = a.notifier.log();
  ASSERT_EQ(log.size(), 2u);  // one per vCPU, not ten (HMX-BATCH-006)
  EXPECT_EQ(log[0].vcpu + log[1].vcpu, 1u);
}

// covers: HMX-EVENT-022 HMX-EVENT-023
TEST_F(CoreTest, AfterAnEventPageWriteBitsLandOnlyInTheNewPage) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  const uint64_t p1 = a.alloc(4096, 4096), p2 = a.alloc(4096, 4096);
  ASSERT_EQ(core.set_event_page(a.id, p1 | 1), 0);
  ASSERT_EQ(b.send(a.id, 1, {"one"}), 3);
  ASSERT_EQ(core.set_event_page(a.id, p2 | 1), 0);
  const uint64_t p1_before = a.at<hmx_event_page_t>(p1)->ring_pending[0];
  ASSERT_EQ(b.send(a.id, 1, {"two"}), 3);
  EXPECT_EQ(a.at<hmx_event_page_t>(p1)->ring_pending[0], p1_before);
  EXPECT_NE(a.at<hmx_event_page_t>(p2)->ring_pending[0], 0u);
}

}  // namespace
}  // namespace hmx::ref::test
