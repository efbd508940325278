// SPDX-License-Identifier: Apache-2.0
// Codec round trips of the transport messages (include/hmx/virtio_argo/protocol.h).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "hmx/virtio_argo/protocol.h"
#include "hmx/virtio_argo/result.h"

#ifdef HMX_TRANSPORT_HAVE_ABI
#include <hmx/abi/constants.h>
#include <hmx/abi/errors.h>
#endif

namespace hmx::virtio_argo {
namespace {

msg_header req(uint8_t id, uint32_t token = 0x11223344) { return {0, id, 7, token, 0}; }
msg_header rsp(uint8_t id, uint32_t token = 0x11223344) { return {VTA_FLAG_RESPONSE, id, 7, token, 0}; }

message decoded(const uint8_t* b, uint32_t n, role to) {
  message m;
  EXPECT_EQ(decode_message(b, n, to, m), result::ok);
  return m;
}

// covers: HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052
TEST(Protocol, HeaderIsLittleEndianAtTheDocumentedOffsets) {
  uint8_t b[64];
  const uint32_t n = encode_u32(b, sizeof b, {VTA_FLAG_RESPONSE, VTA_MSG_SET_DEVICE_STATUS, 0x0102, 0xA1B2C3D4, 0}, 0x0F);
  ASSERT_EQ(n, 20u);
  const uint8_t want[] = {2, 1, 0x08, 0, 0x02, 0x01, 0, 0, 0xD4, 0xC3, 0xB2, 0xA1, 20, 0, 0, 0, 0x0F, 0, 0, 0};
  EXPECT_EQ(std::memcmp(b, want, sizeof want), 0);
  const message m = decoded(b, n, role::driver);
  EXPECT_EQ(m.hdr.dev_num, 0x0102);
  EXPECT_EQ(m.hdr.token, 0xA1B2C3D4u);
  EXPECT_EQ(m.hdr.size, 20u);
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.payload_len, 4u);
}

// covers: HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052 HMX-VTA-068 HMX-VTA-069
TEST(Protocol, DeviceInfoAndFeaturesRoundTrip) {
  uint8_t b[128];
  const device_info d{2, 0x584D48, 64, 36, 4, 0, 0};
  const message m = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_GET_DEVICE_INFO), d), role::driver);
  device_info got{};
  ASSERT_EQ(decode(m, got), result::ok);
  EXPECT_EQ(got.device_id, 2u);
  EXPECT_EQ(got.config_size, 36u);
  EXPECT_EQ(got.max_virtqueues, 4u);

  const uint32_t words[2] = {0x12345678, 0x00000001};
  const message f = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_GET_DEVICE_FEATURES), features_block{0, 2}, words),
                            role::driver);
  features_block fb{};
  uint32_t w[VTA_MAX_FEATURE_BLOCKS] = {};
  ASSERT_EQ(decode_features(f, VTA_MSG_GET_DEVICE_FEATURES, true, fb, w), result::ok);
  EXPECT_EQ(fb.num_blocks, 2u);
  EXPECT_EQ(w[0], 0x12345678u);
  EXPECT_EQ(w[1], 1u);

  const message q = decoded(b, encode(b, sizeof b, req(VTA_MSG_GET_DEVICE_FEATURES), features_block{1, 1}, nullptr),
                            role::device);
  ASSERT_EQ(decode_features(q, VTA_MSG_GET_DEVICE_FEATURES, false, fb, nullptr), result::ok);
  EXPECT_EQ(fb.block_index, 1u);

  const message s = decoded(b, encode(b, sizeof b, req(VTA_MSG_SET_DRIVER_FEATURES), features_block{0, 2}, words),
                            role::device);
  ASSERT_EQ(decode_features(s, VTA_MSG_SET_DRIVER_FEATURES, false, fb, w), result::ok);
  EXPECT_EQ(w[0], 0x12345678u);
}

// covers: HMX-VTA-070 HMX-VTA-071 HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075
TEST(Protocol, ConfigMessagesCarryGenerationOffsetAndData) {
  uint8_t b[256];
  const message r = decoded(b, encode(b, sizeof b, req(VTA_MSG_GET_CONFIG), config_request{8, 4}), role::device);
  config_request cr{};
  ASSERT_EQ(decode(r, cr), result::ok);
  EXPECT_EQ(cr.offset, 8u);
  EXPECT_EQ(cr.length, 4u);

  const uint8_t data[4] = {1, 2, 3, 4};
  const message g = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_GET_CONFIG), config_data{9, 8, 4}, data), role::driver);
  config_data c{};
  const uint8_t* p = nullptr;
  ASSERT_EQ(decode_config(g, VTA_MSG_GET_CONFIG, true, c, p), result::ok);
  EXPECT_EQ(c.generation, 9u);
  EXPECT_EQ(std::memcmp(p, data, 4), 0);

  const message s = decoded(b, encode(b, sizeof b, req(VTA_MSG_SET_CONFIG), config_data{9, 8, 4}, data), role::device);
  ASSERT_EQ(decode_config(s, VTA_MSG_SET_CONFIG, false, c, p), result::ok);
  EXPECT_EQ(p[3], 4);

  const message a = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_SET_CONFIG), config_data{10, 8, 0}, nullptr), role::driver);
  ASSERT_EQ(decode_config(a, VTA_MSG_SET_CONFIG, true, c, p), result::ok);
  EXPECT_EQ(c.length, 0u);
  EXPECT_EQ(p, nullptr);

  const uint8_t ev_data[2] = {0x50, 0};
  const message e = decoded(
      b, encode(b, sizeof b, {0, VTA_MSG_EVENT_CONFIG, 7, 0, 0}, event_config{0x0F, 3, 0, 2}, ev_data), role::driver);
  event_config ev{};
  ASSERT_EQ(decode(e, ev, p), result::ok);
  EXPECT_EQ(ev.device_status, 0x0Fu);
  EXPECT_EQ(ev.generation, 3u);
  EXPECT_EQ(p[0], 0x50);
}

