// SPDX-License-Identifier: Apache-2.0
// The exposure window over the reference core (spec transport "Exposure windows"): virtio-blk
// whose buffers lie in the driver's window runs with one expose for the whole connection and no
// expose or revoke per request, its AVAILs sent in batches; buffers outside the window still take
// per-request exposures on the same connection; a reset revokes the window (HMX-VTA-170).
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

constexpr uint16_t kQueues = 2, kDepth = 8;
constexpr uint32_t kRequest = 64 * 1024;

std::unique_ptr<driver_domain> window_driver(ref::Core& core) {
  driver_domain_options o;
  o.id = kDrv;
  o.name = "drv";
  o.transport_features = HMX_VTA_TRANSPORT_F_EXPOSURES;
  o.exposure_window_bytes = kQueues * kDepth * (kRequest + 32);
  return std::make_unique<driver_domain>(core, o);
}

// Slots whose data, request header and status byte lie in the window (the bookkeeping does not:
// HMX-VTA-169), each row [header | data | status].
workload::blk_slot* window_slots(driver_domain& d) {
  auto* s = d.alloc_array<workload::blk_slot>(size_t{kQueues} * kDepth);
  for (size_t i = 0; i < size_t{kQueues} * kDepth; ++i) {
    uint8_t* row = d.window_alloc(kRequest + 32);
    EXPECT_NE(row, nullptr);
    s[i].req.io_header = row;
    s[i].data = row + v::BLK_REQ_HEADER;
    s[i].req.io_status = s[i].data + kRequest;
  }
  return s;
}

uint64_t sum(const driver_domain::transport_t& t, uint64_t proxy_stats::*field) {
  uint64_t n = 0;
  for (uint16_t q = 0; q < kQueues; ++q) n += t.queue_stats(q).*field;
  return n;
}

// covers: HMX-VTA-166 HMX-VTA-167 HMX-VTA-169 HMX-VTA-170
TEST_F(OverCore, BlkThroughAnExposureWindowMakesNoCallPerRequest) {
  core.offer_exposures(true);
  auto svc = start(kQueues);
  auto drv = window_driver(core);
  bring_up(*drv, kQueues, 64);
  workload::blk_slot* slots = window_slots(*drv);
  // The window holds only I/O buffers: the slots' bookkeeping (pointers, outcomes) and the
  // virtqueues lie outside it (HMX-VTA-169).
  const window_region w = drv->exposure_window();
  const auto outside = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    return b + n <= w.base || b >= w.base + w.len;
  };
  EXPECT_TRUE(outside(slots, sizeof(workload::blk_slot) * kQueues * kDepth));
  for (uint16_t q = 0; q < kQueues; ++q)
    EXPECT_TRUE(outside(drv->blk().queue(q).ring().desc, 16));
  workload::blk_plan p;
  p.type = v::BLK_T_OUT;
  p.request_bytes = kRequest;
  p.count = 64;  // 4 MiB
  p.queues = kQueues;
  p.depth = kDepth;
  p.seed = 21;
  auto& t = drv->transport();
  EXPECT_EQ(workload::run_plan(drv->blk(), t, drv->channel(), p, slots, [](uint32_t, result) {}).ok, 64u);
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = workload::run_plan(drv->blk(), t, drv->channel(), p, slots, [](uint32_t, result) {});
  EXPECT_EQ(r.ok, 64u);
  EXPECT_EQ(r.mismatched, 0u);
  const std::vector<uint8_t> got = disk.read(0, 4u << 20);
  EXPECT_TRUE(workload::matches(got.data(), 4u << 20, 21, 0));

  EXPECT_EQ(sum(t, &proxy_stats::requests), 128u);
  EXPECT_EQ(sum(t, &proxy_stats::window_requests), 128u) << "every request named the window";
  EXPECT_EQ(sum(t, &proxy_stats::exposure_calls), 0u) << "no expose or revoke per request";
  EXPECT_EQ(sum(t, &proxy_stats::used_copy_bytes), 0u) << "reads deposited straight into the buffers";
  EXPECT_EQ(t.exposure_window_stats().exposes, 1u);
  EXPECT_EQ(t.exposure_window_stats().revokes, 0u);
  EXPECT_EQ(t.exposure_window_stats().segments, 128u * 2) << "header+data or data+status share a segment";
  EXPECT_EQ(drv->channel().stats().exposes, 1u) << "the hypervisor saw one expose in all";
  const auto st = stats_when(*svc, [](const auto& s) { return s.reads == 64; });
  EXPECT_EQ(st.protocol_errors, 0u);

  // Buffers outside the window take per-request exposures, on the same connection.
  p.type = v::BLK_T_OUT;
  p.count = 8;
  p.seed = 22;
  p.first_sector = 16384;
  EXPECT_EQ(run(*drv, p).ok, 8u);
  EXPECT_EQ(sum(t, &proxy_stats::window_requests), 128u);
  EXPECT_EQ(sum(t, &proxy_stats::exposed_requests), 136u);
  EXPECT_GE(sum(t, &proxy_stats::exposure_calls), 8u * 2) << "an expose per piece, revokes after";

  const uint64_t revokes = drv->channel().stats().revokes;
  (void)t.reset();
  EXPECT_EQ(t.exposure_window_handle(), 0u);
  EXPECT_EQ(t.exposure_window_stats().revokes, 1u);
  EXPECT_EQ(drv->channel().stats().revokes, revokes + 1) << "the window ended in the hypervisor";
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
