// SPDX-License-Identifier: Apache-2.0
// The submission queue (spec submit-queue, op-set-submit-queue, op-submit): call blocks the guest
// publishes in its own memory, drained in order by submit, with the per-drain limits, per-entry
// results, the completion bit, teardown, and a hostile guest's producer, consumer and entries.
#include <atomic>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr int64_t kSentinel = 0x5A5A;

hmx_call_block_t entry(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
  hmx_call_block_t e{};
  e.op = op;
  e.arg[0] = a1;
  e.arg[1] = a2;
  e.arg[2] = a3;
  e.arg[3] = a4;
  e.result = kSentinel;  // entries not run keep it
  return e;
}

// A submission queue in a guest's memory, written as a guest would: entry first, then the
// producer index with release order.
struct TestQueue {
  TestQueue(Guest& guest, uint32_t n) : g(guest), entries(n) {
    gpa = g.alloc(HMX_SUBMIT_HEADER_SIZE + uint64_t{n} * sizeof(hmx_call_block_t), HMX_SUBMIT_QUEUE_ALIGN);
  }
  hmx_submit_queue_header_t* header() { return g.at<hmx_submit_queue_header_t>(gpa); }
  uint64_t slot(uint32_t index) const {
    return gpa + HMX_SUBMIT_HEADER_SIZE + uint64_t{index & (entries - 1)} * sizeof(hmx_call_block_t);
  }
  hmx_call_block_t* at(uint32_t index) { return g.at<hmx_call_block_t>(slot(index)); }
  uint32_t producer() { return std::atomic_ref<uint32_t>(header()->producer).load(std::memory_order_relaxed); }
  uint32_t consumer() { return std::atomic_ref<uint32_t>(header()->consumer).load(std::memory_order_acquire); }
  void set_producer(uint32_t v) { std::atomic_ref<uint32_t>(header()->producer).store(v, std::memory_order_release); }
  void push(const hmx_call_block_t& e) {
    const uint32_t p = producer();
    std::memcpy(at(p), &e, sizeof(e));
    set_producer(p + 1);
  }
  int64_t result(uint32_t index) { return at(index)->result; }
  int64_t enable(uint32_t flags = 0) { return g.call(HMX_OP_SET_SUBMIT_QUEUE, gpa, entries, flags); }
  int64_t submit(uint32_t vcpu = 0) { return g.call(HMX_OP_SUBMIT, 0, 0, 0, 0, vcpu); }

  Guest& g;
  uint32_t entries;
  uint64_t gpa = 0;
};

class SubmitQueueTest : public CoreTest {
 protected:
  void SetUp() override {
    core.offer_submit_queue(true);
    ASSERT_EQ(a.register_ring(ring, 1, b.id, 64 * 1024), 0);
  }
  // A sendv of `text` from b to a's ring 1, as a queue entry.
  hmx_call_block_t send_entry(const std::string& text) {
    const hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
    const hmx_iov_t iov{b.put_string(text), static_cast<uint32_t>(text.size()), 0};
    return entry(HMX_OP_SENDV, b.put(addr), b.put(iov), 1, 0);
  }
  GuestRing ring;
};

