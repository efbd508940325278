// SPDX-License-Identifier: Apache-2.0
// Peers that die, over the reference core (spec "Peer failure and removal"): the device domain
// dying in the middle of requests, killed while idle, removed in order; the driver domain dying
// under the device. The survivor never hangs, never corrupts, and gets its buffers back failed.
#include <chrono>
#include <thread>

#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// covers: HMX-VTA-100 HMX-VTA-101 HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST_F(OverCore, DeviceDomainDiesMidRequest) {
  virtio_service_options o = service_options(2);
  o.die_after = 21;  // the 21st request arrives, is never served, and the domain dies
  auto svc = start(o);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 2, 32);
  workload::blk_plan p;
  p.request_bytes = 64 * 1024;
  p.count = 64;
  p.queues = 2;
  p.depth = 4;
  p.seed = 5;
  std::vector<int> acked;
  const auto start = std::chrono::steady_clock::now();
  const workload::blk_outcome w = run(*drv, p, &acked);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));  // no hang
  EXPECT_TRUE(w.transport_broken);
  EXPECT_FALSE(w.timed_out);
  EXPECT_TRUE(svc->dead());
  EXPECT_TRUE(log.contains("dying on purpose at request 21"));
  EXPECT_EQ(drv->transport().reason(), broken_reason::peer_gone);
  EXPECT_LE(w.ok, 20u);        // request 21 and later never completed
  EXPECT_GT(w.failed, 0u);     // the requests in flight came back failed
  EXPECT_EQ(w.ok + w.failed, w.issued);
  EXPECT_EQ(w.first_error, result::no_device);
  // Every acknowledged write is on the disk, byte for byte.
  for (uint32_t i = 0; i < p.count; ++i) {
    if (!acked[i]) continue;
    const std::vector<uint8_t> got = disk.read(uint64_t{i} * p.request_bytes, p.request_bytes);
    EXPECT_TRUE(workload::matches(got.data(), p.request_bytes, p.seed, uint64_t{i} * p.request_bytes / 512))
        << "acknowledged write " << i;
  }
  // The driver's buffers are its own again: nothing arrives for them any more.
  uint8_t status = 0;
  EXPECT_EQ(drv->transport().get_status(status), result::ok);
  EXPECT_NE(status & v::STATUS_DEVICE_NEEDS_RESET, 0);
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST_F(OverCore, DeviceDomainKilledWhileIdle) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 1, 16);
  workload::blk_plan p;
  p.request_bytes = 4096;
  p.count = 8;
  EXPECT_EQ(run(*drv, p).ok, 8u);
  svc->kill();
  EXPECT_FALSE(core.has_domain(kDevice));
  const workload::blk_outcome w = run(*drv, p);
  EXPECT_EQ(w.ok, 0u);
  EXPECT_TRUE(w.transport_broken);
  EXPECT_EQ(drv->transport().reason(), broken_reason::peer_gone);
}

// covers: HMX-VTA-005 HMX-VTA-034
TEST_F(OverCore, OrderlyRemovalIsAnnouncedOnTheBus) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 1, 16);
  svc->stop();
  bus_device_event e{};
  ASSERT_TRUE(wait_for([&] { return drv->bus().next_event(e) == result::ok && e.state == VTA_DEVICE_REMOVED; }));
  EXPECT_EQ(e.dev_num, 1);
  drv->transport().mark_removed();
  workload::blk_plan p;
  p.request_bytes = 4096;
  p.count = 4;
  const workload::blk_outcome w = run(*drv, p);
  EXPECT_EQ(w.ok, 0u);
  EXPECT_EQ(drv->transport().reason(), broken_reason::removed);
}

// covers: HMX-VTA-035
TEST_F(OverCore, DriverDomainDiesAndTheDeviceServesTheNextDriver) {
  auto svc = start(2);
  {
    auto drv = driver(kDrv, "drv");
    bring_up(*drv, 2, 32);
    workload::blk_plan p;
    p.request_bytes = 64 * 1024;
    p.count = 16;
    p.queues = 2;
    p.seed = 9;
    EXPECT_EQ(run(*drv, p).ok, 16u);
    // Leave requests in flight, then die.
    workload::blk_slot* s = slots(*drv, 1, 8, 64 * 1024);
    for (int i = 0; i < 8; ++i) {
      const split_virtqueue::buf b{s[i].data, 64 * 1024};
      ASSERT_EQ(drv->blk().submit(0, s[i].req, v::BLK_T_IN, 0, &b, 1), result::ok);
    }
    ASSERT_EQ(drv->blk().kick(0), result::ok);
    drv->domain().destroy();
  }
  ASSERT_TRUE(wait_for([&] { return !svc->stats().connected; }));
  EXPECT_TRUE(log.contains("connection of domain 1 closed: driver gone"));
  EXPECT_GE(stats_when(*svc, [](const auto& s) { return s.resets >= 1; }).resets, 1u);  // reset for the vanished driver
  // The device is free again: the next driver connects and reads what the first one wrote.
  auto drv2 = driver(kDrv2, "drv2");
  bring_up(*drv2, 2, 32);
  workload::blk_plan p;
  p.type = v::BLK_T_IN;
  p.request_bytes = 64 * 1024;
  p.count = 16;
  p.queues = 2;
  p.seed = 9;
  const workload::blk_outcome r = run(*drv2, p);
  EXPECT_EQ(r.ok, 16u);
  EXPECT_EQ(r.mismatched, 0u);
}

// covers: HMX-VTA-098 HMX-VTA-099 HMX-VTA-100 HMX-VTA-101
TEST_F(OverCore, ResetWithRequestsInFlightReturnsThemFailed) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 1, 32);
  workload::blk_slot* s = slots(*drv, 1, 10, 16 * 1024);
  for (int i = 0; i < 10; ++i) {  // 3 descriptors each: 30 of 32
    const split_virtqueue::buf b{s[i].data, 16 * 1024};
    ASSERT_EQ(drv->blk().submit(0, s[i].req, v::BLK_T_IN, uint64_t(i) * 32, &b, 1), result::ok);
    s[i].req.user = &s[i];
  }
  ASSERT_EQ(drv->blk().kick(0), result::ok);
  // Handshake: the driver forgets its requests, the device forgets them and answers; whatever
  // was outstanding comes back failed, never completed.
  uint32_t failed = 0;
  (void)drv->blk().fail_outstanding([&](blk_request& r) {
    EXPECT_EQ(r.outcome, result::no_device);
    ++failed;
  });
  uint32_t completed = 0;
  while (drv->blk().reap(0) != nullptr) ++completed;
  EXPECT_EQ(failed + completed, 10u);
  EXPECT_FALSE(drv->transport().broken());
  // The device is usable again after a fresh initialization.
  ASSERT_EQ(drv->init_blk(1, 32), result::ok);
  workload::blk_plan p;
  p.request_bytes = 16 * 1024;
  p.count = 8;
  EXPECT_EQ(run(*drv, p).ok, 8u);
  EXPECT_EQ(svc->stats().protocol_errors, 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
