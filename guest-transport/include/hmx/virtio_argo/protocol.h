/* SPDX-License-Identifier: MIT */
// virtio-argo wire protocol: the common header and the transport messages (spec/transport.adoc
// "Message format", "Transport messages", "Data path"). Bus messages are in protocol_bus.h.
//
// Every message is one HMX message (one sendv) whose HMX message_type is VTA_MESSAGE_TYPE. The
// structs below document the layouts (their offsets are asserted); the encoders and decoders
// go field by field through wire::reader/writer, so nothing depends on host endianness or on
// the alignment of a received buffer. Every decoder treats the bytes as hostile: sizes are
// exact, reserved fields are zero, and no length is trusted before it is checked against the
// bytes actually received (HMX-VTA-053 HMX-VTA-054). Freestanding: no heap, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi/vta.h>

#include "hmx/virtio_argo/result.h"
#include "hmx/virtio_argo/wire.h"

namespace hmx::virtio_argo {

// ---- Identification, limits and header flags (spec "Connections", "Message format", "Limits")
// The numbers are the spec data's (spec/transport.textproto), generated into <hmx/abi/vta.h>.
inline constexpr uint8_t VTA_VERSION = HMX_VTA_VERSION;
// HMX message_type of every virtio-argo message ("VTA1" read as a big-endian word).
inline constexpr uint32_t VTA_MESSAGE_TYPE = HMX_VTA_MESSAGE_TYPE;
// The device domain's bus ring (HMX-VTA-042 HMX-VTA-043).
inline constexpr uint32_t VTA_BUS_APORT = HMX_VTA_BUS_APORT;
inline constexpr uint32_t VTA_HEADER_SIZE = HMX_VTA_HEADER_SIZE;
// Every ring of a connection accepts at least this message size (HMX-VTA-046 HMX-VTA-047 HMX-VTA-048).
inline constexpr uint32_t VTA_MIN_MESSAGE_SIZE = HMX_VTA_MIN_MESSAGE_SIZE;
// HMX's MAX_MESSAGE_SIZE: MAX_RING_SIZE less a message header and a slot.
inline constexpr uint32_t VTA_MAX_MESSAGE_SIZE = HMX_VTA_MAX_MESSAGE_SIZE;
// HMX's MAXIOV: the most iovs one sendv carries; the header takes one of them.
inline constexpr uint32_t VTA_MAX_IOV = HMX_VTA_MAX_IOV;
inline constexpr uint32_t VTA_MAX_CONFIG_SIZE = HMX_VTA_MAX_CONFIG_SIZE;
inline constexpr uint32_t VTA_MAX_FEATURE_BLOCKS = HMX_VTA_MAX_FEATURE_BLOCKS;  // 128 feature bits
inline constexpr uint32_t VTA_MAX_QUEUE_SIZE = HMX_VTA_MAX_QUEUE_SIZE;  // virtio 1.x split ring maximum
inline constexpr uint32_t VTA_MAX_QUEUES = HMX_VTA_MAX_QUEUES;

inline constexpr uint8_t VTA_FLAG_RESPONSE = HMX_VTA_FLAG_RESPONSE;  // a response to the request with this token
inline constexpr uint8_t VTA_FLAG_BUS = HMX_VTA_FLAG_BUS;            // a bus message (protocol_bus.h)
inline constexpr uint8_t VTA_FLAGS_DEFINED = HMX_VTA_FLAGS_DEFINED;

// ---- Header (spec "Message format") ---------------------------------------------------------
struct wire_header {
  uint8_t version;     // VTA_VERSION
  uint8_t flags;       // VTA_FLAG_*; other bits reserved, 0
  uint8_t msg_id;      // VTA_MSG_* or VTA_BUS_*
  uint8_t reserved0;   // 0
  uint16_t dev_num;    // device of the connection; 0 in bus messages
  uint16_t reserved1;  // 0
  uint32_t token;      // request token echoed by the response; request tag in AVAIL/USED
  uint32_t size;       // whole message in bytes, header included; equals the HMX payload length
};
static_assert(sizeof(wire_header) == VTA_HEADER_SIZE);
static_assert(offsetof(wire_header, msg_id) == 2 && offsetof(wire_header, dev_num) == 4);
static_assert(offsetof(wire_header, token) == 8 && offsetof(wire_header, size) == 12);

// Transport message ids, VTA_MSG_<NAME>: one per entry of the data's message list
// (HMX_VTA_MESSAGE_LIST). virtio-msg's ids where virtio-msg defines the message (0x00-0x3F
// request/response, 0x40-0x7F events); AVAIL and USED, which virtio-argo adds, in the event range
// virtio-msg leaves to implementations (0xC0-0xFF). 0x0C (GET_SHM), 0x41 and 0x42 (EVENT_AVAIL,
// EVENT_USED) are reserved: no shared memory, and AVAIL and USED carry their data.
enum : uint8_t {
#define HMX_VTA_ENUMERATOR(name, sender, kind) VTA_MSG_##name = HMX_VTA_MSG_##name,
  HMX_VTA_MESSAGE_LIST(HMX_VTA_ENUMERATOR)
#undef HMX_VTA_ENUMERATOR
};

// Who receives a message; a receiver accepts only what may be sent to it (HMX-VTA-055 HMX-VTA-056).
enum class role : uint8_t { driver, device };

struct msg_header {
  uint8_t flags = 0;
  uint8_t msg_id = 0;
  uint16_t dev_num = 0;
  uint32_t token = 0;
  uint32_t size = 0;
};

// A decoded message: its header and a view of its payload inside the received bytes.
struct message {
  msg_header hdr;
  const uint8_t* payload = nullptr;
  uint32_t payload_len = 0;
  bool is_response() const { return (hdr.flags & VTA_FLAG_RESPONSE) != 0; }
  bool is_bus() const { return (hdr.flags & VTA_FLAG_BUS) != 0; }
};

inline void encode_header(uint8_t* out, const msg_header& h) {
  wire::writer w(out, VTA_HEADER_SIZE);
  w.u8(VTA_VERSION);
  w.u8(h.flags);
  w.u8(h.msg_id);
  w.u8(0);
  w.u16(h.dev_num);
  w.u16(0);
  w.u32(h.token);
  w.u32(h.size);
}

// Which message ids exist, whether they are requests (with a response) or events, and who may
// receive each kind: as the data's message lists say (sender, kind).
enum class msg_class : uint8_t { unknown, request, event_to_driver, event_to_device };

constexpr msg_class message_class(unsigned sender, unsigned kind) {
  if (kind == HMX_VTA_KIND_REQUEST) return msg_class::request;
  return sender == HMX_VTA_SENDER_DEVICE ? msg_class::event_to_driver : msg_class::event_to_device;
}

constexpr msg_class transport_class(uint8_t id) {
  switch (id) {
#define HMX_VTA_CLASS(name, sender, kind) \
  case HMX_VTA_MSG_##name:                \
    return message_class(sender, kind);
    HMX_VTA_MESSAGE_LIST(HMX_VTA_CLASS)
#undef HMX_VTA_CLASS
    default:
      return msg_class::unknown;
  }
}

// Bus message ids, VTA_BUS_<NAME> (flag VTA_FLAG_BUS, dev_num 0; payloads in protocol_bus.h).
enum : uint8_t {
#define HMX_VTA_ENUMERATOR(name, sender, kind) VTA_BUS_##name = HMX_VTA_BUS_##name,
  HMX_VTA_BUS_MESSAGE_LIST(HMX_VTA_ENUMERATOR)
#undef HMX_VTA_ENUMERATOR
};

constexpr msg_class bus_class(uint8_t id) {
  switch (id) {
#define HMX_VTA_CLASS(name, sender, kind) \
  case HMX_VTA_BUS_##name:                \
    return message_class(sender, kind);
    HMX_VTA_BUS_MESSAGE_LIST(HMX_VTA_CLASS)
#undef HMX_VTA_CLASS
    default:
      return msg_class::unknown;
  }
}

// Decodes and validates the common header of `len` received bytes (HMX-VTA-006..009).
// `to` is the receiving role: a driver accepts responses and device events, a device accepts
// requests and driver events; on the bus the driver domain is the driver and the device
// domain the device.
inline result decode_message(const void* buf, uint32_t len, role to, message& out) {
  if (buf == nullptr || len < VTA_HEADER_SIZE || len > VTA_MAX_MESSAGE_SIZE) return result::invalid;
  wire::reader r(static_cast<const uint8_t*>(buf), len);
  const uint8_t version = r.u8();
  out.hdr.flags = r.u8();
  out.hdr.msg_id = r.u8();
  r.zero(1);
  out.hdr.dev_num = r.u16();
  r.zero(2);
  out.hdr.token = r.u32();
  out.hdr.size = r.u32();
  if (!r.ok() || version != VTA_VERSION) return result::invalid;
  if ((out.hdr.flags & ~VTA_FLAGS_DEFINED) != 0) return result::invalid;
  if (out.hdr.size != len) return result::invalid;  // the header must describe exactly what arrived
  out.payload = static_cast<const uint8_t*>(buf) + VTA_HEADER_SIZE;
  out.payload_len = len - VTA_HEADER_SIZE;
  const bool response = out.is_response();
  const msg_class c = out.is_bus() ? bus_class(out.hdr.msg_id) : transport_class(out.hdr.msg_id);
  switch (c) {
    case msg_class::unknown:
      return result::invalid;
    case msg_class::request:
      // Requests go to the device, responses to the driver.
      if (response != (to == role::driver)) return result::invalid;
      break;
    case msg_class::event_to_driver:
      if (response || to != role::driver) return result::invalid;
      break;
    case msg_class::event_to_device:
      if (response || to != role::device) return result::invalid;
      break;
  }
  if (out.is_bus() && out.hdr.dev_num != 0) return result::invalid;
  return result::ok;
}

// ---- Payloads of the transport messages ------------------------------------------------------
// Each payload struct mirrors the wire layout; its encode/decode pair is below it.

struct device_info {  // GET_DEVICE_INFO response
  uint32_t device_id;
  uint32_t vendor_id;
  uint32_t num_feature_bits;  // multiple of 32, at most 32 * VTA_MAX_FEATURE_BLOCKS
  uint32_t config_size;       // at most VTA_MAX_CONFIG_SIZE
  uint32_t max_virtqueues;    // 1..VTA_MAX_QUEUES
  uint16_t admin_vq_start;    // 0: no admin virtqueues in this revision
  uint16_t admin_vq_count;
};
static_assert(sizeof(device_info) == 24 && offsetof(device_info, admin_vq_start) == 20);

struct features_block {  // GET_DEVICE_FEATURES request / response prefix, SET_DRIVER_FEATURES prefix
  uint32_t block_index;  // first 32-bit block
  uint32_t num_blocks;   // 1..VTA_MAX_FEATURE_BLOCKS
};
static_assert(sizeof(features_block) == 8);

struct config_request {  // GET_CONFIG request
  uint32_t offset;
  uint32_t length;
};
static_assert(sizeof(config_request) == 8);

struct config_data {  // GET_CONFIG response, SET_CONFIG request and response, prefix of data
  uint32_t generation;
  uint32_t offset;
  uint32_t length;  // SET_CONFIG response: 0 means rejected
};
static_assert(sizeof(config_data) == 12);

struct vqueue_info {  // GET_VQUEUE response
  uint32_t index;
  uint32_t max_size;           // largest queue size the device accepts (power of two)
  uint32_t cur_size;           // 0: not set up
  uint32_t max_in_flight;      // credit: requests the device holds at once (HMX-VTA-023)
  uint32_t max_request_bytes;  // bound on a request's readable and on its writable bytes
  uint32_t reserved;
};
static_assert(sizeof(vqueue_info) == 24 && offsetof(vqueue_info, max_request_bytes) == 16);

struct set_vqueue {  // SET_VQUEUE request
  uint32_t index;
  uint32_t size;  // power of two, <= max_size
  uint32_t reserved0;
  uint32_t reserved1;
};
static_assert(sizeof(set_vqueue) == 16);

struct set_vqueue_result {  // SET_VQUEUE response
  uint32_t index;
  uint32_t size;           // 0: rejected
  uint32_t max_in_flight;  // credit granted for this queue
  uint32_t reserved;
};
static_assert(sizeof(set_vqueue_result) == 16);

struct event_config {  // EVENT_CONFIG, prefix of data
  uint32_t device_status;
  uint32_t generation;
  uint32_t offset;
  uint32_t length;  // 0: the driver re-reads what it needs
};
static_assert(sizeof(event_config) == 16);

struct avail_fields {  // AVAIL body, followed by readable bytes [offset, offset + data_len)
  uint16_t vq;
  uint16_t head;           // opaque request id, echoed by USED
  uint32_t flags;          // reserved, 0
  uint32_t readable_total; // bytes the chain carries to the device
  uint32_t writable_total; // capacity of the chain's device-writable buffers
  uint32_t offset;         // of this fragment within the readable bytes
  uint32_t reserved;
};
static_assert(sizeof(avail_fields) == 24 && offsetof(avail_fields, offset) == 16);
inline constexpr uint32_t VTA_AVAIL_PREFIX = VTA_HEADER_SIZE + sizeof(avail_fields);

struct used_fields {  // USED body, followed by written bytes [offset, offset + data_len)
  uint16_t vq;
  uint16_t head;
  uint32_t flags;          // reserved, 0
  uint32_t written_total;  // the used element's len
  uint32_t offset;         // of this fragment within the written bytes
};
static_assert(sizeof(used_fields) == 16 && offsetof(used_fields, offset) == 12);
inline constexpr uint32_t VTA_USED_PREFIX = VTA_HEADER_SIZE + sizeof(used_fields);

// A decoded data message: its body and the fragment's bytes.
template <class Fields>
struct data_view {
  Fields f{};
  const uint8_t* data = nullptr;
  uint32_t data_len = 0;
};

// Checks that `m` is the expected id and direction; payload checks follow in each decoder.
inline bool is(const message& m, uint8_t id, bool response) {
  return !m.is_bus() && m.hdr.msg_id == id && m.is_response() == response;
}

// ---- Encoders: write header + payload into buf; return the message size, 0 if it does not fit.
namespace detail {
inline uint32_t finish(uint8_t* buf, const wire::writer& w, msg_header h) {
  if (!w.ok()) return 0;
  h.size = w.size();
  encode_header(buf, h);
  return h.size;
}
// Skips the header (written last, once the size is known); fails when cap cannot hold it.
inline wire::writer body(uint8_t* buf, uint32_t cap) {
  wire::writer w(buf, cap);
  w.zero(VTA_HEADER_SIZE);
  return w;
}
}  // namespace detail

// A request or response with no payload (GET_DEVICE_INFO, GET_DEVICE_STATUS requests,
// SET_DRIVER_FEATURES response).
inline uint32_t encode_empty(uint8_t* buf, uint32_t cap, const msg_header& h) {
  wire::writer w = detail::body(buf, cap);
  return detail::finish(buf, w, h);
}

inline uint32_t encode_u32(uint8_t* buf, uint32_t cap, const msg_header& h, uint32_t v) {
  wire::writer w = detail::body(buf, cap);
  w.u32(v);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const device_info& d) {
  wire::writer w = detail::body(buf, cap);
  w.u32(d.device_id);
  w.u32(d.vendor_id);
  w.u32(d.num_feature_bits);
  w.u32(d.config_size);
  w.u32(d.max_virtqueues);
  w.u16(d.admin_vq_start);
  w.u16(d.admin_vq_count);
  return detail::finish(buf, w, h);
}

// GET_DEVICE_FEATURES request (words == nullptr) or response / SET_DRIVER_FEATURES request.
inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const features_block& b,
                       const uint32_t* words) {
  wire::writer w = detail::body(buf, cap);
  w.u32(b.block_index);
  w.u32(b.num_blocks);
  for (uint32_t i = 0; words != nullptr && i < b.num_blocks; ++i) w.u32(words[i]);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const config_request& c) {
  wire::writer w = detail::body(buf, cap);
  w.u32(c.offset);
  w.u32(c.length);
  return detail::finish(buf, w, h);
}

