// SPDX-License-Identifier: Apache-2.0
// virtio-blk end to end over virtio-argo: negotiation, bulk data with checksums, and the
// request validation of the device, with the device served inline or on its own thread.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "support/blk_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;
constexpr uint64_t kMiB = 1 << 20;

class BlkArgo : public ::testing::TestWithParam<bool> {
 protected:
  rig_options opts() const {
    rig_options o;
    o.threaded = GetParam();
    return o;
  }
};

// covers: HMX-VTA-066 HMX-VTA-067 HMX-VTA-076 HMX-VTA-077 HMX-VTA-078 HMX-VTA-079
TEST_P(BlkArgo, NegotiatesOverMessages) {
  blk_fixture f(4 * kMiB);
  argo_rig rig(*f.dev, opts());
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(),
                     v::bit(v::F_INDIRECT_DESC) | v::bit(v::F_EVENT_IDX)),
            result::ok);
  EXPECT_EQ(drv.capacity(), 4 * kMiB / 512);
  EXPECT_NE(drv.features() & v::bit(v::F_VERSION_1), 0u);
  EXPECT_NE(drv.features() & v::bit(v::BLK_F_FLUSH), 0u);
  EXPECT_NE(drv.features() & v::bit(v::F_EVENT_IDX), 0u) << "implemented by the driver transport";
  uint8_t status = 0;
  ASSERT_EQ(rig.transport.get_status(status), result::ok);
  EXPECT_EQ(status, v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
  rig.stop_device();
  // The device saw VERSION_1 and the blk bits, never a ring-layout bit.
  const uint64_t dev = rig.host().core().negotiated();
  EXPECT_NE(dev & v::bit(v::F_VERSION_1), 0u);
  EXPECT_EQ(dev & v::RING_LAYOUT_FEATURES, 0u);
}

// covers: HMX-VTA-026 HMX-VTA-088 HMX-VTA-089 HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093 HMX-VTA-038
TEST_P(BlkArgo, WritesAndReadsBackSeveralMiBWithChecksums) {
  constexpr uint64_t kDisk = 16 * kMiB;
  constexpr uint32_t kChunk = 256 * 1024;
  constexpr uint64_t kBytes = 6 * kMiB;
  blk_fixture f(kDisk);
  argo_rig rig(*f.dev, opts());
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);

  std::vector<uint8_t> data(kBytes);
  fill_pattern(data.data(), data.size(), 42);
  const uint64_t sum = checksum(data.data(), data.size());
  const uint64_t base = 1000;  // sectors: not at the start of the disk
  for (uint64_t off = 0; off < kBytes; off += kChunk) {
    std::vector<uint8_t> chunk(data.begin() + static_cast<long>(off), data.begin() + static_cast<long>(off + kChunk));
    ASSERT_EQ(blk_write(rig.transport, drv, 0, base + off / 512, chunk), result::ok) << off;
  }
  std::vector<uint8_t> back(kBytes, 0);
  for (uint64_t off = 0; off < kBytes; off += kChunk) {
    std::vector<uint8_t> chunk(kChunk, 0xEE);
    ASSERT_EQ(blk_read(rig.transport, drv, 0, base + off / 512, chunk), result::ok) << off;
    std::copy(chunk.begin(), chunk.end(), back.begin() + static_cast<long>(off));
  }
  EXPECT_EQ(checksum(back.data(), back.size()), sum);
  // And the bytes really are in the host file, where the device put them.
  std::vector<uint8_t> file(kBytes);
  const int fd = ::open(f.file.path().c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pread(fd, file.data(), file.size(), static_cast<off_t>(base * 512)), static_cast<ssize_t>(kBytes));
  ::close(fd);
  EXPECT_EQ(checksum(file.data(), file.size()), sum);
  EXPECT_EQ(rig.transport.in_flight(), 0u);
  // Zero-copy on the driver side: AVAIL data is gathered from the chain (no staging buffer);
  // one 256 KiB write is one request in a few messages.
  EXPECT_EQ(rig.transport.queue_stats(0).requests, 2 * kBytes / kChunk);
}

// covers: HMX-VTA-088 HMX-VTA-089
TEST_P(BlkArgo, GetIdAndFlush) {
  blk_fixture f(kMiB);
  argo_rig rig(*f.dev, opts());
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  char id[v::BLK_ID_BYTES + 4] = {};
  uint32_t used = 0;
  ASSERT_EQ(blk_sync(rig.transport, drv, 0, v::BLK_T_GET_ID, 0, id, v::BLK_ID_BYTES, nullptr, &used), result::ok);
  EXPECT_STREQ(id, "vta-test-serial");
  EXPECT_EQ(used, v::BLK_ID_BYTES + 1);
  EXPECT_EQ(blk_sync(rig.transport, drv, 0, v::BLK_T_FLUSH, 0, nullptr, 0), result::ok);
  rig.stop_device();
  EXPECT_EQ(f.dev->stats().flushes, 1u);
  EXPECT_EQ(f.dev->stats().get_ids, 1u);
}

// covers: HMX-VTA-088 HMX-VTA-089 HMX-VTA-036
TEST_P(BlkArgo, InvalidRequestsGetAnErrorStatus) {
  blk_fixture f(kMiB);  // 2048 sectors
  argo_rig rig(*f.dev, opts());
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  std::vector<uint8_t> buf(4096, 0x5A);
  EXPECT_EQ(blk_read(rig.transport, drv, 0, 2047, buf), result::io) << "runs past the capacity";
  EXPECT_EQ(blk_read(rig.transport, drv, 0, ~uint64_t{0} - 1, buf), result::io) << "sector + length wraps";
  std::vector<uint8_t> odd(1000);
  EXPECT_EQ(blk_read(rig.transport, drv, 0, 0, odd), result::io) << "not whole sectors";
  EXPECT_EQ(blk_sync(rig.transport, drv, 0, 99, 0, buf.data(), 512), result::not_supported);
  // The failed read brought back only zeros: no byte of an earlier request leaks through the
  // device's reused buffers.
  std::vector<uint8_t> pattern(4096);
  fill_pattern(pattern.data(), pattern.size(), 7);
  ASSERT_EQ(blk_write(rig.transport, drv, 0, 0, pattern), result::ok);
  std::vector<uint8_t> ok(4096);
  ASSERT_EQ(blk_read(rig.transport, drv, 0, 0, ok), result::ok);
  EXPECT_EQ(ok, pattern);
  std::fill(buf.begin(), buf.end(), 0x5A);
  EXPECT_EQ(blk_read(rig.transport, drv, 0, 2047, buf), result::io);
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), 4096);
}

// covers: HMX-VTA-088 HMX-VTA-089
TEST_P(BlkArgo, ReadOnlyDeviceRefusesWrites) {
  blk_fixture f(kMiB, 1, 64, true);
  argo_rig rig(*f.dev, opts());
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  EXPECT_NE(drv.features() & v::bit(v::BLK_F_RO), 0u);
  std::vector<uint8_t> buf(512, 1);
  EXPECT_EQ(blk_write(rig.transport, drv, 0, 0, buf), result::io);
  EXPECT_EQ(blk_read(rig.transport, drv, 0, 0, buf), result::ok);
}

INSTANTIATE_TEST_SUITE_P(Modes, BlkArgo, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Threaded" : "Inline"; });

}  // namespace
}  // namespace hmx::virtio_argo::test
