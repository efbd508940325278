// SPDX-License-Identifier: Apache-2.0
// The bus: enumeration on the well-known aport, one connection (a pair of rings) per device,
// refusals, and removal reaching the driver (HMX-VTA-001..005, -034).
#include <gtest/gtest.h>

#include <map>

#include "hmx/virtio_argo/device/bus_server.h"
#include "hmx/virtio_argo/driver/bus_client.h"
#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;
constexpr uint32_t kDeviceRing = 64 * 1024;

// The device domain: a bus server and, per connected device, its own pair of rings and host.
struct device_domain {
  device_domain()
      : bus_link(16 * 1024, 16 * 1024),
        bus_ch(bus_link.device()),
        server(bus_ch, [this](const bus_connect& c) { return connect(c); },
               [this](uint16_t d) {
                 conns.erase(d);
                 ++disconnects;
               }) {}

  bus_connect_result connect(const bus_connect& c) {
    conn& k = conns[c.dev_num];
    // The driver's ring for this device takes driver_max_message; the device's takes ours.
    k.link = std::make_unique<loopback_link>(c.driver_max_message + 32, kDeviceRing);
    k.ch = std::make_unique<device::channel_ref<loopback_endpoint>>(k.link->device());
    k.host = std::make_unique<device::argo_device_host>(*devices.at(c.dev_num), *k.ch,
                                                        device::argo_host_options{c.dev_num, {}, kDeviceRing - 32});
    return {c.dev_num, 0, 0, 0x56540000u + c.dev_num, kDeviceRing - 32};
  }
  void pump() {
    (void)server.poll();
    for (auto& [n, k] : conns) (void)k.host->poll();
  }

  struct conn {
    std::unique_ptr<loopback_link> link;
    std::unique_ptr<device::channel_ref<loopback_endpoint>> ch;
    std::unique_ptr<device::argo_device_host> host;
  };
  loopback_link bus_link;
  device::channel_ref<loopback_endpoint> bus_ch;
  device::bus_server server;
  std::map<uint16_t, device::virtio_device*> devices;
  std::map<uint16_t, conn> conns;
  int disconnects = 0;
};

struct Bus : ::testing::Test {
  void SetUp() override {
    for (uint16_t n = 1; n <= 10; ++n) {
      consoles.push_back(std::make_unique<device::console_device>());
      dom.devices[n] = consoles.back().get();
      dom.server.add(n, v::ID_CONSOLE, 0x00584D48);
    }
    dom.bus_link.driver().set_idle_hook([this] { dom.pump(); });
    ASSERT_EQ(client.open(dom.bus_link.driver(), rx, sizeof rx, 500'000'000), result::ok);
  }
  // Opens the driver transport on device dev_num's connection (made by a CONNECT before).
  void open_transport(uint16_t dev_num, uint32_t rx_capacity, std::vector<uint8_t>& rx, argo_driver& t) {
    auto& k = dom.conns.at(dev_num);
    k.link->driver().set_idle_hook([this] { dom.pump(); });
    rx.resize(rx_capacity);
    argo_driver_config cfg;
    cfg.dev_num = dev_num;
    cfg.rx_buffer = rx.data();
    cfg.rx_capacity = rx_capacity;
    ASSERT_EQ(t.open(k.link->driver(), cfg), result::ok);
  }
  std::vector<std::unique_ptr<device::console_device>> consoles;
  device_domain dom;
  bus_client<loopback_endpoint> client;
  uint8_t rx[4096];
};

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-005
TEST_F(Bus, ListsEveryDeviceAcrossPages) {
  bus_device_entry e[32];
  uint16_t n = 0;
  ASSERT_EQ(client.list(e, 32, n), result::ok);
  ASSERT_EQ(n, 10);
  for (uint16_t i = 0; i < n; ++i) {
    EXPECT_EQ(e[i].dev_num, i + 1);
    EXPECT_EQ(e[i].device_id, v::ID_CONSOLE);
    EXPECT_EQ(e[i].state, VTA_DEVICE_READY);
  }
  bus_device_event ev{};
  int ready = 0;
  while (client.next_event(ev) == result::ok) ready += ev.state == VTA_DEVICE_READY;
  EXPECT_EQ(ready, 10) << "each device was announced";
  EXPECT_EQ(client.ping(0xBEEF), result::ok);
}

