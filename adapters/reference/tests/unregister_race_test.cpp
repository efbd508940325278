// SPDX-License-Identifier: Apache-2.0
// Unregister racing senders (issue 14, deliver 3a): four sender domains send into a receiver's
// wildcard ring without pause while the receiver unregisters it and registers it again on other
// frames, 10,000 times. Once unregister returns the hypervisor never writes the old frames again
// ("the hypervisor stops writing to its frames before returning", Xen argo.c unregister_ring), and
// the event page only ever marks the ring that is registered now. Run in the ASan and TSan trees
// too (scripts/test.sh), where a late write is also a reported race or use-after-free.
#include <cstring>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr uint32_t kAport = 5;
constexpr uint32_t kRingLen = 4096 - 64;  // one frame
constexpr int kSenders = 4;
constexpr int kRounds = 10'000;

// A sender vCPU: one message of 16..64 bytes after another, from fixed buffers of its own memory.
class Sender {
 public:
  Sender(Guest& g, DomainId dst) : g_(g) {
    buf_ = g.alloc(64, 16);
    std::memset(g.host(buf_), 0x40 + static_cast<int>(g.id), 64);
    addr_ = g.put(hmx_send_addr_t{{0, HMX_DOMID_ANY, 0}, {kAport, dst, 0}});
    iov_ = g.alloc(sizeof(hmx_iov_t), 16);
    block_ = g.alloc(sizeof(hmx_call_block_t), 64);
  }
  void run(const std::atomic<bool>& stop) {
    for (uint32_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      const hmx_iov_t iov{buf_, 16 + n % 49, 0};
      std::memcpy(g_.host(iov_), &iov, sizeof iov);
      hmx_call_block_t b{};
      b.op = HMX_OP_SENDV;
      b.arg[0] = addr_;
      b.arg[1] = iov_;
      b.arg[2] = 1;
      std::memcpy(g_.host(block_), &b, sizeof b);
      const int64_t rc = g_.core.call(g_.id, 0, block_);
      // Delivered, no ring (between unregister and register), full, or too many waiting.
      if (rc < 0 && rc != E(HMX_ECONNREFUSED) && rc != E(HMX_EAGAIN) && rc != E(HMX_EBUSY)) {
        ADD_FAILURE() << "sendv: " << rc;
        return;
      }
      if (rc > 0) sent.fetch_add(1, std::memory_order_relaxed);
      // Five threads on a machine with two cores: a sender gives the CPU away after each call so
      // the receiver's vCPU runs its rounds (the race needs both sides running, not one).
      std::this_thread::yield();
    }
  }
  std::atomic<uint64_t> sent{0};

 private:
  Guest& g_;
  uint64_t buf_, addr_, iov_, block_;
};

uint64_t pending_word(Guest& g) {
  return std::atomic_ref<uint64_t>(g.at<hmx_event_page_t>(g.event_page_gpa)->ring_pending[0]).load();
}
void clear_pending(Guest& g) {
  for (auto& w : g.at<hmx_event_page_t>(g.event_page_gpa)->ring_pending) std::atomic_ref<uint64_t>(w).store(0);
}

// covers: HMX-RING-009
TEST(UnregisterRace, OldFramesNeverChangeAndTheEventSlotShowsOnlyTheLiveRing) {
  TestPolicy policy;
  Core core{policy};
  Guest r(core, 1, "receiver", 1 << 20);
  std::vector<std::unique_ptr<Guest>> senders;
  std::vector<std::unique_ptr<Sender>> loops;
  for (int i = 0; i < kSenders; ++i) {
    senders.push_back(std::make_unique<Guest>(core, 10 + i, "sender" + std::to_string(i), 1 << 16));
    loops.push_back(std::make_unique<Sender>(*senders.back(), r.id));
  }
  r.enable_event_page();
  // Two frame sets, used in turn: while one is registered, the other must stay as it was left.
  GuestRing ring[2];
  for (auto& x : ring) {
    ASSERT_EQ(r.register_ring(x, kAport, HMX_DOMID_ANY, kRingLen), 0);
    ASSERT_EQ(r.unregister_ring(kAport, HMX_DOMID_ANY), 0);
  }
  std::vector<std::byte> left[2];
  for (int k = 0; k < 2; ++k) left[k].assign(r.host(ring[k].frames[0]), r.host(ring[k].frames[0]) + 4096);

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& l : loops) threads.emplace_back([&l, &stop] { l->run(stop); });

  const uint64_t scratch = r.mark();
  uint64_t delivered_rounds = 0, stale_bits = 0, old_frame_writes = 0;
  for (int round = 0; round < kRounds; ++round) {
    r.reset(scratch);  // the call blocks of the previous round
    GuestRing& x = ring[round % 2];
    const int k = round % 2;
    // Nothing wrote x's frame since x was unregistered (two rounds ago), and no bit is set
    // while no ring is registered.
    if (std::memcmp(r.host(x.frames[0]), left[k].data(), 4096) != 0) ++old_frame_writes;
    if (pending_word(r) != 0) ++stale_bits;
    // Fresh ring state, then registered again on the same frames.
    std::memset(r.host(x.frames[0]), 0, 4096);
    ASSERT_EQ(r.reregister(x), 0);
    const uint32_t index = r.event_index(x);
    // Let the senders in: until a message arrived or a short while passed.
    for (int spin = 0; spin < 200 && r.tx(x) == 0; ++spin) std::this_thread::yield();
    const uint32_t tx = r.tx(x);
    delivered_rounds += tx != 0;
    // The only bit that may be set is this ring's, and only if it holds a message.
    const uint64_t bits = pending_word(r);
    if ((bits & ~(uint64_t{1} << index)) != 0 || (bits != 0 && tx == 0)) ++stale_bits;
    if (round % 3 == 0) r.set_rx(x, tx);  // the receiver consumes now and then
    ASSERT_EQ(r.unregister_ring(kAport, HMX_DOMID_ANY), 0);
    // From here on the frame is the guest's alone: remember it as unregister left it.
    std::memcpy(left[k].data(), r.host(x.frames[0]), 4096);
    clear_pending(r);
  }
  stop = true;
  for (auto& t : threads) t.join();
  uint64_t sent = 0;
  for (auto& l : loops) sent += l->sent.load();
  std::printf("unregister race: %d rounds, %llu with a delivery, %llu messages sent; old-frame writes %llu, "
              "stale event bits %llu\n",
              kRounds, static_cast<unsigned long long>(delivered_rounds), static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(old_frame_writes), static_cast<unsigned long long>(stale_bits));
  EXPECT_EQ(old_frame_writes, 0u);
  EXPECT_EQ(stale_bits, 0u);
  // The race happened: senders delivered into many of the rings that were then unregistered.
  EXPECT_GT(delivered_rounds, static_cast<uint64_t>(kRounds / 10));
}

}  // namespace
}  // namespace hmx::ref::test
