// SPDX-License-Identifier: Apache-2.0
// A driver that breaks the rules, speaking raw messages to a real device host: the device
// answers what is well-formed exactly once and in order, drops what is not, and meets every
// data-path violation with DEVICE_NEEDS_RESET instead of acting on it (HMX-VTA-055 HMX-VTA-056, -010,
// -024, -028).
#include <gtest/gtest.h>

#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/loopback.h"

namespace hmx::virtio_argo::device {
namespace {

namespace v = virtio;
using bytes = std::vector<uint8_t>;

struct HostileDriver : ::testing::Test {
  HostileDriver() : link(1 << 16, 1 << 16), ch(link.device()), host(con, ch, {1, {2, 4096}, (1 << 16) - 32}) {}

  void send(const bytes& b) {
    const chan_iov iov{b.data(), static_cast<uint32_t>(b.size())};
    ASSERT_EQ(link.driver().send(&iov, 1), result::ok);
  }
  template <class F>
  bytes make(F&& encoder) {
    uint8_t b[512];
    const uint32_t n = encoder(b, sizeof b);
    return bytes(b, b + n);
  }
  msg_header h(uint8_t id, uint32_t token) { return {0, id, 1, token, 0}; }
  // Everything the device sent since the last call, decoded.
  std::vector<bytes> replies() {
    (void)host.poll();
    std::vector<bytes> out;
    uint8_t b[1 << 16];
    for (;;) {
      const recv_result rr = link.driver().receive(b, sizeof b);
      if (rr.status != result::ok) return out;
      out.emplace_back(b, b + rr.size);
    }
  }
  message view(const bytes& b) {
    message m;
    EXPECT_EQ(decode_message(b.data(), static_cast<uint32_t>(b.size()), role::driver, m), result::ok);
    return m;
  }
  uint32_t u32_of(const bytes& b) { return wire::load_le32(b.data() + VTA_HEADER_SIZE); }
  void set_status(uint8_t s) {
    send(make([&](uint8_t* b, uint32_t c) { return encode_u32(b, c, h(VTA_MSG_SET_DEVICE_STATUS, ++token), s); }));
  }
  // Brings the device to DRIVER_OK with both queues of 16 entries.
  void init() {
    set_status(v::STATUS_ACKNOWLEDGE);
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER);
    const uint32_t w[2] = {0, 1};  // VERSION_1
    send(make([&](uint8_t* b, uint32_t c) {
      return encode(b, c, h(VTA_MSG_SET_DRIVER_FEATURES, ++token), features_block{0, 2}, w);
    }));
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
    for (uint32_t q = 0; q < 2; ++q)
      send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_SET_VQUEUE, ++token), set_vqueue{q, 16, 0, 0}); }));
    set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
    ASSERT_EQ(replies().size(), 7u);
    ASSERT_TRUE(host.core().driver_ok());
  }
  bytes avail(uint16_t vq, uint16_t head, uint32_t tag, uint32_t readable, uint32_t writable, uint32_t offset,
              uint32_t n) {
    uint8_t p[VTA_AVAIL_PREFIX];
    encode_avail_prefix(p, 1, tag, {vq, head, 0, readable, writable, offset, 0}, n);
    bytes b(p, p + sizeof p);
    b.resize(b.size() + n, 'x');
    return b;
  }
  // The device asked for a reset: EVENT_CONFIG with DEVICE_NEEDS_RESET, and the status says so.
  void expect_needs_reset() {
    bool event = false;
    for (const bytes& r : replies()) {
      const message m = view(r);
      if (m.hdr.msg_id != VTA_MSG_EVENT_CONFIG) continue;
      event_config e{};
      const uint8_t* d = nullptr;
      ASSERT_EQ(decode(m, e, d), result::ok);
      event = (e.device_status & v::STATUS_DEVICE_NEEDS_RESET) != 0;
    }
    EXPECT_TRUE(event);
    EXPECT_TRUE(host.core().needs_reset());
    EXPECT_GE(host.stats().protocol_errors, 1u);
  }

  console_device con;
  loopback_link link;
  channel_ref<loopback_endpoint> ch;
  argo_device_host host;
  uint32_t token = 0;
};