// GET_CONFIG response and SET_CONFIG request carry c.length bytes of data; a SET_CONFIG
// response passes data == nullptr and carries none.
inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const config_data& c,
                       const void* data) {
  wire::writer w = detail::body(buf, cap);
  w.u32(c.generation);
  w.u32(c.offset);
  w.u32(c.length);
  if (data != nullptr) w.bytes(data, c.length);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const vqueue_info& q) {
  wire::writer w = detail::body(buf, cap);
  w.u32(q.index);
  w.u32(q.max_size);
  w.u32(q.cur_size);
  w.u32(q.max_in_flight);
  w.u32(q.max_request_bytes);
  w.u32(0);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const set_vqueue& q) {
  wire::writer w = detail::body(buf, cap);
  w.u32(q.index);
  w.u32(q.size);
  w.zero(8);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const set_vqueue_result& q) {
  wire::writer w = detail::body(buf, cap);
  w.u32(q.index);
  w.u32(q.size);
  w.u32(q.max_in_flight);
  w.u32(0);
  return detail::finish(buf, w, h);
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const msg_header& h, const event_config& e,
                       const void* data) {
  wire::writer w = detail::body(buf, cap);
  w.u32(e.device_status);
  w.u32(e.generation);
  w.u32(e.offset);
  w.u32(e.length);
  if (data != nullptr) w.bytes(data, e.length);
  return detail::finish(buf, w, h);
}

