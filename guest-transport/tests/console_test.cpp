// SPDX-License-Identifier: Apache-2.0
// virtio-console over virtio-argo: receive buffers held until data arrives (completed later and
// out of order with respect to transmits), a device-side config change, an emergency write.
#include <gtest/gtest.h>

#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

class Console : public ::testing::TestWithParam<bool> {
 protected:
  rig_options opts() const {
    rig_options o;
    o.threaded = GetParam();
    return o;
  }
};

// covers: HMX-VTA-026 HMX-VTA-088 HMX-VTA-089 HMX-VTA-094 HMX-VTA-095
TEST_P(Console, EchoThroughHeldReceiveBuffers) {
  device::console_device con;
  argo_rig rig(con, opts());
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(drv.post_rx(8), result::ok);
  // Receive buffers carry no readable bytes: one AVAIL without data each; the device holds
  // them, so the transmits posted afterwards complete first.
  std::string msg = "hello, virtio-argo";
  ASSERT_EQ(drv.send(msg.substr(0, 10)), result::ok);
  ASSERT_EQ(drv.send(msg.substr(10)), result::ok);
  std::string got;
  ASSERT_TRUE(drive_until(rig.transport, [&] {
    got += drv.received();
    return got.size() >= msg.size() && drv.tx_done == 2;
  }));
  EXPECT_EQ(got, msg);
  rig.stop_device();
  EXPECT_EQ(con.output(), msg);
}

// covers: HMX-VTA-020 HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075
TEST_P(Console, SizeChangeRaisesAConfigEvent) {
  device::console_device con;
  argo_rig rig(con, opts());
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  uint32_t gen0 = 0;
  ASSERT_EQ(rig.transport.config_generation(gen0), result::ok);
  const uint32_t before = rig.cb.config;
  rig.host().post([&] { con.set_size(132, 43); });  // on the device's thread
  if (!GetParam()) (void)rig.host().poll();
  ASSERT_TRUE(drive_until(rig.transport, [&] { return rig.cb.config > before; }));
  uint8_t cfg[4];
  uint32_t gen1 = 0;
  ASSERT_EQ(rig.transport.read_config(v::CONSOLE_CFG_COLS, cfg, 4, &gen1), result::ok);
  EXPECT_EQ(wire::load_le16(cfg), 132);
  EXPECT_EQ(wire::load_le16(cfg + 2), 43);
  EXPECT_NE(gen1, gen0);
}

// covers: HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075
TEST_P(Console, EmergencyWriteThroughSetConfig) {
  device::console_device con;
  argo_rig rig(con, opts());
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_NE(drv.features & v::bit(v::CONSOLE_F_EMERG_WRITE), 0u);
  for (char c : std::string("SOS")) {
    uint8_t w[4] = {static_cast<uint8_t>(c), 0, 0, 0};
    ASSERT_EQ(rig.transport.write_config(v::CONSOLE_CFG_EMERG_WR, w, 4), result::ok);
  }
  uint8_t cols[2] = {9, 9};
  EXPECT_EQ(rig.transport.write_config(v::CONSOLE_CFG_COLS, cols, 2), result::invalid) << "read-only";
  rig.stop_device();
  EXPECT_EQ(con.emergency(), "SOS");
}

INSTANTIATE_TEST_SUITE_P(Modes, Console, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Threaded" : "Inline"; });

}  // namespace
}  // namespace hmx::virtio_argo::test
