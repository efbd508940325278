// SPDX-License-Identifier: Apache-2.0
// Rings much smaller than the requests, over the reference core: AVAIL and USED travel in
// fragments, sends meet full rings (EAGAIN), the core's space-available events resume them, and
// nothing is lost or reordered.
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082 HMX-VTA-022 HMX-VTA-086 HMX-VTA-087 HMX-VTA-027 HMX-VTA-088 HMX-VTA-089
TEST_F(OverCore, FragmentsAndFullRingsWithFourKiBRings) {
  virtio_service_options o = service_options(2);
  o.device_ring_len = 4096 - 64;  // largest message 4000: a 64 KiB write is 17 AVAIL fragments
  auto svc = start(o);
  auto drv = driver(kDrv, "drv", 4096 - 64);  // and a 64 KiB read 17 USED fragments
  bring_up(*drv, 2, 32);
  workload::blk_plan p;
  p.request_bytes = 64 * 1024;
  p.count = 32;  // 2 MiB
  p.queues = 2;
  p.depth = 4;
  p.seed = 3;
  const workload::blk_outcome w = run(*drv, p);
  EXPECT_EQ(w.ok, 32u);
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  EXPECT_EQ(r.ok, 32u);
  EXPECT_EQ(r.mismatched, 0u);
  const std::vector<uint8_t> file = disk.read(0, 2u << 20);
  EXPECT_TRUE(workload::matches(file.data(), 2u << 20, 3, 0));

  const auto st = stats_when(*svc, [](const auto& s) { return s.used_messages >= 32u * 17 + 32; });
  EXPECT_GE(st.avail_messages, 32u * 17);  // fragments (HMX-VTA-027)
  EXPECT_GE(st.used_messages, 32u * 17);
  // Both directions met full rings and resumed after the core's space event.
  EXPECT_GT(drv->channel().stats().eagain + drv->transport().queue_stats(0).eagain, 0u);
  EXPECT_GT(st.eagain, 0u);
  EXPECT_GT(core.stats().eagain, 0u);
  EXPECT_GT(core.stats().wakeups, 0u);
  EXPECT_EQ(st.protocol_errors, 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
