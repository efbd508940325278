// SPDX-License-Identifier: Apache-2.0
// Domains without HMX (Argo's d->argo == NULL) and the checks common to all operations.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

class DisabledTest : public ::testing::Test {
 protected:
  TestPolicy policy;
  Core core{policy};
  Guest a{core, 1, "alpha"};
  ArenaGuestMemory off_mem{1 << 20};
  RecordingNotifier off_notifier;
  DomainId off = 3;

  void SetUp() override {
    ASSERT_EQ(core.create_domain(off, "off", off_mem, 1, off_notifier, /*hmx_enabled=*/false), 0);
  }
  void TearDown() override { core.destroy_domain(off); }

  // Run a call block in the disabled domain's memory.
  int64_t off_call(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
    hmx_call_block_t blk{};
    blk.op = op;
    blk.arg[0] = a1;
    blk.arg[1] = a2;
    blk.arg[2] = a3;
    blk.arg[3] = a4;
    off_mem.write(0x1000, blk);
    return core.call(off, 0, 0x1000);
  }
};

// covers: HMX-MECH-009 HMX-MECH-011
TEST_F(DisabledTest, NullWorksEverythingElseIsEnodevInItsPlace) {
  EXPECT_EQ(off_call(HMX_OP_NULL), 0);
  // register_ring: ENODEV is row 10, after the argument and policy checks.
  hmx_register_ring_t reg{1, a.id, 0, 256};
  off_mem.write(0x2000, reg);
  const uint64_t gfn = 5;
  off_mem.write(0x2100, gfn);
  EXPECT_EQ(off_call(HMX_OP_REGISTER_RING, 0x2000, 0x2100, 1, 0), E(HMX_ENODEV));
  EXPECT_EQ(off_call(HMX_OP_REGISTER_RING, 0x2000, 0x2100, 2, 0), E(HMX_EINVAL));
  // unregister_ring: after the pad check.
  hmx_unregister_ring_t unreg{1, a.id, 0};
  off_mem.write(0x2200, unreg);
  EXPECT_EQ(off_call(HMX_OP_UNREGISTER_RING, 0x2200), E(HMX_ENODEV));
  EXPECT_EQ(off_call(HMX_OP_UNREGISTER_RING, off_mem.size()), E(HMX_EFAULT));
  // sendv: after EPERM/ESRCH/EACCES.
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  off_mem.write(0x2300, addr);
  EXPECT_EQ(off_call(HMX_OP_SENDV, 0x2300, 0, 0, 0), E(HMX_ENODEV));
  hmx_send_addr_t to_nobody{{0, HMX_DOMID_ANY, 0}, {1, 77, 0}};
  off_mem.write(0x2400, to_nobody);
  EXPECT_EQ(off_call(HMX_OP_SENDV, 0x2400, 0, 0, 0), E(HMX_ESRCH));
  // notify, batch, set_event_page, set_vector: right after their unused-argument check.
  EXPECT_EQ(off_call(HMX_OP_NOTIFY), E(HMX_ENODEV));
  EXPECT_EQ(off_call(HMX_OP_NOTIFY, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(off_call(HMX_OP_BATCH, 0x1000, 1, 0), E(HMX_ENODEV));
  EXPECT_EQ(off_call(HMX_OP_BATCH, 0x1000, 1, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(off_call(HMX_OP_SET_EVENT_PAGE, 0x3001), E(HMX_ENODEV));
  EXPECT_EQ(off_call(HMX_OP_SET_VECTOR, 0, 0x40), E(HMX_ENODEV));
  EXPECT_EQ(core.set_vector(off, 0, 0x40), E(HMX_ENODEV));
  EXPECT_EQ(core.set_event_page(off, 0x3001), E(HMX_ENODEV));
  EXPECT_EQ(core.argo_op(off, 0, HMX_OP_NOTIFY, 0, 0, 0, 0), E(HMX_ENODEV));
}

// covers: HMX-RING-027 HMX-RING-028 HMX-RING-029 HMX-SEND-020 HMX-SEND-021 HMX-SEND-022 HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-MAC-002
TEST_F(DisabledTest, OthersSeeItAsConnectionRefused) {
  GuestRing r;
  EXPECT_EQ(a.register_ring(r, 1, off, 256), E(HMX_ECONNREFUSED));
  EXPECT_EQ(a.send(off, 1, {"x"}), E(HMX_ECONNREFUSED));
  std::vector<hmx_ring_data_ent_t> out;
  EXPECT_EQ(a.notify({ent(off, 1, 0)}, &out), 0);
  EXPECT_EQ(out[0].flags, 0u);
  EXPECT_EQ(policy.denials(), 0u);
}

// covers: HMX-MECH-031 HMX-MECH-032 HMX-MECH-007
TEST_F(CoreTest, CommonChecksComeBeforeTheOperation) {
  // Flags, then arg3/arg4 width: EINVAL, even for unknown operations (HMX-MECH-031 HMX-MECH-032).
  EXPECT_EQ(a.call(999, 0, 0, 1ull << 32), E(HMX_EINVAL));
  EXPECT_EQ(a.call(999, 0, 0, 0, 1ull << 33), E(HMX_EINVAL));
  EXPECT_EQ(a.call(999), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(a.call(HMX_OP_NULL, 0, 0, 1ull << 32), E(HMX_EINVAL));
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_BATCH, 0, 0, 1ull << 32, 0), E(HMX_EINVAL));
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_BATCH, 0, 0, 0, 0), E(HMX_EOPNOTSUPP));
  // Unused arguments are the first operation-specific check (HMX-MECH-007).
  EXPECT_EQ(a.call(HMX_OP_SET_VECTOR, 99, 0x3, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_SET_EVENT_PAGE, a.mem.size() | 1, 0, 0, 1), E(HMX_EINVAL));
}

}  // namespace
}  // namespace hmx::ref::test
