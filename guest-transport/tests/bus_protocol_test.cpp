// SPDX-License-Identifier: Apache-2.0
// Codec round trips and bounds of the bus messages (include/hmx/virtio_argo/protocol_bus.h).
#include <gtest/gtest.h>

#include "hmx/virtio_argo/protocol_bus.h"

namespace hmx::virtio_argo {
namespace {

message decoded(const uint8_t* b, uint32_t n, role to) {
  message m;
  EXPECT_EQ(decode_message(b, n, to, m), result::ok);
  return m;
}

// covers: HMX-VTA-042 HMX-VTA-043
TEST(BusProtocol, GetDevicesRoundTripAndPaging) {
  uint8_t b[256];
  const message r = decoded(b, encode(b, sizeof b, 5, bus_get_devices{8, 4}), role::device);
  EXPECT_TRUE(r.is_bus());
  EXPECT_EQ(r.hdr.dev_num, 0);
  bus_get_devices g{};
  ASSERT_EQ(decode(r, g), result::ok);
  EXPECT_EQ(g.start_index, 8);
  EXPECT_EQ(g.max_count, 4);

  const bus_device_entry e[2] = {{9, VTA_DEVICE_READY, 2, 0x584D48, 0}, {12, VTA_DEVICE_READY, 3, 0x584D48, 0}};
  const message s = decoded(b, encode(b, sizeof b, 5, bus_devices_header{8, 2, 10, 0}, e), role::driver);
  bus_devices_header h{};
  bus_device_entry got[4];
  ASSERT_EQ(decode(s, h, got, 4), result::ok);
  EXPECT_EQ(h.total, 10);
  EXPECT_EQ(got[1].dev_num, 12);
  EXPECT_EQ(got[1].device_id, 3u);
  // More entries than the caller has room for, or than the total allows, are refused.
  EXPECT_NE(decode(s, h, got, 1), result::ok);
  const message t = decoded(b, encode(b, sizeof b, 5, bus_devices_header{9, 2, 10, 0}, e), role::driver);
  EXPECT_NE(decode(t, h, got, 4), result::ok);
  // dev_num 0 names the bus itself, never a device.
  const bus_device_entry zero[1] = {{0, VTA_DEVICE_READY, 2, 1, 0}};
  const message z = decoded(b, encode(b, sizeof b, 5, bus_devices_header{0, 1, 1, 0}, zero), role::driver);
  EXPECT_NE(decode(z, h, got, 4), result::ok);
}

// covers: HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST(BusProtocol, ConnectExchangesAportsAndMessageSizes) {
  uint8_t b[128];
  const message r = decoded(b, encode(b, sizeof b, 6, bus_connect{3, 0, 0x1000, 65536, 0}), role::device);
  bus_connect c{};
  ASSERT_EQ(decode(r, c), result::ok);
  EXPECT_EQ(c.driver_aport, 0x1000u);
  EXPECT_EQ(c.driver_max_message, 65536u);

  const message s = decoded(b, encode(b, sizeof b, 6, bus_connect_result{3, 0, 0, 0x2000, 4096}), role::driver);
  bus_connect_result cr{};
  ASSERT_EQ(decode(s, cr), result::ok);
  EXPECT_EQ(cr.device_aport, 0x2000u);
  // A successful answer must name a ring that takes the minimum message.
  const message small = decoded(b, encode(b, sizeof b, 6, bus_connect_result{3, 0, 0, 0x2000, 100}), role::driver);
  EXPECT_NE(decode(small, cr), result::ok);
  const message refused = decoded(b, encode(b, sizeof b, 6, bus_connect_result{3, 0, 16, 0, 0}), role::driver);
  ASSERT_EQ(decode(refused, cr), result::ok);
  EXPECT_EQ(cr.error, 16u);
}

// covers: HMX-VTA-005
TEST(BusProtocol, DeviceEventsAndPing) {
  uint8_t b[64];
  const message e = decoded(b, encode(b, sizeof b, bus_device_event{4, VTA_DEVICE_REMOVED}), role::driver);
  bus_device_event ev{};
  ASSERT_EQ(decode(e, ev), result::ok);
  EXPECT_EQ(ev.state, VTA_DEVICE_REMOVED);
  const message bad = decoded(b, encode(b, sizeof b, bus_device_event{4, 7}), role::driver);
  EXPECT_NE(decode(bad, ev), result::ok);

  const message p = decoded(b, encode_ping(b, sizeof b, 1, true, 0xCAFE), role::driver);
  uint32_t data = 0;
  ASSERT_EQ(decode_ping(p, true, data), result::ok);
  EXPECT_EQ(data, 0xCAFEu);
  // A bus message with a device number is malformed.
  uint8_t q[VTA_HEADER_SIZE + 4];
  const uint32_t n = encode_ping(q, sizeof q, 1, false, 1);
  q[4] = 1;
  message m;
  EXPECT_NE(decode_message(q, n, role::device, m), result::ok);
}

}  // namespace
}  // namespace hmx::virtio_argo
