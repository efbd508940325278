// SPDX-License-Identifier: Apache-2.0
// Interrupt moderation by the ring header's rx_event (feature EVENT_IDX, spec event-idx).
#include <atomic>
#include <chrono>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr uint8_t kVector = 0x40;
constexpr uint32_t kLen = 256;  // ring data bytes: 8 messages of 16 payload bytes wrap it

class EventIdxTest : public CoreTest {
 protected:
  void SetUp() override {
    core.offer_event_idx(true);
    ASSERT_EQ(core.set_vector(a.id, 0, kVector), 0);
  }
  std::atomic_ref<uint32_t> rx_event(const GuestRing& r) {
    return std::atomic_ref<uint32_t>(a.at<hmx_ring_t>(r.frames[0])->rx_event);
  }
  // One message of `payload` bytes from b into a's ring; returns the interrupts it raised.
  size_t send(const GuestRing& r, size_t payload) {
    const size_t before = a.notifier.count();
    EXPECT_EQ(b.send_bytes(a.id, r.aport, pattern(payload)), static_cast<int64_t>(payload));
    return a.notifier.count() - before;
  }
  void drain(const GuestRing& r) {
    while (a.receive(r)) {
    }
  }
  void halting_receiver(bool event_page);
};

// The rule stated independently of ring_event_idx_covers: walk the bytes the message occupied.
bool message_covers(uint32_t len, uint32_t old_tx, uint32_t new_tx, uint32_t rx_event) {
  if (rx_event >= len) return true;
  for (uint32_t at = old_tx; at != new_tx; at = (at + 1) % len) {
    if (at == rx_event) return true;
  }
  return false;
}

// covers: HMX-EVENT-041
TEST_F(CoreTest, EventIdxFlagIsRefusedUnlessOffered) {
  EXPECT_EQ(core.features() & HMX_FEATURE_EVENT_IDX_BIT, 0u);
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), E(HMX_EINVAL));
  EXPECT_EQ(a.register_ring(r, 1, b.id, kLen), 0);
  EXPECT_EQ(a.reregister(r, HMX_REGISTER_FLAG_EVENT_IDX), E(HMX_EINVAL));
}

// covers: HMX-EVENT-040
TEST_F(EventIdxTest, OfferedFeatureAcceptsTheFlag) {
  EXPECT_NE(core.features() & HMX_FEATURE_EVENT_IDX_BIT, 0u);
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX | HMX_REGISTER_FLAG_NOTIFY_VCPU), 0);
}

