// SPDX-License-Identifier: Apache-2.0
// batch (spec op-batch): a list of call blocks run in one exit.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

hmx_call_block_t block(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                       uint64_t a4 = 0) {
  hmx_call_block_t b{};
  b.op = op;
  b.arg[0] = a1;
  b.arg[1] = a2;
  b.arg[2] = a3;
  b.arg[3] = a4;
  b.result = 0x77;  // sentinel: entries not run keep it
  return b;
}

class BatchTest : public CoreTest {
 protected:
  uint64_t put_list(const std::vector<hmx_call_block_t>& list) {
    const uint64_t gpa = b.alloc(list.size() * sizeof(hmx_call_block_t), HMX_CALL_BLOCK_ALIGN);
    std::memcpy(b.host(gpa), list.data(), list.size() * sizeof(hmx_call_block_t));
    return gpa;
  }
  int64_t result(uint64_t list, size_t i) {
    return b.at<hmx_call_block_t>(list + i * sizeof(hmx_call_block_t))->result;
  }
  // A ready sendv of `text` from b to a's ring 1, as a call block.
  hmx_call_block_t send_block(const std::string& text) {
    hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
    hmx_iov_t iov{b.put_string(text), static_cast<uint32_t>(text.size()), 0};
    return block(HMX_OP_SENDV, b.put(addr), b.put(iov), 1, 0);
  }
};

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018 HMX-BATCH-019 HMX-BATCH-020
TEST_F(BatchTest, RunsEveryEntryAndWritesEachResult) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  const uint64_t list = put_list({send_block("one"), block(HMX_OP_NULL), send_block("three!"),
                                  block(HMX_OP_NOTIFY)});
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 4, 0), 4);
  EXPECT_EQ(result(list, 0), 3);
  EXPECT_EQ(result(list, 1), 0);
  EXPECT_EQ(result(list, 2), 6);
  EXPECT_EQ(result(list, 3), 0);
  EXPECT_EQ(to_string(a.receive(r)->payload), "one");
  EXPECT_EQ(to_string(a.receive(r)->payload), "three!");
  EXPECT_EQ(core.stats().batches, 1u);
}

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018 HMX-BATCH-019 HMX-BATCH-020
TEST_F(BatchTest, ErrorsDoNotStopTheBatchUnlessAsked) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  std::vector<hmx_call_block_t> entries = {send_block("a"), block(999), send_block("b"),
                                           block(HMX_OP_BATCH, 0, 1, 0, 0), send_block("c")};
  const uint64_t list = put_list(entries);
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 5, 0), 5);
  EXPECT_EQ(result(list, 1), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(result(list, 3), E(HMX_EINVAL));  // nested batch
  EXPECT_EQ(result(list, 4), 1);

  const uint64_t stop = put_list(entries);
  EXPECT_EQ(b.call(HMX_OP_BATCH, stop, 5, HMX_BATCH_FLAG_STOP_ON_ERROR), 2);
  EXPECT_EQ(result(stop, 0), 1);
  EXPECT_EQ(result(stop, 1), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(result(stop, 2), 0x77);  // not run, untouched
  EXPECT_EQ(result(stop, 4), 0x77);
}

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-MECH-031 HMX-MECH-032
TEST_F(BatchTest, EntryFlagsMustBeZero) {
  auto e = block(HMX_OP_NULL);
  e.flags = 1;
  const uint64_t list = put_list({e, block(HMX_OP_NULL)});
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 2, 0), 2);
  EXPECT_EQ(result(list, 0), E(HMX_EINVAL));
  EXPECT_EQ(result(list, 1), 0);
}

// covers: HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013 HMX-MECH-007 HMX-SEC-007 HMX-SEC-008
TEST_F(BatchTest, ListChecks) {
  std::vector<hmx_call_block_t> nulls(HMX_MAX_BATCH_ENTRIES + 1, block(HMX_OP_NULL));
  const uint64_t list = put_list(nulls);
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, HMX_MAX_BATCH_ENTRIES, 0), HMX_MAX_BATCH_ENTRIES);
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, HMX_MAX_BATCH_ENTRIES + 1, 0), E(HMX_E2BIG));
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 1ull << 40, 0), E(HMX_E2BIG));
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 0, 0), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 1, 2), E(HMX_EINVAL));        // unknown flag
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 1, 1ull << 32), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 1, 0, 1), E(HMX_EINVAL));     // arg4
  EXPECT_EQ(b.call(HMX_OP_BATCH, list + 8, 1, 0), E(HMX_EINVAL));    // misaligned
  const uint64_t end = b.mem.size() - sizeof(hmx_call_block_t);
  EXPECT_EQ(b.call(HMX_OP_BATCH, end, 2, 0), E(HMX_EFAULT));         // runs past RAM
  EXPECT_EQ(b.call(HMX_OP_BATCH, ~0ull & ~15ull, 2, 0), E(HMX_EFAULT));
}

// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020 HMX-MECH-031 HMX-MECH-032
TEST_F(BatchTest, NotAvailableOnTheArgoConduit) {
  const uint64_t list = put_list({block(HMX_OP_NULL)});
  EXPECT_EQ(core.argo_op(b.id, 0, HMX_OP_BATCH, list, 1, 0, 0), E(HMX_EOPNOTSUPP));
}

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-SEND-015 HMX-SEND-016
TEST_F(BatchTest, ManyMessagesPerExit) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 64 * 1024 - 64), 0);
  std::vector<hmx_call_block_t> entries;
  for (uint32_t i = 0; i < HMX_MAX_BATCH_ENTRIES; ++i) entries.push_back(send_block("m" + std::to_string(i)));
  const uint64_t calls_before = core.stats().calls;
  EXPECT_EQ(b.call(HMX_OP_BATCH, put_list(entries), entries.size(), 0), HMX_MAX_BATCH_ENTRIES);
  EXPECT_EQ(core.stats().calls, calls_before + 1);
  for (uint32_t i = 0; i < HMX_MAX_BATCH_ENTRIES; ++i) {
    EXPECT_EQ(to_string(a.receive(r)->payload), "m" + std::to_string(i));
  }
}

}  // namespace
}  // namespace hmx::ref::test
