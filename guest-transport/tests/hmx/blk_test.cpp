// SPDX-License-Identifier: Apache-2.0
// virtio-blk over virtio-argo over the reference core: a driver domain and a device domain, each
// with its own memory, several MiB written and read back with checksums on two queues with many
// requests in flight, and the backing file checked on the host afterwards.
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

// The file holds exactly the pattern the driver wrote.
void expect_file_holds(const scratch_disk& disk, uint64_t seed, uint64_t first_sector, uint64_t bytes) {
  const std::vector<uint8_t> got = disk.read(first_sector * workload::kSector, bytes);
  EXPECT_TRUE(workload::matches(got.data(), static_cast<uint32_t>(bytes), seed, first_sector));
}

// covers: HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052 HMX-VTA-066 HMX-VTA-067 HMX-VTA-023 HMX-VTA-026 HMX-VTA-088 HMX-VTA-089 HMX-VTA-094 HMX-VTA-095
TEST_F(OverCore, BlkFourMiBWrittenAndReadBackOnTwoQueues) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 2, 64);
  ASSERT_EQ(drv->blk().queues(), 2);
  EXPECT_EQ(drv->blk().capacity(), (16u << 20) / 512);

  workload::blk_plan p;
  p.type = v::BLK_T_OUT;
  p.request_bytes = 64 * 1024;
  p.count = 64;  // 4 MiB
  p.queues = 2;
  p.depth = 8;
  p.seed = 7;
  const workload::blk_outcome w = run(*drv, p);
  EXPECT_EQ(w.ok, 64u);
  EXPECT_EQ(w.failed, 0u);
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  EXPECT_EQ(r.ok, 64u);
  EXPECT_EQ(r.mismatched, 0u);
  expect_file_holds(disk, 7, 0, 4u << 20);

  const auto st = stats_when(*svc, [](const auto& s) { return s.reads == 64; });
  EXPECT_EQ(st.writes, 64u);
  EXPECT_EQ(st.reads, 64u);
  EXPECT_EQ(st.protocol_errors, 0u);
  EXPECT_TRUE(st.connected);
  // Every byte crossed as a hypervisor copy: 4 MiB each way at least.
  EXPECT_GE(core.stats().bytes, 8ull << 20);
  // Both queues carried requests with several in flight at once (credit used, HMX-VTA-023).
  EXPECT_GT(drv->transport().queue_stats(0).requests, 0u);
  EXPECT_GT(drv->transport().queue_stats(1).requests, 0u);
}

// covers: HMX-VTA-026 HMX-VTA-088 HMX-VTA-089 HMX-VTA-036
TEST_F(OverCore, BlkSmallRequestsInterleaved) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 2, 128);
  workload::blk_plan p;
  p.request_bytes = 4096;
  p.count = 512;  // 2 MiB in 4 KiB requests
  p.queues = 2;
  p.depth = 32;
  p.seed = 11;
  p.first_sector = 8192;  // from 4 MiB on
  EXPECT_EQ(run(*drv, p).ok, 512u);
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  EXPECT_EQ(r.ok, 512u);
  EXPECT_EQ(r.mismatched, 0u);
  expect_file_holds(disk, 11, 8192, 2u << 20);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