// covers: HMX-EVENT-045 HMX-EVENT-046 HMX-EVENT-047
TEST_F(EventIdxTest, AnArmedRingGetsExactlyTheInterruptsTheRuleSays) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  // A zeroed header names offset 0: the first message interrupts, the next ones do not.
  EXPECT_EQ(send(r, 16), 1u);  // [0, 32)
  EXPECT_EQ(send(r, 16), 0u);  // [32, 64)
  drain(r);
  rx_event(r).store(a.rx(r));  // armed at the next message's offset
  EXPECT_EQ(send(r, 16), 1u);  // [64, 96)
  rx_event(r).store(100);      // inside the next message, not slot-aligned
  EXPECT_EQ(send(r, 40), 1u);  // [96, 160)
  rx_event(r).store(160 + 16);  // the second slot of the message after next
  EXPECT_EQ(send(r, 0), 0u);    // [160, 176): stops just before it
  EXPECT_EQ(send(r, 0), 1u);    // [176, 192)
  EXPECT_EQ(core.stats().interrupts_moderated, 2u);

  // Every rx_event below len against the byte walk, over messages that wrap the ring.
  uint32_t mismatches = 0;
  for (uint32_t event = 0; event < kLen; event += 8) {
    for (size_t payload : {0u, 16u, 40u, 100u}) {
      drain(r);
      const uint32_t old_tx = a.tx(r);
      rx_event(r).store(event);
      const size_t raised = send(r, payload);
      mismatches += raised != (message_covers(kLen, old_tx, a.tx(r), event) ? 1u : 0u);
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// covers: HMX-EVENT-049
TEST_F(EventIdxTest, TheSlotBeforeRxSuppressesEveryInterruptButNotTheEventBit) {
  const uint64_t page = a.enable_event_page();
  ASSERT_NE(page, 0u);
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  const uint32_t bit = a.event_index(r);
  for (int round = 0; round < 3; ++round) {
    rx_event(r).store((a.rx(r) + kLen - HMX_MSG_SLOT_SIZE) % kLen);  // polling: no interrupt
    size_t raised = 0, sent = 0;
    // Fill the ring: no message can cover the slot before rx_ptr.
    while (b.send_bytes(a.id, r.aport, pattern(16)) == 16) {
      ++sent;
      // The bit is set for every message: clear it each time, as a polling consumer's handler would.
      EXPECT_NE(a.ring_pending(bit / 64) & (uint64_t{1} << (bit % 64)), 0u);
      a.at<hmx_event_page_t>(page)->ring_pending[bit / 64] = 0;
    }
    raised += a.notifier.count();
    a.notifier.clear();
    EXPECT_GT(sent, 5u);
    EXPECT_EQ(raised, 0u);
    drain(r);
  }
  EXPECT_GT(core.stats().interrupts_moderated, 15u);
}

// covers: HMX-EVENT-048 HMX-EVENT-043
TEST_F(EventIdxTest, HostileRxEventValuesAskForEveryMessage) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  for (uint32_t hostile : {kLen, kLen + 16, 0x80000000u, 0xFFFFFFF0u, 0xFFFFFFFFu}) {
    rx_event(r).store(hostile);
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(send(r, 24), 1u) << "rx_event " << hostile;
      drain(r);
    }
    // Never written by the hypervisor, not even on re-registration.
    ASSERT_EQ(a.reregister(r, HMX_REGISTER_FLAG_EVENT_IDX), 0);
    EXPECT_EQ(rx_event(r).load(), hostile);
  }
  EXPECT_EQ(core.stats().interrupts_moderated, 0u);
}

