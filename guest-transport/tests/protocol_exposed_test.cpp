// SPDX-License-Identifier: Apache-2.0
// The exposed AVAIL's codec (protocol_exposed.h, spec transport "Requests with exposures").
#include <gtest/gtest.h>

#include <vector>

#include "hmx/virtio_argo/protocol_exposed.h"

namespace hmx::virtio_argo {
namespace {

std::vector<uint8_t> exposed(uint32_t readable, uint32_t writable, const std::vector<exposure_segment>& segs) {
  uint8_t prefix[VTA_AVAIL_PREFIX];
  encode_exposed_avail_prefix(prefix, 7, 99, 1, 5, readable, writable, static_cast<uint32_t>(segs.size()));
  std::vector<uint8_t> msg(prefix, prefix + sizeof prefix);
  for (const exposure_segment& s : segs) {
    uint8_t b[VTA_EXPOSURE_SEGMENT_SIZE];
    encode_exposure_segment(b, s);
    msg.insert(msg.end(), b, b + sizeof b);
  }
  return msg;
}

result decode_bytes(const std::vector<uint8_t>& b, exposed_avail& a) {
  message m;
  const result r = decode_message(b.data(), static_cast<uint32_t>(b.size()), role::device, m);
  if (r != result::ok) return r;
  EXPECT_TRUE(is_exposed_avail(m));
  return decode(m, a);
}

// covers: HMX-VTA-155
TEST(ProtocolExposed, SegmentsRoundTripReadableFirst) {
  const auto b = exposed(16 + 4096, 1, {{0x1111, 16}, {0x2222, 4096}, {0x3333, 1}});
  exposed_avail a;
  ASSERT_EQ(decode_bytes(b, a), result::ok);
  EXPECT_EQ(a.f.vq, 1);
  EXPECT_EQ(a.f.head, 5);
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.readable, 2u);
  EXPECT_EQ(segment_at(a, 1).handle, 0x2222u);
  EXPECT_EQ(segment_at(a, 2).len, 1u);

  message m;
  ASSERT_EQ(decode_message(b.data(), static_cast<uint32_t>(b.size()), role::device, m), result::ok);
  data_view<avail_fields> plain;
  EXPECT_EQ(decode(m, plain), result::invalid) << "the data path's decoder refuses the flag (HMX-VTA-154)";
}

// covers: HMX-VTA-155
TEST(ProtocolExposed, SegmentsThatDoNotAddUpOrStraddleAreInvalid) {
  exposed_avail a;
  EXPECT_EQ(decode_bytes(exposed(100, 10, {{1, 100}, {2, 9}}), a), result::invalid) << "writable short";
  EXPECT_EQ(decode_bytes(exposed(100, 10, {{1, 100}, {2, 11}}), a), result::invalid) << "writable long";
  EXPECT_EQ(decode_bytes(exposed(100, 10, {{1, 99}}), a), result::invalid) << "readable short";
  EXPECT_EQ(decode_bytes(exposed(100, 10, {{1, 105}, {2, 5}}), a), result::invalid) << "straddles";
  EXPECT_EQ(decode_bytes(exposed(100, 10, {{1, 100}, {2, 0}, {3, 10}}), a), result::invalid) << "empty segment";
  EXPECT_EQ(decode_bytes(exposed(0, 10, {{1, 10}}), a), result::ok) << "a read: writable only";
  EXPECT_EQ(a.readable, 0u);

  auto b = exposed(8, 0, {{1, 8}});
  b.push_back(0);  // a partial segment
  b[12] = static_cast<uint8_t>(b.size());  // the header's size (offset 12) follows the length
  message m;
  ASSERT_EQ(decode_message(b.data(), static_cast<uint32_t>(b.size()), role::device, m), result::ok);
  EXPECT_EQ(decode(m, a), result::invalid);
  b = exposed(8, 0, {{1, 8}});
  b[VTA_HEADER_SIZE + 16] = 4;  // offset must be 0
  EXPECT_EQ(decode_bytes(b, a), result::invalid);
}

// The former reserved word is the segment's offset into its exposure: any value decodes (the
// hypervisor bounds it), and it round-trips (spec "Exposure windows").
// covers: HMX-VTA-166 HMX-VTA-167
TEST(ProtocolExposed, ASegmentsOffsetRoundTrips) {
  // The decoded AVAIL points into the message bytes: they must outlive it.
  exposed_avail a;
  const std::vector<uint8_t> window = exposed(8, 16, {{7, 8, 4096}, {7, 16, 0xFFFFFFF0u}});
  ASSERT_EQ(decode_bytes(window, a), result::ok);
  EXPECT_EQ(segment_at(a, 0).handle, 7u);
  EXPECT_EQ(segment_at(a, 0).offset, 4096u);
  EXPECT_EQ(segment_at(a, 1).offset, 0xFFFFFFF0u);
  const std::vector<uint8_t> per_request = exposed(8, 0, {{1, 8}});
  ASSERT_EQ(decode_bytes(per_request, a), result::ok);
  EXPECT_EQ(segment_at(a, 0).offset, 0u) << "a per-request exposure's segment (HMX-VTA-168)";
}

TEST(ProtocolExposed, MostSegmentsFollowTheDeviceRing) {
  EXPECT_EQ(max_exposure_segments(VTA_AVAIL_PREFIX), 0u);
  EXPECT_EQ(max_exposure_segments(4064), (4064u - VTA_AVAIL_PREFIX) / 16);
}

}  // namespace
}  // namespace hmx::virtio_argo
