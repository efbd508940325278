/* SPDX-License-Identifier: Apache-2.0 */
// A console driver over the loopback rig whose device the test scripts: the real device is
// stopped after init, one 64-byte writable buffer (between 16-byte canaries of 0xEE) is offered and
// kicked, and the AVAIL it produced is decoded into `first`. Tests then answer as the device.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "console_helpers.h"
#include "rig.h"

namespace hmx::virtio_argo::test {

struct ScriptedConsole : ::testing::Test {
  // transport_features: what the driver accepts in CONNECT (0: the data path only).
  void start(uint32_t transport_features) {
    rig_options o;
    o.request_timeout_ns = 100'000'000;  // the scripted device answers no control request
    o.transport_features = transport_features;
    rig = std::make_unique<argo_rig>(con, o);
    drv = std::make_unique<console_driver<argo_driver>>(rig->transport);
    ASSERT_EQ(drv->init(), result::ok);
    rig->stop_device();  // from here on the test speaks for the device
    std::memset(mem, 0xEE, sizeof mem);
    const split_virtqueue::buf b{mem + 16, 64};
    ASSERT_EQ(drv->vq[0].add(nullptr, 0, &b, 1, mem), result::ok);
    ASSERT_EQ(drv->vq[0].kick_prepare(), true);
    ASSERT_EQ(rig->transport.notify(0), result::ok);
    const recv_result rr = dev().receive(buf, sizeof buf);
    ASSERT_EQ(rr.status, result::ok);
    ASSERT_EQ(decode_message(buf, rr.size, role::device, first), result::ok);
  }
  loopback_endpoint& dev() { return rig->link().device(); }
  // Bytes of the offered buffer the driver changed.
  size_t touched() const {
    return static_cast<size_t>(std::count_if(mem + 16, mem + 80, [](uint8_t x) { return x != 0xEE; }));
  }

  device::console_device con;
  std::unique_ptr<argo_rig> rig;
  std::unique_ptr<console_driver<argo_driver>> drv;
  uint8_t mem[16 + 64 + 16];
  uint8_t buf[4096];
  message first;  // the AVAIL of the offered buffer (points into buf)
};

}  // namespace hmx::virtio_argo::test
