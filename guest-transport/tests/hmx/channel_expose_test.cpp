// SPDX-License-Identifier: Apache-2.0
// hmx_channel's exposure_channel over the reference core (spec exposures): the channel's peer is
// the only domain an exposure names, the core copies, and its codes come back as `result`.
#include <vector>

#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

using service::host_channel;
using service::host_conduit;
using service::host_domain;
using service::host_env;

class ChannelExpose : public OverCore {
 protected:
  static constexpr uint32_t kAportA = 0x100, kAportB = 0x200;
  static constexpr uint32_t kLen = 4096 - 64;

  void open(host_channel& c, host_domain& d, uint32_t aport, ref::DomainId peer, uint32_t peer_aport) {
    hmx_channel_options o;
    o.ring = d.alloc_pages(hmx::ring_npages(kLen));
    o.ring_len = kLen;
    o.aport = aport;
    o.peer = peer;
    o.peer_aport = peer_aport;
    o.events = d.events();
    ASSERT_TRUE(c.open(o).ok());
  }
  void open_both() {
    open(ca, a, kAportA, kDevice, kAportB);
    open(cb, b, kAportB, kDrv, kAportA);
    ca.attach_exposures(&xa);
    cb.attach_exposures(&xb);
  }

  host_domain a{core, kDrv, "drv", 8 << 20};
  host_domain b{core, kDevice, "vta-blk", 8 << 20};
  host_channel ca{a.client(), a.waiter()};
  host_channel cb{b.client(), b.waiter()};
  hmx::exposures<host_conduit, host_env> xa{a.client(), a.env()};
  hmx::exposures<host_conduit, host_env> xb{b.client(), b.env()};
};

static_assert(exposure_channel<host_channel>);

TEST_F(ChannelExpose, TheDeviceFetchesAndDepositsTheDriversExposuresOnce) {
  core.offer_exposures(true);
  open_both();
  ASSERT_TRUE(ca.exposures_available());
  auto* out = static_cast<uint8_t*>(a.alloc_pages(16));  // 64 KiB the driver writes
  auto* in = static_cast<uint8_t*>(a.alloc_pages(16));   // 64 KiB the driver reads
  for (uint32_t i = 0; i < 65536; ++i) out[i] = static_cast<uint8_t>(i * 13 + 1);
  const expose_result r = ca.expose(out, 65536, HMX_EXPOSE_READ, 1);
  const expose_result w = ca.expose(in, 65536, HMX_EXPOSE_WRITE, 1);
  ASSERT_EQ(r.status, result::ok);
  ASSERT_EQ(w.status, result::ok);

  auto* staging = static_cast<uint8_t*>(b.alloc_pages(16));
  ASSERT_EQ(cb.fetch(r.handle, 0, staging, 65536), result::ok);
  EXPECT_EQ(staging[65535], out[65535]);
  EXPECT_EQ(cb.fetch(r.handle, 0, staging, 1), result::no_entry) << "single use";
  for (uint32_t i = 0; i < 65536; ++i) staging[i] = static_cast<uint8_t>(~staging[i]);
  ASSERT_EQ(cb.deposit(w.handle, 0, staging, 65536), result::ok);
  EXPECT_EQ(in[0], static_cast<uint8_t>(~out[0]));
  EXPECT_EQ(in[65535], static_cast<uint8_t>(~out[65535]));
  EXPECT_EQ(cb.stats().bytes_fetched, 65536u);
  EXPECT_EQ(cb.stats().bytes_deposited, 65536u);
  EXPECT_EQ(ca.revoke(r.handle), result::no_entry) << "used up: ended already";
  EXPECT_EQ(ca.stats().exposes, 2u);
}

TEST_F(ChannelExpose, ARevokedOrForeignHandleIsAFailedCopyNothingMore) {
  core.offer_exposures(true);
  open_both();
  auto* buf = static_cast<uint8_t*>(a.alloc_pages(1));
  auto* dst = static_cast<uint8_t*>(b.alloc_pages(1));
  const expose_result x = ca.expose(buf, 4096, HMX_EXPOSE_READ, 4);
  ASSERT_EQ(x.status, result::ok);
  EXPECT_EQ(cb.deposit(x.handle, 0, dst, 16), result::not_permitted);
  EXPECT_EQ(cb.fetch(x.handle, 4000, dst, 200), result::invalid);
  EXPECT_EQ(cb.fetch(x.handle + 1000, 0, dst, 16), result::no_entry) << "never issued";
  EXPECT_EQ(cb.revoke(x.handle), result::no_entry) << "the driver's, not the device's";
  ASSERT_EQ(ca.revoke(x.handle), result::ok);
  EXPECT_EQ(cb.fetch(x.handle, 0, dst, 16), result::no_entry);
  EXPECT_EQ(ca.stats().revokes, 1u);
}

TEST_F(ChannelExpose, WithoutTheFeatureOrAnExposuresObjectTheOperationsAreNotSupported) {
  open(ca, a, kAportA, kDevice, kAportB);
  uint8_t* buf = static_cast<uint8_t*>(a.alloc_pages(1));
  EXPECT_FALSE(ca.exposures_available());
  EXPECT_EQ(ca.expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::not_supported);
  ca.attach_exposures(&xa);  // attached, but the core does not offer EXPOSE
  EXPECT_EQ(ca.expose(buf, 16, HMX_EXPOSE_READ, 1).status, result::not_supported);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
