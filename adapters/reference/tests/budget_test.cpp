// SPDX-License-Identifier: Apache-2.0
// The per-call byte budget (spec batching-budget): a batch stops before the entry that would take
// the payload bytes of its call past HMX_CALL_BYTE_BUDGET, the first entry always runs, and the
// entries it stops before read -EAGAIN. Issue 14 finding 3: one exit of 64 sendv of nearly 16 MiB
// each (about 1 GiB) held the domain table's shared lock for about 240 ms, so a waiting
// destroy_domain (a writer) and behind it every other domain's calls stalled that long.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

using Clock = std::chrono::steady_clock;

// A batch of sendv entries from `g`, entry i sending sizes[i] bytes of `buf` to (dst, aport[i]).
struct Batch {
  Batch(Guest& g, DomainId dst, const std::vector<uint32_t>& aports, const std::vector<uint64_t>& sizes,
        uint64_t buf)
      : g(g), n(static_cast<uint32_t>(sizes.size())) {
    list = g.alloc(n * sizeof(hmx_call_block_t), 64);
    block = g.alloc(sizeof(hmx_call_block_t), 64);
    for (uint32_t i = 0; i < n; ++i) {
      const hmx_iov_t iov{buf, static_cast<uint32_t>(sizes[i]), 0};
      const hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {aports[i % aports.size()], dst, 0}};
      hmx_call_block_t e{};
      e.op = HMX_OP_SENDV;
      e.arg[0] = g.put(addr);
      e.arg[1] = g.put(iov);
      e.arg[2] = 1;
      entries.push_back(e);
    }
  }
  // Runs it with every result field preset to a marker; returns the batch's result.
  int64_t run(uint32_t flags = 0) {
    for (uint32_t i = 0; i < n; ++i) {
      hmx_call_block_t e = entries[i];
      e.result = 0x5A5A;
      std::memcpy(g.host(list + i * sizeof(e)), &e, sizeof(e));
    }
    hmx_call_block_t b{};
    b.op = HMX_OP_BATCH;
    b.arg[0] = list;
    b.arg[1] = n;
    b.arg[2] = flags;
    std::memcpy(g.host(block), &b, sizeof(b));
    return g.core.call(g.id, 0, block);
  }
  int64_t result(uint32_t i) { return g.at<hmx_call_block_t>(list + i * sizeof(hmx_call_block_t))->result; }

  Guest& g;
  uint32_t n;
  uint64_t list = 0, block = 0;
  std::vector<hmx_call_block_t> entries;
};

struct BatchBudget : ::testing::Test {
  TestPolicy policy;
  Core core{policy};
  Guest a{core, 1, "alpha", 48 << 20};
  Guest b{core, 2, "beta", 48 << 20};
  uint64_t buf = a.alloc(HMX_CALL_BYTE_BUDGET + (1 << 20), 4096);
  GuestRing ring;
  void SetUp() override { ASSERT_EQ(b.register_ring(ring, 7, a.id, 3 * HMX_CALL_BYTE_BUDGET), 0); }
  size_t messages() {
    size_t n = 0;
    while (b.receive(ring)) ++n;
    return n;
  }
};

// covers: HMX-BATCH-007 HMX-BATCH-009
TEST_F(BatchBudget, StopsBeforeTheEntryThatWouldPassTheBudget) {
  const uint64_t third = HMX_CALL_BYTE_BUDGET * 3 / 8;  // two fit in the budget, a third does not
  Batch batch(a, b.id, {7}, {third, third, third, 16}, buf);
  EXPECT_EQ(batch.run(), 2);
  EXPECT_EQ(batch.result(0), static_cast<int64_t>(third));
  EXPECT_EQ(batch.result(1), static_cast<int64_t>(third));
  EXPECT_EQ(batch.result(2), E(HMX_EAGAIN));
  EXPECT_EQ(batch.result(3), E(HMX_EAGAIN));  // it would fit, but nothing runs after the stop
  EXPECT_EQ(messages(), 2u);
  EXPECT_EQ(core.stats().budget_stops, 1u);
  EXPECT_EQ(core.stats().max_call_bytes, 2 * third);
  // The stop is not an entry's failure: STOP_ON_ERROR changes nothing.
  EXPECT_EQ(batch.run(HMX_BATCH_FLAG_STOP_ON_ERROR), 2);
  EXPECT_EQ(batch.result(3), E(HMX_EAGAIN));
  EXPECT_EQ(messages(), 2u);
}

// covers: HMX-BATCH-007
TEST_F(BatchBudget, ExactlyTheBudgetRuns) {
  const uint64_t half = HMX_CALL_BYTE_BUDGET / 2;
  Batch batch(a, b.id, {7}, {half, half, 0}, buf);
  EXPECT_EQ(batch.run(), 3);  // the sum reaches the budget without passing it; 0 bytes add nothing
  EXPECT_EQ(batch.result(2), 0);
  EXPECT_EQ(core.stats().budget_stops, 0u);
}

