// SPDX-License-Identifier: Apache-2.0
// A host worker that polls a submission queue (spec submit-queue-polling): the header's
// SUBMIT_QUEUE_NEED_WAKEUP as registration and the worker write it, the worker's drains (the rules
// of a drain, no vector, EVENT_SUBMIT_DONE), the doorbell of submit calls, and a racing guest
// publisher against a worker that keeps going to sleep (every entry runs once, none is stranded).
#include <atomic>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr uint32_t kEntries = 64;

class SubmitPollTest : public CoreTest {
 protected:
  void SetUp() override {
    core.offer_submit_queue(true);
    ASSERT_EQ(a.register_ring(ring, 1, b.id, 256 * 1024), 0);
    gpa = b.alloc(HMX_SUBMIT_HEADER_SIZE + kEntries * sizeof(hmx_call_block_t), HMX_SUBMIT_QUEUE_ALIGN);
  }
  hmx_submit_queue_header_t* header() { return b.at<hmx_submit_queue_header_t>(gpa); }
  std::atomic_ref<uint32_t> word(uint32_t& w) { return std::atomic_ref<uint32_t>(w); }
  uint32_t flags() { return word(header()->flags).load(std::memory_order_seq_cst); }
  uint32_t consumer() { return word(header()->consumer).load(std::memory_order_acquire); }
  hmx_call_block_t* slot(uint32_t i) {
    return b.at<hmx_call_block_t>(gpa + HMX_SUBMIT_HEADER_SIZE + (i % kEntries) * sizeof(hmx_call_block_t));
  }
  int64_t enable(uint32_t flags = 0) { return b.call(HMX_OP_SET_SUBMIT_QUEUE, gpa, kEntries, flags); }
  // The guest library's publication (HMX-ASYNC-042): the entry, producer seq_cst, then flags
  // seq_cst. Returns whether it must call submit (HMX-ASYNC-043).
  bool publish(const hmx_call_block_t& e) {
    const uint32_t p = word(header()->producer).load(std::memory_order_relaxed);
    std::memcpy(slot(p), &e, sizeof(e));
    word(header()->producer).store(p + 1, std::memory_order_seq_cst);
    return (word(header()->flags).load(std::memory_order_seq_cst) & HMX_SUBMIT_QUEUE_NEED_WAKEUP) != 0;
  }
  hmx_call_block_t send_entry() {
    const hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
    const hmx_iov_t iov{b.put_string("0123456789abcdef"), 16, 0};
    hmx_call_block_t e{};
    e.op = HMX_OP_SENDV;
    e.arg[0] = b.put(addr);
    e.arg[1] = b.put(iov);
    e.arg[2] = 1;
    return e;
  }
  GuestRing ring;
  uint64_t gpa = 0;
};

// covers: HMX-ASYNC-037
TEST_F(SubmitPollTest, RegistrationSetsNeedWakeupUnlessAWorkerPolls) {
  word(header()->flags).store(0);  // whatever the guest wrote there
  ASSERT_EQ(enable(), 0);
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);
  ASSERT_EQ(core.submit_poll_begin(b.id), 0);
  EXPECT_EQ(flags(), 0u);
  ASSERT_EQ(enable(), 0);  // a new registration while the worker polls
  EXPECT_EQ(flags(), 0u);
  EXPECT_EQ(core.submit_poll_end(b.id), 0);
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);
  ASSERT_EQ(enable(), 0);
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);
  // Begin before any queue exists: the queue registered later is polled.
  EXPECT_EQ(b.call(HMX_OP_SET_SUBMIT_QUEUE, 0, 0, 0), 0);
  ASSERT_EQ(core.submit_poll_begin(b.id), 0);
  EXPECT_EQ(core.submit_poll(b.id), E(HMX_ENOENT));
  ASSERT_EQ(enable(), 0);
  EXPECT_EQ(flags(), 0u);
}

// covers: HMX-ASYNC-040 HMX-ASYNC-041
TEST_F(SubmitPollTest, AWorkerDrainSetsSubmitDoneAndInjectsNoVector) {
  b.enable_event_page();
  ASSERT_EQ(b.call(HMX_OP_SET_VECTOR, 0, 0x51), 0);
  ASSERT_EQ(enable(HMX_SUBMIT_FLAG_INTERRUPT), 0);
  ASSERT_EQ(core.submit_poll_begin(b.id), 0);
  b.notifier.clear();
  EXPECT_FALSE(publish(send_entry()));  // NEED_WAKEUP clear: no submit needed
  EXPECT_FALSE(publish(send_entry()));
  EXPECT_EQ(core.submit_poll(b.id), 2);
  EXPECT_EQ(consumer(), 2u);
  EXPECT_EQ(slot(0)->result, 16);
  EXPECT_EQ(slot(1)->result, 16);
  EXPECT_NE(b.event_status() & HMX_EVENT_SUBMIT_DONE, 0u);
  EXPECT_EQ(b.notifier.count(), 0u);  // SUBMIT_FLAG_INTERRUPT, but no vCPU asked
  EXPECT_EQ(core.submit_poll(b.id), 0);
  EXPECT_EQ(b.notifier.doorbells(), 0u);
  ASSERT_TRUE(a.receive(ring).has_value());
}

