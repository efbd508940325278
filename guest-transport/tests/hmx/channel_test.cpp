// SPDX-License-Identifier: Apache-2.0
// The libhmx binding of the message channel (hmx_channel.h) between two hosted domains of the
// reference core: what it delivers, what it drops, how it waits, and what a vanished peer looks
// like (README "Binding to libhmx").
#include "support/over_core.h"

namespace hmx::virtio_argo::overcore {
namespace {

using service::host_channel;
using service::host_domain;

class Channel : public OverCore {
 protected:
  static constexpr uint32_t kAportA = 0x100, kAportB = 0x200;
  static constexpr uint32_t kSmall = 1024 - 64;  // b's ring: largest message 928

  Channel() {
    open(ca, a, kAportA, kDevice, kAportB, 64 * 1024 - 64);
    open(cb, b, kAportB, kDrv, kAportA, kSmall);
  }
  void open(host_channel& c, host_domain& d, uint32_t aport, ref::DomainId peer, uint32_t peer_aport, uint32_t len) {
    hmx_channel_options o;
    o.ring = d.alloc_pages(hmx::ring_npages(len));
    o.ring_len = len;
    o.aport = aport;
    o.peer = peer;
    o.peer_aport = peer_aport;
    o.events = d.events();
    o.bounce = static_cast<uint8_t*>(d.alloc_pages(2));
    o.bounce_len = 8192;
    ASSERT_TRUE(c.open(o).ok());
  }
  result send(host_channel& c, const std::string& s) {
    const chan_iov iov{s.data(), static_cast<uint32_t>(s.size())};
    return c.send(&iov, 1);
  }
  std::string receive(host_channel& c) {
    std::vector<uint8_t> buf(64 * 1024);
    const recv_result r = c.receive(buf.data(), static_cast<uint32_t>(buf.size()));
    if (r.status != result::ok) return std::string("!") + to_string(r.status);
    return std::string(buf.begin(), buf.begin() + r.size);
  }

  host_domain a{core, kDrv, "drv", 8 << 20};
  host_domain b{core, kDevice, "vta-blk", 8 << 20};
  host_channel ca{a.client(), a.waiter()};
  host_channel cb{b.client(), b.waiter()};
};

// covers: HMX-VTA-049 HMX-VTA-050 HMX-VTA-053 HMX-VTA-054
TEST_F(Channel, DeliversInOrderAndDropsOtherMessageTypes) {
  ASSERT_EQ(send(cb, "one"), result::ok);
  // A message of another message_type from the peer: consumed and skipped.
  auto* raw = static_cast<char*>(b.alloc_pages(1));
  std::memcpy(raw, "foreign", 7);
  ASSERT_TRUE(b.client().send(hmx::make_addr(kAportA, kDrv), raw, 7, 0x1234).ok());
  ASSERT_EQ(send(cb, "two"), result::ok);
  EXPECT_EQ(receive(ca), "one");
  EXPECT_EQ(receive(ca), "two");
  EXPECT_EQ(receive(ca), "!again");
  EXPECT_EQ(ca.stats().dropped_foreign, 1u);
  EXPECT_EQ(ca.stats().received, 2u);
}

// covers: HMX-VTA-053 HMX-VTA-054
TEST_F(Channel, AMessageLargerThanTheBufferIsConsumedAsMsgSize) {
  ASSERT_EQ(send(cb, std::string(100, 'x')), result::ok);
  ASSERT_EQ(send(cb, "after"), result::ok);
  std::vector<uint8_t> small(16);
  EXPECT_EQ(ca.receive(small.data(), 16).status, result::msg_size);
  EXPECT_EQ(receive(ca), "after");
}

// covers: HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST_F(Channel, LargestMessageComesFromTheHypervisor) {
  EXPECT_EQ(ca.max_message_size(), kSmall - 32);  // asked with a notify query
  EXPECT_EQ(cb.max_message_size(), 64u * 1024 - 64 - 32);
  EXPECT_EQ(send(ca, std::string(kSmall - 31, 'y')), result::msg_size);  // can never fit
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082 HMX-VTA-022 HMX-VTA-086 HMX-VTA-087
TEST_F(Channel, FullRingThenSpaceEventAndTheNotifyRidesWithTheNextSend) {
  const std::string m(400, 'z');
  ASSERT_EQ(send(ca, m), result::ok);
  ASSERT_EQ(send(ca, m), result::ok);
  ASSERT_EQ(send(ca, m), result::again);  // b's ring (960 bytes) is full: a space wait is queued
  EXPECT_EQ(ca.stats().eagain, 1u);
  EXPECT_EQ(ca.wait(1'000'000), result::timed_out);  // nothing consumed yet
  EXPECT_EQ(receive(cb), m);                         // b consumes: its notify is now due...
  EXPECT_TRUE(cb.notify_pending());
  ASSERT_EQ(send(cb, "ack"), result::ok);            // ...and rides in the batch of this send
  EXPECT_FALSE(cb.notify_pending());
  EXPECT_EQ(cb.stats().batched_notifies, 1u);
  EXPECT_EQ(ca.wait(1'000'000'000), result::ok);     // the space event (or the ack) wakes a
  EXPECT_EQ(send(ca, m), result::ok);
  EXPECT_EQ(receive(ca), "ack");
  EXPECT_GE(core.stats().wakeups, 1u);
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104 HMX-VTA-035
TEST_F(Channel, AVanishedPeerIsConnRefused) {
  ASSERT_EQ(send(ca, "hello"), result::ok);
  EXPECT_TRUE(ca.peer_alive());
  b.destroy();
  EXPECT_EQ(send(ca, "anyone?"), result::conn_refused);
  EXPECT_EQ(ca.wait(1'000'000), result::conn_refused);
  EXPECT_EQ(ca.receive(nullptr, 0).status, result::conn_refused);
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST_F(Channel, WaitTimesOutWhileThePeerIsThere) {
  const auto t0 = ca.now_ns();
  EXPECT_EQ(ca.wait(5'000'000), result::timed_out);
  EXPECT_GE(ca.now_ns() - t0, 5'000'000u);
  EXPECT_TRUE(ca.peer_alive());
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