// covers: HMX-ASYNC-035
TEST(SubmitQueueOffer, WithoutTheAdapterOfferingItTheOperationsDoNotExist) {
  TestPolicy policy;
  Core core{policy};
  Guest g{core, 1, "alpha"};
  EXPECT_EQ(core.features() & HMX_FEATURE_SUBMIT_QUEUE_BIT, 0u);
  TestQueue q(g, 4);
  EXPECT_EQ(q.enable(), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(q.submit(), E(HMX_EOPNOTSUPP));
  core.offer_submit_queue(true);
  EXPECT_NE(core.features() & HMX_FEATURE_SUBMIT_QUEUE_BIT, 0u);
  EXPECT_EQ(q.enable(), 0);
  EXPECT_EQ(q.submit(), 0);
  // Only on call blocks: Argo's conduit knows operations 1-4.
  EXPECT_EQ(core.argo_op(g.id, 0, HMX_OP_SUBMIT, 0, 0, 0, 0), E(HMX_EOPNOTSUPP));
}

// covers: HMX-ASYNC-001 HMX-ASYNC-002 HMX-ASYNC-003 HMX-ASYNC-004 HMX-ASYNC-005
TEST_F(SubmitQueueTest, SetSubmitQueueChecksItsErrorTableInOrder) {
  TestQueue q(b, 8);
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, 8, 0, 1), E(HMX_EINVAL));       // arg4
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 8, 0), E(HMX_EINVAL));              // forget with entries
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 0, 1), E(HMX_EINVAL));              // forget with flags
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, 8, 2), E(HMX_EINVAL));          // flags
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa + 16, 8, 0), E(HMX_EINVAL));     // alignment
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, 0, 0), E(HMX_EINVAL));          // 0 entries
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, 6, 0), E(HMX_EINVAL));          // not a power of two
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, HMX_SUBMIT_MAX_ENTRIES * 2, 0), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, q.gpa, uint64_t{1} << 40, 0), E(HMX_EINVAL));
  // The last entry would end past the guest's RAM.
  const uint64_t end = b.mem.size();
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, end - HMX_SUBMIT_HEADER_SIZE - 8 * 48 + 64, 8, 0), E(HMX_EFAULT));
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, end - HMX_SUBMIT_HEADER_SIZE - 8 * 48, 8, 0), 0);
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, uint64_t{1} << 62, 8, 0), E(HMX_EFAULT));
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 0, 0), 0);
}

// covers: HMX-ASYNC-006
TEST_F(SubmitQueueTest, AFailedRegistrationLeavesTheQueueAsItWas) {
  TestQueue q(b, 4);
  ASSERT_EQ(q.enable(), 0);
  TestQueue other(b, 4);
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, other.gpa, 3, 0), E(HMX_EINVAL));
  q.push(send_entry("still here"));
  EXPECT_EQ(q.submit(), 1);
  EXPECT_EQ(q.result(0), 10);
  EXPECT_EQ(to_string(a.receive(ring)->payload), "still here");
}

// covers: HMX-ASYNC-010 HMX-ASYNC-011
TEST_F(SubmitQueueTest, SubmitChecksItsErrorTable) {
  EXPECT_EQ(b.call(HMX_OP_SUBMIT), E(HMX_ENOENT));
  TestQueue q(b, 4);
  ASSERT_EQ(q.enable(), 0);
  EXPECT_EQ(b.call(HMX_OP_SUBMIT, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SUBMIT, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SUBMIT, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SUBMIT, 0, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_SUBMIT), 0);  // nothing waiting
}

TEST_F(SubmitQueueTest, ADomainWithoutHmxGetsEnodev) {
  ArenaGuestMemory mem(1 << 20);
  RecordingNotifier notifier;
  ASSERT_EQ(core.create_domain(9, "off", mem, 1, notifier, /*hmx_enabled=*/false), 0);
  for (uint32_t op : {HMX_OP_SET_SUBMIT_QUEUE, HMX_OP_SUBMIT}) {
    hmx_call_block_t block = entry(op, op == HMX_OP_SUBMIT ? 0 : 0x1000, op == HMX_OP_SUBMIT ? 0 : 4);
    std::memcpy(mem.host(0x2000), &block, sizeof(block));
    EXPECT_EQ(core.call(9, 0, 0x2000), E(HMX_ENODEV));
  }
  EXPECT_EQ(core.destroy_domain(9), 0);
}

