// SPDX-License-Identifier: Apache-2.0
// The virtio-argo bus over the reference core: enumeration, CONNECT with the rings it names,
// one connection at a time, DISCONNECT.
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-044 HMX-VTA-045 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST_F(OverCore, BusListsTheDeviceAndConnectsWithOneRingEachWay) {
  auto svc = start(2);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  std::vector<bus_device_entry> devs;
  ASSERT_EQ(drv->list(devs), result::ok);
  ASSERT_EQ(devs.size(), 1u);
  EXPECT_EQ(devs[0].dev_num, 1);
  EXPECT_EQ(devs[0].device_id, virtio::ID_BLOCK);
  EXPECT_EQ(devs[0].state, VTA_DEVICE_READY);
  ASSERT_EQ(drv->connect(1), result::ok);
  // The connection is exactly two rings, each with the other domain as its only partner.
  const auto device_ring = core.ring_info(kDevice, drv->channel().peer_aport(), kDrv);
  ASSERT_TRUE(device_ring.has_value());
  EXPECT_EQ(device_ring->partner, kDrv);
  EXPECT_GE(device_ring->len - 32, VTA_MIN_MESSAGE_SIZE);
  const auto driver_ring = core.ring_info(kDrv, drv->channel().aport(), kDevice);
  ASSERT_TRUE(driver_ring.has_value());
  EXPECT_EQ(driver_ring->partner, kDevice);
  EXPECT_EQ(drv->channel().max_message_size(), device_ring->len - 32);
  // The bus ring the device domain registered for this driver (HMX-VTA-042 HMX-VTA-043).
  EXPECT_TRUE(core.ring_info(kDevice, VTA_BUS_APORT, kDrv).has_value());
  ASSERT_EQ(drv->init_blk(1, 16), result::ok);
}

// covers: HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-044 HMX-VTA-045
TEST_F(OverCore, BusRefusesASecondConnectionAndUnknownDevices) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  auto drv2 = driver(kDrv2, "drv2");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_TRUE(drv2->open_bus(kDevice).ok());
  // Each check names the requirement row it checks, so a failure fails that row alone in the
  // conformance report (apps/hmx-conformance, --target transport).
  uint32_t error = 0;
  {
    SCOPED_TRACE("HMX-VTA-106");
    EXPECT_NE(drv2->connect(7, &error), result::ok);
    EXPECT_EQ(error, uint32_t{HMX_ENODEV});
  }
  {
    SCOPED_TRACE("HMX-VTA-105");
    ASSERT_EQ(drv->connect(1), result::ok);
  }
  {
    SCOPED_TRACE("HMX-VTA-107");
    error = 0;
    EXPECT_NE(drv2->connect(1, &error), result::ok);
    EXPECT_EQ(error, uint32_t{HMX_EBUSY});  // one driver per device
  }
  {
    SCOPED_TRACE("HMX-VTA-044");  // once the first driver disconnects, the second one gets the device
    ASSERT_EQ(drv->bus().disconnect(1), result::ok);
    EXPECT_EQ(drv2->connect(1), result::ok);
    EXPECT_EQ(drv2->init_blk(1, 16), result::ok);
  }
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
