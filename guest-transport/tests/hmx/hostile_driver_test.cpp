// SPDX-License-Identifier: Apache-2.0
// Hostile drivers against the device domain over the reference core (issue 14): a driver that
// never drains its ring while it sends large requests, floods of control requests and bus PINGs
// against a full driver ring, and a CONNECT that claims a larger ring than the driver has. Each
// is a protocol error for that driver only; the device domain, its memory and the process live on.
#include <unistd.h>

#include <cstdio>

#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

// Sends one message on the driver's side, waiting (bounded) while the device's ring is full.
result send_waiting(service::host_channel& ch, const chan_iov* iov, uint32_t n) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const result r = ch.send(iov, n);
    if (r != result::again || std::chrono::steady_clock::now() >= end) return r;
    std::this_thread::yield();
  }
}

// Resident bytes of the whole process (every thread's heap arena, the domains' touched memory).
size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long long size = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}
// Growth allowed while a flood runs: the device ring's pages (1 MiB) are touched as messages land
// in them; a queue of answers grows by tens of MiB.
constexpr size_t kGrowthLimit = size_t{8} << 20;

// Finding 1: 64 AVAILs each asking for 1 MiB + 4 KiB of writable area would take 128 MiB of the
// device domain's 96 MiB while no USED can leave. The per-connection budget refuses the request
// that would exceed it: DEVICE_NEEDS_RESET for this driver, the service and the process go on.
// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST_F(OverCore, ADriverThatNeverDrainsCannotExhaustTheDeviceDomain) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv", 4032);
  bring_up(*drv, 1, 64);
  constexpr uint32_t kWritable = (1u << 20) + 4096;
  uint8_t body[16] = {};  // a virtio-blk header: T_IN at sector 0
  for (uint16_t head = 0; head < 64; ++head) {
    uint8_t prefix[VTA_AVAIL_PREFIX];
    encode_avail_prefix(prefix, 1, 0x1000u + head, {0, head, 0, 16, kWritable, 0, 0}, 16);
    const chan_iov iov[2] = {{prefix, VTA_AVAIL_PREFIX}, {body, 16}};
    ASSERT_EQ(send_waiting(drv->channel(), iov, 2), result::ok) << "AVAIL " << head;
  }
  const auto st = stats_when(*svc, [](const auto& s) { return s.avail_messages >= 64; });
  EXPECT_EQ(st.avail_messages, 64u);
  EXPECT_FALSE(svc->dead());
  EXPECT_GE(st.protocol_errors, 1u);
  EXPECT_GE(st.budget_hits, 1u);
  EXPECT_LE(st.requests * (16 + uint64_t{kWritable}), st.budget_bytes);
  EXPECT_GT(st.budget_bytes, 0u);
  EXPECT_LT(st.budget_bytes, svc->options().memory_bytes);
  // The same driver recovers with a reset and is served again.
  ASSERT_EQ(drv->init_blk(1, 64), result::ok);
  workload::blk_plan p;
  p.request_bytes = 4096;
  p.count = 8;
  EXPECT_EQ(run(*drv, p).ok, 8u);
  EXPECT_TRUE(log.contains("went over its budget"));
}

