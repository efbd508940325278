// SPDX-License-Identifier: Apache-2.0
// Hostile decoding: every field from the peer is an attack (HMX-VTA-053 HMX-VTA-054, -009). Buffers are
// exact-size heap vectors, so an over-read is an ASan failure in the sanitizer trees.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "hmx/virtio_argo/protocol.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace hmx::virtio_argo {
namespace {

using bytes = std::vector<uint8_t>;

// Decodes header and payload the way a receiver does; ok only if both are valid.
result decode_fully(const bytes& b, role to) {
  message m;
  result r = decode_message(b.data(), static_cast<uint32_t>(b.size()), to, m);
  if (r != result::ok) return r;
  const bool resp = m.is_response();
  uint32_t u = 0;
  uint16_t u16 = 0;
  features_block fb{};
  uint32_t words[VTA_MAX_FEATURE_BLOCKS];
  config_data cd{};
  config_request cr{};
  const uint8_t* p = nullptr;
  if (m.is_bus()) {
    bus_get_devices g{};
    bus_devices_header h{};
    bus_device_entry e[16];
    bus_connect c{};
    bus_connect_result cres{};
    bus_device_event ev{};
    switch (m.hdr.msg_id) {
      case VTA_BUS_GET_DEVICES: return resp ? decode(m, h, e, 16) : decode(m, g);
      case VTA_BUS_PING: return decode_ping(m, resp, u);
      case VTA_BUS_CONNECT: return resp ? decode(m, cres) : decode(m, c);
      case VTA_BUS_DISCONNECT: return decode_disconnect(m, resp, u16, u);
      case VTA_BUS_EVENT_DEVICE: return decode(m, ev);
    }
    return result::invalid;
  }
  switch (m.hdr.msg_id) {
    case VTA_MSG_GET_DEVICE_INFO: {
      if (!resp) return decode_empty(m, m.hdr.msg_id, false);
      device_info d{};
      return decode(m, d);
    }
    case VTA_MSG_GET_DEVICE_FEATURES: return decode_features(m, m.hdr.msg_id, resp, fb, resp ? words : nullptr);
    case VTA_MSG_SET_DRIVER_FEATURES:
      return resp ? decode_empty(m, m.hdr.msg_id, true) : decode_features(m, m.hdr.msg_id, false, fb, words);
    case VTA_MSG_GET_CONFIG: return resp ? decode_config(m, m.hdr.msg_id, true, cd, p) : decode(m, cr);
    case VTA_MSG_SET_CONFIG: return decode_config(m, m.hdr.msg_id, resp, cd, p);
    case VTA_MSG_GET_DEVICE_STATUS:
      return resp ? decode_u32(m, m.hdr.msg_id, true, u) : decode_empty(m, m.hdr.msg_id, false);
    case VTA_MSG_SET_DEVICE_STATUS:
    case VTA_MSG_RESET_VQUEUE: return decode_u32(m, m.hdr.msg_id, resp, u);
    case VTA_MSG_GET_VQUEUE: {
      if (!resp) return decode_u32(m, m.hdr.msg_id, false, u);
      vqueue_info q{};
      return decode(m, q);
    }
    case VTA_MSG_SET_VQUEUE: {
      set_vqueue s{};
      set_vqueue_result sr{};
      return resp ? decode(m, sr) : decode(m, s);
    }
    case VTA_MSG_EVENT_CONFIG: {
      event_config e{};
      return decode(m, e, p);
    }
    case VTA_MSG_AVAIL: {
      data_view<avail_fields> a;
      r = decode(m, a);
      if (r == result::ok && (a.data_len > m.payload_len || a.f.offset + uint64_t{a.data_len} > a.f.readable_total))
        ADD_FAILURE() << "AVAIL data outside the message or the request";
      return r;
    }
    case VTA_MSG_USED: {
      data_view<used_fields> d;
      r = decode(m, d);
      if (r == result::ok && d.f.offset + uint64_t{d.data_len} > d.f.written_total)
        ADD_FAILURE() << "USED data outside the completion";
      return r;
    }
  }
  return result::invalid;
}

bytes msg(uint32_t n, const uint8_t* b) { return bytes(b, b + n); }

struct sample {
  bytes b;
  role to;
  bool variable_data;  // AVAIL/USED: a shorter fragment may still be valid
};

std::vector<sample> corpus() {
  std::vector<sample> out;
  uint8_t b[512];
  const msg_header rq{0, 0, 3, 5, 0};
  auto req = [&](uint8_t id) { msg_header h = rq; h.msg_id = id; return h; };
  auto rsp = [&](uint8_t id) { msg_header h = rq; h.msg_id = id; h.flags = VTA_FLAG_RESPONSE; return h; };
  const uint32_t words[2] = {1, 2};
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  out.push_back({msg(encode_empty(b, sizeof b, req(VTA_MSG_GET_DEVICE_INFO)), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_GET_DEVICE_INFO), device_info{2, 1, 64, 36, 2, 0, 0}), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, req(VTA_MSG_GET_DEVICE_FEATURES), features_block{0, 2}, nullptr), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_GET_DEVICE_FEATURES), features_block{0, 2}, words), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, req(VTA_MSG_SET_DRIVER_FEATURES), features_block{0, 2}, words), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, req(VTA_MSG_GET_CONFIG), config_request{0, 8}), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_GET_CONFIG), config_data{1, 0, 8}, data), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, req(VTA_MSG_SET_CONFIG), config_data{1, 0, 8}, data), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_SET_CONFIG), config_data{1, 0, 8}, nullptr), b), role::driver, false});
  out.push_back({msg(encode_u32(b, sizeof b, rsp(VTA_MSG_GET_DEVICE_STATUS), 15), b), role::driver, false});
  out.push_back({msg(encode_u32(b, sizeof b, req(VTA_MSG_SET_DEVICE_STATUS), 3), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_GET_VQUEUE), vqueue_info{0, 256, 0, 64, 4096, 0}), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, req(VTA_MSG_SET_VQUEUE), set_vqueue{0, 64, 0, 0}), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, rsp(VTA_MSG_SET_VQUEUE), set_vqueue_result{0, 64, 8, 0}), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, {0, VTA_MSG_EVENT_CONFIG, 3, 0, 0}, event_config{0x4F, 2, 0, 8}, data), b), role::driver, false});
  {
    uint8_t p[VTA_AVAIL_PREFIX];
    encode_avail_prefix(p, 3, 9, {0, 1, 0, 24, 8, 16, 0}, 8);  // last fragment: ends at the total
    bytes a(p, p + sizeof p);
    a.insert(a.end(), data, data + 8);
    out.push_back({a, role::device, true});
    uint8_t u[VTA_USED_PREFIX];
    encode_used_prefix(u, 3, 9, {0, 1, 0, 16, 8}, 8);
    bytes d(u, u + sizeof u);
    d.insert(d.end(), data, data + 8);
    out.push_back({d, role::driver, true});
  }
  const bus_device_entry e[2] = {{1, VTA_DEVICE_READY, 2, 1, 0}, {2, VTA_DEVICE_READY, 3, 1, 0}};
  out.push_back({msg(encode(b, sizeof b, 4, bus_get_devices{0, 8}), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, 4, bus_devices_header{0, 2, 2, 0}, e), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, 4, bus_connect{1, 0, 0x100, 4096, 0}), b), role::device, false});
  out.push_back({msg(encode(b, sizeof b, 4, bus_connect_result{1, 0, 0, 0x200, 4096}), b), role::driver, false});
  out.push_back({msg(encode_disconnect(b, sizeof b, 4, true, 1, 0), b), role::driver, false});
  out.push_back({msg(encode(b, sizeof b, bus_device_event{1, VTA_DEVICE_REMOVED}), b), role::driver, false});
  return out;
}

