// SPDX-License-Identifier: Apache-2.0
// The control plane over the reference core: identity and features, the status handshake,
// configuration with its generation, ring-layout features kept on the driver's side, a
// virtqueue reset with requests in flight, and a driver that breaks the rules.
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

// covers: HMX-VTA-057 HMX-VTA-058 HMX-VTA-059 HMX-VTA-060 HMX-VTA-061 HMX-VTA-062 HMX-VTA-063 HMX-VTA-064 HMX-VTA-065 HMX-VTA-068 HMX-VTA-069 HMX-VTA-070 HMX-VTA-071 HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075 HMX-VTA-017 HMX-VTA-078 HMX-VTA-079
TEST_F(OverCore, ControlPlaneOverHmx) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_EQ(drv->connect(1), result::ok);
  auto& t = drv->transport();
  device_info info{};
  ASSERT_EQ(t.device_info(info), result::ok);
  EXPECT_EQ(info.device_id, v::ID_BLOCK);
  EXPECT_EQ(info.max_virtqueues, 2u);
  uint64_t offered = 0;
  ASSERT_EQ(t.reset(), result::ok);
  ASSERT_EQ(t.set_status(v::STATUS_ACKNOWLEDGE), result::ok);
  ASSERT_EQ(t.set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER), result::ok);
  ASSERT_EQ(t.get_features(offered), result::ok);
  EXPECT_NE(offered & v::bit(v::F_VERSION_1), 0u);  // no legacy interface
  EXPECT_NE(offered & v::bit(v::BLK_F_MQ), 0u);
  // What the driver may accept beyond the device's bits is the transport's own ring layout.
  EXPECT_EQ(offered & v::RING_LAYOUT_FEATURES, driver_domain::transport_t::local_features);
  // A feature set without VERSION_1 does not keep FEATURES_OK.
  ASSERT_EQ(t.set_features(v::bit(v::BLK_F_FLUSH)), result::ok);
  ASSERT_EQ(t.set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK), result::ok);
  uint8_t status = 0;
  ASSERT_EQ(t.get_status(status), result::ok);
  EXPECT_EQ(status & v::STATUS_FEATURES_OK, 0);
  // Configuration: the capacity, with a generation that reads the same twice.
  uint8_t cfg[v::BLK_CFG_SIZE];
  uint32_t gen1 = 0, gen2 = 0;
  ASSERT_EQ(t.read_config(0, cfg, sizeof cfg, &gen1), result::ok);
  ASSERT_EQ(t.config_generation(gen2), result::ok);
  EXPECT_EQ(gen1, gen2);
  EXPECT_EQ(wire::load_le64(cfg + v::BLK_CFG_CAPACITY), (16u << 20) / 512);
  EXPECT_EQ(t.write_config(v::BLK_CFG_CAPACITY, cfg, 8), result::invalid);  // read-only: refused
  // The full initialization then works (and every request above was answered in order).
  ASSERT_EQ(drv->init_blk(2, 16), result::ok);
  EXPECT_EQ(t.stats().dropped_foreign, 0u);
  EXPECT_EQ(t.stats().dropped_malformed, 0u);
}

// covers: HMX-VTA-076 HMX-VTA-077 HMX-VTA-040
TEST_F(OverCore, EventIndexAndIndirectStayOnTheDriversSide) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_EQ(drv->connect(1), result::ok);
  ASSERT_EQ(drv->init_blk(1, 32, v::bit(v::F_EVENT_IDX) | v::bit(v::F_INDIRECT_DESC)), result::ok);
  EXPECT_TRUE(drv->blk().queue(0).event_idx());
  EXPECT_TRUE(drv->blk().queue(0).indirect());
  // Thirty segments in one indirect descriptor, written and read back through HMX.
  auto* data = static_cast<uint8_t*>(drv->alloc(30 * 512));
  auto* table = drv->alloc_array<vring_desc>(32);
  auto* req = drv->alloc_array<blk_request>(1);
  workload::fill(data, 30 * 512, 5, 64);
  split_virtqueue::buf segs[30];
  for (int i = 0; i < 30; ++i) segs[i] = {data + 512 * i, 512};
  ASSERT_EQ(drv->blk().submit(0, *req, v::BLK_T_OUT, 64, segs, 30, table), result::ok);
  ASSERT_EQ(drv->blk().kick(0), result::ok);
  blk_request* done = nullptr;
  for (int i = 0; i < 1000 && done == nullptr; ++i) {
    (void)drv->transport().wait(10'000'000);
    done = drv->blk().reap(0);
  }
  ASSERT_EQ(done, req);
  EXPECT_EQ(req->outcome, result::ok);
  const std::vector<uint8_t> file = disk.read(64 * 512, 30 * 512);
  EXPECT_TRUE(workload::matches(file.data(), 30 * 512, 5, 64));
}

