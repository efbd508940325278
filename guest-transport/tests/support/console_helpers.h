/* SPDX-License-Identifier: Apache-2.0 */
// A virtio-console driver side for tests: queue set-up and the receive/transmit buffers.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/driver/init.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {

template <class T>
struct console_driver {
  static constexpr uint16_t kSize = 16;
  explicit console_driver(T& transport) : t(transport), qs(2, kSize) {}

  result init(uint64_t extra = 0) {
    namespace v = virtio;
    uint64_t f = 0;
    result r = negotiate(t, v::bit(v::CONSOLE_F_SIZE) | v::bit(v::CONSOLE_F_EMERG_WRITE) | v::bit(v::F_RING_RESET) | extra, f);
    if (r != result::ok) return r;
    features = f;
    for (uint16_t q = 0; q < 2; ++q) {
      if ((r = vq[q].init(q, kSize, qs.mem[q].ring, qs.mem[q].slots)) != result::ok) return r;
      if ((r = t.setup_queue(vq[q], qs.mem[q].inflight)) != result::ok) return r;
    }
    return driver_ok(t);
  }
  // Posts one receive buffer of n bytes; the device holds it until data arrives.
  result post_rx(size_t n) {
    rx.push_back(std::make_unique<std::vector<uint8_t>>(n, 0xCC));
    const split_virtqueue::buf b{rx.back()->data(), static_cast<uint32_t>(n)};
    result r = vq[0].add(nullptr, 0, &b, 1, rx.back().get());
    if (r == result::ok && vq[0].kick_prepare()) r = t.notify(0);
    return r;
  }
  result send(const std::string& s) {
    tx.push_back(std::make_unique<std::string>(s));
    const split_virtqueue::buf b{tx.back()->data(), static_cast<uint32_t>(s.size())};
    result r = vq[1].add(&b, 1, nullptr, 0, tx.back().get());
    if (r == result::ok && vq[1].kick_prepare()) r = t.notify(1);
    return r;
  }
  // Collects completed receive buffers' bytes, in completion order.
  std::string received() {
    std::string out;
    uint32_t len = 0;
    while (void* p = vq[0].get_used(len)) {
      auto* v = static_cast<std::vector<uint8_t>*>(p);
      EXPECT_LE(len, v->size());
      out.append(reinterpret_cast<const char*>(v->data()), len);
    }
    while (vq[1].get_used(len) != nullptr) ++tx_done;
    return out;
  }

  T& t;
  queue_set qs;
  split_virtqueue vq[2];
  uint64_t features = 0;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> rx;
  std::vector<std::unique_ptr<std::string>> tx;
  int tx_done = 0;
};

}  // namespace hmx::virtio_argo::test