// covers: HMX-VTA-057 HMX-VTA-058 HMX-VTA-055 HMX-VTA-056
TEST_F(HostileDriver, EachWellFormedRequestGetsOneResponseInOrder) {
  send(make([&](uint8_t* b, uint32_t c) { return encode_empty(b, c, h(VTA_MSG_GET_DEVICE_STATUS, 101)); }));
  send(make([&](uint8_t* b, uint32_t c) { return encode_u32(b, c, h(VTA_MSG_GET_DEVICE_STATUS, 102), 0); }));  // malformed
  send(make([&](uint8_t* b, uint32_t c) { return encode_empty(b, c, h(VTA_MSG_GET_DEVICE_INFO, 103)); }));
  send(make([&](uint8_t* b, uint32_t c) { return encode_empty(b, c, {0, VTA_MSG_GET_DEVICE_INFO, 9, 104, 0}); }));  // another dev_num
  send(make([&](uint8_t* b, uint32_t c) { return encode_u32(b, c, h(VTA_MSG_GET_VQUEUE, 105), 1); }));
  const auto r = replies();
  ASSERT_EQ(r.size(), 3u);
  const uint32_t want[3] = {101, 103, 105};
  const uint8_t ids[3] = {VTA_MSG_GET_DEVICE_STATUS, VTA_MSG_GET_DEVICE_INFO, VTA_MSG_GET_VQUEUE};
  for (size_t i = 0; i < 3; ++i) {
    const message m = view(r[i]);
    EXPECT_TRUE(m.is_response());
    EXPECT_EQ(m.hdr.token, want[i]);
    EXPECT_EQ(m.hdr.msg_id, ids[i]);
  }
  EXPECT_EQ(host.stats().dropped_malformed, 2u);
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085 HMX-VTA-020
TEST_F(HostileDriver, AvailBeforeDriverOkAsksForReset) {
  send(avail(0, 0, 1, 0, 16, 0, 0));
  expect_needs_reset();
  set_status(0);  // the reset clears it
  const auto r = replies();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(u32_of(r[0]), 0u);
  EXPECT_FALSE(host.core().needs_reset());
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST_F(HostileDriver, CreditOverrunAsksForReset) {
  init();
  send(avail(0, 0, 1, 0, 16, 0, 0));
  send(avail(0, 1, 2, 0, 16, 0, 0));
  EXPECT_TRUE(replies().empty()) << "two receive buffers within the credit of 2 are held";
  EXPECT_EQ(con.waiting_rx(), 2u);
  send(avail(0, 2, 3, 0, 16, 0, 0));
  expect_needs_reset();
  EXPECT_EQ(con.waiting_rx(), 2u) << "the third was not acted on";
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085 HMX-VTA-088 HMX-VTA-089
TEST_F(HostileDriver, FragmentGapAsksForReset) {
  init();
  send(avail(1, 0, 1, 100, 0, 0, 50));
  send(avail(1, 0, 1, 100, 0, 60, 40));
  expect_needs_reset();
  EXPECT_EQ(con.output(), "") << "the request was never served";
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST_F(HostileDriver, OversizedRequestAsksForReset) {
  init();
  send(avail(1, 0, 1, 4097, 0, 0, 100));
  expect_needs_reset();
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085 HMX-VTA-088 HMX-VTA-089
TEST_F(HostileDriver, DuplicateHeadAsksForReset) {
  init();
  send(avail(0, 3, 1, 0, 16, 0, 0));
  send(avail(0, 3, 2, 0, 16, 0, 0));
  expect_needs_reset();
}

// covers: HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST_F(HostileDriver, ZeroTagAsksForReset) {
  init();
  send(avail(1, 0, 0, 4, 0, 0, 4));
  expect_needs_reset();
}

// covers: HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075 HMX-VTA-078 HMX-VTA-079
TEST_F(HostileDriver, BadQueueAndConfigRequestsAreRefusedNotObeyed) {
  set_status(v::STATUS_ACKNOWLEDGE);
  set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER);
  const uint32_t w[2] = {0, 1};
  send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_SET_DRIVER_FEATURES, ++token), features_block{0, 2}, w); }));
  set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
  (void)replies();
  send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_SET_VQUEUE, 1), set_vqueue{5, 16, 0, 0}); }));
  send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_SET_VQUEUE, 2), set_vqueue{0, 12, 0, 0}); }));
  send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_GET_CONFIG, 3), config_request{8, 8}); }));
  send(make([&](uint8_t* b, uint32_t c) { return encode(b, c, h(VTA_MSG_GET_VQUEUE, 4), vqueue_info{}); }));  // wrong size
  const auto r = replies();
  ASSERT_EQ(r.size(), 3u);
  set_vqueue_result s{};
  ASSERT_EQ(decode(view(r[0]), s), result::ok);
  EXPECT_EQ(s.size, 0u) << "no such queue";
  ASSERT_EQ(decode(view(r[1]), s), result::ok);
  EXPECT_EQ(s.size, 0u) << "not a power of two";
  config_data c{};
  const uint8_t* d = nullptr;
  ASSERT_EQ(decode_config(view(r[2]), VTA_MSG_GET_CONFIG, true, c, d), result::ok);
  EXPECT_EQ(c.length, 0u) << "outside the 12-byte config space";
  EXPECT_FALSE(host.core().needs_reset()) << "refused control requests are no protocol error";
}

}  // namespace
}  // namespace hmx::virtio_argo::device