// Data messages are sent as [prefix, data iovs...] so the data is never copied into a staging
// buffer; these write only the prefix. data_len is the fragment's byte count.
inline void encode_avail_prefix(uint8_t (&out)[VTA_AVAIL_PREFIX], uint16_t dev_num, uint32_t tag,
                                const avail_fields& a, uint32_t data_len) {
  wire::writer w(out + VTA_HEADER_SIZE, sizeof(avail_fields));
  w.u16(a.vq);
  w.u16(a.head);
  w.u32(0);
  w.u32(a.readable_total);
  w.u32(a.writable_total);
  w.u32(a.offset);
  w.u32(0);
  encode_header(out, {0, VTA_MSG_AVAIL, dev_num, tag, VTA_AVAIL_PREFIX + data_len});
}

inline void encode_used_prefix(uint8_t (&out)[VTA_USED_PREFIX], uint16_t dev_num, uint32_t tag,
                               const used_fields& u, uint32_t data_len) {
  wire::writer w(out + VTA_HEADER_SIZE, sizeof(used_fields));
  w.u16(u.vq);
  w.u16(u.head);
  w.u32(0);
  w.u32(u.written_total);
  w.u32(u.offset);
  encode_header(out, {0, VTA_MSG_USED, dev_num, tag, VTA_USED_PREFIX + data_len});
}

