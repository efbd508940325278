// SPDX-License-Identifier: Apache-2.0
// The in-process channel's exposures check what the reference core checks (spec exposures), so
// transport tests of the exposure path mean the same on the loopback and over HMX.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <hmx/abi/constants.h>

#include "hmx/virtio_argo/loopback.h"

namespace hmx::virtio_argo {
namespace {

TEST(LoopbackExposure, FetchCopiesTheExposedRangeAndUsesItUp) {
  loopback_link link(4096, 4096);
  std::vector<uint8_t> request(1000);
  for (size_t i = 0; i < request.size(); ++i) request[i] = static_cast<uint8_t>(i * 7);
  const expose_result x = link.driver().expose(request.data(), 1000, HMX_EXPOSE_READ, 2);
  ASSERT_EQ(x.status, result::ok);
  std::vector<uint8_t> got(600);
  ASSERT_EQ(link.device().fetch(x.handle, 400, got.data(), 600), result::ok);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), request.begin() + 400));
  EXPECT_EQ(link.driver().live_exposures(), 1u) << "one use left";
  ASSERT_EQ(link.device().fetch(x.handle, 0, got.data(), 400), result::ok);
  EXPECT_EQ(got[399], request[399]);
  EXPECT_EQ(link.driver().live_exposures(), 0u) << "the last use ended it";
  EXPECT_EQ(link.device().fetch(x.handle, 0, got.data(), 1), result::no_entry);
  EXPECT_EQ(link.driver().revoke(x.handle), result::no_entry) << "used up is ended";
  EXPECT_EQ(link.device().stats().exposure_bytes, 1000u) << "the copier's counter";
  EXPECT_EQ(link.driver().stats().exposure_bytes, 0u);
}

TEST(LoopbackExposure, DepositWritesOnlyWithWriteAccessAndInsideTheRange) {
  loopback_link link(4096, 4096);
  std::vector<uint8_t> reply(512, 0);
  const expose_result x = link.driver().expose(reply.data(), 512, HMX_EXPOSE_WRITE, 1);
  ASSERT_EQ(x.status, result::ok);
  const std::vector<uint8_t> data(100, 0xab);
  uint8_t sink[100];
  EXPECT_EQ(link.device().fetch(x.handle, 0, sink, 100), result::not_permitted) << "no EXPOSE_READ";
  EXPECT_EQ(link.device().deposit(x.handle, 413, data.data(), 100), result::invalid) << "ends past the range";
  EXPECT_EQ(link.device().deposit(x.handle, ~uint64_t{0} - 10, data.data(), 100), result::invalid)
      << "offset + len overflows";
  EXPECT_EQ(link.device().deposit(x.handle, 0, data.data(), 0), result::invalid);
  EXPECT_EQ(reply[411], 0) << "failed copies copy nothing";
  EXPECT_EQ(link.driver().live_exposures(), 1u) << "failed copies consume no use";
  ASSERT_EQ(link.device().deposit(x.handle, 412, data.data(), 100), result::ok);
  EXPECT_EQ(reply[411], 0);
  EXPECT_EQ(reply[412], 0xab);
  EXPECT_EQ(reply[511], 0xab);
  EXPECT_EQ(link.driver().live_exposures(), 0u);
}

TEST(LoopbackExposure, HandlesAreNotReissuedAndOnlyThePeerUsesThem) {
  loopback_link link(4096, 4096);
  uint8_t buf[64] = {};
  const expose_result a = link.driver().expose(buf, 64, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 1);
  ASSERT_EQ(a.status, result::ok);
  EXPECT_EQ(link.driver().fetch(a.handle, 0, buf, 1), result::no_entry) << "the owner is not the peer";
  EXPECT_EQ(link.device().revoke(a.handle), result::no_entry) << "only the owner revokes";
  ASSERT_EQ(link.driver().revoke(a.handle), result::ok);
  EXPECT_EQ(link.device().fetch(a.handle, 0, buf, 1), result::no_entry) << "revoked";
  const expose_result b = link.driver().expose(buf, 64, HMX_EXPOSE_READ, 1);
  ASSERT_EQ(b.status, result::ok);
  EXPECT_NE(a.handle, b.handle);
  EXPECT_EQ(link.device().fetch(a.handle, 0, buf, 1), result::no_entry) << "a stale handle stays stale";
}

TEST(LoopbackExposure, ExposeChecksItsArgumentsAndTheLimit) {
  loopback_link link(4096, 4096);
  uint8_t buf[16] = {};
  EXPECT_EQ(link.driver().expose(buf, 16, 0, 1).status, result::invalid);
  EXPECT_EQ(link.driver().expose(buf, 16, 4, 1).status, result::invalid);
  EXPECT_EQ(link.driver().expose(buf, 0, HMX_EXPOSE_READ, 1).status, result::invalid);
  EXPECT_EQ(link.driver().expose(buf, 16, HMX_EXPOSE_READ, 0).status, result::invalid);
  for (uint32_t i = 0; i < HMX_EXPOSE_MAX_PER_DOMAIN; ++i)
    ASSERT_EQ(link.driver().expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::ok) << i;
  EXPECT_EQ(link.driver().expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::no_space);
  EXPECT_EQ(link.device().expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::ok) << "the limit is per domain";
}

TEST(LoopbackExposure, AKilledOwnersExposuresEndAndAnUnofferedFeatureAnswersNotSupported) {
  loopback_link link(4096, 4096);
  uint8_t buf[16] = {};
  const expose_result x = link.driver().expose(buf, 16, HMX_EXPOSE_READ, 1);
  ASSERT_EQ(x.status, result::ok);
  link.kill_driver();
  EXPECT_EQ(link.device().fetch(x.handle, 0, buf, 16), result::no_entry);

  loopback_link plain(4096, 4096);
  plain.offer_exposures(false);
  EXPECT_FALSE(plain.driver().exposures_available());
  EXPECT_EQ(plain.driver().expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::not_supported);
  EXPECT_EQ(plain.device().fetch(1, 0, buf, 16), result::not_supported);
  EXPECT_EQ(plain.device().deposit(1, 0, buf, 16), result::not_supported);
  EXPECT_EQ(plain.driver().revoke(1), result::not_supported);
}

}  // namespace
}  // namespace hmx::virtio_argo
