/* SPDX-License-Identifier: Apache-2.0 */
// Synchronous virtio-blk helpers over any transport, on top of blk_driver.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "hmx/virtio_argo/device/blk_device.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {

// Submits one request, kicks, and drives the transport until it completes (or the transport
// breaks). Returns the request's outcome, or timed_out.
template <class T, class D>
result blk_sync(T& t, D& drv, uint16_t q, uint32_t type, uint64_t sector, void* buf, uint32_t len,
                vring_desc* indirect = nullptr, uint32_t* used_len = nullptr) {
  blk_request r{};
  const split_virtqueue::buf b{buf, len};
  result s = drv.submit(q, r, type, sector, len != 0 ? &b : nullptr, len != 0 ? 1 : 0, indirect);
  if (s != result::ok) return s;
  if ((s = drv.kick(q)) != result::ok) return s;
  blk_request* got = nullptr;
  const bool done = drive_until(t, [&] {
    got = drv.reap(q);
    return got != nullptr || t.broken();
  });
  if (!done || got == nullptr) return t.broken() ? result::no_device : result::timed_out;
  EXPECT_EQ(got, &r);
  if (used_len != nullptr) *used_len = got->used_len;
  return got->outcome;
}

template <class T, class D>
result blk_write(T& t, D& drv, uint16_t q, uint64_t sector, const std::vector<uint8_t>& data) {
  return blk_sync(t, drv, q, virtio::BLK_T_OUT, sector, const_cast<uint8_t*>(data.data()),
                  static_cast<uint32_t>(data.size()));
}

template <class T, class D>
result blk_read(T& t, D& drv, uint16_t q, uint64_t sector, std::vector<uint8_t>& data) {
  return blk_sync(t, drv, q, virtio::BLK_T_IN, sector, data.data(), static_cast<uint32_t>(data.size()));
}

// A blk device on a scratch file.
struct blk_fixture {
  explicit blk_fixture(uint64_t bytes, uint16_t queues = 1, uint16_t queue_size = 64, bool read_only = false)
      : file(bytes) {
    device::blk_options o;
    o.path = file.path();
    o.num_queues = queues;
    o.queue_size = queue_size;
    o.read_only = read_only;
    o.serial = "vta-test-serial";
    result err = result::ok;
    dev = device::blk_device::open(o, err);
    if (dev == nullptr) std::abort();
  }
  temp_file file;
  std::unique_ptr<device::blk_device> dev;
};

}  // namespace hmx::virtio_argo::test