// covers: HMX-BATCH-008 HMX-BATCH-009
TEST_F(BatchBudget, TheFirstEntryAlwaysRuns) {
  const uint64_t big = HMX_CALL_BYTE_BUDGET + 4096;
  Batch batch(a, b.id, {7}, {big, 16}, buf);
  EXPECT_EQ(batch.run(), 1);
  EXPECT_EQ(batch.result(0), static_cast<int64_t>(big));
  EXPECT_EQ(batch.result(1), E(HMX_EAGAIN));
  EXPECT_EQ(messages(), 1u);
}

// covers: HMX-BATCH-007
TEST_F(BatchBudget, FailedEntriesAndOtherOperationsAddNothing) {
  // The first entry names a port with no ring: it fails and copies nothing, so the next two
  // (half the budget each) still fit; a null entry in between adds nothing either.
  const uint64_t half = HMX_CALL_BYTE_BUDGET / 2;
  Batch batch(a, b.id, {99, 7, 7, 7, 7}, {half, half, 0, half, 1}, buf);
  batch.entries[2] = hmx_call_block_t{};
  batch.entries[2].op = HMX_OP_NULL;
  EXPECT_EQ(batch.run(), 4);
  EXPECT_EQ(batch.result(0), E(HMX_ECONNREFUSED));
  EXPECT_EQ(batch.result(2), 0);
  EXPECT_EQ(batch.result(3), static_cast<int64_t>(half));
  EXPECT_EQ(batch.result(4), E(HMX_EAGAIN));
  EXPECT_EQ(messages(), 2u);
}

