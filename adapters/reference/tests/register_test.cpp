// SPDX-License-Identifier: Apache-2.0
// register_ring and unregister_ring at the core level (Xen argo.c register_ring; spec op-register-ring).
#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr uint32_t kXtfLen = ((32 * 4096 - 80) + 15) & ~15u;  // XTF's 32-page ring

// covers: HMX-RING-033 HMX-RING-034
TEST_F(CoreTest, RegisterRingWithFailExistSucceedsAndIsVisible) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 100, b.id, kXtfLen, HMX_REGISTER_FLAG_FAIL_EXIST), 0);
  auto info = core.ring_info(a.id, 100, b.id);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->len, kXtfLen);
  EXPECT_EQ(info->npages, 32u);
  EXPECT_EQ(info->tx_ptr, 0u);
  EXPECT_EQ(info->partner, b.id);
  EXPECT_EQ(core.ring_count(a.id), 1u);
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, ProbeWithLengthOneIsEinval) {
  // Xen's presence probe (Xen public/argo.h (hypercall 39)): register_ring with len 1 answers -EINVAL.
  hmx_register_ring_t reg{1, a.id, 0, 1};
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), 0, 1, 0), E(HMX_EINVAL));
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, RegisterLengthBounds) {
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, b.id, HMX_MIN_RING_LEN), 0);
  EXPECT_EQ(a.register_ring(r, 2, b.id, HMX_MIN_RING_LEN - 16), E(HMX_EINVAL));
  EXPECT_EQ(a.register_ring(r, 3, b.id, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.register_ring(r, 4, b.id, 64 + 8), E(HMX_EINVAL));  // not a slot multiple
  EXPECT_EQ(a.register_ring(r, 5, b.id, 49), E(HMX_EINVAL));
  EXPECT_EQ(core.ring_count(a.id), 1u);
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-SEND-023 HMX-SEND-024 HMX-LIMIT-003 HMX-LIMIT-004
TEST(RegisterLarge, LargestRingIsMaxRingLenAndSixteenMibIsRefused) {
  TestPolicy policy;
  Core core(policy);
  Guest big(core, 7, "big", 33u << 20);
  GuestRing r;
  // Xen argo.c limits: NPAGES_RING(16 MiB) = 4097 > 4096, so 16 MiB - 64 is the largest ring.
  EXPECT_EQ(big.register_ring(r, 1, big.id, HMX_MAX_RING_LEN), 0);
  EXPECT_EQ(core.ring_info(big.id, 1, big.id)->npages, HMX_MAX_RING_PAGES);
  hmx_register_ring_t too_big{2, big.id, 0, HMX_MAX_RING_LEN + 16};
  const uint64_t too_big_gpa = big.put(too_big);
  EXPECT_EQ(big.call(HMX_OP_REGISTER_RING, too_big_gpa, r.gfn_list, HMX_MAX_RING_PAGES + 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(big.call(HMX_OP_REGISTER_RING, too_big_gpa, r.gfn_list, HMX_MAX_RING_PAGES, 0), E(HMX_EINVAL));
  // A message of max_message_size (len - 32) fits exactly.
  auto payload = pattern(HMX_MAX_RING_LEN - 32);
  EXPECT_EQ(big.send_bytes(big.id, 1, payload), static_cast<int64_t>(payload.size()));
  auto m = big.receive(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->payload == payload);
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, RegisterFrameCountMustMatch) {
  hmx_register_ring_t reg{9, b.id, 0, 4096 - 64};  // exactly one page
  std::vector<uint64_t> gfns = {a.alloc(4096, 4096) >> 12, a.alloc(4096, 4096) >> 12};
  const uint64_t list = a.put_bytes(std::as_bytes(std::span(gfns)), 8);
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), list, 2, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), list, 0, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), list, HMX_MAX_RING_PAGES + 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), list, 1, 0), 0);
  // One more data slot needs a second frame.
  hmx_register_ring_t reg2{10, b.id, 0, 4096 - 48};
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg2), list, 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg2), list, 2, 0), 0);
}

// covers: HMX-MECH-031 HMX-MECH-032
TEST_F(CoreTest, RegisterArgumentsWiderThan32BitsAreEinval) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  hmx_register_ring_t reg{2, b.id, 0, 256};
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), r.gfn_list, (1ull << 32) | 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), r.gfn_list, 1, 1ull << 32), E(HMX_EINVAL));
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, RegisterPadMustBeZero) {
  hmx_register_ring_t reg{1, b.id, 1, 256};
  const uint64_t gfn = a.alloc(4096, 4096) >> 12;
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), a.put(gfn), 1, 0), E(HMX_EINVAL));
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, RegisterUnknownFlagsAreEinval) {
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, b.id, 256, 0x4), E(HMX_EINVAL));
  EXPECT_EQ(a.register_ring(r, 1, b.id, 256, 0x10000), E(HMX_EINVAL));
  EXPECT_EQ(a.register_ring(r, 1, b.id, 256, 0x80000000u), E(HMX_EINVAL));
  EXPECT_EQ(core.ring_count(a.id), 0u);
}

