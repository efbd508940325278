// SPDX-License-Identifier: Apache-2.0
// A driver domain of header version 1 (spec 0.1) meets the device domain over real HMX: its
// CONNECT, numbered as version 1 numbered it, gets a version-1 answer with EPROTO.
#include <cstring>

#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

// covers: HMX-VTA-113
TEST_F(OverCore, AVersionOneDriverIsRefusedWithEprotoInItsOwnVersion) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  service::host_channel& bus = drv->bus_channel();

  uint8_t req[VTA_LEGACY_CONNECT_SIZE] = {};
  req[0] = VTA_LEGACY_VERSION;
  req[1] = VTA_FLAG_BUS;
  req[2] = VTA_LEGACY_BUS_CONNECT;
  wire::store_le32(req + 8, 0x0BAD0001);  // token
  wire::store_le32(req + 12, VTA_LEGACY_CONNECT_SIZE);
  wire::store_le16(req + 16, 1);           // dev_num
  wire::store_le32(req + 20, 0x56541001);  // driver_aport
  wire::store_le32(req + 24, 4064);        // driver_max_message
  const chan_iov iov{req, sizeof req};
  ASSERT_EQ(bus.send(&iov, 1), result::ok);

  // The answer, among whatever else the bus sends (EVENT_DEVICE in version 2).
  uint8_t a[512];
  uint32_t got = 0;
  const uint64_t deadline = bus.now_ns() + 5'000'000'000ull;
  while (got == 0 && bus.now_ns() < deadline) {
    const recv_result r = bus.receive(a, sizeof a);
    if (r.status == result::ok && r.size > 0 && a[0] == VTA_LEGACY_VERSION) got = r.size;
    if (r.status == result::again) (void)bus.wait(10'000'000);
  }
  ASSERT_EQ(got, VTA_LEGACY_CONNECT_SIZE) << "no version-1 answer within 5 s";
  EXPECT_EQ(a[1], VTA_FLAG_BUS | VTA_FLAG_RESPONSE);
  EXPECT_EQ(a[2], VTA_LEGACY_BUS_CONNECT);
  EXPECT_EQ(wire::load_le32(a + 8), 0x0BAD0001u);
  EXPECT_EQ(wire::load_le32(a + 12), VTA_LEGACY_CONNECT_SIZE);
  EXPECT_EQ(wire::load_le16(a + 16), 1);
  EXPECT_EQ(wire::load_le32(a + 20), 71u) << "EPROTO";
  EXPECT_EQ(wire::load_le32(a + 24), 0u);
  EXPECT_EQ(wire::load_le32(a + 28), 0u);
  // Nothing was connected: a version-2 driver still gets the device.
  ASSERT_EQ(drv->connect(1), result::ok);
  EXPECT_EQ(drv->init_blk(1, 16), result::ok);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