// covers: HMX-EVENT-044 HMX-EVENT-042
TEST_F(EventIdxTest, ARingWithoutTheFlagIgnoresRxEventAndReRegistrationDecides) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen), 0);
  rx_event(r).store(kLen - HMX_MSG_SLOT_SIZE);  // would suppress every message of a moderated ring
  EXPECT_EQ(send(r, 16), 1u);
  EXPECT_EQ(send(r, 16), 1u);
  drain(r);
  rx_event(r).store((a.rx(r) + kLen - HMX_MSG_SLOT_SIZE) % kLen);
  ASSERT_EQ(a.reregister(r, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  EXPECT_EQ(send(r, 16), 0u);
  ASSERT_EQ(a.reregister(r, 0), 0);
  EXPECT_EQ(send(r, 16), 1u);
}

// A receiver that arms rx_event and halts never misses a message: a sender thread streams messages
// of varied sizes while the receiver consumes, arms rx_event = rx_ptr, fences, re-checks tx_ptr and
// "halts" until an interrupt arrives (an interrupt raised before the halt stays pending, as a
// latched edge interrupt does). A missed wake-up leaves it halted with a message in the ring.
// With an event page the receiver clears the ring's bit before each drain, as a guest handler does
// (HMX-EVENT-030): messages that arrive while it drains set the bit again without an interrupt,
// and the one it then arms for must still be injected.
void EventIdxTest::halting_receiver(bool event_page) {
  const uint64_t page = event_page ? a.enable_event_page() : 0;
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  const uint32_t bit = a.event_index(r);
  constexpr uint32_t kMessages = 20000;
  std::atomic<bool> stop{false};
  // The sender's call block, address, iov and payload are allocated once: Guest::send_bytes takes
  // fresh guest memory per call, and the EAGAIN retries of a busy host ran the guest out of it.
  hmx_send_addr_t addr{};
  addr.src = {0, b.id, 0};
  addr.dst = {r.aport, a.id, 0};
  const uint64_t addr_gpa = b.put(addr);
  const uint64_t payload_gpa = b.put_bytes(pattern(64));
  const uint64_t iov_gpa = b.alloc(sizeof(hmx_iov_t), 16);
  const uint64_t block_gpa = b.alloc(sizeof(hmx_call_block_t), HMX_CALL_BLOCK_ALIGN);
  ASSERT_NE(block_gpa, 0u);
  std::thread sender([&] {
    uint32_t sent = 0;
    while (sent < kMessages && !stop.load()) {
      const size_t n = (sent * 7) % 57;
      *b.at<hmx_iov_t>(iov_gpa) = hmx_iov_t{payload_gpa, static_cast<uint32_t>(n), 0};
      hmx_call_block_t block{};
      block.op = HMX_OP_SENDV;
      block.arg[0] = addr_gpa;
      block.arg[1] = iov_gpa;
      block.arg[2] = 1;
      *b.at<hmx_call_block_t>(block_gpa) = block;
      const int64_t rc = core.call(b.id, 0, block_gpa);
      if (rc == static_cast<int64_t>(n)) {
        ++sent;
      } else {
        ASSERT_EQ(rc, E(HMX_EAGAIN));
        std::this_thread::yield();
      }
    }
  });
  uint32_t received = 0, halts = 0;
  bool missed = false;
  size_t taken = 0;  // interrupts the receiver has taken
  while (received < kMessages) {
    taken = a.notifier.count();  // entering the handler acknowledges what is pending
    if (page != 0)
      std::atomic_ref<uint64_t>(a.at<hmx_event_page_t>(page)->ring_pending[bit / 64])
          .fetch_and(~(uint64_t{1} << (bit % 64)), std::memory_order_acq_rel);
    while (auto m = a.receive(r)) ++received;
    // Store then load, both seq_cst: the full barrier of HMX-EVENT-055 in the form
    // ThreadSanitizer understands (it does not model fences).
    rx_event(r).store(a.rx(r), std::memory_order_seq_cst);
    const uint32_t tx_now =
        std::atomic_ref<uint32_t>(a.at<hmx_ring_t>(r.frames[0])->tx_ptr).load(std::memory_order_seq_cst);
    if (tx_now != a.rx(r)) continue;  // arrived while arming: consume instead of halting
    if (received == kMessages) break;
    ++halts;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (a.notifier.count() == taken) {
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::yield();
    }
    if (a.notifier.count() == taken) {
      missed = a.tx(r) != a.rx(r);
      break;
    }
  }
  stop = true;
  sender.join();
  EXPECT_FALSE(missed) << "halted with a message in the ring and no interrupt after " << received;
  EXPECT_EQ(received, kMessages);
  EXPECT_GT(halts, 0u);
  // Moderation did its job: far fewer interrupts than messages.
  const CoreStats s = core.stats();
  EXPECT_EQ(s.messages, kMessages);
  EXPECT_EQ(s.interrupts + s.interrupts_moderated, kMessages);
}

// covers: HMX-EVENT-050 HMX-EVENT-054 HMX-EVENT-055 HMX-EVENT-056
TEST_F(EventIdxTest, AReceiverThatHaltsAfterArmingNeverMissesAMessage) { halting_receiver(false); }

// covers: HMX-EVENT-058
TEST_F(EventIdxTest, AReceiverWithAnEventPageThatHaltsAfterArmingNeverMissesAMessage) { halting_receiver(true); }

// A set event bit does not stop the injection of the message rx_event asks for.
// covers: HMX-EVENT-058
TEST_F(EventIdxTest, ASetEventBitDoesNotSkipTheMessageRxEventAsksFor) {
  ASSERT_NE(a.enable_event_page(), 0u);
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, kLen, HMX_REGISTER_FLAG_EVENT_IDX), 0);
  rx_event(r).store(kLen - HMX_MSG_SLOT_SIZE);
  EXPECT_EQ(send(r, 16), 0u);  // sets the bit, no interrupt: nobody clears it
  rx_event(r).store(a.tx(r));  // armed for the next message, the bit still set
  EXPECT_EQ(send(r, 16), 1u);
  EXPECT_EQ(send(r, 16), 0u);
}

}  // namespace
}  // namespace hmx::ref::test