// covers: HMX-ASYNC-038
TEST_F(SubmitPollTest, EndDrainsWhatRacedInAndSubmitRingsTheDoorbell) {
  ASSERT_EQ(enable(), 0);
  ASSERT_EQ(core.submit_poll_begin(b.id), 0);
  hmx_call_block_t null_entry{};
  null_entry.op = HMX_OP_NULL;
  EXPECT_FALSE(publish(null_entry));  // published before the worker set the flag
  EXPECT_EQ(core.submit_poll_end(b.id), 1);  // the re-read finds it
  EXPECT_EQ(consumer(), 1u);
  EXPECT_EQ(core.submit_poll_end(b.id), 0);
  // Sleeping: the guest sees NEED_WAKEUP and calls submit, which rings the worker's doorbell.
  EXPECT_TRUE(publish(null_entry));
  EXPECT_EQ(b.call(HMX_OP_SUBMIT), 1);
  EXPECT_EQ(b.notifier.doorbells(), 1u);
  // A malformed producer: the worker's drain answers EINVAL and runs nothing (HMX-ASYNC-012).
  word(header()->producer).store(consumer() + kEntries + 1);
  EXPECT_EQ(core.submit_poll(b.id), E(HMX_EINVAL));
  EXPECT_EQ(core.submit_poll_end(b.id), E(HMX_EINVAL));
  EXPECT_EQ(core.submit_poll_begin(77), E(HMX_ESRCH));
  EXPECT_EQ(core.submit_poll(77), E(HMX_ESRCH));
}

// A worker that polls, goes to sleep after a few idle rounds and is woken by the doorbell, against
// a guest that publishes with the NEED_WAKEUP protocol: every entry runs exactly once, and none is
// stranded (the guest never waits on a queue nobody will drain). Atomics only: TSan-clean.
// covers: HMX-ASYNC-039 HMX-ASYNC-042 HMX-ASYNC-043
TEST_F(SubmitPollTest, ARacingWorkerAndPublisherStrandNoEntry) {
  ASSERT_EQ(enable(), 0);
  constexpr uint32_t kTotal = 20000;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> worker_ran{0};
  std::atomic<uint64_t> sleeps{0};
  std::thread worker([&] {
    while (!stop.load()) {
      ASSERT_EQ(core.submit_poll_begin(b.id), 0);
      for (int idle = 0; idle < 50 && !stop.load();) {
        const int64_t r = core.submit_poll(b.id);
        ASSERT_GE(r, 0);
        worker_ran += r;
        idle = r > 0 ? 0 : idle + 1;
        if (r == 0) std::this_thread::yield();
      }
      const int64_t r = core.submit_poll_end(b.id);
      ASSERT_GE(r, 0);
      worker_ran += r;
      if (r > 0) continue;  // entries raced in: poll on
      sleeps.fetch_add(1);
      // Asleep until the doorbell (the notifier's counter) moves.
      const size_t bell = b.notifier.doorbells();
      while (!stop.load() && b.notifier.doorbells() == bell) std::this_thread::yield();
    }
  });
  int64_t submitted = 0;
  uint64_t submits = 0;
  hmx_call_block_t null_entry{};
  null_entry.op = HMX_OP_NULL;
  for (uint32_t i = 0; i < kTotal; ++i) {
    while (word(header()->producer).load() - consumer() == kEntries) std::this_thread::yield();
    if (publish(null_entry)) {
      const int64_t r = b.call(HMX_OP_SUBMIT);
      ASSERT_GE(r, 0);
      submitted += r;
      ++submits;
    }
    if (i % 1000 == 999) std::this_thread::sleep_for(std::chrono::microseconds(200));  // let it sleep
  }
  // Bounded: the last entry ran by a submit or by the worker, without another call.
  for (int spin = 0; consumer() != kTotal && spin < 5'000'000; ++spin) std::this_thread::yield();
  EXPECT_EQ(consumer(), kTotal);
  stop = true;
  worker.join();
  EXPECT_EQ(worker_ran.load() + submitted, int64_t{kTotal});
  EXPECT_EQ(core.stats().submit_entries, kTotal);
  // How many entries the worker took depends on the scheduler: on a loaded 2-CPU host the worker
  // may not run at all while the publisher does, and then every publish sees NEED_WAKEUP set and
  // submits (20000 of 20000 in one clean-clone run). That is the protocol working, not a failure:
  // the count is recorded, and libhmx.loopback.SubmitQueueWriter.KickSubmitsOnlyWhenTheHypervisorNeedsAWakeup
  // checks deterministically that no submit is made while the flag is clear.
  RecordProperty("submits", std::to_string(submits));
  RecordProperty("sleeps", std::to_string(sleeps.load()));
}

}  // namespace
}  // namespace hmx::ref::test
