// SPDX-License-Identifier: Apache-2.0
// libhmx's submission queue writer (<hmx/submit_queue.h>) over the loopback conduit into the
// reference core: stage, publish, flush with as few submits as the drain limit allows, reap the
// results in order, and a full queue flushed on demand.
#include <atomic>
#include <cstring>
#include <thread>

#include <hmx/submit_queue.h>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

class SubmitQueueWriter : public LoopbackTest {
 protected:
  void SetUp() override { core.offer_submit_queue(true); }
};

// covers: HMX-ASYNC-031 HMX-ASYNC-034 HMX-ASYNC-013 HMX-ASYNC-024
TEST_F(SubmitQueueWriter, StagedSendsRunInOrderAfterOneFlush) {
  bound_client a(alpha), b(beta);
  ring r(beta, 0x100, alpha.id, 64 * 1024);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  submit_queue<env::host> q(alpha.env, 64);
  ASSERT_TRUE(q.init_status().ok());
  ASSERT_TRUE(register_submit_queue(a.c, q).ok());

  unsigned char* mem = alpha.pages(1);
  for (int i = 0; i < 40; ++i) mem[i] = static_cast<unsigned char>('a' + i % 26);
  for (uint32_t i = 0; i < 40; ++i) {
    const buffer one{mem + i, 1};
    const result<uint32_t> seq = q.push_sendv(make_addr(0x100, beta.id), &one, 1, i);
    ASSERT_TRUE(seq.ok()) << seq.error().name();
    EXPECT_EQ(*seq, i);
  }
  // Nothing is visible before publish: a submit now runs nothing.
  EXPECT_EQ(*a->call(HMX_OP_SUBMIT), 0);
  const uint64_t calls = core.stats().calls;
  const result<uint32_t> ran = flush(a.c, q);
  ASSERT_TRUE(ran.ok()) << ran.error().name();
  EXPECT_EQ(*ran, 40u);
  EXPECT_EQ(core.stats().calls - calls, 1u);  // one exit for forty sends
  uint32_t expected = 0;
  EXPECT_EQ(q.reap([&](uint32_t seq, int64_t result) {
    EXPECT_EQ(seq, expected++);
    EXPECT_EQ(result, 1);
  }), 40u);
  for (int i = 0; i < 40; ++i) {
    message_view m;
    ASSERT_EQ(receive(r.reader, &m), std::string(1, static_cast<char>('a' + i % 26)));
    EXPECT_EQ(m.message_type, static_cast<uint32_t>(i));
  }
  // Nothing waiting: flush makes no exit.
  const uint64_t calls_after = core.stats().calls;
  EXPECT_EQ(*flush(a.c, q), 0u);
  EXPECT_EQ(core.stats().calls, calls_after);
}