// covers: HMX-ASYNC-013 HMX-ASYNC-017 HMX-ASYNC-018 HMX-ASYNC-019 HMX-ASYNC-024 HMX-ASYNC-025 HMX-ASYNC-027
TEST_F(SubmitQueueTest, ADrainRunsTheEntriesInOrderAndWritesOnlyResultsAndConsumer) {
  b.enable_event_page();
  ASSERT_EQ(b.call(HMX_OP_SET_VECTOR, 0, 0x40), 0);
  TestQueue q(b, 8);
  std::memset(q.header()->reserved, 0xEE, sizeof(q.header()->reserved));
  ASSERT_EQ(q.enable(), 0);
  q.push(send_entry("one"));
  q.push(entry(HMX_OP_NULL));
  q.push(send_entry("three!"));
  q.push(entry(HMX_OP_NOTIFY));
  std::vector<hmx_call_block_t> before(4);
  for (uint32_t i = 0; i < 4; ++i) before[i] = *q.at(i);
  b.notifier.clear();

  EXPECT_EQ(q.submit(), 4);
  EXPECT_EQ(q.result(0), 3);
  EXPECT_EQ(q.result(1), 0);
  EXPECT_EQ(q.result(2), 6);
  EXPECT_EQ(q.result(3), 0);
  EXPECT_EQ(q.consumer(), 4u);
  EXPECT_EQ(q.producer(), 4u);
  for (uint32_t i = 0; i < 4; ++i) {  // nothing but the result field changed
    hmx_call_block_t now = *q.at(i);
    now.result = before[i].result;
    EXPECT_EQ(std::memcmp(&now, &before[i], sizeof(now)), 0) << i;
  }
  for (uint8_t byte : q.header()->reserved) EXPECT_EQ(byte, 0xEE);
  EXPECT_EQ(q.at(4)->result, 0);  // an unpublished slot stays untouched
  EXPECT_EQ(to_string(a.receive(ring)->payload), "one");
  EXPECT_EQ(to_string(a.receive(ring)->payload), "three!");
  EXPECT_NE(b.event_status() & HMX_EVENT_SUBMIT_DONE, 0u);
  EXPECT_EQ(b.notifier.count(), 0u);  // no SUBMIT_FLAG_INTERRUPT: no vector for the drain
  EXPECT_EQ(core.stats().submit_entries, 4u);
  EXPECT_EQ(q.submit(), 0);  // nothing left
}

// covers: HMX-ASYNC-016 HMX-ASYNC-020
TEST_F(SubmitQueueTest, ConfigurationOperationsAreRefusedAndErrorsDoNotStopTheDrain) {
  TestQueue q(b, 16);
  ASSERT_EQ(q.enable(), 0);
  const uint32_t refused[] = {HMX_OP_REGISTER_RING, HMX_OP_UNREGISTER_RING, HMX_OP_BATCH,
                              HMX_OP_SET_EVENT_PAGE, HMX_OP_SET_VECTOR, HMX_OP_SET_SUBMIT_QUEUE,
                              HMX_OP_SUBMIT};
  for (uint32_t op : refused) q.push(entry(op));
  q.push(entry(999));
  hmx_call_block_t flagged = entry(HMX_OP_NULL);
  flagged.flags = 1;
  q.push(flagged);
  q.push(send_entry("after"));
  EXPECT_EQ(q.submit(), 10);
  for (uint32_t i = 0; i < 7; ++i) EXPECT_EQ(q.result(i), E(HMX_EINVAL)) << i;
  EXPECT_EQ(q.result(7), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(q.result(8), E(HMX_EINVAL));
  EXPECT_EQ(q.result(9), 5);
  EXPECT_EQ(to_string(a.receive(ring)->payload), "after");
  EXPECT_EQ(core.ring_count(b.id), 0u);  // the refused register_ring did not run
}

// covers: HMX-ASYNC-036
TEST_F(SubmitQueueTest, ABatchEntryDoesNotStartADrain) {
  TestQueue q(b, 4);
  ASSERT_EQ(q.enable(), 0);
  q.push(entry(HMX_OP_NULL));
  const uint64_t list = b.put(entry(HMX_OP_SUBMIT));
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 1, 0), 1);
  EXPECT_EQ(b.at<hmx_call_block_t>(list)->result, E(HMX_EINVAL));
  EXPECT_EQ(q.consumer(), 0u);
}

