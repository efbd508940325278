// SPDX-License-Identifier: Apache-2.0
// The sqpoll worker (submit_poller.h) over a reference core, no VM: asleep until a submit call
// rings its doorbell, then it drains what the guest publishes without submit calls, sleeps with
// SUBMIT_QUEUE_NEED_WAKEUP set after its idle time, and stops promptly (spec submit-queue-polling).
#include "hmx/kvm/submit_poller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <hmx/abi/hmx.h>
#include <hmx/reference/guest_memory.h>
#include <hmx/reference/notifier.h>
#include <hmx/reference/policy.h>

namespace hmx::kvm {
namespace {

constexpr uint64_t kQueue = 0x1000, kBlock = 0x3000;
constexpr uint32_t kEntries = 16;

// A notifier whose doorbell wakes the worker, as core_notifier does.
struct doorbell final : ref::Notifier {
  void raise(ref::DomainId, uint32_t, uint8_t) override {}
  void submit_called(ref::DomainId) override {
    if (submit_poller* p = poller.load()) p->wake();
  }
  std::atomic<submit_poller*> poller{nullptr};
};

struct SubmitPollerTest : ::testing::Test {
  SubmitPollerTest() : core(policy), mem(64 * 1024) {}
  void SetUp() override {
    core.offer_submit_queue(true);
    ASSERT_EQ(core.create_domain(1, "alpha", mem, 1, bell), 0);
    ASSERT_EQ(call(HMX_OP_SET_SUBMIT_QUEUE, kQueue, kEntries), 0);
  }
  void TearDown() override { core.destroy_domain(1); }
  int64_t call(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0) {
    hmx_call_block_t b{};
    b.op = op;
    b.arg[0] = a1;
    b.arg[1] = a2;
    std::memcpy(mem.host(kBlock), &b, sizeof b);
    return core.call(1, 0, kBlock);
  }
  hmx_submit_queue_header_t* header() { return reinterpret_cast<hmx_submit_queue_header_t*>(mem.host(kQueue)); }
  uint32_t flags() { return __atomic_load_n(&header()->flags, __ATOMIC_SEQ_CST); }
  uint32_t consumer() { return __atomic_load_n(&header()->consumer, __ATOMIC_ACQUIRE); }
  // Publish one null entry as libhmx does; true when NEED_WAKEUP asks for a submit.
  bool publish() {
    const uint32_t p = header()->producer;
    auto* slot = reinterpret_cast<hmx_call_block_t*>(mem.host(kQueue + HMX_SUBMIT_HEADER_SIZE) +
                                                     (p % kEntries) * sizeof(hmx_call_block_t));
    *slot = hmx_call_block_t{};
    slot->op = HMX_OP_NULL;
    __atomic_store_n(&header()->producer, p + 1, __ATOMIC_SEQ_CST);
    return (__atomic_load_n(&header()->flags, __ATOMIC_SEQ_CST) & HMX_SUBMIT_QUEUE_NEED_WAKEUP) != 0;
  }
  template <class F>
  bool eventually(F cond) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cond())
      if (std::chrono::steady_clock::now() > end) return false;
      else std::this_thread::sleep_for(std::chrono::microseconds(50));
    return true;
  }

  ref::Policy policy;
  ref::Core core;
  ref::ArenaGuestMemory mem;
  doorbell bell;
};

TEST_F(SubmitPollerTest, SleepsUntilASubmitThenDrainsWithoutExitsAndSleepsAgain) {
  submit_poller worker(core, 1, std::chrono::microseconds(20000));
  bell.poller = &worker;
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);  // asleep from the start
  ASSERT_TRUE(publish());
  EXPECT_EQ(call(HMX_OP_SUBMIT), 1);  // drained in the exit, and the doorbell rang
  ASSERT_TRUE(eventually([&] { return flags() == 0; })) << "the worker never started polling";
  EXPECT_EQ(worker.wakeups(), 1u);
  const uint64_t submits = core.stats().submits;
  for (int i = 0; i < 10; ++i) {
    if (publish()) (void)call(HMX_OP_SUBMIT);  // raced with the worker's sleep: the protocol's way
    EXPECT_TRUE(eventually([&] { return consumer() == uint32_t(i + 2); }));
  }
  EXPECT_LE(core.stats().submits - submits, 2u);
  ASSERT_TRUE(eventually([&] { return flags() == HMX_SUBMIT_QUEUE_NEED_WAKEUP; })) << "the worker never slept";
  EXPECT_GE(worker.sleeps(), 1u);
  EXPECT_GE(worker.entries(), 8u);
  bell.poller = nullptr;
  worker.stop();
  worker.stop();  // idempotent
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);
}

TEST_F(SubmitPollerTest, StopEndsAPollingWorkerAndLeavesNeedWakeupSet) {
  auto worker = std::make_unique<submit_poller>(core, 1, std::chrono::microseconds(1000000));
  bell.poller = worker.get();
  ASSERT_TRUE(publish());
  EXPECT_EQ(call(HMX_OP_SUBMIT), 1);
  ASSERT_TRUE(eventually([&] { return flags() == 0; }));
  bell.poller = nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  worker.reset();  // polling with a one-second idle time: stop does not wait for it
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  EXPECT_EQ(flags(), HMX_SUBMIT_QUEUE_NEED_WAKEUP);
}

TEST_F(SubmitPollerTest, AWorkerOfADomainThatIsGoneSleepsAndStops) {
  submit_poller worker(core, 7, std::chrono::microseconds(100));  // no domain 7
  worker.wake();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.stop();
  EXPECT_EQ(worker.entries(), 0u);
}

}  // namespace
}  // namespace hmx::kvm
