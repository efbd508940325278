// SPDX-License-Identifier: Apache-2.0
// sendv at the core level (Xen docs/designs/argo.pandoc, ring protocol, 2.5; spec op-sendv).
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-SEND-008 HMX-SEND-009 HMX-SEND-010 HMX-RING-037 HMX-RING-038
TEST_F(CoreTest, SelfSendAsXtfChecksIt) {
  // XTF tests/argo: 23 bytes, type 0x12345678, to a ring whose partner is oneself.
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 0x1234, a.id, 4096 - 64), 0);
  ASSERT_EQ(a.send(a.id, 0x1234, {"this is a 23 byte msg.."}, 0x12345678, 0x4321), 23);
  EXPECT_EQ(a.rx(r), 0u);
  EXPECT_EQ(a.tx(r), 48u);  // roundup16(16 + 23)
  auto m = a.receive(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->len, 16u + 23u);
  EXPECT_EQ(m->source, a.id);
  EXPECT_EQ(m->aport, 0x4321u);
  EXPECT_EQ(m->pad, 0u);
  EXPECT_EQ(m->message_type, 0x12345678u);
  EXPECT_EQ(to_string(m->payload), "this is a 23 byte msg..");
}

// covers: HMX-SEND-008 HMX-SEND-009
TEST_F(CoreTest, CrossDomainSendCarriesTheRealSourceAndGathersIovs) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 1024), 0);
  EXPECT_EQ(b.send(a.id, 7, {"abc", "", "defgh", "", "ij"}, 99, 5555), 10);
  auto m = a.receive(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->source, b.id);
  EXPECT_EQ(m->aport, 5555u);  // the aport the sender named (Xen docs/designs/argo.pandoc, ring protocol)
  EXPECT_EQ(m->message_type, 99u);
  EXPECT_EQ(to_string(m->payload), "abcdefghij");
  auto st = core.stats();
  EXPECT_EQ(st.messages, 1u);
  EXPECT_EQ(st.bytes, 10u);
}

// covers: HMX-SEND-002 HMX-MAC-007
TEST_F(CoreTest, SourceDomainMustBeTheCallerOrDomidAny) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 1024), 0);
  hmx_iov_t iov{b.put_string("x"), 1, 0};
  for (DomainId src : {DomainId(b.id), DomainId(HMX_DOMID_ANY), DomainId(a.id), DomainId(9)}) {
    hmx_send_addr_t addr{{0, src, 0}, {7, a.id, 0}};
    const int64_t want = (src == b.id || src == HMX_DOMID_ANY) ? 1 : E(HMX_EPERM);
    EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(iov), 1, 0), want) << src;
  }
}

// covers: HMX-SEND-009
TEST_F(CoreTest, ZeroLengthMessageAndZeroLengthIovsAreSkipped) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 256), 0);
  // niov 0: a header-only message, 0 payload bytes.
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {7, a.id, 0}};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), 0, 0, 3), 0);
  auto m = a.receive(r);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->len, 16u);
  // A zero-length iov is skipped even when its address is nonsense.
  hmx_iov_t iovs[2] = {{~0ull, 0, 0}, {b.put_string("ok"), 2, 0}};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(iovs), 2, 0), 2);
  EXPECT_EQ(to_string(a.receive(r)->payload), "ok");
}

// covers: HMX-SEND-017 HMX-SEND-018 HMX-SEND-019 HMX-MECH-031 HMX-MECH-032
TEST_F(CoreTest, IovCountPadAndSizeChecks) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 256), 0);
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {7, a.id, 0}};
  const uint64_t addr_gpa = b.put(addr);
  hmx_iov_t iovs[HMX_MAXIOV + 1];
  const uint64_t buf = b.put_string("y");
  for (auto& v : iovs) v = {buf, 1, 0};
  const uint64_t iov_gpa = b.put(iovs);
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, iov_gpa, HMX_MAXIOV, 0), HMX_MAXIOV);
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, iov_gpa, HMX_MAXIOV + 1, 0), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, iov_gpa, 0xFFFFFFFFu, 0), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, iov_gpa, 1ull << 32, 0), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, iov_gpa, 1, 1ull << 32), E(HMX_EINVAL));
  hmx_iov_t padded{buf, 1, 1};
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, b.put(padded), 1, 0), E(HMX_EINVAL));
  hmx_iov_t huge{buf, HMX_MAX_MESSAGE_SIZE + 1, 0};
  EXPECT_EQ(b.call(HMX_OP_SENDV, addr_gpa, b.put(huge), 1, 0), E(HMX_EINVAL));
  hmx_send_addr_t padded_src{{0, HMX_DOMID_ANY, 1}, {7, a.id, 0}};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(padded_src), iov_gpa, 1, 0), E(HMX_EINVAL));
  hmx_send_addr_t padded_dst{{0, HMX_DOMID_ANY, 0}, {7, a.id, 2}};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(padded_dst), iov_gpa, 1, 0), E(HMX_EINVAL));
}

