// SPDX-License-Identifier: Apache-2.0
// The device's control plane (virtio 1.2 2.1-2.6), shared by both data paths.
#include <gtest/gtest.h>

#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/device/device_core.h"

namespace hmx::virtio_argo::device {
namespace {

namespace v = virtio;
constexpr uint8_t kAck = v::STATUS_ACKNOWLEDGE, kDrv = v::STATUS_DRIVER, kFok = v::STATUS_FEATURES_OK,
                  kDok = v::STATUS_DRIVER_OK;

void write_features(device_core& c, uint64_t f) {
  const uint32_t w[2] = {static_cast<uint32_t>(f), static_cast<uint32_t>(f >> 32)};
  c.set_feature_words(0, 2, w);
}

// covers: HMX-VTA-017 HMX-VTA-078 HMX-VTA-079
TEST(DeviceCore, OffersVersion1AndNoRingLayoutBits) {
  console_device con;
  device_core core(con, 0, {});
  EXPECT_NE(core.offered() & v::bit(v::F_VERSION_1), 0u);
  EXPECT_EQ(core.offered() & v::RING_LAYOUT_FEATURES, 0u);
  EXPECT_EQ(core.info().num_feature_bits, 64u);
  EXPECT_EQ(core.feature_word(1), static_cast<uint32_t>(core.offered() >> 32));
}

// A device model that claims every device-independent bit virtio-argo forbids, beside one bit of
// its own.
struct overclaiming_device final : virtio_device {
  static constexpr uint64_t kOwn = v::bit(3);
  uint32_t device_id() const override { return v::ID_CONSOLE; }
  uint64_t device_features() const override {
    return kOwn | v::bit(v::F_ACCESS_PLATFORM) | v::bit(v::F_ORDER_PLATFORM) | v::bit(v::F_NOTIF_CONFIG_DATA) |
           v::bit(v::F_IN_ORDER);
  }
  uint16_t num_queues() const override { return 1; }
  uint32_t config_size() const override { return 0; }
  void read_config(uint32_t, void*, uint32_t) const override {}
  void process(request&) override {}
};

// The device offers none of ACCESS_PLATFORM, ORDER_PLATFORM, NOTIF_CONFIG_DATA whatever its model
// claims, and never IN_ORDER, so the in-order promise never applies; a driver that accepts one of
// them anyway does not keep FEATURES_OK.
// covers: HMX-VTA-111 HMX-VTA-110
TEST(DeviceCore, NeverOffersAccessPlatformOrderPlatformNotifConfigDataOrInOrder) {
  overclaiming_device dev;
  device_core core(dev, v::bit(v::F_RING_RESET), {});  // as argo_device_host builds it
  EXPECT_EQ(core.offered() & v::bit(v::F_ACCESS_PLATFORM), 0u);
  EXPECT_EQ(core.offered() & v::bit(v::F_ORDER_PLATFORM), 0u);
  EXPECT_EQ(core.offered() & v::bit(v::F_NOTIF_CONFIG_DATA), 0u);
  EXPECT_EQ(core.offered() & v::bit(v::F_IN_ORDER), 0u);
  EXPECT_NE(core.offered() & overclaiming_device::kOwn, 0u) << "the model's own bits are offered";
  EXPECT_EQ(core.feature_word(1) & static_cast<uint32_t>(v::NEVER_OFFERED_FEATURES >> 32), 0u);
  for (unsigned b : {v::F_ACCESS_PLATFORM, v::F_ORDER_PLATFORM, v::F_NOTIF_CONFIG_DATA, v::F_IN_ORDER}) {
    core.reset();
    core.set_status(kAck | kDrv);
    write_features(core, v::bit(v::F_VERSION_1) | v::bit(b));
    EXPECT_EQ(core.set_status(kAck | kDrv | kFok), kAck | kDrv) << "bit " << b << " was never offered";
  }
}

// covers: HMX-VTA-062 HMX-VTA-063 HMX-VTA-064 HMX-VTA-065
TEST(DeviceCore, FeaturesOkNeedsVersion1AndASubset) {
  console_device con;
  device_core core(con, 0, {});
  EXPECT_EQ(core.set_status(kAck), kAck);
  EXPECT_EQ(core.set_status(kAck | kDrv), kAck | kDrv);
  write_features(core, 0);  // no VERSION_1
  EXPECT_EQ(core.set_status(kAck | kDrv | kFok), kAck | kDrv) << "FEATURES_OK refused";
  write_features(core, v::bit(v::F_VERSION_1) | v::bit(50));  // a bit not offered
  EXPECT_EQ(core.set_status(kAck | kDrv | kFok), kAck | kDrv);
  write_features(core, v::bit(v::F_VERSION_1));
  EXPECT_EQ(core.set_status(kAck | kDrv | kFok), kAck | kDrv | kFok);
}

// covers: HMX-VTA-062 HMX-VTA-063 HMX-VTA-064 HMX-VTA-065 HMX-VTA-068 HMX-VTA-069
TEST(DeviceCore, StatusBitsOnlyGrowAndFeaturesFreezeAtFeaturesOk) {
  console_device con;
  device_core core(con, 0, {});
  write_features(core, v::bit(v::F_VERSION_1));
  EXPECT_EQ(core.negotiated(), 0u) << "before DRIVER the write is ignored";
  core.set_status(kAck);
  EXPECT_EQ(core.set_status(kAck | kDrv | kDok), kAck | kDrv) << "DRIVER_OK needs FEATURES_OK";
  write_features(core, v::bit(v::F_VERSION_1));
  core.set_status(kAck | kDrv | kFok);
  write_features(core, v::bit(v::F_VERSION_1) | v::bit(v::CONSOLE_F_SIZE));
  EXPECT_EQ(core.negotiated(), v::bit(v::F_VERSION_1)) << "frozen after FEATURES_OK";
  EXPECT_EQ(core.set_status(kAck), kAck | kDrv | kFok) << "clearing bits is refused";
  EXPECT_EQ(core.set_status(kAck | kDrv | kFok | kDok | v::STATUS_DEVICE_NEEDS_RESET), kAck | kDrv | kFok | kDok)
      << "the driver cannot set DEVICE_NEEDS_RESET";
  EXPECT_TRUE(core.driver_ok());
  core.reset();
  EXPECT_EQ(core.status(), 0);
  EXPECT_EQ(core.negotiated(), 0u);
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085 HMX-VTA-032
TEST(DeviceCore, QueueSetUpRules) {
  console_device con(true, 64);
  device_core core(con, v::bit(v::F_RING_RESET), {8, 4096});
  EXPECT_EQ(core.set_queue(0, 64), 0u) << "before FEATURES_OK";
  core.set_status(kAck | kDrv);
  write_features(core, v::bit(v::F_VERSION_1) | v::bit(v::F_RING_RESET));
  core.set_status(kAck | kDrv | kFok);
  EXPECT_EQ(core.set_queue(0, 128), 0u) << "beyond max_size";
  EXPECT_EQ(core.set_queue(0, 48), 0u) << "not a power of two";
  EXPECT_EQ(core.set_queue(2, 16), 0u) << "no such queue";
  EXPECT_EQ(core.set_queue(0, 64), 64u);
  EXPECT_EQ(core.queue_info(0).max_in_flight, 8u) << "credit = min(limit, size)";
  EXPECT_EQ(core.set_queue(1, 4), 4u);
  EXPECT_EQ(core.queue(1)->credit, 4u);
  core.set_status(kAck | kDrv | kFok | kDok);
  EXPECT_TRUE(core.queue_live(0));
  EXPECT_EQ(core.set_queue(0, 32), 0u) << "a live queue is reset first";
  EXPECT_TRUE(core.reset_queue(0));
  EXPECT_FALSE(core.queue_live(0));
  EXPECT_EQ(core.set_queue(0, 32), 32u);
}

// covers: HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075 HMX-VTA-020
TEST(DeviceCore, ConfigGenerationGuardsWrites) {
  console_device con;
  device_core core(con, 0, {});
  uint8_t cfg[v::CONSOLE_CFG_SIZE];
  EXPECT_TRUE(core.read_config(0, sizeof cfg, cfg));
  EXPECT_FALSE(core.read_config(4, sizeof cfg, cfg)) << "runs past the config space";
  EXPECT_FALSE(core.read_config(0xFFFFFFFF, 2, cfg));
  core.set_status(kAck | kDrv);
  write_features(core, v::bit(v::F_VERSION_1) | v::bit(v::CONSOLE_F_EMERG_WRITE));
  core.set_status(kAck | kDrv | kFok);
  const uint32_t gen = core.generation();
  const uint8_t ch[4] = {'x', 0, 0, 0};
  con.set_size(100, 40);  // a device-side change moves the generation
  EXPECT_EQ(core.generation(), gen + 1);
  EXPECT_FALSE(core.write_config(gen, v::CONSOLE_CFG_EMERG_WR, ch, 4)) << "stale generation";
  EXPECT_TRUE(core.write_config(gen + 1, v::CONSOLE_CFG_EMERG_WR, ch, 4));
  EXPECT_FALSE(core.write_config(gen + 1, v::CONSOLE_CFG_COLS, ch, 2)) << "read-only field";
  EXPECT_EQ(con.emergency(), "x");
}

}  // namespace
}  // namespace hmx::virtio_argo::device
