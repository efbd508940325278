// SPDX-License-Identifier: Apache-2.0
// argo_op: Argo's argument convention (a Xen-style conduit, Xen public/argo.h operations / 2.1).
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020 HMX-MECH-010
TEST_F(CoreTest, ArgoConduitRunsTheFourArgoOps) {
  hmx_register_ring_t reg{5, b.id, 0, 256};
  const uint64_t frame = a.alloc(4096, 4096);
  const uint64_t gfn = a.put(frame >> 12);
  ASSERT_EQ(core.argo_op(a.id, 0, HMX_OP_REGISTER_RING, a.put(reg), gfn, 1, 0), 0);
  hmx_send_addr_t addr{{9, HMX_DOMID_ANY, 0}, {5, a.id, 0}};
  hmx_iov_t iov{b.put_string("via argo"), 8, 0};
  EXPECT_EQ(core.argo_op(b.id, 0, HMX_OP_SENDV, b.put(addr), b.put(iov), 1, 0xAB), 8);
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_NOTIFY, 0, 0, 0, 0), 0);
  hmx_unregister_ring_t unreg{5, b.id, 0};
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_UNREGISTER_RING, a.put(unreg), 0, 0, 0), 0);
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_UNREGISTER_RING, a.put(unreg), 0, 0, 0), E(HMX_ENOENT));
}

// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020 HMX-MECH-031 HMX-MECH-032 HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(CoreTest, ArgoConduitRejectsWideArgsUnknownOpsAndUnknownDomains) {
  // Xen argo.c do_argo_op: arg3/arg4 wider than 32 bits -> EINVAL before dispatch, for every op.
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_NOTIFY, 0, 0, 1ull << 32, 0), E(HMX_EINVAL));
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_SENDV, 0, 0, 0, 1ull << 32), E(HMX_EINVAL));
  for (uint32_t cmd : {0u, 5u, 6u, 7u, 8u, HMX_OP_NULL, HMX_OP_BATCH}) {
    EXPECT_EQ(core.argo_op(a.id, 0, cmd, 0, 0, 0, 0), E(HMX_EOPNOTSUPP)) << cmd;
  }
  EXPECT_EQ(core.argo_op(55, 0, HMX_OP_NOTIFY, 0, 0, 0, 0), E(HMX_ENODEV));
  EXPECT_EQ(core.argo_op(a.id, 9, HMX_OP_NOTIFY, 0, 0, 0, 0), E(HMX_EINVAL));
  // Xen's probe.
  hmx_register_ring_t probe{1, a.id, 0, 1};
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_REGISTER_RING, a.put(probe), 0, 1, 0), E(HMX_EINVAL));
}

}  // namespace
}  // namespace hmx::ref::test
