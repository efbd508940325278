// SPDX-License-Identifier: Apache-2.0
// libhmx's submission queue writer (<hmx/submit_queue.h>) over the loopback conduit into the
// reference core: stage, publish, flush with as few submits as the drain limit allows, reap the
// results in order, and a full queue flushed on demand.
#include <cstring>

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
  EXPECT_TRUE(q.publish());  // the queue was idle: a polling hypervisor would want a doorbell
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