// covers: HMX-VTA-078 HMX-VTA-079 HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST(Protocol, VirtqueueMessagesCarrySizesAndCreditsButNoAddresses) {
  uint8_t b[128];
  const message i = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_GET_VQUEUE), vqueue_info{3, 256, 0, 64, 1 << 20, 0}),
                            role::driver);
  vqueue_info qi{};
  ASSERT_EQ(decode(i, qi), result::ok);
  EXPECT_EQ(qi.index, 3u);
  EXPECT_EQ(qi.max_in_flight, 64u);
  EXPECT_EQ(qi.max_request_bytes, 1u << 20);

  const message s = decoded(b, encode(b, sizeof b, req(VTA_MSG_SET_VQUEUE), set_vqueue{3, 128, 0, 0}), role::device);
  EXPECT_EQ(s.payload_len, 16u);  // index, size, two reserved words: no descriptor/driver/device areas
  set_vqueue sv{};
  ASSERT_EQ(decode(s, sv), result::ok);
  EXPECT_EQ(sv.size, 128u);

  const message r = decoded(b, encode(b, sizeof b, rsp(VTA_MSG_SET_VQUEUE), set_vqueue_result{3, 128, 32, 0}),
                            role::driver);
  set_vqueue_result sr{};
  ASSERT_EQ(decode(r, sr), result::ok);
  EXPECT_EQ(sr.max_in_flight, 32u);
}

// covers: HMX-VTA-026 HMX-VTA-088 HMX-VTA-089
TEST(Protocol, AvailAndUsedPrefixesFrameTheirData) {
  uint8_t prefix[VTA_AVAIL_PREFIX];
  encode_avail_prefix(prefix, 7, 99, {2, 17, 0, 1000, 512, 200, 0}, 300);
  std::vector<uint8_t> msg(prefix, prefix + sizeof prefix);
  for (int i = 0; i < 300; ++i) msg.push_back(static_cast<uint8_t>(i));
  const message m = decoded(msg.data(), static_cast<uint32_t>(msg.size()), role::device);
  EXPECT_EQ(m.hdr.token, 99u);
  data_view<avail_fields> a;
  ASSERT_EQ(decode(m, a), result::ok);
  EXPECT_EQ(a.f.vq, 2);
  EXPECT_EQ(a.f.head, 17);
  EXPECT_EQ(a.f.readable_total, 1000u);
  EXPECT_EQ(a.f.writable_total, 512u);
  EXPECT_EQ(a.f.offset, 200u);
  EXPECT_EQ(a.data_len, 300u);
  EXPECT_EQ(a.data[299], static_cast<uint8_t>(299));

  uint8_t up[VTA_USED_PREFIX];
  encode_used_prefix(up, 7, 99, {2, 17, 0, 512, 400}, 100);
  std::vector<uint8_t> used(up, up + sizeof up);
  used.resize(used.size() + 100, 0xAB);
  const message u = decoded(used.data(), static_cast<uint32_t>(used.size()), role::driver);
  data_view<used_fields> d;
  ASSERT_EQ(decode(u, d), result::ok);
  EXPECT_EQ(d.f.written_total, 512u);
  EXPECT_EQ(d.f.offset, 400u);
  EXPECT_EQ(d.data_len, 100u);

  // A completion that wrote nothing is one USED without data.
  encode_used_prefix(up, 7, 99, {2, 17, 0, 0, 0}, 0);
  const message z = decoded(up, sizeof up, role::driver);
  ASSERT_EQ(decode(z, d), result::ok);
  EXPECT_EQ(d.f.written_total, 0u);
  EXPECT_EQ(d.data_len, 0u);
}

// covers: HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST(Protocol, LimitsAndErrorCodesAreHmxs) {
  EXPECT_EQ(VTA_HEADER_SIZE, sizeof(wire_header));
  EXPECT_GE(VTA_MIN_MESSAGE_SIZE, VTA_HEADER_SIZE + sizeof(config_data) + 64);
  EXPECT_GE(VTA_MIN_MESSAGE_SIZE, VTA_AVAIL_PREFIX + 1);
  EXPECT_EQ(static_cast<int>(result::again), -11);
  EXPECT_EQ(static_cast<int>(result::conn_refused), -111);
#ifdef HMX_TRANSPORT_HAVE_ABI
  EXPECT_EQ(VTA_MAX_MESSAGE_SIZE, HMX_MAX_MESSAGE_SIZE);
  EXPECT_EQ(VTA_MAX_IOV, HMX_MAXIOV);
  EXPECT_EQ(static_cast<int>(result::again), -HMX_EAGAIN);
  EXPECT_EQ(static_cast<int>(result::conn_refused), -HMX_ECONNREFUSED);
  EXPECT_EQ(static_cast<int>(result::msg_size), -HMX_EMSGSIZE);
  EXPECT_EQ(static_cast<int>(result::busy), -HMX_EBUSY);
  EXPECT_EQ(static_cast<int>(result::invalid), -HMX_EINVAL);
#endif
}

}  // namespace
}  // namespace hmx::virtio_argo