// Finding 2: control requests while the driver's ring is full. A second request while the
// answer to the first is still waiting breaks HMX-VTA-059 HMX-VTA-060 HMX-VTA-061: a protocol error, not a queued answer.
// covers: HMX-VTA-059 HMX-VTA-060 HMX-VTA-061
TEST_F(OverCore, ControlFloodAgainstAFullDriverRingStaysBounded) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv", 4032);
  bring_up(*drv, 1, 64);
  constexpr uint32_t kRequests = 400'000;
  const size_t rss_before = resident_bytes();
  uint8_t msg[VTA_HEADER_SIZE];
  for (uint32_t i = 0; i < kRequests; ++i) {
    const uint32_t n = encode_empty(msg, sizeof msg, {0, VTA_MSG_GET_DEVICE_STATUS, 1, i + 1, 0});
    const chan_iov iov{msg, n};
    ASSERT_EQ(send_waiting(drv->channel(), &iov, 1), result::ok) << "request " << i;
  }
  const auto st = stats_when(*svc, [](const auto& s) { return s.control_requests >= 400'000; });
  EXPECT_GE(st.control_requests, uint64_t{kRequests});  // and those of bring_up
  const size_t rss_after = resident_bytes();
  EXPECT_LT(rss_after > rss_before ? rss_after - rss_before : 0, kGrowthLimit);
  EXPECT_GE(st.protocol_errors, 1u);
  EXPECT_GT(st.outbox_bound, 0u);
  EXPECT_LE(st.outbox_peak, st.outbox_bound);
  EXPECT_FALSE(svc->dead());
}

// Finding 2, on the bus: PINGs against a bus ring the driver never drains.
// covers: HMX-VTA-042 HMX-VTA-043
TEST_F(OverCore, BusPingFloodAgainstAFullDriverRingStaysBounded) {
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  constexpr uint32_t kPings = 400'000;
  const size_t rss_before = resident_bytes();
  uint8_t msg[64];
  for (uint32_t i = 0; i < kPings; ++i) {
    const uint32_t n = encode_ping(msg, sizeof msg, i + 1, false, i);
    const chan_iov iov{msg, n};
    ASSERT_EQ(send_waiting(drv->bus_channel(), &iov, 1), result::ok) << "PING " << i;
  }
  const auto st = stats_when(*svc, [](const auto& s) { return s.bus_requests >= 400'000; });
  EXPECT_EQ(st.bus_requests, uint64_t{kPings});
  const size_t rss_after = resident_bytes();
  EXPECT_LT(rss_after > rss_before ? rss_after - rss_before : 0, kGrowthLimit);
  EXPECT_GT(st.bus_outbox_bound, 0u);
  EXPECT_LE(st.bus_outbox_peak, st.bus_outbox_bound);
  EXPECT_GE(st.bus_dropped, 1u);
  EXPECT_FALSE(svc->dead());
}

// Finding 4: a CONNECT whose driver_max_message exceeds the driver's ring. The first USED the
// ring cannot take is a protocol error (DEVICE_NEEDS_RESET) and its credit comes back.
// covers: HMX-VTA-020
TEST_F(OverCore, ConnectClaimingALargerRingIsAProtocolError) {
  auto svc = start(1);
  driver_domain_options o;
  o.id = kDrv;
  o.name = "drv";
  o.ring_len = 4032;
  o.claimed_max_message = 1u << 20;
  auto drv = std::make_unique<driver_domain>(core, o);
  bring_up(*drv, 1, 16);
  auto* data = static_cast<uint8_t*>(drv->alloc(16 * 1024));
  auto* req = drv->alloc_array<blk_request>(1);
  const split_virtqueue::buf b{data, 16 * 1024};
  ASSERT_EQ(drv->blk().submit(0, *req, v::BLK_T_IN, 0, &b, 1), result::ok);
  ASSERT_EQ(drv->blk().kick(0), result::ok);
  const auto st = stats_when(*svc, [](const auto& s) { return s.protocol_errors >= 1; });
  EXPECT_EQ(st.requests, 1u);
  EXPECT_GE(st.protocol_errors, 1u);
  uint8_t status = 0;
  for (int i = 0; i < 200 && (status & v::STATUS_DEVICE_NEEDS_RESET) == 0; ++i) {
    (void)drv->transport().wait(10'000'000);
    ASSERT_EQ(drv->transport().get_status(status), result::ok);
  }
  EXPECT_NE(status & v::STATUS_DEVICE_NEEDS_RESET, 0);
  EXPECT_EQ(stats_when(*svc, [](const auto& s) { return s.in_flight == 0; }).in_flight, 0u);  // no leaked credit
  EXPECT_FALSE(svc->dead());
}

// Containment at the service thread's edge: whatever escapes a round (here the log sink the
// owner gave, which throws when the connection is reported) stops that service with a report;
// the domain leaves the core as on a crash and the process goes on.
// covers: HMX-VTA-035
TEST_F(OverCore, AFailureOnTheServiceThreadStopsOnlyThatService) {
  virtio_service_options o = service_options(1);
  o.log = [](const std::string& line) {
    if (line.find("connected") != std::string::npos) throw std::runtime_error("log sink broken");
  };
  auto svc = start(o);
  auto drv = driver(kDrv, "drv");
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  (void)drv->connect(1);  // answered or not: the service stops while connecting
  const auto st = stats_when(*svc, [](const auto& s) { return s.failed; });
  EXPECT_TRUE(st.failed);
  EXPECT_EQ(st.failure, "log sink broken");
  EXPECT_TRUE(svc->dead());
  svc->stop();  // joins the thread that reported
  // The core and this process go on: another device domain serves the same driver domain.
  virtio_service_options o2 = service_options(1);
  o2.name = "vta-blk";
  auto svc2 = start(o2);
  auto drv2 = driver(kDrv2, "drv2");
  bring_up(*drv2, 1, 16);
  workload::blk_plan p;
  p.request_bytes = 4096;
  p.count = 4;
  EXPECT_EQ(run(*drv2, p).ok, 4u);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