// covers: HMX-ASYNC-032 HMX-ASYNC-033
TEST_F(SubmitQueueWriter, AFullQueueRefusesPushesUntilReapedAndPushOrFlushDrainsIt) {
  bound_client a(alpha);
  submit_queue<env::host> q(alpha.env, 8);
  ASSERT_TRUE(register_submit_queue(a.c, q).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(q.push_null().ok());
  EXPECT_EQ(q.push_null().error(), errc::again);
  EXPECT_TRUE(q.publish());  // no worker polls: NEED_WAKEUP asks for a submit (HMX-ASYNC-043)
  ASSERT_EQ(*flush(a.c, q), 8u);
  // Run but not reaped: the slots still hold results nobody read.
  EXPECT_EQ(q.push_null().error(), errc::again);
  EXPECT_EQ(q.reap_all(), 0u);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(q.push_null().ok());
  const result<uint32_t> pushed = push_or_flush(a.c, q, [&] { return q.push_null(); });
  ASSERT_TRUE(pushed.ok()) << pushed.error().name();
  EXPECT_EQ(*pushed, 16u);
  EXPECT_EQ(q.in_flight(), 0u);  // the eight before it ran
  EXPECT_EQ(*flush(a.c, q), 1u);
}

// A queue larger than one drain needs one submit per SUBMIT_DRAIN_ENTRIES.
// covers: HMX-ASYNC-021
TEST_F(SubmitQueueWriter, FlushRingsOncePerDrainLimit) {
  bound_client a(alpha);
  submit_queue<env::host> q(alpha.env, 4096);
  ASSERT_TRUE(q.init_status().ok());
  ASSERT_TRUE(register_submit_queue(a.c, q).ok());
  for (uint32_t i = 0; i < 2500; ++i) ASSERT_TRUE(q.push_null().ok());
  const uint64_t submits = core.stats().submits;
  EXPECT_EQ(*flush(a.c, q), 2500u);
  EXPECT_EQ(core.stats().submits - submits, 3u);
  EXPECT_EQ(q.completed(), 2500u);
}

// kick() honours SUBMIT_QUEUE_NEED_WAKEUP: one submit per kick while no worker polls, none while
// a worker polls (it drains them itself), and one again after the worker went to sleep.
// covers: HMX-ASYNC-042 HMX-ASYNC-043
TEST_F(SubmitQueueWriter, KickSubmitsOnlyWhenTheHypervisorNeedsAWakeup) {
  bound_client a(alpha);
  submit_queue<env::host> q(alpha.env, 16);
  ASSERT_TRUE(register_submit_queue(a.c, q).ok());
  EXPECT_TRUE(q.need_wakeup());
  ASSERT_TRUE(q.push_null().ok());
  uint64_t submits = core.stats().submits;
  EXPECT_EQ(*kick(a.c, q), 1u);
  EXPECT_EQ(core.stats().submits - submits, 1u);
  EXPECT_EQ(*kick(a.c, q), 0u);  // nothing staged: no exit
  EXPECT_EQ(core.stats().submits - submits, 1u);

  ASSERT_EQ(core.submit_poll_begin(alpha.id), 0);  // a worker polls from now on
  EXPECT_FALSE(q.need_wakeup());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push_null().ok());
  submits = core.stats().submits;
  EXPECT_EQ(*kick(a.c, q), 0u);
  EXPECT_EQ(core.stats().submits, submits);  // no exit
  EXPECT_EQ(q.in_flight(), 5u);
  EXPECT_EQ(core.submit_poll(alpha.id), 5);  // the worker's drain
  EXPECT_EQ(q.reap_all(), 0u);
  EXPECT_EQ(q.completed(), 0u);

  EXPECT_EQ(core.submit_poll_end(alpha.id), 0);  // the worker sleeps
  ASSERT_TRUE(q.push_null().ok());
  EXPECT_EQ(*kick(a.c, q), 1u);
  EXPECT_EQ(core.stats().submits - submits, 1u);
}

// flush() while a worker drains concurrently: a submit that finds the entries gone is no error.
// covers: HMX-ASYNC-029
TEST_F(SubmitQueueWriter, FlushToleratesAWorkerDrainingConcurrently) {
  bound_client a(alpha);
  submit_queue<env::host> q(alpha.env, 64);
  ASSERT_TRUE(register_submit_queue(a.c, q).ok());
  ASSERT_EQ(core.submit_poll_begin(alpha.id), 0);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load()) (void)core.submit_poll(alpha.id);
  });
  uint32_t pushed = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 32; ++i, ++pushed) ASSERT_TRUE(q.push_null().ok());
    const result<uint32_t> ran = flush(a.c, q);
    ASSERT_TRUE(ran.ok()) << ran.error().name();
    EXPECT_EQ(q.in_flight(), 0u);
    EXPECT_EQ(q.reap_all(), 0u);
  }
  stop = true;
  worker.join();
  EXPECT_EQ(q.consumer(), pushed);
  EXPECT_EQ(core.stats().submit_entries, pushed);
}

TEST_F(SubmitQueueWriter, WithoutTheFeatureRegistrationFailsAsAValue) {
  ref::Core plain{tp.policy};
  domain d(plain, 7, "delta");
  bound_client c(d);
  submit_queue<env::host> q(d.env, 4);
  EXPECT_EQ(register_submit_queue(c.c, q), errc::opnotsupp);
  submit_queue<env::host> bad(d.env, 3);
  EXPECT_EQ(bad.init_status(), errc::inval);
}

}  // namespace
}  // namespace hmx::loopback
