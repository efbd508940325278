// SPDX-License-Identifier: Apache-2.0
// A device that lies: the driver transport must never write outside the buffers it offered,
// never publish a completion the device did not finish, and never trust a size it did not
// record itself (HMX-VTA-053 HMX-VTA-054, -029).
#include <gtest/gtest.h>

#include <cstring>

#include "support/scripted_console.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

struct HostileDevice : ScriptedConsole {
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start(0));
    ASSERT_EQ(decode(first, avail), result::ok);
    tag = first.hdr.token;
    ASSERT_EQ(avail.f.writable_total, 64u);
  }
  void send(const std::vector<uint8_t>& b) {
    const chan_iov iov{b.data(), static_cast<uint32_t>(b.size())};
    ASSERT_EQ(dev().send(&iov, 1), result::ok);
  }
  std::vector<uint8_t> used(uint32_t t, uint16_t vq, uint16_t head, uint32_t total, uint32_t offset, uint32_t n,
                            uint16_t dev_num = 1) {
    uint8_t p[VTA_USED_PREFIX];
    encode_used_prefix(p, dev_num, t, {vq, head, 0, total, offset}, n);
    std::vector<uint8_t> b(p, p + sizeof p);
    for (uint32_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>('a' + (offset + i) % 26));
    return b;
  }
  bool canaries_intact() const {
    for (size_t i = 0; i < 16; ++i)
      if (mem[i] != 0xEE || mem[16 + 64 + i] != 0xEE) return false;
    return true;
  }

  data_view<avail_fields> avail;
  uint32_t tag = 0;
};

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, AnHonestCompletionLandsInsideTheBuffer) {
  send(used(tag, 0, avail.f.head, 40, 0, 40));
  ASSERT_EQ(rig->transport.poll(), result::ok);
  uint32_t len = 0;
  EXPECT_EQ(drv->vq[0].get_used(len), mem);
  EXPECT_EQ(len, 40u);
  EXPECT_EQ(touched(), 40u);
  EXPECT_TRUE(canaries_intact());
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, UnknownTagIsDropped) {
  send(used(tag + 1000, 0, avail.f.head, 8, 0, 8));
  send(used(0, 0, avail.f.head, 8, 0, 8));
  ASSERT_EQ(rig->transport.poll(), result::ok);
  EXPECT_FALSE(rig->transport.broken());
  EXPECT_EQ(rig->transport.queue_stats(0).stale_used, 2u);
  EXPECT_EQ(touched(), 0u);
  send(used(tag, 0, avail.f.head, 8, 0, 8));
  ASSERT_EQ(rig->transport.poll(), result::ok);
  uint32_t len = 0;
  EXPECT_EQ(drv->vq[0].get_used(len), mem);
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, MoreThanTheBufferHeldBreaksTheDevice) {
  send(used(tag, 0, avail.f.head, 65, 0, 65));
  EXPECT_EQ(rig->transport.poll(), result::no_device);
  EXPECT_EQ(rig->transport.reason(), broken_reason::protocol);
  EXPECT_EQ(touched(), 0u);
  EXPECT_TRUE(canaries_intact());
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, FragmentsOutOfOrderBreakTheDevice) {
  send(used(tag, 0, avail.f.head, 40, 0, 10));
  send(used(tag, 0, avail.f.head, 40, 20, 10));  // a gap
  EXPECT_EQ(rig->transport.poll(), result::no_device);
  EXPECT_EQ(touched(), 10u) << "only the valid first fragment was scattered";
  uint32_t len = 0;
  EXPECT_EQ(drv->vq[0].get_used(len), nullptr) << "never published";
  EXPECT_EQ(rig->transport.reset(), result::no_device);  // nobody answers the handshake
  EXPECT_EQ(drv->vq[0].detach_unused(), mem);
  EXPECT_TRUE(canaries_intact());
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, ChangedTotalBreaksTheDevice) {
  send(used(tag, 0, avail.f.head, 40, 0, 10));
  send(used(tag, 0, avail.f.head, 64, 10, 54));
  EXPECT_EQ(rig->transport.poll(), result::no_device);
  EXPECT_TRUE(canaries_intact());
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(HostileDevice, HeadOutOfRangeBreaksTheDevice) {
  send(used(tag, 0, 100, 8, 0, 8));
  EXPECT_EQ(rig->transport.poll(), result::no_device);
  EXPECT_TRUE(canaries_intact());
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-059 HMX-VTA-060 HMX-VTA-061
TEST_F(HostileDevice, GarbageForeignAndUnsolicitedMessagesAreDropped) {
  send({1, 2, 3});
  std::vector<uint8_t> junk(64, 0x41);
  send(junk);
  send(used(tag, 9, avail.f.head, 8, 0, 8));              // no such queue
  send(used(tag, 0, avail.f.head, 8, 0, 8, /*dev*/ 2));  // another device's number
  uint8_t b[64];
  const uint32_t n = encode_u32(b, sizeof b, {VTA_FLAG_RESPONSE, VTA_MSG_GET_DEVICE_STATUS, 1, 77, 0}, 0xFF);
  send(std::vector<uint8_t>(b, b + n));                   // a response nobody asked for
  ASSERT_EQ(rig->transport.poll(), result::ok);
  EXPECT_FALSE(rig->transport.broken());
  EXPECT_EQ(rig->transport.stats().dropped_malformed, 2u);
  EXPECT_EQ(rig->transport.stats().dropped_foreign, 3u);
  EXPECT_EQ(touched(), 0u);
}

// covers: HMX-VTA-020
TEST_F(HostileDevice, NeedsResetEventReachesTheDriver) {
  uint8_t b[64];
  const uint32_t n = encode(b, sizeof b, {0, VTA_MSG_EVENT_CONFIG, 1, 0, 0},
                            event_config{0x0F | v::STATUS_DEVICE_NEEDS_RESET, 1, 0, 0}, nullptr);
  const uint32_t before = rig->cb.config;
  send(std::vector<uint8_t>(b, b + n));
  ASSERT_EQ(rig->transport.poll(), result::ok);
  EXPECT_EQ(rig->cb.config, before + 1);
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-059 HMX-VTA-060 HMX-VTA-061
TEST_F(HostileDevice, MalformedResponsePayloadBreaksTheDevice) {
  // Answer the reset honestly, then describe a device whose config space is 1 MiB large.
  rig->link().driver().set_idle_hook([this] {
    uint8_t in[512];
    const recv_result rr = dev().receive(in, sizeof in);
    if (rr.status != result::ok) return;
    message m;
    if (decode_message(in, rr.size, role::device, m) != result::ok) return;
    uint8_t out[64];
    const msg_header h{VTA_FLAG_RESPONSE, m.hdr.msg_id, 1, m.hdr.token, 0};
    const uint32_t n = m.hdr.msg_id == VTA_MSG_SET_DEVICE_STATUS ? encode_u32(out, sizeof out, h, 0)
                                                                 : encode(out, sizeof out, h, device_info{3, 1, 64, 1u << 20, 2, 0, 0});
    const chan_iov iov{out, n};
    (void)dev().send(&iov, 1);
  });
  ASSERT_EQ(rig->transport.reset(), result::ok);  // also forgets the cached device info
  device_info info{};
  EXPECT_EQ(rig->transport.device_info(info), result::no_device);
  EXPECT_EQ(rig->transport.reason(), broken_reason::protocol);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
