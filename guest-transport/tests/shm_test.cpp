// SPDX-License-Identifier: Apache-2.0
// The shared-memory baseline: the same device objects and the same driver, with the device
// reading the driver's split virtqueue directly (the classic way). It is the reference the
// isolation-cost benchmark divides by, so it must be correct on its own and agree with
// virtio-argo on every byte.
#include <gtest/gtest.h>

#include "hmx/virtio_argo/device/shm_transport.h"
#include "support/blk_helpers.h"
#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;
using device::shm_device_host;
using device::shm_transport;

// The same workload over either transport; returns the checksum of what it read back.
template <class T>
uint64_t workload(T& t, blk_driver<T>& drv, uint64_t seed) {
  constexpr uint32_t kChunk = 128 * 1024;
  std::vector<uint8_t> data(4 << 20);
  fill_pattern(data.data(), data.size(), seed);
  for (uint32_t off = 0; off < data.size(); off += kChunk) {
    std::vector<uint8_t> c(data.begin() + off, data.begin() + off + kChunk);
    EXPECT_EQ(blk_write(t, drv, static_cast<uint16_t>((off / kChunk) % drv.queues()), off / 512, c), result::ok);
  }
  std::vector<uint8_t> back(data.size());
  for (uint32_t off = 0; off < data.size(); off += kChunk) {
    std::vector<uint8_t> c(kChunk);
    EXPECT_EQ(blk_read(t, drv, static_cast<uint16_t>((off / kChunk + 1) % drv.queues()), off / 512, c), result::ok);
    std::copy(c.begin(), c.end(), back.begin() + off);
  }
  EXPECT_EQ(back, data);
  return checksum(back.data(), back.size());
}

// covers: HMX-VTA-078 HMX-VTA-079
TEST(SharedMemory, BaselineServesTheSameWorkloadWithTheSameDevice) {
  blk_fixture f(8 << 20, 2);
  uint64_t argo_sum = 0, shm_sum = 0;
  {
    argo_rig rig(*f.dev);
    queue_set qs(2, 64);
    blk_driver<argo_driver> drv;
    ASSERT_EQ(drv.init(rig.transport, 2, 64, qs.mem.data(), 0), result::ok);
    argo_sum = workload(rig.transport, drv, 77);
  }
  {
    shm_device_host host(*f.dev);
    shm_transport t(host);
    queue_set qs(2, 64);
    blk_driver<shm_transport> drv;
    ASSERT_EQ(drv.init(t, 2, 64, qs.mem.data(), 0), result::ok);
    EXPECT_EQ(drv.queues(), 2);
    shm_sum = workload(t, drv, 77);
    EXPECT_EQ(host.stats().protocol_errors, 0u);
    // Data written over virtio-argo earlier is there for the baseline too: one device.
    std::vector<uint8_t> c(512);
    ASSERT_EQ(blk_read(t, drv, 0, 0, c), result::ok);
  }
  EXPECT_EQ(argo_sum, shm_sum);
}

// covers: HMX-VTA-040
TEST(SharedMemory, IndirectAndEventIndexOnTheDeviceSide) {
  blk_fixture f(1 << 20);
  shm_device_host host(*f.dev);
  callbacks cb;
  shm_transport t(host, &cb, &callbacks::on_used, &callbacks::on_config);
  queue_set qs(1, 16);
  blk_driver<shm_transport> drv;
  ASSERT_EQ(drv.init(t, 1, 16, qs.mem.data(), v::bit(v::F_INDIRECT_DESC) | v::bit(v::F_EVENT_IDX)), result::ok);
  // Here the device walks the rings itself, so it is the one that negotiated the ring bits.
  EXPECT_NE(host.core().negotiated() & v::bit(v::F_INDIRECT_DESC), 0u);
  EXPECT_NE(host.core().negotiated() & v::bit(v::F_EVENT_IDX), 0u);
  std::vector<uint8_t> data(30 * 512);
  fill_pattern(data.data(), data.size(), 1);
  std::vector<split_virtqueue::buf> segs;
  for (int i = 0; i < 30; ++i) segs.push_back({data.data() + 512 * i, 512});
  std::vector<vring_desc> table(32);
  blk_request r{};
  ASSERT_EQ(drv.submit(0, r, v::BLK_T_OUT, 0, segs.data(), 30, table.data()), result::ok);
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_EQ(t.poll(), result::ok);
  ASSERT_EQ(drv.reap(0), &r);
  EXPECT_EQ(r.outcome, result::ok);
  EXPECT_GE(cb.used, 1u);
  std::vector<uint8_t> back(data.size());
  ASSERT_EQ(blk_read(t, drv, 0, 0, back), result::ok);
  EXPECT_EQ(back, data);
}

// covers: HMX-VTA-094 HMX-VTA-095
TEST(SharedMemory, ConsoleHeldBuffersAndQueueReset) {
  device::console_device con;
  shm_device_host host(con);
  shm_transport t(host);
  console_driver<shm_transport> drv(t);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(8), result::ok);
  ASSERT_EQ(drv.post_rx(8), result::ok);
  EXPECT_EQ(con.waiting_rx(), 2u);
  ASSERT_EQ(drv.send("shm"), result::ok);
  EXPECT_EQ(drv.received(), "shm");
  ASSERT_EQ(t.reset_queue(0), result::ok);
  EXPECT_EQ(con.waiting_rx(), 0u);
  EXPECT_NE(drv.vq[0].detach_unused(), nullptr);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