// covers: HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-044 HMX-VTA-045 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST_F(Bus, ConnectGivesAWorkingPairOfRings) {
  bus_connect_result c{};
  const uint32_t driver_max = 8192 - 32;
  ASSERT_EQ(client.connect(4, 0x1004, driver_max, c), result::ok);
  ASSERT_EQ(c.error, 0u);
  EXPECT_EQ(c.device_aport, 0x56540004u);
  EXPECT_GE(c.device_max_message, VTA_MIN_MESSAGE_SIZE);
  auto& k = dom.conns.at(4);
  EXPECT_EQ(k.link->driver().max_message_size(), c.device_max_message);
  EXPECT_EQ(k.link->device().max_message_size(), driver_max);

  std::vector<uint8_t> drx;
  argo_driver t;
  ASSERT_NO_FATAL_FAILURE(open_transport(4, driver_max, drx, t));
  console_driver<argo_driver> drv(t);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(16), result::ok);
  ASSERT_EQ(drv.send("bus!"), result::ok);
  std::string got;
  ASSERT_TRUE(drive_until(t, [&] {
    got += drv.received();
    return got == "bus!";
  }));
  EXPECT_EQ(consoles[3]->output(), "bus!");

  // Unknown devices and rings below the minimum are refused.
  ASSERT_EQ(client.connect(77, 0x1077, driver_max, c), result::ok);
  EXPECT_EQ(c.error, 19u);  // ENODEV
  ASSERT_EQ(client.connect(5, 0x1005, 100, c), result::ok);
  EXPECT_EQ(c.error, 90u);  // EMSGSIZE
  // After a disconnect the device can be connected again.
  EXPECT_EQ(client.disconnect(4), result::ok);
  EXPECT_EQ(client.disconnect(4), result::no_device);
  ASSERT_EQ(client.connect(4, 0x3004, driver_max, c), result::ok);
  EXPECT_EQ(c.error, 0u);
}

// A driver that connects again to a device it holds (a rebooted guest keeps its domain id) ends
// its old connection as DISCONNECT would and gets a new one, never EBUSY forever.
// covers: HMX-VTA-109
TEST_F(Bus, AConnectForADeviceThisDriverHoldsTakesTheConnectionOver) {
  bus_connect_result c{};
  const uint32_t driver_max = 8192 - 32;
  ASSERT_EQ(client.connect(4, 0x1004, driver_max, c), result::ok);
  ASSERT_EQ(c.error, 0u);
  ASSERT_EQ(client.connect(4, 0x2004, driver_max, c), result::ok);
  EXPECT_EQ(c.error, 0u);
  EXPECT_EQ(dom.disconnects, 1) << "the old connection was ended as DISCONNECT would";
  ASSERT_EQ(dom.conns.count(4), 1u) << "and a new one made";
  EXPECT_EQ(dom.server.stats().reconnects, 1u);
  EXPECT_TRUE(dom.server.connected(4));
  // The new connection works end to end.
  std::vector<uint8_t> drx;
  argo_driver t;
  ASSERT_NO_FATAL_FAILURE(open_transport(4, driver_max, drx, t));
  console_driver<argo_driver> drv(t);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.send("again"), result::ok);
  ASSERT_TRUE(drive_until(t, [&] { return consoles[3]->output() == "again"; }));
  // A refused reconnect still ends the old connection: the driver asked for a new one.
  ASSERT_EQ(client.connect(4, 0x3004, 100, c), result::ok);
  EXPECT_EQ(c.error, 90u);  // EMSGSIZE
  EXPECT_FALSE(dom.server.connected(4));
  EXPECT_EQ(dom.disconnects, 2);
  EXPECT_EQ(dom.conns.count(4), 0u);
}

// covers: HMX-VTA-005 HMX-VTA-034
TEST_F(Bus, RemovalReachesTheDriver) {
  bus_connect_result c{};
  ASSERT_EQ(client.connect(2, 0x1002, 4096, c), result::ok);
  auto& k = dom.conns.at(2);
  k.link->driver().set_idle_hook([this] { dom.pump(); });
  std::vector<uint8_t> drx(4096);
  argo_driver t;
  argo_driver_config cfg;
  cfg.dev_num = 2;
  cfg.rx_buffer = drx.data();
  cfg.rx_capacity = 4096;
  ASSERT_EQ(t.open(k.link->driver(), cfg), result::ok);
  console_driver<argo_driver> drv(t);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(16), result::ok);

  bus_device_event ev{};
  while (client.next_event(ev) == result::ok) {
  }
  dom.server.remove(2);
  ASSERT_EQ(client.next_event(ev), result::ok);
  EXPECT_EQ(ev.dev_num, 2);
  EXPECT_EQ(ev.state, VTA_DEVICE_REMOVED);
  t.mark_removed();
  EXPECT_EQ(drv.send("x"), result::no_device);
  EXPECT_EQ(t.reset(), result::no_device);
  EXPECT_NE(drv.vq[0].detach_unused(), nullptr) << "the held receive buffer comes back";
  bus_device_entry e[16];
  uint16_t n = 0;
  ASSERT_EQ(client.list(e, 16, n), result::ok);
  EXPECT_EQ(n, 9);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
