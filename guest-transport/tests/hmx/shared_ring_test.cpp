// SPDX-License-Identifier: Apache-2.0
// A device domain that spends one ring per driver domain (spec "Ring budget"): its CONNECT answer
// names its bus ring as the device ring, and the bus and the connection share that ring, told
// apart by the BUS flag of each message. The driver domain must work with it unchanged.
#include <atomic>
#include <cstring>
#include <deque>
#include <thread>

#include "hmx/virtio_argo/device/any_channel.h"
#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/blk_device.h"
#include "hmx/virtio_argo/device/bus_server.h"
#include "hmx/virtio_argo/service/host_domain.h"
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

// The device domain's one ring, read by one thread and split by the BUS flag into what the bus
// server and the connection's device host each receive. Each side sends to its own ring of the
// driver domain: the driver's bus ring, or the ring the CONNECT named.
class shared_ring {
 public:
  class side final : public device::any_channel {
   public:
    side(shared_ring& r, bool bus) : r_(r), bus_(bus) {}
    result send(const chan_iov* iov, uint32_t n) override {
      // The bus ring's largest message: 0, asked of the hypervisor.
      r_.chan_.set_peer(bus_ ? VTA_BUS_APORT : r_.driver_aport_, bus_ ? 0 : r_.driver_max_message_);
      return r_.chan_.send(iov, n);
    }
    recv_result receive(void* buf, uint32_t cap) override {
      r_.pull();
      std::deque<std::vector<uint8_t>>& q = bus_ ? r_.bus_q_ : r_.conn_q_;
      if (q.empty()) return {result::again, 0};
      std::vector<uint8_t> m = std::move(q.front());
      q.pop_front();
      if (m.size() > cap) return {result::msg_size, 0};
      std::memcpy(buf, m.data(), m.size());
      return {result::ok, static_cast<uint32_t>(m.size())};
    }
    uint32_t max_message_size() override { return r_.chan_.max_message_size(); }
    result wait(uint64_t) override { return result::ok; }
    uint64_t now_ns() override { return r_.chan_.now_ns(); }

   private:
    shared_ring& r_;
    bool bus_;
  };

  shared_ring(service::host_domain& dom, ref::DomainId driver)
      : chan_(dom.client(), dom.waiter()), bus(*this, true), conn(*this, false) {
    ring_ = dom.alloc_pages(hmx::ring_npages(kRingLen));
    bounce_ = static_cast<uint8_t*>(dom.alloc_pages(2));
    hmx_channel_options o;
    o.ring = ring_;
    o.ring_len = kRingLen;
    o.aport = VTA_BUS_APORT;
    o.peer = driver;
    o.peer_aport = VTA_BUS_APORT;
    o.events = dom.events();
    o.bounce = bounce_;
    o.bounce_len = 8192;
    status = chan_.open(o);
  }
  void connect_to(uint32_t driver_aport, uint32_t driver_max_message) {
    driver_aport_ = driver_aport;
    driver_max_message_ = driver_max_message;
  }
  uint32_t own_max_message() const { return chan_.own_max_message(); }

  static constexpr uint32_t kRingLen = (1u << 20) - 64;
  hmx::status status;
  uint64_t bus_messages = 0, connection_messages = 0;

 private:
  void pull() {
    for (;;) {
      const recv_result r = chan_.receive(scratch_.data(), static_cast<uint32_t>(scratch_.size()));
      if (r.status != result::ok) return;
      const bool is_bus = r.size >= VTA_HEADER_SIZE && (scratch_[1] & VTA_FLAG_BUS) != 0;
      (is_bus ? bus_messages : connection_messages)++;
      (is_bus ? bus_q_ : conn_q_).emplace_back(scratch_.begin(), scratch_.begin() + r.size);
    }
  }

  service::host_channel chan_;
  void* ring_ = nullptr;
  uint8_t* bounce_ = nullptr;
  uint32_t driver_aport_ = 0, driver_max_message_ = 0;
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kRingLen);
  std::deque<std::vector<uint8_t>> bus_q_, conn_q_;

 public:
  side bus, conn;
};

// covers: HMX-VTA-112
TEST_F(OverCore, ADriverWorksWhenTheDeviceRingIsTheBusRing) {
  auto drv = driver(kDrv, "drv");  // first: the device domain's ring names it as partner
  service::host_domain dev(core, kDevice, "vta-blk", 8u << 20);
  shared_ring ring(dev, kDrv);
  ASSERT_TRUE(ring.status.ok()) << ring.status.name();
  result opened = result::ok;
  device::blk_options bo;
  bo.path = disk.path();
  std::unique_ptr<device::blk_device> blk = device::blk_device::open(bo, opened);
  ASSERT_NE(blk, nullptr) << to_string(opened);
  std::unique_ptr<device::argo_device_host> host;
  device::bus_server server(
      ring.bus,
      [&](const bus_connect& c) -> bus_connect_result {
        ring.connect_to(c.driver_aport, c.driver_max_message);
        device::argo_host_options h;
        h.dev_num = c.dev_num;
        h.rx_capacity = ring.own_max_message();
        h.memory = dev.resource();  // request buffers in the domain's memory: USED data has a GPA
        host = std::make_unique<device::argo_device_host>(*blk, ring.conn, h);
        // The device ring of this connection is the bus ring itself.
        return {c.dev_num, 0, 0, VTA_BUS_APORT, ring.own_max_message()};
      },
      [&](uint16_t) { host.reset(); });
  server.add(1, virtio::ID_BLOCK, 0x00584D48);

  std::atomic<bool> stop{false};
  std::thread device_thread([&] {
    while (!stop) {
      (void)server.poll();
      if (host != nullptr) (void)host->poll();
      std::this_thread::yield();
    }
  });

  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_EQ(drv->connect(1), result::ok);
  EXPECT_EQ(drv->channel().peer_aport(), VTA_BUS_APORT) << "the driver sends where CONNECT said";
  ASSERT_EQ(drv->init_blk(1, 16), result::ok);
  workload::blk_plan p;
  p.count = 32;
  p.request_bytes = 16384;
  const workload::blk_outcome w = run(*drv, p);
  p.type = virtio::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  stop = true;
  device_thread.join();

  EXPECT_EQ(w.ok, 32u);
  EXPECT_EQ(r.ok, 32u) << "failed " << r.failed << " timed out " << r.timed_out << " first error "
                       << to_string(r.first_error) << " broken " << r.transport_broken;
  EXPECT_EQ(r.mismatched, 0u);
  EXPECT_EQ(core.ring_count(kDevice), 1u) << "the device domain spent one ring on this driver";
  EXPECT_GT(ring.bus_messages, 0u);
  EXPECT_GT(ring.connection_messages, 64u) << "the connection's AVAIL messages came through the bus ring";
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