// covers: HMX-VTA-032
TEST_F(OverCore, QueueResetWithRequestsInFlight) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 2, 32);
  ASSERT_NE(drv->transport().driver_features() & v::bit(v::F_RING_RESET), 0u);
  workload::blk_slot* s = slots(*drv, 1, 8, 16 * 1024);
  for (int i = 0; i < 8; ++i) {
    const split_virtqueue::buf b{s[i].data, 16 * 1024};
    ASSERT_EQ(drv->blk().submit(1, s[i].req, v::BLK_T_IN, uint64_t(i) * 32, &b, 1), result::ok);
  }
  ASSERT_EQ(drv->blk().kick(1), result::ok);
  ASSERT_EQ(drv->transport().reset_queue(1), result::ok);
  uint32_t detached = 0;
  while (drv->blk().queue(1).detach_unused() != nullptr) ++detached;
  uint32_t completed = 0;
  while (drv->blk().reap(1) != nullptr) ++completed;
  EXPECT_EQ(detached + completed, 8u);
  // Queue 0 was not touched and still works.
  workload::blk_plan p;
  p.request_bytes = 16 * 1024;
  p.count = 8;
  EXPECT_EQ(run(*drv, p).ok, 8u);
  EXPECT_FALSE(drv->transport().broken());
}

// covers: HMX-VTA-055 HMX-VTA-056 HMX-VTA-020 HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST_F(OverCore, ADriverThatBreaksTheRulesGetsDeviceNeedsReset) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 1, 16);
  // A well-formed AVAIL with tag 0 for a head nobody made available: a protocol error.
  uint8_t prefix[VTA_AVAIL_PREFIX];
  encode_avail_prefix(prefix, 1, 0, {0, 3, 0, 16, 1, 0, 0}, 16);
  uint8_t body[16] = {};
  const chan_iov iov[2] = {{prefix, VTA_AVAIL_PREFIX}, {body, 16}};
  ASSERT_EQ(drv->channel().send(iov, 2), result::ok);
  // The device sets DEVICE_NEEDS_RESET and says so with EVENT_CONFIG.
  uint8_t status = 0;
  for (int i = 0; i < 200 && (status & v::STATUS_DEVICE_NEEDS_RESET) == 0; ++i) {
    (void)drv->transport().wait(10'000'000);
    ASSERT_EQ(drv->transport().get_status(status), result::ok);
  }
  EXPECT_NE(status & v::STATUS_DEVICE_NEEDS_RESET, 0);
  EXPECT_GE(drv->transport().stats().config_events, 1u);
  EXPECT_GE(stats_when(*svc, [](const auto& s) { return s.protocol_errors >= 1; }).protocol_errors, 1u);
  EXPECT_EQ(svc->stats().requests, 0u);  // nothing was served
}

// What the service's device offers over HMX: none of the device-independent bits virtio-argo
// forbids, and not IN_ORDER, so the in-order promise never applies (the device host strips them
// whatever the device model claims: transport.DeviceCore.NeverOffers...).
// covers: HMX-VTA-111 HMX-VTA-110
TEST_F(OverCore, TheDeviceOffersNoPlatformOrNotificationDataBitsOverHmx) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_EQ(drv->connect(1), result::ok);
  auto& t = drv->transport();
  ASSERT_EQ(t.reset(), result::ok);
  ASSERT_EQ(t.set_status(v::STATUS_ACKNOWLEDGE), result::ok);
  ASSERT_EQ(t.set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER), result::ok);
  uint64_t offered = 0;
  ASSERT_EQ(t.get_features(offered), result::ok);
  EXPECT_NE(offered & v::bit(v::F_VERSION_1), 0u);
  EXPECT_EQ(offered & v::bit(v::F_ACCESS_PLATFORM), 0u);
  EXPECT_EQ(offered & v::bit(v::F_ORDER_PLATFORM), 0u);
  EXPECT_EQ(offered & v::bit(v::F_NOTIF_CONFIG_DATA), 0u);
  EXPECT_EQ(offered & v::bit(v::F_IN_ORDER), 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
