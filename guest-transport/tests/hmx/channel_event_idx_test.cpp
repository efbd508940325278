// SPDX-License-Identifier: Apache-2.0
// hmx_channel over a moderated ring (REGISTER_FLAG_EVENT_IDX, spec event-idx): wait() arms rx_event
// before it sleeps, so a stream of messages raises far fewer interrupts than messages, and a
// receiver that sleeps only in wait() never misses one.
#include <atomic>
#include <thread>

#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

using service::host_channel;
using service::host_domain;

class ChannelEventIdx : public OverCore {
 protected:
  static constexpr uint32_t kAportA = 0x100, kAportB = 0x200;
  static constexpr uint32_t kLen = 4096 - 64;

  void open(host_channel& c, host_domain& d, uint32_t aport, ref::DomainId peer, uint32_t peer_aport, uint32_t flags,
            uint64_t poll_ns = 0) {
    hmx_channel_options o;
    o.ring = d.alloc_pages(hmx::ring_npages(kLen));
    o.ring_len = kLen;
    o.aport = aport;
    o.peer = peer;
    o.peer_aport = peer_aport;
    o.events = d.events();
    o.bounce = static_cast<uint8_t*>(d.alloc_pages(2));
    o.bounce_len = 8192;
    o.register_flags = flags;
    o.poll_ns = poll_ns;
    ASSERT_TRUE(c.open(o).ok());
  }

  // b streams `n` messages to a, which receives them sleeping only in wait(); returns the
  // interrupts a's domain took.
  uint64_t stream(uint32_t n, uint32_t a_flags, uint64_t poll_ns = 0) {
    open(ca, a, kAportA, kDevice, kAportB, a_flags, poll_ns);
    open(cb, b, kAportB, kDrv, kAportA, 0);
    const uint64_t before = a.waiter().notifications();
    std::thread sender([&] {
      char msg[48] = "m";
      for (uint32_t i = 0; i < n; ++i) {
        const chan_iov iov{msg, 1 + i % 40};
        result r;
        while ((r = cb.send(&iov, 1)) == result::again) (void)cb.wait(1'000'000);
        if (r != result::ok) ADD_FAILURE() << "send " << i << ": " << to_string(r);
        if (i % 64 == 0) std::this_thread::yield();
      }
    });
    std::vector<uint8_t> buf(256);
    uint32_t got = 0;
    while (got < n) {
      const recv_result m = ca.receive(buf.data(), static_cast<uint32_t>(buf.size()));
      if (m.status == result::ok) {
        ++got;
        continue;
      }
      if (m.status != result::again) break;
      // A missed wake-up shows as a timeout with the peer still there.
      const result w = ca.wait(5'000'000'000);
      if (w != result::ok) {
        ADD_FAILURE() << "wait: " << to_string(w) << " after " << got << " messages";
        break;
      }
    }
    sender.join();
    EXPECT_EQ(got, n);
    return a.waiter().notifications() - before;
  }

  host_domain a{core, kDrv, "drv", 8 << 20};
  host_domain b{core, kDevice, "vta-blk", 8 << 20};
  host_channel ca{a.client(), a.waiter()};
  host_channel cb{b.client(), b.waiter()};
};

// covers: HMX-EVENT-054 HMX-EVENT-055 HMX-EVENT-056
TEST_F(ChannelEventIdx, AModeratedChannelMissesNoMessage) {
  core.offer_event_idx(true);
  const uint64_t irqs = stream(20000, hmx::event_idx_register_flag(core.features()));
  EXPECT_LT(irqs, 20000u);
  EXPECT_GT(core.stats().interrupts_moderated, 0u);
}

// covers: HMX-EVENT-057
TEST_F(ChannelEventIdx, PollingAsksForNoInterrupt) {
  core.offer_event_idx(true);
  (void)stream(5000, HMX_REGISTER_FLAG_EVENT_IDX, 50'000'000);
  EXPECT_GT(core.stats().interrupts_moderated, 0u);
}

// covers: HMX-EVENT-053
TEST_F(ChannelEventIdx, WithoutTheFeatureTheFlagIsNotAskedFor) {
  EXPECT_EQ(hmx::event_idx_register_flag(core.features()), 0u);
  (void)stream(2000, hmx::event_idx_register_flag(core.features()));
  EXPECT_EQ(core.stats().interrupts_moderated, 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
