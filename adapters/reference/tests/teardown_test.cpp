// SPDX-License-Identifier: Apache-2.0
// Domain creation and teardown (Xen argo.c argo_destroy), including teardown under traffic.
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-DOM-009 HMX-DOM-010
TEST(Domains, CreateValidation) {
  TestPolicy policy;
  Core core(policy);
  ArenaGuestMemory mem(1 << 16);
  NullNotifier n;
  EXPECT_EQ(core.create_domain(1, "a", mem, 1, n), 0);
  EXPECT_EQ(core.create_domain(1, "other", mem, 1, n), E(HMX_EEXIST));
  EXPECT_EQ(core.create_domain(2, "a", mem, 1, n), E(HMX_EEXIST));  // names are unique
  EXPECT_EQ(core.create_domain(HMX_DOMID_SELF_ASSIGNED_LIMIT, "r", mem, 1, n), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(HMX_DOMID_ANY, "r", mem, 1, n), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(3, "c", mem, 0, n), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(3, "c", mem, 257, n), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(3, "c", mem, 256, n), 0);
  EXPECT_EQ(core.create_domain(4, "", mem, 1, n), E(HMX_EINVAL));
  EXPECT_EQ(core.create_domain(4, "web-*", mem, 1, n), E(HMX_EINVAL));
  EXPECT_TRUE(core.has_domain(1));
  EXPECT_EQ(core.destroy_domain(1), 0);
  EXPECT_EQ(core.destroy_domain(1), E(HMX_ESRCH));
  EXPECT_FALSE(core.has_domain(1));
  EXPECT_EQ(core.destroy_domain(3), 0);
}

// covers: HMX-DOM-005 HMX-DOM-006 HMX-DOM-007 HMX-DOM-008 HMX-DOM-004
TEST(Domains, TeardownRemovesOwnRingsPartnerRingsAndWaits) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a"), c(core, 3, "c");
  auto b = std::make_unique<Guest>(core, 2, "b");
  GuestRing a_for_b, a_any, a_self, b_for_a;
  ASSERT_EQ(a.register_ring(a_for_b, 1, 2, 256), 0);
  ASSERT_EQ(a.register_ring(a_any, 2, HMX_DOMID_ANY, 48), 0);
  ASSERT_EQ(a.register_ring(a_self, 3, a.id, 256), 0);
  ASSERT_EQ(b->register_ring(b_for_a, 1, a.id, 256), 0);
  // Fill a's wildcard ring, then b and c wait on it.
  ASSERT_EQ(c.send(a.id, 2, {std::string(16, 'x')}), 16);
  ASSERT_EQ(b->send(a.id, 2, {"b"}), E(HMX_EAGAIN));
  ASSERT_EQ(c.send(a.id, 2, {"c"}), E(HMX_EAGAIN));
  ASSERT_EQ(core.ring_info(a.id, 2, HMX_DOMID_ANY)->pending, 2u);
  ASSERT_EQ(core.ring_count(a.id), 3u);

  b.reset();  // destroy_domain(2), then its memory is freed

  EXPECT_FALSE(core.ring_info(a.id, 1, 2).has_value());   // a's ring naming b: gone
  EXPECT_EQ(core.ring_count(a.id), 2u);
  EXPECT_EQ(core.ring_info(a.id, 2, HMX_DOMID_ANY)->pending, 1u);  // only c still waits
  EXPECT_TRUE(core.ring_info(a.id, 3, a.id).has_value());
  EXPECT_EQ(a.send(2, 1, {"x"}), E(HMX_ESRCH));
  // The freed event index is reusable and the 128-ring budget is intact.
  GuestRing again;
  EXPECT_EQ(a.register_ring(again, 4, a.id, 48), 0);
  EXPECT_EQ(core.ring_count(a.id), 3u);
  // A new domain with the old id starts clean.
  Guest b2(core, 2, "b");
  EXPECT_EQ(core.ring_count(2), 0u);
  EXPECT_EQ(b2.send(a.id, 1, {"x"}), E(HMX_ECONNREFUSED));
}

// Everything a sender thread needs, prepared once in its guest memory, so the thread only calls
// core.call and never touches guest memory itself (the receiver's memory is freed under it).
struct PreparedSend {
  uint64_t block = 0;
  uint64_t list = 0;
};

PreparedSend prepare_send(Guest& g, DomainId dst, uint32_t aport, size_t bytes) {
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {aport, dst, 0}};
  auto payload = pattern(bytes);
  hmx_iov_t iov{g.put_bytes(payload), static_cast<uint32_t>(bytes), 0};
  PreparedSend p;
  p.block = g.alloc(sizeof(hmx_call_block_t), 16);
  hmx_call_block_t blk{};
  blk.op = HMX_OP_SENDV;
  blk.arg[0] = g.put(addr);
  blk.arg[1] = g.put(iov);
  blk.arg[2] = 1;
  std::memcpy(g.host(p.block), &blk, sizeof(blk));
  return p;
}