void set_size(bytes& b) { wire::store_le32(b.data() + 12, static_cast<uint32_t>(b.size())); }

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, CorpusDecodes) {
  for (const auto& s : corpus()) EXPECT_EQ(decode_fully(s.b, s.to), result::ok) << int(s.b[2]);
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, TruncatedMessagesAreRejected) {
  for (const auto& s : corpus()) {
    for (size_t n = 0; n < s.b.size(); ++n) {
      bytes cut(s.b.begin(), s.b.begin() + static_cast<long>(n));
      EXPECT_NE(decode_fully(cut, s.to), result::ok) << "id " << int(s.b[2]) << " cut at " << n;
      if (n < VTA_HEADER_SIZE) continue;
      set_size(cut);  // a liar that shortens the size field too
      const result r = decode_fully(cut, s.to);
      if (!s.variable_data || n < s.b.size() - 8) {
        EXPECT_NE(r, result::ok) << "id " << int(s.b[2]) << " len " << n;
      }
    }
  }
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, TrailingBytesAndSizeLiesAreRejected) {
  for (const auto& s : corpus()) {
    bytes longer = s.b;
    longer.push_back(0);
    EXPECT_NE(decode_fully(longer, s.to), result::ok) << "size field no longer matches";
    set_size(longer);
    EXPECT_NE(decode_fully(longer, s.to), result::ok) << "id " << int(s.b[2]) << " with a trailing byte";
    for (int64_t delta : {int64_t{-1}, int64_t{1}, int64_t{0x10000}, -static_cast<int64_t>(s.b.size())}) {
      bytes lie = s.b;
      wire::store_le32(lie.data() + 12, static_cast<uint32_t>(static_cast<int64_t>(lie.size()) + delta));
      EXPECT_NE(decode_fully(lie, s.to), result::ok);
    }
  }
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, HeaderFieldsAreChecked) {
  for (const auto& s : corpus()) {
    for (uint8_t version : {0, 1, 3, 0xFF}) {  // 1: spec 0.1's numbering
      bytes b = s.b;
      b[0] = version;
      EXPECT_NE(decode_fully(b, s.to), result::ok);
    }
    for (size_t off : {3u, 6u, 7u}) {  // reserved header bytes
      bytes b = s.b;
      b[off] = 1;
      EXPECT_NE(decode_fully(b, s.to), result::ok);
    }
    for (int bit = 2; bit < 8; ++bit) {  // reserved flag bits
      bytes b = s.b;
      b[1] = static_cast<uint8_t>(b[1] | (1 << bit));
      EXPECT_NE(decode_fully(b, s.to), result::ok);
    }
    // The other role never accepts it: requests do not go to drivers, USED not to devices.
    EXPECT_NE(decode_fully(s.b, s.to == role::driver ? role::device : role::driver), result::ok)
        << "id " << int(s.b[2]) << " accepted in the wrong direction";
    bytes flipped = s.b;
    flipped[1] ^= VTA_FLAG_RESPONSE;
    EXPECT_NE(decode_fully(flipped, s.to), result::ok);
  }
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, UnknownIdsAreRejected) {
  for (int id = 0; id < 256; ++id) {
    for (uint8_t flags : {0, 1, 2, 3}) {
      const bool bus = (flags & VTA_FLAG_BUS) != 0;
      if ((bus ? bus_class(static_cast<uint8_t>(id)) : transport_class(static_cast<uint8_t>(id))) != msg_class::unknown)
        continue;
      bytes b(VTA_HEADER_SIZE + 8, 0);
      encode_header(b.data(), {flags, static_cast<uint8_t>(id), 0, 1, static_cast<uint32_t>(b.size())});
      message m;
      EXPECT_NE(decode_message(b.data(), static_cast<uint32_t>(b.size()), role::driver, m), result::ok);
      EXPECT_NE(decode_message(b.data(), static_cast<uint32_t>(b.size()), role::device, m), result::ok);
    }
  }
  // Reserved ids of virtio-msg that virtio-argo does not use.
  EXPECT_EQ(transport_class(0x0C), msg_class::unknown);  // GET_SHM: no shared memory
  EXPECT_EQ(transport_class(0x41), msg_class::unknown);  // EVENT_AVAIL without data
  EXPECT_EQ(transport_class(0x42), msg_class::unknown);  // EVENT_USED without data
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056 HMX-VTA-027
TEST(ProtocolHostile, LengthsOffsetsAndCountsAreBounded) {
  uint8_t b[512];
  const msg_header rsp{VTA_FLAG_RESPONSE, VTA_MSG_GET_CONFIG, 1, 1, 0};
  const uint8_t* p = nullptr;
  config_data c{};
  // A config chunk beyond the largest config space, or wrapping around.
  for (auto [off, len] : {std::pair<uint32_t, uint32_t>{0, VTA_MAX_CONFIG_SIZE + 1}, {0xFFFFFFFF, 2}, {4090, 8}}) {
    wire::writer w(b, sizeof b);
    w.zero(VTA_HEADER_SIZE);
    w.u32(0);
    w.u32(off);
    w.u32(len);
    encode_header(b, {rsp.flags, rsp.msg_id, 1, 1, w.size()});
    message m;
    ASSERT_EQ(decode_message(b, w.size(), role::driver, m), result::ok);
    EXPECT_NE(decode_config(m, VTA_MSG_GET_CONFIG, true, c, p), result::ok) << off << "+" << len;
  }
  // Feature blocks: none, too many, and an index that runs past the last block.
  for (auto [idx, num] : {std::pair<uint32_t, uint32_t>{0, 0}, {0, 5}, {3, 2}, {0xFFFFFFFF, 2}}) {
    const uint32_t words[VTA_MAX_FEATURE_BLOCKS + 1] = {};
    wire::writer w(b, sizeof b);
    w.zero(VTA_HEADER_SIZE);
    w.u32(idx);
    w.u32(num);
    for (uint32_t i = 0; i < num && i < 5; ++i) w.u32(words[i]);
    encode_header(b, {VTA_FLAG_RESPONSE, VTA_MSG_GET_DEVICE_FEATURES, 1, 1, w.size()});
    message m;
    ASSERT_EQ(decode_message(b, w.size(), role::driver, m), result::ok);
    features_block fb{};
    uint32_t out[VTA_MAX_FEATURE_BLOCKS];
    EXPECT_NE(decode_features(m, VTA_MSG_GET_DEVICE_FEATURES, true, fb, out), result::ok) << idx << "," << num;
  }
  // Queue sizes that are no power of two, or beyond 32768.
  for (uint32_t size : {3u, 65536u, 0x80000000u}) {
    const uint32_t n = encode(b, sizeof b, {VTA_FLAG_RESPONSE, VTA_MSG_GET_VQUEUE, 1, 1, 0}, vqueue_info{0, size, 0, 1, 1, 0});
    message m;
    ASSERT_EQ(decode_message(b, n, role::driver, m), result::ok);
    vqueue_info q{};
    EXPECT_NE(decode(m, q), result::ok) << size;
  }
  // AVAIL fragments outside their request, and an empty fragment of a request with data.
  struct frag {
    uint32_t total, offset, data;
  };
  for (frag f : {frag{8, 9, 0}, frag{8, 4, 8}, frag{0xFFFFFFFF, 0xFFFFFFF0, 32}, frag{8, 0, 0}, frag{8, 8, 0}}) {
    uint8_t pre[VTA_AVAIL_PREFIX];
    encode_avail_prefix(pre, 1, 1, {0, 0, 0, f.total, 0, f.offset, 0}, f.data);
    bytes a(pre, pre + sizeof pre);
    a.resize(a.size() + f.data);
    message m;
    ASSERT_EQ(decode_message(a.data(), static_cast<uint32_t>(a.size()), role::device, m), result::ok);
    data_view<avail_fields> v;
    EXPECT_NE(decode(m, v), result::ok) << f.total << "/" << f.offset << "/" << f.data;
    uint8_t up[VTA_USED_PREFIX];
    encode_used_prefix(up, 1, 1, {0, 0, 0, f.total, f.offset}, f.data);
    bytes u(up, up + sizeof up);
    u.resize(u.size() + f.data);
    ASSERT_EQ(decode_message(u.data(), static_cast<uint32_t>(u.size()), role::driver, m), result::ok);
    data_view<used_fields> d;
    EXPECT_NE(decode(m, d), result::ok) << f.total << "/" << f.offset << "/" << f.data;
  }
  // Reserved words inside AVAIL and USED bodies.
  for (size_t off : {VTA_HEADER_SIZE + 4, VTA_HEADER_SIZE + 20}) {
    uint8_t pre[VTA_AVAIL_PREFIX];
    encode_avail_prefix(pre, 1, 1, {0, 0, 0, 0, 0, 0, 0}, 0);
    pre[off] = 1;
    message m;
    ASSERT_EQ(decode_message(pre, sizeof pre, role::device, m), result::ok);
    data_view<avail_fields> v;
    EXPECT_NE(decode(m, v), result::ok);
  }
}

// covers: HMX-VTA-053 HMX-VTA-054 HMX-VTA-055 HMX-VTA-056
TEST(ProtocolHostile, RandomMutationsNeverEscapeTheBuffer) {
  std::mt19937 rng(1234);
  const auto base = corpus();
  uint64_t accepted = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    const sample& s = base[rng() % base.size()];
    bytes b = s.b;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    if (rng() % 3 == 0) b.resize(rng() % (b.size() + 16), static_cast<uint8_t>(rng()));
    if (b.size() >= VTA_HEADER_SIZE && rng() % 2 == 0) set_size(b);
    if (decode_fully(b, s.to) == result::ok) ++accepted;
  }
  for (int iter = 0; iter < 20000; ++iter) {
    bytes b(rng() % 96);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (b.size() >= VTA_HEADER_SIZE) {
      b[0] = VTA_VERSION;
      set_size(b);
    }
    (void)decode_fully(b, iter % 2 ? role::driver : role::device);
  }
  SUCCEED() << accepted << " mutated messages were still well-formed";
}

}  // namespace
}  // namespace hmx::virtio_argo
