/* SPDX-License-Identifier: MIT */
// The exposure path's wire format (spec transport "Requests with exposures"): an exposed AVAIL
// carries one segment per guest-physically contiguous piece of the chain instead of its readable
// bytes, readable pieces first; its USED carries no data. Only on a connection whose CONNECT
// negotiated VTA_TRANSPORT_F_EXPOSURES (HMX-VTA-153, HMX-VTA-154): elsewhere protocol.h's
// decoders reject the flag as a non-zero reserved word. Freestanding.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi/vta.h>

#include "hmx/virtio_argo/protocol.h"

namespace hmx::virtio_argo {

inline constexpr uint32_t VTA_TRANSPORT_F_EXPOSURES = HMX_VTA_TRANSPORT_F_EXPOSURES;
inline constexpr uint32_t VTA_AVAIL_F_EXPOSED = HMX_VTA_AVAIL_F_EXPOSED;
inline constexpr uint32_t VTA_USED_F_EXPOSURE_ERROR = HMX_VTA_USED_F_EXPOSURE_ERROR;
inline constexpr uint32_t VTA_EXPOSURE_SEGMENT_SIZE = HMX_VTA_EXPOSURE_SEGMENT_SIZE;

struct exposure_segment {
  uint64_t handle;      // the driver's exposure: of this piece (one use) or its window
  uint32_t len;         // bytes of the piece
  uint32_t offset = 0;  // where the piece starts in the exposure: 0 for a per-request exposure
                        // (HMX-VTA-168), the piece's place in the window (spec "Exposure windows")
};

// uses of an exposure window: the expose structure's largest (spec transport "Exposure windows").
inline constexpr uint32_t VTA_EXPOSURE_WINDOW_USES = HMX_VTA_EXPOSURE_WINDOW_USES;

// Most segments an exposed AVAIL of `max_msg` bytes carries.
constexpr uint32_t max_exposure_segments(uint32_t max_msg) {
  return max_msg <= VTA_AVAIL_PREFIX ? 0 : (max_msg - VTA_AVAIL_PREFIX) / VTA_EXPOSURE_SEGMENT_SIZE;
}

// The prefix of an exposed AVAIL of `count` segments (offset 0, flags VTA_AVAIL_F_EXPOSED); the
// segments follow it, each written with encode_exposure_segment.
inline void encode_exposed_avail_prefix(uint8_t (&out)[VTA_AVAIL_PREFIX], uint16_t dev_num, uint32_t tag, uint16_t vq,
                                        uint16_t head, uint32_t readable_total, uint32_t writable_total,
                                        uint32_t count) {
  wire::writer w(out + VTA_HEADER_SIZE, sizeof(avail_fields));
  w.u16(vq);
  w.u16(head);
  w.u32(VTA_AVAIL_F_EXPOSED);
  w.u32(readable_total);
  w.u32(writable_total);
  w.u32(0);
  w.u32(0);
  encode_header(out, {0, VTA_MSG_AVAIL, dev_num, tag, VTA_AVAIL_PREFIX + count * VTA_EXPOSURE_SEGMENT_SIZE});
}

inline void encode_exposure_segment(uint8_t (&out)[VTA_EXPOSURE_SEGMENT_SIZE], const exposure_segment& s) {
  wire::writer w(out, VTA_EXPOSURE_SEGMENT_SIZE);
  w.u64(s.handle);
  w.u32(s.len);
  w.u32(s.offset);
}

// The USED of an exposed request: no data (HMX-VTA-160); `flags` VTA_USED_F_EXPOSURE_ERROR when
// a copy failed, and then written_total 0 (HMX-VTA-161).
inline void encode_exposed_used(uint8_t (&out)[VTA_USED_PREFIX], uint16_t dev_num, uint32_t tag, uint16_t vq,
                                uint16_t head, uint32_t written_total, uint32_t flags) {
  wire::writer w(out + VTA_HEADER_SIZE, sizeof(used_fields));
  w.u16(vq);
  w.u16(head);
  w.u32(flags);
  w.u32(flags != 0 ? 0 : written_total);
  w.u32(0);
  encode_header(out, {0, VTA_MSG_USED, dev_num, tag, VTA_USED_PREFIX});
}

struct exposed_avail {
  avail_fields f{};
  const uint8_t* segments = nullptr;  // count segments of VTA_EXPOSURE_SEGMENT_SIZE bytes, in the message
  uint32_t count = 0;
  uint32_t readable = 0;  // the first `readable` segments are the readable bytes, the rest writable
};

// True when `m` is an AVAIL with VTA_AVAIL_F_EXPOSED (read before choosing a decoder).
inline bool is_exposed_avail(const message& m) {
  if (!is(m, VTA_MSG_AVAIL, false) || m.payload_len < 8) return false;
  return wire::load_le32(m.payload + 4) == VTA_AVAIL_F_EXPOSED;
}

// The i-th segment of a decoded exposed AVAIL (i < count).
inline exposure_segment segment_at(const exposed_avail& a, uint32_t i) {
  const uint8_t* p = a.segments + size_t{i} * VTA_EXPOSURE_SEGMENT_SIZE;
  return {wire::load_le64(p), wire::load_le32(p + 8), wire::load_le32(p + 12)};
}

// An exposed AVAIL: flags exactly VTA_AVAIL_F_EXPOSED, offset and reserved words 0, at least one
// segment when the request has bytes, each segment with a non-zero len (any offset: the
// hypervisor bounds [offset, offset + len) by the exposure, HMX-VTA-166 HMX-VTA-167), and the segments' len summing to readable_total and then to writable_total with no segment
// straddling the two (HMX-VTA-155).
inline result decode(const message& m, exposed_avail& v) {
  if (!is(m, VTA_MSG_AVAIL, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  v.f.vq = r.u16();
  v.f.head = r.u16();
  v.f.flags = r.u32();
  v.f.readable_total = r.u32();
  v.f.writable_total = r.u32();
  v.f.offset = r.u32();
  v.f.reserved = r.u32();
  if (!r.ok() || v.f.flags != VTA_AVAIL_F_EXPOSED || v.f.offset != 0 || v.f.reserved != 0) return result::invalid;
  const uint32_t bytes = r.remaining();
  if (bytes % VTA_EXPOSURE_SEGMENT_SIZE != 0) return result::invalid;
  v.count = bytes / VTA_EXPOSURE_SEGMENT_SIZE;
  v.segments = r.bytes(bytes);
  v.readable = 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < v.count; ++i) {
    const uint8_t* p = v.segments + size_t{i} * VTA_EXPOSURE_SEGMENT_SIZE;
    const uint32_t len = wire::load_le32(p + 8);
    if (len == 0) return result::invalid;
    if (sum < v.f.readable_total) {
      if (len > v.f.readable_total - sum) return result::invalid;  // straddles readable and writable
      ++v.readable;
    }
    sum += len;
  }
  if (sum < v.f.readable_total) return result::invalid;
  if (sum - v.f.readable_total != v.f.writable_total) return result::invalid;
  return result::ok;
}

// The USED of an exposed request as its driver reads it (HMX-VTA-160 HMX-VTA-161): size 32 (no
// data), offset 0, flags 0 or VTA_USED_F_EXPOSURE_ERROR, and written_total 0 with the error.
// Only on a connection that negotiated VTA_TRANSPORT_F_EXPOSURES; protocol.h's decoder refuses
// such a USED (a flags word, or written bytes without data).
inline result decode_exposed_used(const message& m, data_view<used_fields>& v) {
  if (!is(m, VTA_MSG_USED, false)) return result::invalid;
  wire::reader r(m.payload, m.payload_len);
  v.f.vq = r.u16();
  v.f.head = r.u16();
  v.f.flags = r.u32();
  v.f.written_total = r.u32();
  v.f.offset = r.u32();
  if (!r.ok() || r.remaining() != 0 || v.f.offset != 0) return result::invalid;
  if ((v.f.flags & ~VTA_USED_F_EXPOSURE_ERROR) != 0) return result::invalid;
  if (v.f.flags != 0 && v.f.written_total != 0) return result::invalid;
  v.data = nullptr;
  v.data_len = 0;
  return result::ok;
}

}  // namespace hmx::virtio_argo
