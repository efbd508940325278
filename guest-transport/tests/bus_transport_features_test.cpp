// SPDX-License-Identifier: Apache-2.0
// Transport features on the bus (spec transport "Requests with exposures"): the GET_DEVICES
// entry offers them, CONNECT takes only offered ones, and the device domain's connect callback
// learns what was negotiated.
#include <gtest/gtest.h>

#include <vector>

#include "hmx/virtio_argo/device/bus_server.h"
#include "hmx/virtio_argo/loopback.h"
#include "hmx/virtio_argo/protocol_bus.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace hmx::virtio_argo {
namespace {

struct BusTransportFeatures : ::testing::Test {
  BusTransportFeatures()
      : link(16 * 1024, 16 * 1024), ch(link.device()), server(ch, [this](const bus_connect& c) {
          seen.push_back(c);
          return bus_connect_result{c.dev_num, 0, 0, 0x100, 4096};
        }) {
    server.add(1, 3, 0x554d4551, VTA_TRANSPORT_F_EXPOSURES);
    server.add(2, 3, 0x554d4551);
  }
  std::vector<std::vector<uint8_t>> exchange(uint32_t n) {
    const chan_iov iov{b, n};
    EXPECT_EQ(link.driver().send(&iov, 1), result::ok);
    (void)server.poll();
    std::vector<std::vector<uint8_t>> out;
    uint8_t r[4096];
    for (recv_result rr; (rr = link.driver().receive(r, sizeof r)).status == result::ok;) out.emplace_back(r, r + rr.size);
    return out;
  }
  message view(const std::vector<uint8_t>& v) {
    message m;
    EXPECT_EQ(decode_message(v.data(), static_cast<uint32_t>(v.size()), role::driver, m), result::ok);
    return m;
  }
  bus_connect_result connect(uint16_t dev, uint32_t features) {
    bus_connect_result res{};
    for (const auto& v : exchange(encode(b, sizeof b, 9, bus_connect{dev, 0, 0x200, 4096, features}))) {
      const message m = view(v);
      if (m.hdr.msg_id == VTA_BUS_CONNECT) {
        EXPECT_EQ(decode(m, res), result::ok);
      }
    }
    return res;
  }

  loopback_link link;
  device::channel_ref<loopback_endpoint> ch;
  device::bus_server server;
  std::vector<bus_connect> seen;
  uint8_t b[1024];
};

// covers: HMX-VTA-150
TEST_F(BusTransportFeatures, TheEntryCarriesTheOfferedFeatures) {
  bus_devices_header h{};
  bus_device_entry e[4]{};
  bool found = false;
  for (const auto& v : exchange(encode(b, sizeof b, 7, bus_get_devices{0, 4}))) {
    const message m = view(v);
    if (m.hdr.msg_id != VTA_BUS_GET_DEVICES) continue;
    ASSERT_EQ(decode(m, h, e, 4), result::ok);
    found = true;
  }
  ASSERT_TRUE(found);
  ASSERT_EQ(h.count, 2u);
  EXPECT_EQ(e[0].transport_features, VTA_TRANSPORT_F_EXPOSURES);
  EXPECT_EQ(e[1].transport_features, 0u);
}

// covers: HMX-VTA-151
TEST_F(BusTransportFeatures, AConnectAskingForAnUnofferedFeatureIsRefusedWithEinval) {
  EXPECT_EQ(connect(2, VTA_TRANSPORT_F_EXPOSURES).error, uint32_t{HMX_EINVAL});
  EXPECT_EQ(connect(1, 0x80).error, uint32_t{HMX_EINVAL});
  EXPECT_TRUE(seen.empty()) << "refused before the device domain sets anything up";
  EXPECT_EQ(connect(1, VTA_TRANSPORT_F_EXPOSURES).error, 0u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].transport_features, VTA_TRANSPORT_F_EXPOSURES);
  EXPECT_EQ(connect(2, 0).error, 0u) << "without features, as before";
}

TEST(BusTransportFeaturesCodec, AnEntryWithAnUndefinedBitIsInvalid) {
  uint8_t b[256];
  bus_device_entry e[1] = {{1, VTA_DEVICE_READY, 3, 4, 0x2}};
  message m;
  const uint32_t n = encode(b, sizeof b, 5, bus_devices_header{0, 1, 1, 0}, e);
  ASSERT_EQ(decode_message(b, n, role::driver, m), result::ok);
  bus_devices_header h{};
  bus_device_entry out[1]{};
  EXPECT_EQ(decode(m, h, out, 1), result::invalid);
}

}  // namespace
}  // namespace hmx::virtio_argo