// covers: HMX-ASYNC-012
TEST_F(SubmitQueueTest, AProducerFarBeyondTheConsumerRunsNothing) {
  TestQueue q(b, 8);
  ASSERT_EQ(q.enable(), 0);
  for (uint32_t i = 0; i < 8; ++i) std::memcpy(q.at(i), &(const hmx_call_block_t&)entry(HMX_OP_NULL), 48);
  for (uint32_t producer : {9u, 0x80000000u, 0xFFFFFFFFu}) {
    q.set_producer(producer);
    EXPECT_EQ(q.submit(), E(HMX_EINVAL)) << producer;
    EXPECT_EQ(q.consumer(), 0u);
    for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(q.result(i), kSentinel);
  }
  q.set_producer(8);  // exactly full is fine
  EXPECT_EQ(q.submit(), 8);
}

// covers: HMX-ASYNC-007
TEST_F(SubmitQueueTest, TheConsumerFieldIsReadOnceAtRegistration) {
  TestQueue q(b, 4);
  q.header()->consumer = 0xFFFFFFFE;  // start near the wrap of the 32-bit indices
  q.header()->producer = 0xFFFFFFFE;
  ASSERT_EQ(q.enable(), 0);
  for (int round = 0; round < 3; ++round) {
    q.push(send_entry("x"));
    q.push(send_entry("y"));
    q.push(send_entry("z"));
    EXPECT_EQ(q.submit(), 3);
    EXPECT_EQ(q.consumer(), q.producer());
    // A guest rewinding the consumer field cannot make the entries run again.
    q.header()->consumer -= 3;
    EXPECT_EQ(q.submit(), 0);
  }
  int received = 0;
  while (a.receive(ring)) ++received;
  EXPECT_EQ(received, 9);
}

// covers: HMX-ASYNC-021 HMX-ASYNC-023
TEST_F(SubmitQueueTest, ADrainRunsAtMostSubmitDrainEntries) {
  TestQueue q(b, HMX_SUBMIT_MAX_ENTRIES);
  ASSERT_EQ(q.enable(), 0);
  const uint32_t total = HMX_SUBMIT_DRAIN_ENTRIES * 2 + 7;
  for (uint32_t i = 0; i < total; ++i) q.push(entry(HMX_OP_NULL));
  EXPECT_EQ(q.submit(), static_cast<int64_t>(HMX_SUBMIT_DRAIN_ENTRIES));
  EXPECT_EQ(q.consumer(), HMX_SUBMIT_DRAIN_ENTRIES);
  EXPECT_EQ(q.result(HMX_SUBMIT_DRAIN_ENTRIES - 1), 0);
  EXPECT_EQ(q.result(HMX_SUBMIT_DRAIN_ENTRIES), kSentinel);
  EXPECT_EQ(q.submit(), static_cast<int64_t>(HMX_SUBMIT_DRAIN_ENTRIES));
  EXPECT_EQ(q.submit(), 7);
  EXPECT_EQ(q.consumer(), total);
}

// covers: HMX-ASYNC-022 HMX-ASYNC-023
TEST(SubmitQueueBudget, TheByteBudgetStopsADrainAndTheRestStaysQueued) {
  TestPolicy policy;
  Core core{policy};
  core.offer_submit_queue(true);
  Guest a{core, 1, "alpha", 24 << 20};
  Guest b{core, 2, "beta", 24 << 20};
  GuestRing ring;
  ASSERT_EQ(a.register_ring(ring, 1, b.id, 3 * HMX_CALL_BYTE_BUDGET), 0);
  const uint32_t chunk = HMX_CALL_BYTE_BUDGET / 4;  // four fit the budget exactly, a fifth does not
  const uint64_t buf = b.alloc(chunk, 4096);
  const hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  const hmx_iov_t iov{buf, chunk, 0};
  const hmx_call_block_t send = entry(HMX_OP_SENDV, b.put(addr), b.put(iov), 1, 0);
  TestQueue q(b, 8);
  ASSERT_EQ(q.enable(), 0);
  for (int i = 0; i < 6; ++i) q.push(send);
  EXPECT_EQ(q.submit(), 4);
  EXPECT_EQ(q.consumer(), 4u);
  EXPECT_EQ(q.result(3), chunk);
  EXPECT_EQ(q.result(4), kSentinel);  // stopped before: not written, still queued
  EXPECT_EQ(core.stats().budget_stops, 1u);
  EXPECT_LE(core.stats().max_call_bytes, uint64_t{HMX_CALL_BYTE_BUDGET});
  EXPECT_EQ(q.submit(), 2);
  EXPECT_EQ(q.result(5), chunk);
}