// The budget is judged on the same copy of the iov array the send uses: a guest cannot pass a
// small length to the check and a large one to the copy (there is only one read).
// covers: HMX-BATCH-007
TEST_F(BatchBudget, ASingleCallIsNeverStopped) {
  const uint64_t big = HMX_CALL_BYTE_BUDGET * 2;
  const std::vector<std::byte> message = pattern(big);
  EXPECT_EQ(a.send_bytes(b.id, 7, message), static_cast<int64_t>(big));
  EXPECT_EQ(core.stats().budget_stops, 0u);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
// The portable build's locks spin (a bare-metal monitor gives each vCPU a core of its own): with
// four threads on this machine's two cores, spinning waiters take the lock holder's CPU, so there
// the latency is reported and only the work bound judged.
#if HMX_REFERENCE_PORTABLE
constexpr bool kSpinLocks = true;
#else
constexpr bool kSpinLocks = false;
#endif

// Issue 14 finding 3, replayed: a hostile domain runs batches of 64 sendv of the largest message
// into eight rings of the largest size (its own, a second thread emptying them all the time),
// while another thread tears a domain down and builds it again (the writer that makes shared
// holders matter) and an unrelated domain makes null calls. The work of one exit is bounded by
// the budget: no call copies more than max(CALL_BYTE_BUDGET, the largest message), so neither the
// null call nor the teardown waits for more than one such copy.
// covers: HMX-BATCH-007 HMX-BATCH-008
TEST(BatchBudgetHostile, AMaximalBatchCannotStallAnotherDomain) {
  TestPolicy policy;
  Core core{policy};
  constexpr uint32_t kRings = 8;
  constexpr uint64_t kMessage = HMX_MAX_RING_LEN - 32;  // the largest one a ring takes, when empty
  Guest h(core, 1, "hostile", (kRings + 2) * uint64_t{HMX_MAX_RING_SIZE}, 2);
  Guest v(core, 2, "victim", 1 << 20, 1);
  GuestRing rings[kRings];
  std::vector<uint32_t> aports;
  for (uint32_t i = 0; i < kRings; ++i) {
    ASSERT_EQ(h.register_ring(rings[i], 100 + i, h.id, HMX_MAX_RING_LEN), 0);
    aports.push_back(100 + i);
  }
  const uint64_t buf = h.alloc(kMessage, 4096);
  Batch batch(h, h.id, aports, std::vector<uint64_t>(HMX_MAX_BATCH_ENTRIES, kMessage), buf);

  std::atomic<bool> stop{false};
  // The hostile domain's second vCPU: every ring is always empty again.
  std::thread drainer([&] {
    while (!stop.load()) {
      for (auto& r : rings) h.set_rx(r, h.tx(r));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  // Teardown of an unrelated domain, again and again: a writer on the domain table.
  Clock::duration worst_teardown{};
  uint64_t teardowns = 0;
  ArenaGuestMemory spare_mem(1 << 16);
  NullNotifier spare_notifier;
  std::thread teardown([&] {
    while (!stop.load()) {
      ASSERT_EQ(core.create_domain(9, "spare", spare_mem, 1, spare_notifier), 0);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      const auto t0 = Clock::now();
      ASSERT_EQ(core.destroy_domain(9), 0);
      worst_teardown = std::max(worst_teardown, Clock::now() - t0);
      ++teardowns;
    }
  });
  // The victim's null calls, one every 100 us (a vCPU doing its own work in between; a thread
  // that sleeps is not the one a loaded scheduler keeps waiting, so what is measured is the core).
  Clock::duration worst_null{};
  uint64_t nulls = 0;
  const uint64_t null_block = v.alloc(sizeof(hmx_call_block_t), 64);
  std::thread victim([&] {
    hmx_call_block_t b{};
    b.op = HMX_OP_NULL;
    while (!stop.load()) {
      std::memcpy(v.host(null_block), &b, sizeof(b));
      const auto t0 = Clock::now();
      ASSERT_EQ(core.call(v.id, 0, null_block), 0);
      worst_null = std::max(worst_null, Clock::now() - t0);
      ++nulls;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });

  // The hostile vCPU: batches until 24 of them copied their first message, or 3 s.
  const auto t_end = Clock::now() + std::chrono::seconds(3);
  int copied_batches = 0, batches = 0;
  Clock::duration worst_exit{};
  while (copied_batches < 24 && Clock::now() < t_end) {
    const auto t0 = Clock::now();
    const int64_t ran = batch.run();
    worst_exit = std::max(worst_exit, Clock::now() - t0);
    ++batches;
    ASSERT_GE(ran, 1);
    if (batch.result(0) != static_cast<int64_t>(kMessage)) continue;  // its ring was not empty yet
    ++copied_batches;
    // The budget stopped it right after the first entry: nothing else ran in this exit.
    EXPECT_EQ(ran, 1);
    for (uint32_t i = 1; i < batch.n; ++i) EXPECT_EQ(batch.result(i), E(HMX_EAGAIN)) << "entry " << i;
  }
  stop = true;
  drainer.join();
  teardown.join();
  victim.join();

  // What copying the bound's bytes costs on this machine right now (the fastest of three plain
  // copies of one largest message): the unit the latencies are judged in.
  std::vector<std::byte> from(kMessage, std::byte{1}), to(kMessage);
  Clock::duration copy = Clock::duration::max();
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    std::memcpy(to.data(), from.data(), kMessage);
    copy = std::min(copy, Clock::now() - t0);
  }
  const CoreStats st = core.stats();
  const uint64_t bound = std::max<uint64_t>(HMX_CALL_BYTE_BUDGET, HMX_MAX_MESSAGE_SIZE);
  const auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("budget: %d hostile batches (%d copied a %llu-byte message), most bytes one call copied %llu "
              "(bound %llu, 64 entries would be %llu), slowest exit %.2f ms; victim: %llu null calls, worst %.2f ms; "
              "%llu teardowns, worst %.2f ms; one %llu-byte memcpy %.2f ms%s\n",
              batches, copied_batches, static_cast<unsigned long long>(kMessage),
              static_cast<unsigned long long>(st.max_call_bytes), static_cast<unsigned long long>(bound),
              static_cast<unsigned long long>(64 * kMessage), ms(worst_exit), static_cast<unsigned long long>(nulls),
              ms(worst_null), static_cast<unsigned long long>(teardowns), ms(worst_teardown),
              static_cast<unsigned long long>(kMessage), ms(copy), kSanitized ? " (sanitizer build: latency not judged)" : "");
  ASSERT_GE(copied_batches, 1) << "the hostile batches never copied: the scenario did not happen";
  EXPECT_GE(st.budget_stops, static_cast<uint64_t>(copied_batches));
  // The work bound, a property of the core: what one exit may copy while holding the table lock.
  EXPECT_LE(st.max_call_bytes, bound);
  EXPECT_GT(nulls, 0u);
  EXPECT_GT(teardowns, 0u);
  // The latency that work bound buys: the null call waits at most for the exit in progress (one
  // largest message, one copy) and then the teardown. Measured here: one 16 MiB memcpy 1.2-1.5 ms,
  // the slowest hostile exit 2.6 ms and the worst null call 2.3 ms when nothing preempted the
  // exit, against 207-236 ms for finding 3's unbounded batch (64 copies in one exit). With both
  // cores busy building, the scheduler sometimes preempted the hostile thread inside its exit
  // (slowest exit up to 15 ms) and the null call waited with it: that is the machine, not the
  // core, so the 10 ms bound is judged only when no exit took more than three copies' time plus
  // a millisecond; otherwise the figures are printed and the work bound above is what holds.
  const bool exits_ran_undisturbed = ms(worst_exit) <= 3 * ms(copy) + 1.0;
  if (!kSanitized && !kSpinLocks && exits_ran_undisturbed) {
    EXPECT_LT(ms(worst_null), 10.0);
    EXPECT_LT(ms(worst_teardown), 10.0);
  } else if (!kSanitized && !kSpinLocks) {
    std::printf("budget: an exit was preempted (slowest %.2f ms against a %.2f ms copy): latency reported, not judged\n",
                ms(worst_exit), ms(copy));
  }
}

}  // namespace
}  // namespace hmx::ref::test