// ---- Decoders: validate one payload of a message that decode_message() accepted ------------
// Each returns result::invalid unless the id, the direction and every size are exactly right.

inline result decode_empty(const message& m, uint8_t id, bool response) {
  return is(m, id, response) && m.payload_len == 0 ? result::ok : result::invalid;
}

inline result decode_u32(const message& m, uint8_t id, bool response, uint32_t& v) {
  if (!is(m, id, response) || m.payload_len != 4) return result::invalid;
  v = wire::load_le32(m.payload);
  return result::ok;
}

inline result decode(const message& m, device_info& d) {
  if (!is(m, VTA_MSG_GET_DEVICE_INFO, true)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  d.device_id = r.u32();
  d.vendor_id = r.u32();
  d.num_feature_bits = r.u32();
  d.config_size = r.u32();
  d.max_virtqueues = r.u32();
  d.admin_vq_start = r.u16();
  d.admin_vq_count = r.u16();
  if (!r.ok() || r.remaining() != 0) return result::invalid;
  if (d.num_feature_bits == 0 || d.num_feature_bits % 32 != 0 ||
      d.num_feature_bits > 32 * VTA_MAX_FEATURE_BLOCKS)
    return result::invalid;
  if (d.config_size > VTA_MAX_CONFIG_SIZE) return result::invalid;
  if (d.max_virtqueues == 0 || d.max_virtqueues > VTA_MAX_QUEUES) return result::invalid;
  return result::ok;
}

// GET_DEVICE_FEATURES (request: words must be nullptr; response: words receives num_blocks
// values) and SET_DRIVER_FEATURES request (words receives num_blocks values).
// `words` must hold VTA_MAX_FEATURE_BLOCKS entries.
inline result decode_features(const message& m, uint8_t id, bool response, features_block& b,
                              uint32_t* words) {
  if (!is(m, id, response)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  b.block_index = r.u32();
  b.num_blocks = r.u32();
  if (!r.ok() || b.num_blocks == 0 || b.num_blocks > VTA_MAX_FEATURE_BLOCKS ||
      b.block_index >= VTA_MAX_FEATURE_BLOCKS || b.num_blocks > VTA_MAX_FEATURE_BLOCKS - b.block_index)
    return result::invalid;
  const bool carries_words = !(id == VTA_MSG_GET_DEVICE_FEATURES && !response);
  if (!carries_words) return r.remaining() == 0 ? result::ok : result::invalid;
  if (words == nullptr || r.remaining() != 4 * b.num_blocks) return result::invalid;
  for (uint32_t i = 0; i < b.num_blocks; ++i) words[i] = r.u32();
  return r.ok() ? result::ok : result::invalid;
}

inline result decode(const message& m, config_request& c) {
  if (!is(m, VTA_MSG_GET_CONFIG, false) || m.payload_len != 8) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  c.offset = r.u32();
  c.length = r.u32();
  return r.ok() ? result::ok : result::invalid;
}

// GET_CONFIG response, SET_CONFIG request (with data) and SET_CONFIG response (without).
inline result decode_config(const message& m, uint8_t id, bool response, config_data& c,
                            const uint8_t*& data) {
  if (!is(m, id, response)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  c.generation = r.u32();
  c.offset = r.u32();
  c.length = r.u32();
  if (!r.ok() || c.length > VTA_MAX_CONFIG_SIZE || c.offset > VTA_MAX_CONFIG_SIZE - c.length)
    return result::invalid;
  const bool carries_data = !(id == VTA_MSG_SET_CONFIG && response);
  if (!carries_data) {
    data = nullptr;
    return r.remaining() == 0 ? result::ok : result::invalid;
  }
  if (r.remaining() != c.length) return result::invalid;
  data = r.bytes(c.length);
  return r.ok() ? result::ok : result::invalid;
}

inline result decode(const message& m, vqueue_info& q) {
  if (!is(m, VTA_MSG_GET_VQUEUE, true)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  q.index = r.u32();
  q.max_size = r.u32();
  q.cur_size = r.u32();
  q.max_in_flight = r.u32();
  q.max_request_bytes = r.u32();
  r.zero(4);
  if (!r.ok() || r.remaining() != 0) return result::invalid;
  // A queue size is a power of two no larger than 32768 (virtio 1.x 2.7); 0 means "none".
  if (q.max_size > VTA_MAX_QUEUE_SIZE || (q.max_size & (q.max_size - 1)) != 0) return result::invalid;
  if (q.cur_size > q.max_size || (q.cur_size & (q.cur_size - 1)) != 0) return result::invalid;
  return result::ok;
}

inline result decode(const message& m, set_vqueue& q) {
  if (!is(m, VTA_MSG_SET_VQUEUE, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  q.index = r.u32();
  q.size = r.u32();
  r.zero(8);
  q.reserved0 = q.reserved1 = 0;
  return r.ok() && r.remaining() == 0 ? result::ok : result::invalid;
}

inline result decode(const message& m, set_vqueue_result& q) {
  if (!is(m, VTA_MSG_SET_VQUEUE, true)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  q.index = r.u32();
  q.size = r.u32();
  q.max_in_flight = r.u32();
  r.zero(4);
  q.reserved = 0;
  return r.ok() && r.remaining() == 0 ? result::ok : result::invalid;
}

inline result decode(const message& m, event_config& e, const uint8_t*& data) {
  if (!is(m, VTA_MSG_EVENT_CONFIG, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  e.device_status = r.u32();
  e.generation = r.u32();
  e.offset = r.u32();
  e.length = r.u32();
  if (!r.ok() || e.length > VTA_MAX_CONFIG_SIZE || e.offset > VTA_MAX_CONFIG_SIZE - e.length ||
      r.remaining() != e.length)
    return result::invalid;
  data = e.length != 0 ? r.bytes(e.length) : nullptr;
  return r.ok() ? result::ok : result::invalid;
}

// AVAIL: the fragment lies inside the readable bytes, and only a request without readable
// bytes may travel in a fragment without data (HMX-VTA-027).
inline result decode(const message& m, data_view<avail_fields>& v) {
  if (!is(m, VTA_MSG_AVAIL, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  v.f.vq = r.u16();
  v.f.head = r.u16();
  r.zero(4);
  v.f.flags = 0;
  v.f.readable_total = r.u32();
  v.f.writable_total = r.u32();
  v.f.offset = r.u32();
  r.zero(4);
  v.f.reserved = 0;
  if (!r.ok()) return result::invalid;
  v.data_len = r.remaining();
  v.data = r.bytes(v.data_len);
  if (v.f.offset > v.f.readable_total || v.data_len > v.f.readable_total - v.f.offset)
    return result::invalid;
  if (v.data_len == 0 && v.f.readable_total != 0) return result::invalid;
  return result::ok;
}

// USED: the fragment lies inside the written bytes; a completion that wrote nothing is one
// fragment without data.
inline result decode(const message& m, data_view<used_fields>& v) {
  if (!is(m, VTA_MSG_USED, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  v.f.vq = r.u16();
  v.f.head = r.u16();
  r.zero(4);
  v.f.flags = 0;
  v.f.written_total = r.u32();
  v.f.offset = r.u32();
  if (!r.ok()) return result::invalid;
  v.data_len = r.remaining();
  v.data = r.bytes(v.data_len);
  if (v.f.offset > v.f.written_total || v.data_len > v.f.written_total - v.f.offset)
    return result::invalid;
  if (v.data_len == 0 && v.f.written_total != 0) return result::invalid;
  return result::ok;
}

}  // namespace hmx::virtio_argo