// covers: HMX-ASYNC-008
TEST_F(SubmitQueueTest, ForgettingOrReplacingTheQueueRunsNoneOfItsEntries) {
  TestQueue q(b, 4);
  ASSERT_EQ(q.enable(), 0);
  q.push(send_entry("done"));
  EXPECT_EQ(q.submit(), 1);
  q.push(send_entry("never"));
  ASSERT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 0, 0), 0);
  EXPECT_EQ(b.call(HMX_OP_SUBMIT), E(HMX_ENOENT));
  EXPECT_EQ(q.result(0), 4);  // results already written stay
  EXPECT_EQ(q.result(1), kSentinel);

  TestQueue fresh(b, 4);
  ASSERT_EQ(q.enable(), 0);  // the old queue again: its consumer field is 1, producer 2
  ASSERT_EQ(fresh.enable(), 0);  // replaced before it drained
  fresh.push(send_entry("fresh"));
  EXPECT_EQ(fresh.submit(), 1);
  EXPECT_EQ(q.result(1), kSentinel);
  EXPECT_EQ(to_string(a.receive(ring)->payload), "done");
  EXPECT_EQ(to_string(a.receive(ring)->payload), "fresh");
  EXPECT_FALSE(a.receive(ring));
}

// covers: HMX-ASYNC-009
TEST_F(SubmitQueueTest, DestroyingTheDomainForgetsItsQueue) {
  ArenaGuestMemory mem(1 << 20);
  RecordingNotifier notifier;
  ASSERT_EQ(core.create_domain(9, "gamma", mem, 1, notifier), 0);
  const uint64_t queue = 0x4000, block = 0x2000;
  const auto run = [&](const hmx_call_block_t& b) {
    std::memcpy(mem.host(block), &b, sizeof(b));
    return core.call(9, 0, block);
  };
  ASSERT_EQ(run(entry(HMX_OP_SET_SUBMIT_QUEUE, queue, 4, 0)), 0);
  hmx_call_block_t null_entry = entry(HMX_OP_NULL);
  std::memcpy(mem.host(queue + HMX_SUBMIT_HEADER_SIZE), &null_entry, sizeof(null_entry));
  reinterpret_cast<hmx_submit_queue_header_t*>(mem.host(queue))->producer = 1;
  ASSERT_EQ(core.destroy_domain(9), 0);
  ASSERT_EQ(core.create_domain(9, "gamma", mem, 1, notifier), 0);
  EXPECT_EQ(run(entry(HMX_OP_SUBMIT)), E(HMX_ENOENT));
  EXPECT_EQ(reinterpret_cast<hmx_call_block_t*>(mem.host(queue + HMX_SUBMIT_HEADER_SIZE))->result, kSentinel);
  EXPECT_EQ(core.destroy_domain(9), 0);
}

// covers: HMX-ASYNC-026
TEST_F(SubmitQueueTest, SubmitFlagInterruptInjectsTheVectorOfTheDrainingVcpu) {
  ASSERT_EQ(b.call(HMX_OP_SET_VECTOR, 1, 0x51), 0);
  TestQueue q(b, 4);
  ASSERT_EQ(q.enable(HMX_SUBMIT_FLAG_INTERRUPT), 0);
  b.notifier.clear();
  EXPECT_EQ(q.submit(1), 0);
  EXPECT_EQ(b.notifier.count(), 0u);  // nothing ran: no completion
  q.push(entry(HMX_OP_NULL));
  q.push(entry(HMX_OP_NULL));
  EXPECT_EQ(q.submit(1), 2);
  ASSERT_EQ(b.notifier.count(), 1u);
  EXPECT_EQ(b.notifier.log()[0].vcpu, 1u);
  EXPECT_EQ(b.notifier.log()[0].vector, 0x51);
}