// covers: HMX-SEND-023 HMX-SEND-024
TEST(SendvSize, TotalAboveMaxMessageSizeIsEmsgsize) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "alpha", 12u << 20);
  Guest b(core, 2, "beta", 12u << 20);
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 256), 0);
  const uint64_t nine_mib = 9u << 20;
  const uint64_t buf = b.alloc(nine_mib, 4096);
  hmx_iov_t iovs[2] = {{buf, static_cast<uint32_t>(nine_mib), 0}, {buf, static_cast<uint32_t>(nine_mib), 0}};
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {7, a.id, 0}};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(iovs), 2, 0), E(HMX_EMSGSIZE));
  // One 9 MiB iov can never fit a 256-byte ring.
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(iovs), 1, 0), E(HMX_EMSGSIZE));
}

// covers: HMX-SEC-007 HMX-SEC-008 HMX-SEND-006
TEST_F(CoreTest, SendOutsideGuestMemoryIsEfault) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 256), 0);
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {7, a.id, 0}};
  hmx_iov_t iov{b.put_string("z"), 1, 0};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.mem.size() - 8, b.put(iov), 1, 0), E(HMX_EFAULT));
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.mem.size() - 8, 1, 0), E(HMX_EFAULT));
  hmx_iov_t beyond{b.mem.size() - 2, 3, 0};
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(beyond), 1, 0), E(HMX_EFAULT));
  hmx_iov_t wraps{~0ull - 3, 16, 0};  // gpa + len overflows
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(addr), b.put(wraps), 1, 0), E(HMX_EFAULT));
  EXPECT_EQ(a.tx(r), 0u);
}

// covers: HMX-SEND-020 HMX-SEND-021 HMX-SEND-022 HMX-RING-011
TEST_F(CoreTest, DestinationChecks) {
  EXPECT_EQ(b.send(77, 7, {"x"}), E(HMX_ESRCH));
  EXPECT_EQ(b.send(a.id, 7, {"x"}), E(HMX_ECONNREFUSED));  // no ring
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, a.id, 256), 0);           // partner is a, not b
  EXPECT_EQ(b.send(a.id, 7, {"x"}), E(HMX_ECONNREFUSED));
  EXPECT_EQ(a.send(a.id, 7, {"x"}), 1);
}

// covers: HMX-RING-011
TEST_F(CoreTest, WildcardRingTakesAnySenderAndTheExactRingWins) {
  GuestRing any, exact;
  ASSERT_EQ(a.register_ring(any, 7, HMX_DOMID_ANY, 256), 0);
  EXPECT_EQ(b.send(a.id, 7, {"to any"}), 6);
  EXPECT_EQ(to_string(a.receive(any)->payload), "to any");
  ASSERT_EQ(a.register_ring(exact, 7, b.id, 256), 0);
  EXPECT_EQ(b.send(a.id, 7, {"to exact"}), 8);
  EXPECT_EQ(to_string(a.receive(exact)->payload), "to exact");
  EXPECT_FALSE(a.receive(any).has_value());
}

// covers: HMX-SEND-023 HMX-SEND-024
TEST_F(CoreTest, MessageThatCanNeverFitIsEmsgsize) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 48), 0);  // max payload 16
  EXPECT_EQ(b.send(a.id, 7, {std::string(17, 'x')}), E(HMX_EMSGSIZE));
  EXPECT_EQ(b.send(a.id, 7, {std::string(16, 'x')}), 16);
}

// covers: HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-SEND-006 HMX-RING-013
TEST_F(CoreTest, FullRingIsEagainWithOneQueuedWaitPerDomain) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 128), 0);  // 8 slots, max payload 96
  ASSERT_EQ(b.send(a.id, 7, {std::string(64, 'a')}), 64);  // 5 slots used
  EXPECT_EQ(b.send(a.id, 7, {std::string(32, 'b')}), E(HMX_EAGAIN));  // needs 3, 2 usable
  EXPECT_EQ(b.send(a.id, 7, {std::string(40, 'c')}), E(HMX_EAGAIN));
  EXPECT_EQ(core.ring_info(a.id, 7, b.id)->pending, 1u);
  EXPECT_EQ(b.send(a.id, 7, {std::string(16, 'd')}), 16);  // 2 slots: fits, leaves one free
  EXPECT_EQ(b.send(a.id, 7, {""}), E(HMX_EAGAIN));         // only the reserved slot is left
  EXPECT_EQ(core.stats().eagain, 3u);
  // Nothing partial was written: the ring holds exactly the two messages.
  EXPECT_EQ(a.receive(r)->payload.size(), 64u);
  EXPECT_EQ(a.receive(r)->payload.size(), 16u);
  EXPECT_FALSE(a.receive(r).has_value());
}