// covers: HMX-RING-024 HMX-RING-025 HMX-RING-026
TEST_F(CoreTest, RegisterNotifyVcpuSelectsTheVcpuAndRejectsABadOne) {
  GuestRing r;
  const uint32_t vcpu1 = HMX_REGISTER_FLAG_NOTIFY_VCPU | (1u << HMX_REGISTER_FLAG_VCPU_SHIFT);
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256, vcpu1), 0);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->notify_vcpu, 1u);
  const uint32_t vcpu2 = HMX_REGISTER_FLAG_NOTIFY_VCPU | (2u << HMX_REGISTER_FLAG_VCPU_SHIFT);
  EXPECT_EQ(a.register_ring(r, 2, b.id, 256, vcpu2), E(HMX_EINVAL));  // a has 2 vCPUs
  // vCPU bits without the flag are malformed.
  EXPECT_EQ(a.register_ring(r, 3, b.id, 256, 1u << HMX_REGISTER_FLAG_VCPU_SHIFT), E(HMX_EINVAL));
}

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-SEC-007 HMX-SEC-008
TEST_F(CoreTest, RegisterArgumentsOutsideGuestMemoryAreEfaultAndBadFramesEinval) {
  hmx_register_ring_t reg{1, b.id, 0, 256};
  const uint64_t frame = a.alloc(4096, 4096);
  const uint64_t gfn_ok = a.put(frame >> 12);
  const uint64_t out = a.mem.size();
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, out, gfn_ok, 1, 0), E(HMX_EFAULT));          // reg
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), out - 4, 1, 0), E(HMX_EFAULT));  // list
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), ~0ull - 3, 1, 0), E(HMX_EFAULT));
  // A listed frame that is not RAM of the caller is EINVAL, as Xen says for a frame that is not
  // writable RAM (spec row 15).
  const uint64_t gfn_out = a.put(out >> 12);
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), gfn_out, 1, 0), E(HMX_EINVAL));
  const uint64_t gfn_huge = a.put(~0ull);  // gfn << 12 would overflow
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), gfn_huge, 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(core.ring_count(a.id), 0u);
}

// covers: HMX-RING-027 HMX-RING-028 HMX-RING-029
TEST_F(CoreTest, RegisterPartnerMustExist) {
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, 77, 256), E(HMX_ESRCH));
  EXPECT_EQ(a.register_ring(r, 1, a.id, 256), 0);  // oneself is a valid partner
}

// covers: HMX-MECH-008 HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, RegisterErrorTableOrder) {
  // The spec's table, top to bottom: npages bound, frame list in RAM, flags, reg in RAM, shape,
  // partner, ..., ENOSPC, EEXIST, frames.
  const uint64_t out = a.mem.size();
  hmx_register_ring_t bad_len{1, 77, 0, 20};
  hmx_register_ring_t no_partner{1, 77, 0, 256};
  const uint64_t gfn = a.put(a.alloc(4096, 4096) >> 12);
  const uint64_t bad_gfn = a.put(out >> 12);
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, out, out, HMX_MAX_RING_PAGES + 1, 0x4), E(HMX_EINVAL));  // 1
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, out, out, 1, 0x4), E(HMX_EFAULT));                      // 2
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, out, gfn, 1, 0x4), E(HMX_EINVAL));                      // 3
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, out, gfn, 1, 0), E(HMX_EFAULT));                        // 4
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(bad_len), gfn, 1, 0), E(HMX_EINVAL));             // 5
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(no_partner), bad_gfn, 1, 0), E(HMX_ESRCH));       // 7
  hmx_register_ring_t ok{1, b.id, 0, 256};
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(ok), bad_gfn, 1, 0), E(HMX_EINVAL));              // 15
  ASSERT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(ok), gfn, 1, 0), 0);
  // EEXIST (13) comes before the frame check (15).
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(ok), bad_gfn, 1, HMX_REGISTER_FLAG_FAIL_EXIST), E(HMX_EEXIST));
}