// Sends to one receiver vCPU from 16 entries raise its vector once, after the drain.
TEST_F(SubmitQueueTest, InterruptsOfTheEntriesAreMergedPerVcpu) {
  ASSERT_EQ(a.call(HMX_OP_SET_VECTOR, 0, 0x60), 0);
  TestQueue q(b, 16);
  ASSERT_EQ(q.enable(), 0);
  a.notifier.clear();
  for (int i = 0; i < 16; ++i) q.push(send_entry("m"));
  EXPECT_EQ(q.submit(), 16);
  EXPECT_EQ(a.notifier.count(), 1u);
}

// covers: HMX-ASYNC-014 HMX-ASYNC-015 HMX-ASYNC-028
TEST_F(SubmitQueueTest, ConcurrentSubmitsRunEachPublishedEntryOnce) {
  TestQueue q(b, 64);
  ASSERT_EQ(q.enable(), 0);
  constexpr uint32_t kTotal = 3000;
  std::atomic<bool> done{false};
  std::atomic<int64_t> ran{0};
  const auto drainer = [&](uint32_t vcpu) {
    const uint64_t block = b.alloc(sizeof(hmx_call_block_t), 64);
    while (!done.load()) {
      hmx_call_block_t s = entry(HMX_OP_SUBMIT);
      std::memcpy(b.host(block), &s, sizeof(s));
      const int64_t r = core.call(b.id, vcpu, block);
      ASSERT_GE(r, 0);
      ran += r;
    }
  };
  std::thread t0(drainer, 0), t1(drainer, 1);
  const hmx_call_block_t message = send_entry("p");
  for (uint32_t i = 0; i < kTotal; ++i) {
    while (q.producer() - q.consumer() == q.entries) std::this_thread::yield();
    q.push(message);
    if (i % 97 == 0) {
      while (a.receive(ring)) {}
    }
  }
  while (q.consumer() != kTotal) std::this_thread::yield();
  done = true;
  t0.join();
  t1.join();
  EXPECT_EQ(ran.load(), kTotal);
  EXPECT_EQ(core.stats().messages, kTotal);
}

// A guest rewriting published entries while they drain: what runs is what the hypervisor read,
// each entry runs once and gets one result, and nothing outside the queue's result fields and
// consumer changes.
// covers: HMX-ASYNC-015 HMX-ASYNC-019
TEST_F(SubmitQueueTest, EntriesRewrittenDuringTheDrainRunOnceAsRead) {
  TestQueue q(b, 256);
  ASSERT_EQ(q.enable(), 0);
  const hmx_call_block_t good = send_entry("ok");
  hmx_call_block_t bad = good;
  bad.arg[1] = uint64_t{1} << 50;  // iovs outside RAM: EFAULT
  for (uint32_t i = 0; i < 256; ++i) q.push(good);
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    uint32_t i = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      // Only the argument words: the result field belongs to the hypervisor once published.
      std::atomic_ref<uint64_t>(q.at(i)->arg[1]).store((i & 1) ? bad.arg[1] : good.arg[1], std::memory_order_relaxed);
      ++i;
    }
  });
  EXPECT_EQ(q.submit(), 256);
  stop = true;
  flipper.join();
  int64_t sent = 0;
  for (uint32_t i = 0; i < 256; ++i) {
    const int64_t r = q.result(i);
    EXPECT_TRUE(r == 2 || r == E(HMX_EFAULT)) << i << ": " << r;
    if (r == 2) ++sent;
  }
  int64_t received = 0;
  while (a.receive(ring)) ++received;
  EXPECT_EQ(received, sent);
  EXPECT_EQ(q.consumer(), 256u);
}

}  // namespace
}  // namespace hmx::ref::test
