// SPDX-License-Identifier: Apache-2.0
// Configuration space over messages: chunked reads that retry until every chunk saw the same
// generation, guarded writes, and the initialization rules a driver keeps (HMX-VTA-066 HMX-VTA-067, -015,
// -016, -037).
#include <gtest/gtest.h>

#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/driver/init.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

// A device with a 1 KiB config space whose contents change (with the generation) during the
// first `changes` reads: each byte holds (offset + epoch).
class shifting_device final : public device::virtio_device {
 public:
  explicit shifting_device(int changes) : changes_(changes) {}
  uint32_t device_id() const override { return 0x7F; }
  uint64_t device_features() const override { return 0; }
  uint16_t num_queues() const override { return 1; }
  uint32_t config_size() const override { return 1024; }
  void read_config(uint32_t off, void* dst, uint32_t len) const override {
    for (uint32_t i = 0; i < len; ++i) static_cast<uint8_t*>(dst)[i] = static_cast<uint8_t>(off + i + epoch_);
    ++reads_;
    if (changes_ > 0) {
      --changes_;
      ++epoch_;
      const_cast<shifting_device*>(this)->notify_config_changed();
    }
  }
  void process(device::request& r) override { r.complete(0); }
  mutable int reads_ = 0;
  mutable int changes_;
  mutable int epoch_ = 0;
};

// covers: HMX-VTA-070 HMX-VTA-071 HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075
TEST(Config, ChunkedReadRetriesUntilConsistent) {
  shifting_device dev(2);
  rig_options o;
  o.driver_ring = 512;  // responses carry at most 512 - 32 - 28 = 452 config bytes
  argo_rig rig(dev, o);
  uint64_t f = 0;
  ASSERT_EQ(negotiate(rig.transport, 0, f), result::ok);
  std::vector<uint8_t> cfg(1024);
  uint32_t gen = 0;
  ASSERT_EQ(rig.transport.read_config(0, cfg.data(), 1024, &gen), result::ok);
  for (uint32_t i = 0; i < 1024; ++i) ASSERT_EQ(cfg[i], static_cast<uint8_t>(i + 2)) << i;
  EXPECT_EQ(gen, 2u);
  // Attempt 1 saw generations 1 and 2 in its first two chunks; attempt 2 read three chunks.
  EXPECT_EQ(dev.reads_, 2 + 3);
}

// covers: HMX-VTA-070 HMX-VTA-071
TEST(Config, EndlesslyChangingConfigGivesUp) {
  shifting_device dev(1000);
  argo_rig rig(dev);
  uint64_t f = 0;
  ASSERT_EQ(negotiate(rig.transport, 0, f), result::ok);
  std::vector<uint8_t> cfg(1024);
  // One chunk is atomic; several chunks never agree.
  EXPECT_EQ(rig.transport.read_config(0, cfg.data(), 64), result::ok);
  rig_options o;
  o.driver_ring = 512;
  shifting_device dev2(1000);
  argo_rig small(dev2, o);
  ASSERT_EQ(negotiate(small.transport, 0, f), result::ok);
  EXPECT_EQ(small.transport.read_config(0, cfg.data(), 1024), result::busy);
}

// covers: HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075
TEST(Config, WriteWithAStaleGenerationIsRefused) {
  device::console_device con;
  argo_rig rig(con);
  uint64_t f = 0;
  ASSERT_EQ(negotiate(rig.transport, v::bit(v::CONSOLE_F_EMERG_WRITE), f), result::ok);
  uint32_t gen = 0;
  ASSERT_EQ(rig.transport.config_generation(gen), result::ok);
  con.set_size(1, 1);  // inline rig: the device runs on this thread
  const uint8_t w[4] = {'!', 0, 0, 0};
  EXPECT_EQ(rig.transport.write_config(v::CONSOLE_CFG_EMERG_WR, w, 4, &gen), result::busy);
  const uint32_t now = gen + 1;
  EXPECT_EQ(rig.transport.write_config(v::CONSOLE_CFG_EMERG_WR, w, 4, &now), result::ok);
  EXPECT_EQ(con.emergency(), "!");
}

// A transport stub whose device lacks VERSION_1 (a legacy device).
struct legacy_transport {
  std::vector<uint8_t> statuses;
  uint64_t accepted = ~uint64_t{0};
  result get_features(uint64_t& f) {
    f = 1;  // some device bit, no VERSION_1
    return result::ok;
  }
  result set_features(uint64_t f) {
    accepted = f;
    return result::ok;
  }
  result get_status(uint8_t& s) {
    s = statuses.empty() ? 0 : statuses.back();
    return result::ok;
  }
  result set_status(uint8_t s) {
    statuses.push_back(s);
    return result::ok;
  }
  result reset() {
    statuses.clear();
    return result::ok;
  }
  result read_config(uint32_t, void*, uint32_t) { return result::ok; }
  result write_config(uint32_t, const void*, uint32_t) { return result::ok; }
  result setup_queue(split_virtqueue&, inflight_slot*) { return result::ok; }
  result reset_queue(uint16_t) { return result::ok; }
  result notify(uint16_t) { return result::ok; }
  result poll() { return result::ok; }
  result wait(uint64_t) { return result::ok; }
};
static_assert(virtio_transport<legacy_transport>);

// covers: HMX-VTA-037 HMX-VTA-066 HMX-VTA-067
TEST(Config, DriverRefusesADeviceWithoutVersion1) {
  legacy_transport t;
  uint64_t f = 0;
  EXPECT_EQ(negotiate(t, ~uint64_t{0}, f), result::not_supported);
  ASSERT_FALSE(t.statuses.empty());
  EXPECT_NE(t.statuses.back() & v::STATUS_FAILED, 0);
  EXPECT_EQ(t.accepted, ~uint64_t{0}) << "no features were accepted";
}

// covers: HMX-VTA-066 HMX-VTA-067 HMX-VTA-062 HMX-VTA-063 HMX-VTA-064 HMX-VTA-065
TEST(Config, InitSequenceOverMessages) {
  device::console_device con;
  argo_rig rig(con);
  uint64_t f = 0;
  ASSERT_EQ(negotiate(rig.transport, v::bit(v::CONSOLE_F_SIZE), f), result::ok);
  uint8_t s = 0;
  ASSERT_EQ(rig.transport.get_status(s), result::ok);
  EXPECT_EQ(s, v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
  EXPECT_EQ(rig.host().core().negotiated(), v::bit(v::F_VERSION_1) | v::bit(v::CONSOLE_F_SIZE));
  ASSERT_EQ(driver_ok(rig.transport), result::ok);
  EXPECT_TRUE(rig.host().core().driver_ok());
}

}  // namespace
}  // namespace hmx::virtio_argo::test