// covers: HMX-RING-004 HMX-LIMIT-002
TEST_F(CoreTest, At128RingsEvenReRegistrationIsEnospc) {
  std::vector<GuestRing> rings(HMX_MAX_RINGS_PER_DOMAIN);
  for (uint32_t i = 0; i < HMX_MAX_RINGS_PER_DOMAIN; ++i) {
    ASSERT_EQ(a.register_ring(rings[i], 1000 + i, b.id, 48), 0) << i;
  }
  GuestRing extra;
  EXPECT_EQ(a.register_ring(extra, 5000, b.id, 48), E(HMX_ENOSPC));
  // As Argo counts before the lookup (Xen argo.c limits), the spec refuses a re-registration at the
  // limit too (HMX-RING-004).
  EXPECT_EQ(a.reregister(rings[7]), E(HMX_ENOSPC));
  EXPECT_EQ(a.unregister_ring(1000, b.id), 0);
  EXPECT_EQ(a.register_ring(extra, 5000, b.id, 48), 0);
  EXPECT_EQ(core.ring_count(a.id), HMX_MAX_RINGS_PER_DOMAIN);
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032
TEST_F(CoreTest, ReRegistrationNeverCountsTwice) {
  // Argo's ring_count++ on every re-registration (Xen argo.c register_ring) would exhaust the limit.
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 48), 0);
  for (int k = 0; k < 300; ++k) ASSERT_EQ(a.reregister(r), 0) << k;
  EXPECT_EQ(core.ring_count(a.id), 1u);
  std::vector<GuestRing> rings(HMX_MAX_RINGS_PER_DOMAIN - 1);
  for (uint32_t i = 0; i < rings.size(); ++i) ASSERT_EQ(a.register_ring(rings[i], 100 + i, b.id, 48), 0);
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032
TEST_F(CoreTest, ReRegistrationEexistCases) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  EXPECT_EQ(a.reregister(r, HMX_REGISTER_FLAG_FAIL_EXIST), E(HMX_EEXIST));
  GuestRing other;
  EXPECT_EQ(a.register_ring(other, 1, b.id, 512), E(HMX_EEXIST));  // ring resize disallowed
  EXPECT_EQ(a.reregister(r), 0);
  EXPECT_EQ(core.ring_count(a.id), 1u);
  // Same port, different partner: a different ring.
  EXPECT_EQ(a.register_ring(other, 1, a.id, 512), 0);
  EXPECT_EQ(core.ring_count(a.id), 2u);
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032 HMX-RING-033 HMX-RING-034
TEST_F(CoreTest, ReRegistrationKeepsAValidTxPtrAndResetsAnInvalidOne) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 512), 0);
  ASSERT_EQ(b.send(a.id, 1, {"hello"}), 5);
  ASSERT_EQ(b.send(a.id, 1, {"world!"}), 6);
  const uint32_t tx = a.tx(r);
  EXPECT_EQ(tx, 64u);
  EXPECT_EQ(a.reregister(r), 0);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->tx_ptr, tx);
  EXPECT_EQ(a.tx(r), tx);
  // Invalid guest tx_ptr values are replaced by roundup16(rx_ptr), wrapped.
  a.set_rx(r, 17);
  a.set_tx(r, 5);  // not slot aligned
  EXPECT_EQ(a.reregister(r), 0);
  EXPECT_EQ(a.tx(r), 32u);
  a.set_rx(r, 500);  // rounds up to 512 == len -> 0
  a.set_tx(r, 512);  // == len
  EXPECT_EQ(a.reregister(r), 0);
  EXPECT_EQ(a.tx(r), 0u);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->tx_ptr, 0u);
}

// covers: HMX-RING-033 HMX-RING-034
TEST_F(CoreTest, NewRegistrationTakesAValidGuestTxPtr) {
  // Xen argo.c register_ring: Xen reads the guest's tx_ptr at every registration.
  GuestRing r;
  r.len = 256;
  const uint64_t frame = a.alloc(4096, 4096);
  a.at<hmx_ring_t>(frame)->rx_ptr = 96;
  a.at<hmx_ring_t>(frame)->tx_ptr = 96;
  hmx_register_ring_t reg{4, b.id, 0, 256};
  ASSERT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), a.put(frame >> 12), 1, 0), 0);
  EXPECT_EQ(core.ring_info(a.id, 4, b.id)->tx_ptr, 96u);
}

// covers: HMX-RING-007
TEST_F(CoreTest, FailedReRegistrationLeavesTheRingIntact) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  hmx_register_ring_t reg{1, b.id, 0, 256};
  const uint64_t bad = a.put(a.mem.size() >> 12);
  EXPECT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), bad, 1, 0), E(HMX_EINVAL));
  ASSERT_TRUE(core.ring_info(a.id, 1, b.id).has_value());
  EXPECT_EQ(b.send(a.id, 1, {"still there"}), 11);
  EXPECT_EQ(to_string(a.receive(r)->payload), "still there");
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032
TEST_F(CoreTest, ReRegistrationMovesTheRingToNewFrames) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  ASSERT_EQ(b.send(a.id, 1, {"one"}), 3);
  ASSERT_EQ(to_string(a.receive(r)->payload), "one");
  // Copy the header to a new frame (as a resumed guest would) and re-register there.
  GuestRing moved = r;
  moved.frames = {a.alloc(4096, 4096)};
  std::memcpy(a.host(moved.frames[0]), a.host(r.frames[0]), 4096);
  const uint64_t gfn = moved.frames[0] >> 12;
  moved.gfn_list = a.put(gfn);
  ASSERT_EQ(a.reregister(moved), 0);
  ASSERT_EQ(b.send(a.id, 1, {"two"}), 3);
  EXPECT_EQ(to_string(a.receive(moved)->payload), "two");
  EXPECT_FALSE(a.receive(r).has_value());  // the old frame is no longer written
}

