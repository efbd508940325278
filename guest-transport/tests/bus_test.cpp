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

// A driver of header version 1 (spec 0.1) sends CONNECT as 0x04 with version 1: the device domain
// answers in version 1 with EPROTO and connects nothing; a malformed version-1 CONNECT is dropped.
// covers: HMX-VTA-113 HMX-VTA-055
TEST_F(Bus, AVersionOneConnectIsRefusedWithEprotoInVersionOne) {
  static_assert(VTA_LEGACY_VERSION != VTA_VERSION && VTA_LEGACY_BUS_CONNECT != VTA_BUS_CONNECT);
  auto legacy_connect = [](uint32_t token, uint16_t dev_num) {
    std::vector<uint8_t> b(VTA_LEGACY_CONNECT_SIZE, 0);
    b[0] = VTA_LEGACY_VERSION;
    b[1] = VTA_FLAG_BUS;
    b[2] = VTA_LEGACY_BUS_CONNECT;
    wire::store_le32(b.data() + 8, token);
    wire::store_le32(b.data() + 12, VTA_LEGACY_CONNECT_SIZE);
    wire::store_le16(b.data() + 16, dev_num);
    wire::store_le32(b.data() + 20, 0x1003);  // driver_aport
    wire::store_le32(b.data() + 24, 4064);    // driver_max_message
    return b;
  };
  loopback_endpoint& drv = dom.bus_link.driver();
  // Sends `b` as the version-1 driver and returns the version-1 answers the bus sent back.
  auto exchange = [&](const std::vector<uint8_t>& b) {
    const chan_iov iov{b.data(), static_cast<uint32_t>(b.size())};
    EXPECT_EQ(drv.send(&iov, 1), result::ok);
    dom.pump();
    std::vector<std::vector<uint8_t>> answers;
    uint8_t buf[512];
    for (recv_result r = drv.receive(buf, sizeof buf); r.status != result::again; r = drv.receive(buf, sizeof buf))
      if (r.status == result::ok && r.size > 0 && buf[0] == VTA_LEGACY_VERSION) answers.emplace_back(buf, buf + r.size);
    return answers;
  };

  const auto answers = exchange(legacy_connect(0xC0FFEE01, 3));
  ASSERT_EQ(answers.size(), 1u);
  const std::vector<uint8_t>& a = answers[0];
  ASSERT_EQ(a.size(), VTA_LEGACY_CONNECT_SIZE);
  EXPECT_EQ(a[1], VTA_FLAG_BUS | VTA_FLAG_RESPONSE);
  EXPECT_EQ(a[2], VTA_LEGACY_BUS_CONNECT);
  EXPECT_EQ(a[3], 0);
  EXPECT_EQ(wire::load_le16(a.data() + 4), 0);
  EXPECT_EQ(wire::load_le16(a.data() + 6), 0);
  EXPECT_EQ(wire::load_le32(a.data() + 8), 0xC0FFEE01u) << "the request's token";
  EXPECT_EQ(wire::load_le32(a.data() + 12), VTA_LEGACY_CONNECT_SIZE);
  EXPECT_EQ(wire::load_le16(a.data() + 16), 3) << "the request's dev_num";
  EXPECT_EQ(wire::load_le16(a.data() + 18), 0);
  EXPECT_EQ(wire::load_le32(a.data() + 20), 71u) << "error EPROTO";
  EXPECT_EQ(wire::load_le32(a.data() + 24), 0u) << "no device ring";
  EXPECT_EQ(wire::load_le32(a.data() + 28), 0u);
  EXPECT_FALSE(dom.server.connected(3));
  EXPECT_EQ(dom.conns.count(3), 0u) << "nothing was connected";
  EXPECT_EQ(dom.server.stats().legacy_refused, 1u);

  // Anything else of version 1 is dropped unanswered (HMX-VTA-055): a CONNECT with a trailing
  // byte, with a size that lies, with a reserved bit, or a version-1 PING.
  std::vector<uint8_t> longer = legacy_connect(2, 3);
  longer.push_back(0);
  wire::store_le32(longer.data() + 12, static_cast<uint32_t>(longer.size()));
  std::vector<uint8_t> lying = legacy_connect(3, 3);
  wire::store_le32(lying.data() + 12, 64);
  std::vector<uint8_t> reserved = legacy_connect(4, 3);
  reserved[30] = 1;
  std::vector<uint8_t> ping = legacy_connect(5, 3);
  ping[2] = VTA_BUS_PING;
  for (const auto& b : {longer, lying, reserved, ping}) EXPECT_TRUE(exchange(b).empty());
  EXPECT_EQ(dom.server.stats().legacy_refused, 1u);

  // The bus still serves version 2.
  bus_connect_result c{};
  ASSERT_EQ(client.connect(3, 0x1003, 4064, c), result::ok);
  EXPECT_EQ(c.error, 0u);
  EXPECT_TRUE(dom.server.connected(3));
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
