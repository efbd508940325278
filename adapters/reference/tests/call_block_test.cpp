// SPDX-License-Identifier: Apache-2.0
// Call blocks (spec struct call_block; docs/ARCHITECTURE.md decision 4) and the null op.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-MECH-011 HMX-MECH-007
TEST_F(CoreTest, NullOpReturnsZeroAndRejectsArguments) {
  EXPECT_EQ(a.call(HMX_OP_NULL), 0);
  EXPECT_EQ(a.call(HMX_OP_NULL, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_NULL, 0, 0, 0, 1), E(HMX_EINVAL));
}

// covers: HMX-MECH-031 HMX-MECH-032
TEST_F(CoreTest, UnknownOpsAreEopnotsupp) {
  for (uint32_t op : {0u, 5u, 6u, 15u, 20u, 0xFFFFFFFFu}) {
    EXPECT_EQ(a.call(op), E(HMX_EOPNOTSUPP)) << op;
  }
}

// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-MECH-031 HMX-MECH-032
TEST_F(CoreTest, CallBlockFlagsMustBeZero) {
  const uint64_t gpa = a.alloc(sizeof(hmx_call_block_t), 16);
  auto* blk = a.at<hmx_call_block_t>(gpa);
  *blk = {};
  blk->op = HMX_OP_NULL;
  blk->flags = 1;
  EXPECT_EQ(core.call(a.id, 0, gpa), E(HMX_EINVAL));
  EXPECT_EQ(blk->result, E(HMX_EINVAL));
}

// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-SEC-007 HMX-SEC-008
TEST_F(CoreTest, UnusableCallBlocksAreRefusedWithoutWriting) {
  const uint64_t gpa = a.alloc(64, 16);
  auto* blk = a.at<hmx_call_block_t>(gpa + 8);
  *blk = {};
  blk->op = HMX_OP_NULL;
  blk->result = 1234;
  EXPECT_EQ(core.call(a.id, 0, gpa + 8), E(HMX_EINVAL));  // misaligned
  EXPECT_EQ(blk->result, 1234);
  EXPECT_EQ(core.call(a.id, 0, a.mem.size() - 32), E(HMX_EFAULT));
  EXPECT_EQ(core.call(a.id, 0, a.mem.size()), E(HMX_EFAULT));
  EXPECT_EQ(core.call(a.id, 0, ~0ull & ~15ull), E(HMX_EFAULT));
  EXPECT_EQ(core.call(a.id, 2, gpa), E(HMX_EINVAL));       // a has vCPUs 0 and 1
  EXPECT_EQ(core.call(55, 0, gpa), E(HMX_ENODEV));         // no HMX for that domain
}

TEST_F(CoreTest, StatisticsCountCallsAndErrors) {
  const CoreStats before = core.stats();
  EXPECT_EQ(a.call(HMX_OP_NULL), 0);
  EXPECT_EQ(a.call(999), E(HMX_EOPNOTSUPP));
  const CoreStats after = core.stats();
  EXPECT_EQ(after.calls - before.calls, 2u);
  EXPECT_EQ(after.ops - before.ops, 2u);
  EXPECT_EQ(after.errors - before.errors, 1u);
}

TEST_F(CoreTest, FeaturesAndBatchLimitAreAdvertised) {
  EXPECT_EQ(core.features(), HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT |
                                 HMX_FEATURE_VECTOR_BIT | HMX_FEATURE_RING_VCPU_BIT |
                                 HMX_FEATURE_NULL_OP_BIT);
  EXPECT_EQ(core.max_batch(), HMX_MAX_BATCH_ENTRIES);
}

}  // namespace
}  // namespace hmx::ref::test