// covers: HMX-EVENT-020 HMX-EVENT-021 HMX-RING-035 HMX-RING-036
TEST_F(CoreTest, EventIndicesAreDistinctWrittenAndReused) {
  GuestRing r1, r2, r3;
  ASSERT_EQ(a.register_ring(r1, 1, b.id, 48), 0);
  ASSERT_EQ(a.register_ring(r2, 2, b.id, 48), 0);
  EXPECT_EQ(a.event_index(r1), core.ring_info(a.id, 1, b.id)->event_index);
  EXPECT_EQ(a.event_index(r2), core.ring_info(a.id, 2, b.id)->event_index);
  EXPECT_NE(a.event_index(r1), a.event_index(r2));
  const uint32_t freed = a.event_index(r1);
  ASSERT_EQ(a.unregister_ring(1, b.id), 0);
  ASSERT_EQ(a.register_ring(r3, 3, b.id, 48), 0);
  EXPECT_EQ(a.event_index(r3), freed);
}

// covers: HMX-RING-037 HMX-RING-038
TEST_F(CoreTest, ScatteredFramesCarryMessagesAcrossPageBoundaries) {
  GuestRing r;
  const uint32_t len = 3 * 4096 - 64;  // three frames
  ASSERT_EQ(a.register_ring(r, 1, b.id, len, 0, /*scatter=*/true), 0);
  for (int round = 0; round < 6; ++round) {
    auto payload = pattern(3000 + round * 7, round);
    ASSERT_EQ(b.send_bytes(a.id, 1, payload), static_cast<int64_t>(payload.size()));
    auto m = a.receive(r);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->payload, payload) << round;
  }
}

// covers: HMX-RING-039 HMX-RING-040 HMX-RING-035 HMX-RING-036 HMX-SEND-020 HMX-SEND-021 HMX-SEND-022
TEST_F(CoreTest, UnregisterRing) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  EXPECT_EQ(a.unregister_ring(1, b.id), 0);
  EXPECT_EQ(a.unregister_ring(1, b.id), E(HMX_ENOENT));
  EXPECT_EQ(a.unregister_ring(2, b.id), E(HMX_ENOENT));
  EXPECT_EQ(core.ring_count(a.id), 0u);
  EXPECT_EQ(b.send(a.id, 1, {"x"}), E(HMX_ECONNREFUSED));
}

// covers: HMX-RING-039 HMX-RING-040 HMX-MECH-007 HMX-SEC-007 HMX-SEC-008
TEST_F(CoreTest, UnregisterArgumentChecks) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  hmx_unregister_ring_t padded{1, b.id, 1};
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, a.put(padded)), E(HMX_EINVAL));
  hmx_unregister_ring_t ok{1, b.id, 0};
  const uint64_t gpa = a.put(ok);
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, gpa, 8), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, gpa, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, gpa, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, a.mem.size() - 4), E(HMX_EFAULT));
  EXPECT_EQ(a.call(HMX_OP_UNREGISTER_RING, gpa), 0);
}

// covers: HMX-RING-039 HMX-RING-040
TEST_F(CoreTest, UnregisterWildcardRingByDomidAny) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 256), 0);
  EXPECT_EQ(a.unregister_ring(1, b.id), E(HMX_ENOENT));
  EXPECT_EQ(a.unregister_ring(1, HMX_DOMID_ANY), 0);
}

// covers: HMX-RING-035 HMX-RING-036
TEST_F(CoreTest, UnregisterDropsWaiters) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 48), 0);
  ASSERT_EQ(b.send(a.id, 1, {"0123456789abcdef"}), 16);
  EXPECT_EQ(b.send(a.id, 1, {"x"}), E(HMX_EAGAIN));
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 1u);
  ASSERT_EQ(a.unregister_ring(1, b.id), 0);
  ASSERT_EQ(a.register_ring(r, 1, b.id, 48), 0);
  EXPECT_EQ(core.ring_info(a.id, 1, b.id)->pending, 0u);
}

}  // namespace
}  // namespace hmx::ref::test