// covers: HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-LIMIT-002
TEST(SendvWaiters, ThirtyThirdWaitingDomainGetsEbusy) {
  TestPolicy policy;
  Core core(policy);
  Guest owner(core, 1, "owner");
  GuestRing r;
  ASSERT_EQ(owner.register_ring(r, 7, HMX_DOMID_ANY, 48), 0);
  std::vector<std::unique_ptr<Guest>> senders;
  for (int i = 0; i < 34; ++i) {
    senders.push_back(std::make_unique<Guest>(core, 10 + i, "s" + std::to_string(i), 64 << 10));
  }
  ASSERT_EQ(senders[0]->send(owner.id, 7, {std::string(16, 'x')}), 16);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(senders[i]->send(owner.id, 7, {"y"}), E(HMX_EAGAIN)) << i;
  EXPECT_EQ(senders[32]->send(owner.id, 7, {"y"}), E(HMX_EBUSY));
  EXPECT_EQ(senders[5]->send(owner.id, 7, {"y"}), E(HMX_EAGAIN));  // already queued: refreshed
  EXPECT_EQ(core.ring_info(owner.id, 7, HMX_DOMID_ANY)->pending, HMX_MAX_PENDING_PER_RING);
}

// covers: HMX-RING-037 HMX-RING-038 HMX-RING-013
TEST_F(CoreTest, WrapAroundPreservesEveryMessage) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 320), 0);
  uint32_t wraps = 0;
  uint32_t last_tx = 0;
  for (uint32_t i = 0; i < 400; ++i) {
    auto payload = pattern(1 + (i * 37) % 200, i);
    ASSERT_EQ(b.send_bytes(a.id, 7, payload, i), static_cast<int64_t>(payload.size())) << i;
    auto m = a.receive(r);
    ASSERT_TRUE(m.has_value());
    ASSERT_EQ(m->payload, payload) << i;
    ASSERT_EQ(m->message_type, i);
    if (a.tx(r) < last_tx) ++wraps;
    last_tx = a.tx(r);
  }
  EXPECT_GT(wraps, 50u);
}

// covers: HMX-RING-037 HMX-RING-038 HMX-RING-013 HMX-SEND-015 HMX-SEND-016
TEST_F(CoreTest, WrapAroundWithSeveralMessagesInFlight) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 4096 - 64 + 4096, 0, /*scatter=*/true), 0);
  uint32_t sent = 0, received = 0;
  for (int round = 0; round < 300; ++round) {
    // Send until full, then drain a few: the ring runs at every fill level.
    while (true) {
      auto payload = pattern(100 + (sent * 131) % 900, sent);
      const uint64_t m = b.mark();
      const int64_t rc = b.send_bytes(a.id, 7, payload, sent);
      b.reset(m);
      if (rc == E(HMX_EAGAIN)) break;
      ASSERT_EQ(rc, static_cast<int64_t>(payload.size()));
      ++sent;
    }
    for (int k = 0; k < 3; ++k) {
      auto m = a.receive(r);
      ASSERT_TRUE(m.has_value());
      ASSERT_EQ(m->message_type, received);
      ASSERT_EQ(m->payload, pattern(100 + (received * 131) % 900, received));
      ++received;
    }
  }
  EXPECT_GT(sent, 300u);
}

// covers: HMX-EVENT-022 HMX-EVENT-023 HMX-EVENT-024 HMX-EVENT-025
TEST_F(CoreTest, SendRaisesTheRingsVectorOnlyWhenUnmasked) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 1024), 0);
  ASSERT_EQ(b.send(a.id, 7, {"masked"}), 6);
  EXPECT_EQ(a.notifier.count(), 0u);  // reset: masked
  ASSERT_EQ(core.set_vector(a.id, 0, 0x40), 0);
  ASSERT_EQ(b.send(a.id, 7, {"live"}), 4);
  ASSERT_EQ(a.notifier.count(), 1u);
  auto irq = a.notifier.log()[0];
  EXPECT_EQ(irq.dom, a.id);
  EXPECT_EQ(irq.vcpu, 0u);
  EXPECT_EQ(irq.vector, 0x40);
  EXPECT_EQ(b.notifier.count(), 0u);
  // No interrupt on failure.
  EXPECT_EQ(b.send(a.id, 8, {"nobody"}), E(HMX_ECONNREFUSED));
  EXPECT_EQ(a.notifier.count(), 1u);
}