// covers: HMX-DOM-005 HMX-DOM-006 HMX-SEC-009 HMX-SEC-010
TEST(Domains, TeardownOfTheReceiverWhileAnotherThreadSends) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a");
  auto b = std::make_unique<Guest>(core, 2, "b");
  GuestRing r;
  ASSERT_EQ(b->register_ring(r, 1, a.id, 1 << 16), 0);
  const PreparedSend send = prepare_send(a, 2, 1, 200);
  std::atomic<bool> stop{false}, b_gone{false};
  std::atomic<int> ok{0}, after{0};
  std::thread sender([&] {
    while (!stop) {
      const bool gone_before = b_gone.load();
      const int64_t rc = core.call(a.id, 0, send.block);
      if (rc == 200) ++ok;
      else if (rc != E(HMX_EAGAIN) && rc != E(HMX_ESRCH) && rc != E(HMX_ECONNREFUSED)) {
        ADD_FAILURE() << "unexpected " << rc;
        break;
      }
      if (gone_before) {
        EXPECT_EQ(rc, E(HMX_ESRCH));
        ++after;
      }
    }
  });
  // A receiver thread keeps the ring draining so copies happen right up to the teardown.
  std::atomic<bool> stop_rx{false};
  std::thread receiver([&] {
    while (!stop_rx) {
      const uint64_t m = b->mark();
      while (b->receive(r)) {
      }
      b->notify_null();
      b->reset(m);
    }
  });
  while (ok < 300) std::this_thread::yield();
  stop_rx = true;
  receiver.join();
  b.reset();  // destroy_domain, then free b's memory: the sender must never touch it again
  b_gone = true;
  while (after < 200) std::this_thread::yield();
  stop = true;
  sender.join();
  EXPECT_GE(ok.load(), 300);
}

// covers: HMX-DOM-005 HMX-DOM-006
TEST(Domains, TeardownOfTheCallerWhileItsVcpuCalls) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a");
  auto b = std::make_unique<Guest>(core, 2, "b");
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, 2, 1 << 16), 0);
  const PreparedSend send = prepare_send(*b, a.id, 1, 64);
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, enodev{0};
  std::thread vcpu([&] {
    while (!stop) {
      const int64_t rc = core.call(2, 0, send.block);
      ++calls;
      if (rc == E(HMX_ENODEV)) ++enodev;
    }
  });
  while (calls < 200) std::this_thread::yield();
  b.reset();  // the vCPU thread keeps calling with a GPA into freed memory: ENODEV, no access
  const int seen = enodev;
  while (enodev < seen + 100) std::this_thread::yield();
  stop = true;
  vcpu.join();
  EXPECT_FALSE(core.ring_info(a.id, 1, 2).has_value());
}

TEST(Domains, CreateAndDestroyAreNotStarvedByTraffic) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a"), b(core, 2, "b");
  GuestRing r;
  ASSERT_EQ(b.register_ring(r, 1, a.id, 1 << 16), 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 3; ++t) {
    senders.emplace_back([&, t] {
      const PreparedSend send = prepare_send(a, b.id, 1, 32);
      while (!stop) core.call(a.id, t % 2, send.block);  // EAGAIN once full: still L1 traffic
    });
  }
  int cycles = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) {
    Guest c(core, 3, "c", 64 << 10);
    ++cycles;
  }
  stop = true;
  for (auto& t : senders) t.join();
  EXPECT_GT(cycles, 10);
}

}  // namespace
}  // namespace hmx::ref::test

namespace hmx::ref::test {
namespace {

// covers: HMX-RING-010 HMX-DOM-007 HMX-DOM-008
TEST(Domains, DiscardedWaitsAreSignalled) {
  // HMX-RING-010: unregistering a ring, or destroying its owner, signals its waiters.
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a"), c(core, 3, "c");
  auto b = std::make_unique<Guest>(core, 2, "b");
  GuestRing ra, rb;
  ASSERT_EQ(a.register_ring(ra, 1, HMX_DOMID_ANY, 48), 0);
  ASSERT_EQ(b->register_ring(rb, 1, HMX_DOMID_ANY, 48), 0);
  c.enable_event_page();
  ASSERT_EQ(core.set_vector(c.id, 0, 0x60), 0);
  ASSERT_EQ(c.send(a.id, 1, {std::string(16, 'x')}), 16);
  ASSERT_EQ(c.send(a.id, 1, {"y"}), E(HMX_EAGAIN));
  ASSERT_EQ(c.send(b->id, 1, {std::string(16, 'x')}), 16);
  ASSERT_EQ(c.send(b->id, 1, {"y"}), E(HMX_EAGAIN));
  ASSERT_EQ(a.unregister_ring(1, HMX_DOMID_ANY), 0);
  EXPECT_EQ(c.notifier.count(), 1u);
  EXPECT_EQ(c.event_status(), HMX_EVENT_SPACE_AVAILABLE);
  EXPECT_EQ(c.send(a.id, 1, {"y"}), E(HMX_ECONNREFUSED));
  b.reset();
  EXPECT_EQ(c.notifier.count(), 2u);
  EXPECT_EQ(c.send(2, 1, {"y"}), E(HMX_ESRCH));
}

}  // namespace
}  // namespace hmx::ref::test
