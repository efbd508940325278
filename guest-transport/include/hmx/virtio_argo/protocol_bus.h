/* SPDX-License-Identifier: MIT */
// virtio-argo bus messages (spec/transport.adoc "Bus messages"): enumeration and connection set-up
// on the device domain's bus ring at VTA_BUS_APORT. Same header and rules as protocol.h; the
// header's dev_num is 0 and the device a message is about travels in the payload.
// Freestanding: no heap, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hmx/virtio_argo/protocol.h"

namespace hmx::virtio_argo {

// Device states in GET_DEVICES entries and EVENT_DEVICE (values of virtio-msg's EVENT_DEVICE).
inline constexpr uint16_t VTA_DEVICE_READY = HMX_VTA_DEVICE_READY;
inline constexpr uint16_t VTA_DEVICE_REMOVED = HMX_VTA_DEVICE_REMOVED;

struct bus_get_devices {  // GET_DEVICES request
  uint16_t start_index;  // position in the device list, not a dev_num
  uint16_t max_count;    // 1.. entries wanted
};
static_assert(sizeof(bus_get_devices) == 4);

struct bus_devices_header {  // GET_DEVICES response prefix, followed by count entries
  uint16_t start_index;
  uint16_t count;
  uint16_t total;  // devices on the bus; the driver continues at start_index + count
  uint16_t reserved;
};
static_assert(sizeof(bus_devices_header) == 8);

struct bus_device_entry {
  uint16_t dev_num;  // 1..0xFFFF: names the device in CONNECT and in its connection's headers
  uint16_t state;    // VTA_DEVICE_*
  uint32_t device_id;
  uint32_t vendor_id;
  // VTA_TRANSPORT_F_* the device domain offers for this device (HMX-VTA-150); 0 without any.
  uint32_t transport_features;
};
static_assert(sizeof(bus_device_entry) == 16 && offsetof(bus_device_entry, vendor_id) == 8);

struct bus_connect {  // CONNECT request
  uint16_t dev_num;
  uint16_t reserved0;
  uint32_t driver_aport;        // the driver's ring for this device (partner: the device domain)
  uint32_t driver_max_message;  // largest message that ring accepts
  // VTA_TRANSPORT_F_* the driver accepts: only bits the device's entry offered (HMX-VTA-152).
  uint32_t transport_features;
};
static_assert(sizeof(bus_connect) == 16);

struct bus_connect_result {  // CONNECT response
  uint16_t dev_num;
  uint16_t reserved;
  uint32_t error;               // 0, or a positive HMX error code (ENODEV, EBUSY, EMSGSIZE)
  uint32_t device_aport;        // the device's ring for this driver (partner: the driver domain)
  uint32_t device_max_message;  // largest message that ring accepts
};
static_assert(sizeof(bus_connect_result) == 16);

struct bus_device_event {  // EVENT_DEVICE, and DISCONNECT request (state 0)
  uint16_t dev_num;
  uint16_t state;
};
static_assert(sizeof(bus_device_event) == 4);

inline bool is_bus(const message& m, uint8_t id, bool response) {
  return m.is_bus() && m.hdr.msg_id == id && m.is_response() == response;
}

inline msg_header bus_header(uint8_t id, bool response, uint32_t token) {
  return {static_cast<uint8_t>(VTA_FLAG_BUS | (response ? VTA_FLAG_RESPONSE : 0)), id, 0, token, 0};
}

// ---- Encoders (return the message size, 0 if it does not fit) -------------------------------

inline uint32_t encode(uint8_t* buf, uint32_t cap, uint32_t token, const bus_get_devices& g) {
  wire::writer w = detail::body(buf, cap);
  w.u16(g.start_index);
  w.u16(g.max_count);
  return detail::finish(buf, w, bus_header(VTA_BUS_GET_DEVICES, false, token));
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, uint32_t token, const bus_devices_header& h,
                       const bus_device_entry* entries) {
  wire::writer w = detail::body(buf, cap);
  w.u16(h.start_index);
  w.u16(h.count);
  w.u16(h.total);
  w.u16(0);
  for (uint16_t i = 0; i < h.count; ++i) {
    w.u16(entries[i].dev_num);
    w.u16(entries[i].state);
    w.u32(entries[i].device_id);
    w.u32(entries[i].vendor_id);
    w.u32(entries[i].transport_features);
  }
  return detail::finish(buf, w, bus_header(VTA_BUS_GET_DEVICES, true, token));
}

inline uint32_t encode_ping(uint8_t* buf, uint32_t cap, uint32_t token, bool response, uint32_t data) {
  wire::writer w = detail::body(buf, cap);
  w.u32(data);
  return detail::finish(buf, w, bus_header(VTA_BUS_PING, response, token));
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, uint32_t token, const bus_connect& c) {
  wire::writer w = detail::body(buf, cap);
  w.u16(c.dev_num);
  w.u16(0);
  w.u32(c.driver_aport);
  w.u32(c.driver_max_message);
  w.u32(c.transport_features);
  return detail::finish(buf, w, bus_header(VTA_BUS_CONNECT, false, token));
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, uint32_t token, const bus_connect_result& c) {
  wire::writer w = detail::body(buf, cap);
  w.u16(c.dev_num);
  w.u16(0);
  w.u32(c.error);
  w.u32(c.device_aport);
  w.u32(c.device_max_message);
  return detail::finish(buf, w, bus_header(VTA_BUS_CONNECT, true, token));
}

// DISCONNECT request (response == false, error ignored), DISCONNECT response, EVENT_DEVICE.
inline uint32_t encode_disconnect(uint8_t* buf, uint32_t cap, uint32_t token, bool response,
                                  uint16_t dev_num, uint32_t error) {
  wire::writer w = detail::body(buf, cap);
  w.u16(dev_num);
  w.u16(0);
  if (response) w.u32(error);
  return detail::finish(buf, w, bus_header(VTA_BUS_DISCONNECT, response, token));
}

inline uint32_t encode(uint8_t* buf, uint32_t cap, const bus_device_event& e) {
  wire::writer w = detail::body(buf, cap);
  w.u16(e.dev_num);
  w.u16(e.state);
  return detail::finish(buf, w, bus_header(VTA_BUS_EVENT_DEVICE, false, 0));
}

// ---- Decoders ---------------------------------------------------------------------------------

inline result decode(const message& m, bus_get_devices& g) {
  if (!is_bus(m, VTA_BUS_GET_DEVICES, false) || m.payload_len != 4) return result::invalid;
  g.start_index = wire::load_le16(m.payload);
  g.max_count = wire::load_le16(m.payload + 2);
  return g.max_count != 0 ? result::ok : result::invalid;
}

// entries must hold max_entries; a response with more entries than that is rejected.
inline result decode(const message& m, bus_devices_header& h, bus_device_entry* entries,
                     uint16_t max_entries) {
  if (!is_bus(m, VTA_BUS_GET_DEVICES, true)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  h.start_index = r.u16();
  h.count = r.u16();
  h.total = r.u16();
  r.zero(2);
  h.reserved = 0;
  if (!r.ok() || h.count > max_entries || r.remaining() != 16u * h.count) return result::invalid;
  if (h.start_index > h.total || h.count > h.total - h.start_index) return result::invalid;
  for (uint16_t i = 0; i < h.count; ++i) {
    bus_device_entry& e = entries[i];
    e.dev_num = r.u16();
    e.state = r.u16();
    e.device_id = r.u32();
    e.vendor_id = r.u32();
    e.transport_features = r.u32();
    if ((e.transport_features & ~HMX_VTA_TRANSPORT_FEATURES_DEFINED) != 0) return result::invalid;
    if (e.dev_num == 0 || (e.state != VTA_DEVICE_READY && e.state != VTA_DEVICE_REMOVED))
      return result::invalid;
  }
  return r.ok() ? result::ok : result::invalid;
}

inline result decode_ping(const message& m, bool response, uint32_t& data) {
  if (!is_bus(m, VTA_BUS_PING, response) || m.payload_len != 4) return result::invalid;
  data = wire::load_le32(m.payload);
  return result::ok;
}

inline result decode(const message& m, bus_connect& c) {
  if (!is_bus(m, VTA_BUS_CONNECT, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  c.dev_num = r.u16();
  r.zero(2);
  c.driver_aport = r.u32();
  c.driver_max_message = r.u32();
  c.transport_features = r.u32();
  c.reserved0 = 0;
  if (!r.ok() || r.remaining() != 0 || c.dev_num == 0) return result::invalid;
  return result::ok;
}

inline result decode(const message& m, bus_connect_result& c) {
  if (!is_bus(m, VTA_BUS_CONNECT, true)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  c.dev_num = r.u16();
  r.zero(2);
  c.reserved = 0;
  c.error = r.u32();
  c.device_aport = r.u32();
  c.device_max_message = r.u32();
  if (!r.ok() || r.remaining() != 0) return result::invalid;
  // A successful connection names a ring that takes at least the minimum message (HMX-VTA-046 HMX-VTA-047 HMX-VTA-048).
  if (c.error == 0 && (c.device_max_message < VTA_MIN_MESSAGE_SIZE ||
                       c.device_max_message > VTA_MAX_MESSAGE_SIZE))
    return result::invalid;
  return result::ok;
}

inline result decode_disconnect(const message& m, bool response, uint16_t& dev_num, uint32_t& error) {
  if (!is_bus(m, VTA_BUS_DISCONNECT, response) || m.payload_len != (response ? 8u : 4u))
    return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  dev_num = r.u16();
  r.zero(2);
  error = response ? r.u32() : 0;
  return r.ok() && dev_num != 0 ? result::ok : result::invalid;
}

inline result decode(const message& m, bus_device_event& e) {
  if (!is_bus(m, VTA_BUS_EVENT_DEVICE, false) || m.payload_len != 4) return result::invalid;
  e.dev_num = wire::load_le16(m.payload);
  e.state = wire::load_le16(m.payload + 2);
  if (e.dev_num == 0 || (e.state != VTA_DEVICE_READY && e.state != VTA_DEVICE_REMOVED))
    return result::invalid;
  return result::ok;
}

// ---- Header version 1 (spec 0.1) ------------------------------------------------------------
// A device domain refuses a version-1 driver in version 1, so that the older driver reads an
// error instead of waiting for a timeout (HMX-VTA-113). Version 1 had this header and this CONNECT
// payload; only the msg_id and the version byte differ.
inline constexpr uint8_t VTA_LEGACY_VERSION = HMX_VTA_LEGACY_VERSION;
inline constexpr uint8_t VTA_LEGACY_BUS_CONNECT = HMX_VTA_LEGACY_BUS_CONNECT;
inline constexpr uint32_t VTA_LEGACY_CONNECT_SIZE = VTA_HEADER_SIZE + sizeof(bus_connect);

// Is `len` bytes a well-formed version-1 bus CONNECT request? Its token and dev_num go to the
// refusal.
inline bool decode_legacy_connect(const void* buf, uint32_t len, uint32_t& token, uint16_t& dev_num) {
  if (buf == nullptr || len != VTA_LEGACY_CONNECT_SIZE) return false;
  wire::reader r(static_cast<const uint8_t*>(buf), len);
  const uint8_t version = r.u8();
  const uint8_t flags = r.u8();
  const uint8_t msg_id = r.u8();
  r.zero(1);
  const uint16_t header_dev_num = r.u16();
  r.zero(2);
  token = r.u32();
  const uint32_t size = r.u32();
  dev_num = r.u16();
  r.zero(2);
  (void)r.u32();  // driver_aport
  (void)r.u32();  // driver_max_message
  r.zero(4);
  return r.ok() && version == VTA_LEGACY_VERSION && flags == VTA_FLAG_BUS && msg_id == VTA_LEGACY_BUS_CONNECT &&
         header_dev_num == 0 && size == len;
}

// The version-1 CONNECT response refusing that request: error EPROTO, no ring.
inline uint32_t encode_legacy_connect_refusal(uint8_t* buf, uint32_t cap, uint32_t token, uint16_t dev_num) {
  wire::writer w(buf, cap);
  w.u8(VTA_LEGACY_VERSION);
  w.u8(VTA_FLAG_BUS | VTA_FLAG_RESPONSE);
  w.u8(VTA_LEGACY_BUS_CONNECT);
  w.u8(0);
  w.u16(0);
  w.u16(0);
  w.u32(token);
  w.u32(VTA_LEGACY_CONNECT_SIZE);
  w.u16(dev_num);
  w.u16(0);
  w.u32(HMX_VTA_EPROTO);
  w.u32(0);
  w.u32(0);
  return w.ok() ? w.size() : 0;
}

}  // namespace hmx::virtio_argo
