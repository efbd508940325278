// SPDX-License-Identifier: Apache-2.0
// The service's offer of VTA_TRANSPORT_F_EXPOSURES over the reference core (spec transport
// "Requests with exposures"): offered only where the core offers EXPOSE, negotiated by CONNECT,
// and a driver that does not accept it is served by the data path.
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace v = virtio;

void expect_file_holds(const scratch_disk& disk, uint64_t seed, uint64_t first_sector, uint64_t bytes) {
  const std::vector<uint8_t> got = disk.read(first_sector * workload::kSector, bytes);
  EXPECT_TRUE(workload::matches(got.data(), static_cast<uint32_t>(bytes), seed, first_sector));
}

std::unique_ptr<driver_domain> driver_accepting(ref::Core& core, uint32_t transport_features, bool force = false) {
  driver_domain_options o;
  o.id = kDrv;
  o.name = "drv";
  o.transport_features = transport_features;
  o.force_transport_features = force;
  return std::make_unique<driver_domain>(core, o);
}

// covers: HMX-VTA-150 HMX-VTA-151
TEST_F(OverCore, TheServiceOffersExposuresOnlyWhereTheCoreOffersExpose) {
  auto svc = start(1);
  auto drv = driver_accepting(core, HMX_VTA_TRANSPORT_F_EXPOSURES, /*force=*/true);
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  std::vector<bus_device_entry> devs;
  ASSERT_EQ(drv->list(devs), result::ok);
  ASSERT_EQ(devs.size(), 1u);
  EXPECT_EQ(devs[0].transport_features, 0u) << "the core does not offer EXPOSE";
  uint32_t error = 0;
  EXPECT_EQ(drv->connect(1, &error), result::invalid);
  EXPECT_EQ(error, static_cast<uint32_t>(HMX_EINVAL));
  EXPECT_EQ(svc->stats().connections, 0u);
}

// covers: HMX-VTA-150
TEST_F(OverCore, TheServiceOffersExposuresWhereTheCoreOffersExposeAndConnectNegotiatesThem) {
  core.offer_exposures(true);
  auto svc = start(1);
  auto drv = driver_accepting(core, HMX_VTA_TRANSPORT_F_EXPOSURES);
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  std::vector<bus_device_entry> devs;
  ASSERT_EQ(drv->list(devs), result::ok);
  ASSERT_EQ(devs.size(), 1u);
  EXPECT_EQ(devs[0].transport_features, static_cast<uint32_t>(HMX_VTA_TRANSPORT_F_EXPOSURES));
  ASSERT_EQ(drv->connect(1), result::ok);
  ASSERT_EQ(drv->init_blk(1, 32), result::ok);
  const auto st = stats_when(*svc, [](const auto& s) { return s.connected; });
  EXPECT_TRUE(st.connected);
  EXPECT_TRUE(log.contains("exposures)")) << "the connection negotiated VTA_TRANSPORT_F_EXPOSURES";
}

// A driver that does not accept the bit (the Linux driver, every driver before exposures) is
// served by the data path on a service that offers it.
// covers: HMX-VTA-150 HMX-VTA-153
TEST_F(OverCore, ADriverThatDoesNotAcceptExposuresIsServedByTheDataPath) {
  core.offer_exposures(true);
  auto svc = start(1);
  auto drv = driver(kDrv, "drv");
  bring_up(*drv, 1, 32);
  workload::blk_plan p;
  p.type = v::BLK_T_OUT;
  p.request_bytes = 64 * 1024;
  p.count = 16;
  p.queues = 1;
  p.depth = 4;
  p.seed = 11;
  EXPECT_EQ(run(*drv, p).ok, 16u);
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  EXPECT_EQ(r.ok, 16u);
  EXPECT_EQ(r.mismatched, 0u);
  expect_file_holds(disk, 11, 0, 1u << 20);
  const auto st = stats_when(*svc, [](const auto& s) { return s.reads == 16; });
  EXPECT_EQ(st.reads, 16u);
  EXPECT_EQ(st.exposed_requests, 0u);
  EXPECT_EQ(st.bytes_fetched + st.bytes_deposited, 0u);
  EXPECT_EQ(st.protocol_errors, 0u);
  EXPECT_FALSE(log.contains("exposures)"));
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore

namespace hmx::virtio_argo::overcore {
namespace {

// A driver that accepts the bit sends each request as one exposed AVAIL: the device fetches the
// written bytes and deposits the read ones once each, no USED carries data, and no exposure of
// the driver outlives its request.
// covers: HMX-VTA-156 HMX-VTA-157 HMX-VTA-160 HMX-VTA-163
TEST_F(OverCore, BlkRequestsTakeTheExposurePathWhenNegotiated) {
  core.offer_exposures(true);
  auto svc = start(1);
  auto drv = driver_accepting(core, HMX_VTA_TRANSPORT_F_EXPOSURES);
  ASSERT_TRUE(drv->open_bus(kDevice).ok());
  ASSERT_EQ(drv->connect(1), result::ok);
  ASSERT_TRUE(drv->transport().exposures_negotiated());
  ASSERT_EQ(drv->init_blk(1, 32), result::ok);
  workload::blk_plan p;
  p.type = v::BLK_T_OUT;
  p.request_bytes = 64 * 1024;
  p.count = 16;
  p.queues = 1;
  p.depth = 4;
  p.seed = 23;
  EXPECT_EQ(run(*drv, p).ok, 16u);
  expect_file_holds(disk, 23, 0, 1u << 20);
  const uint64_t copied_before_reads = drv->transport().queue_stats(0).used_copy_bytes;
  p.type = v::BLK_T_IN;
  const workload::blk_outcome r = run(*drv, p);
  EXPECT_EQ(r.ok, 16u);
  EXPECT_EQ(r.mismatched, 0u);
  const proxy_stats& q = drv->transport().queue_stats(0);
  EXPECT_EQ(q.exposed_requests, q.requests);
  EXPECT_GE(q.exposed_requests, 32u);
  EXPECT_EQ(q.exposure_fallbacks, 0u);
  EXPECT_EQ(q.exposure_errors, 0u);
  EXPECT_EQ(q.used_copy_bytes, copied_before_reads) << "reads were copied out of USED messages";
  const auto st = stats_when(*svc, [](const auto& s) { return s.reads == 16; });
  EXPECT_EQ(st.exposed_requests, st.requests);
  EXPECT_GE(st.bytes_fetched, 16u * 64 * 1024);
  EXPECT_GE(st.bytes_deposited, 16u * 64 * 1024);
  EXPECT_EQ(st.exposure_errors, 0u);
  EXPECT_EQ(st.protocol_errors, 0u);
  const auto x = core.exposure_stats(kDrv);
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->live, 0u) << "an exposure outlived its request (HMX-VTA-163)";
  EXPECT_GE(x->bytes_deposited_into, 16u * 64 * 1024);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