// covers: HMX-EVENT-022 HMX-EVENT-023 HMX-RING-024 HMX-RING-025 HMX-RING-026
TEST_F(CoreTest, SendGoesToTheNotifyVcpuOfTheRing) {
  GuestRing r;
  const uint32_t flags = HMX_REGISTER_FLAG_NOTIFY_VCPU | (1u << HMX_REGISTER_FLAG_VCPU_SHIFT);
  ASSERT_EQ(a.register_ring(r, 7, b.id, 1024, flags), 0);
  ASSERT_EQ(core.set_vector(a.id, 0, 0x40), 0);
  ASSERT_EQ(core.set_vector(a.id, 1, 0x41), 0);
  ASSERT_EQ(b.send(a.id, 7, {"v1"}), 2);
  ASSERT_EQ(a.notifier.count(), 1u);
  EXPECT_EQ(a.notifier.log()[0].vcpu, 1u);
  EXPECT_EQ(a.notifier.log()[0].vector, 0x41);
}

// covers: HMX-RING-015
TEST_F(CoreTest, GuestWritesToTxPtrAreIgnored) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 7, b.id, 1024), 0);
  ASSERT_EQ(b.send(a.id, 7, {"first"}), 5);
  a.set_tx(r, 512);  // the receiver scribbles on tx_ptr
  ASSERT_EQ(b.send(a.id, 7, {"second"}), 6);
  EXPECT_EQ(a.tx(r), 64u);  // the hypervisor's copy won
  EXPECT_EQ(to_string(a.receive(r)->payload), "first");
  EXPECT_EQ(to_string(a.receive(r)->payload), "second");
}

}  // namespace
}  // namespace hmx::ref::test

namespace hmx::ref::test {
namespace {

// covers: HMX-MECH-008 HMX-SEND-006
TEST_F(CoreTest, SendvErrorTableOrder) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 48), 0);
  const uint64_t out = b.mem.size();
  hmx_send_addr_t ok{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  hmx_send_addr_t padded{{0, HMX_DOMID_ANY, 1}, {1, a.id, 0}};
  hmx_send_addr_t other_src{{0, 9, 0}, {1, a.id, 0}};
  hmx_send_addr_t no_ring{{0, HMX_DOMID_ANY, 0}, {2, a.id, 0}};
  hmx_iov_t bad_pad{b.put_string("x"), 1, 1};
  hmx_iov_t bad_buf{out, 16, 0};
  hmx_iov_t good{b.put_string("0123456789abcdef"), 16, 0};
  EXPECT_EQ(b.call(HMX_OP_SENDV, out, out, 9, 0), E(HMX_EFAULT));                       // 1
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(padded), out, 9, 0), E(HMX_EINVAL));             // 2
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(padded), out, 1, 0), E(HMX_EFAULT));             // 3
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(padded), b.put(bad_pad), 1, 0), E(HMX_EINVAL));  // 4
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(other_src), b.put(bad_pad), 1, 0), E(HMX_EPERM));         // 5
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(no_ring), b.put(bad_pad), 1, 0), E(HMX_ECONNREFUSED));    // 10
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(ok), b.put(bad_pad), 1, 0), E(HMX_EINVAL));               // 11
  ASSERT_EQ(b.call(HMX_OP_SENDV, b.put(ok), b.put(good), 1, 0), 16);
  // Full ring: EAGAIN (13) comes before a bad buffer (14); with room, the buffer is EFAULT.
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(ok), b.put(bad_buf), 1, 0), E(HMX_EAGAIN));
  ASSERT_TRUE(a.receive(r).has_value());
  EXPECT_EQ(b.call(HMX_OP_SENDV, b.put(ok), b.put(bad_buf), 1, 0), E(HMX_EFAULT));
  EXPECT_EQ(a.tx(r), 32u);  // nothing published by the failures
}

// covers: HMX-SEC-004 HMX-RING-037 HMX-RING-038
TEST_F(CoreTest, PaddingAfterThePayloadIsZeroed) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  std::memset(a.host(r.frames[0] + 64), 0xEE, 256);
  ASSERT_EQ(b.send(a.id, 1, {"abc"}), 3);
  uint8_t slot[16];
  a.read_ring(r, 16, slot, 16);
  EXPECT_EQ(std::memcmp(slot, "abc", 3), 0);
  for (int i = 3; i < 16; ++i) EXPECT_EQ(slot[i], 0) << i;
  uint8_t next;
  a.read_ring(r, 32, &next, 1);
  EXPECT_EQ(next, 0xEE);  // nothing beyond the message's last slot
}

}  // namespace
}  // namespace hmx::ref::test
