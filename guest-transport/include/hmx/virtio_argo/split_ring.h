/* SPDX-License-Identifier: MIT */
// The virtio 1.x split virtqueue layout (virtio 1.2 2.7: descriptor table, available ring, used
// ring), with little-endian accessors. The index, event and flags fields are atomics because
// in the shared-memory baseline both sides run concurrently (2.7.13: the driver publishes idx
// after the ring entry; the device reads the entry after idx). Used by the driver's virtqueue (driver/virtqueue.h) and by the device-side ring
// engine (vring_engine.h). Freestanding.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hmx::virtio_argo {

namespace ring_detail {
inline uint16_t le16(uint16_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return static_cast<uint16_t>((v >> 8) | (v << 8));
}
inline uint32_t le32(uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return __builtin_bswap32(v);
}
inline uint64_t le64(uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) return v;
  return __builtin_bswap64(v);
}
inline uint16_t load16(const uint8_t* p, int order) {
  return le16(__atomic_load_n(reinterpret_cast<const uint16_t*>(p), order));
}
inline void store16(uint8_t* p, uint16_t v, int order) {
  __atomic_store_n(reinterpret_cast<uint16_t*>(p), le16(v), order);
}
}  // namespace ring_detail

struct vring_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(vring_desc) == 16 && offsetof(vring_desc, flags) == 12);

struct vring_used_elem {
  uint32_t id;
  uint32_t len;
};
static_assert(sizeof(vring_used_elem) == 8);

// Ordering (2.7.7.2, 2.7.10): a side publishes its index and then reads the peer's event
// field or flags, while the peer writes that field and then reads the index; without a full
// barrier between store and load both may miss each other and the queue stalls. Every index,
// event and flags access below is sequentially consistent, which gives exactly that store-load
// ordering (and works under ThreadSanitizer, which has no standalone fences). Ring entries and
// descriptors are plain: their ownership passes with the index (release/acquire).
inline constexpr int kRingOrder = __ATOMIC_SEQ_CST;

// Where a queue's three areas are. Layout of one contiguous block made by place():
// descriptor table (align 16), available ring (align 2), used ring (align 4).
struct split_ring {
  uint8_t* desc = nullptr;
  uint8_t* avail = nullptr;
  uint8_t* used = nullptr;
  uint16_t size = 0;

  static constexpr size_t alignment = 16;
  static constexpr size_t desc_bytes(uint32_t n) { return 16u * n; }
  static constexpr size_t avail_bytes(uint32_t n) { return 6u + 2u * n; }  // incl. used_event
  static constexpr size_t used_bytes(uint32_t n) { return 6u + 8u * n; }   // incl. avail_event
  static constexpr size_t used_offset(uint32_t n) { return (desc_bytes(n) + avail_bytes(n) + 3u) & ~size_t{3}; }
  static constexpr size_t bytes(uint32_t n) { return used_offset(n) + used_bytes(n); }

  // Lays out a queue of n entries in mem (bytes(n) bytes, `alignment` aligned) and zeroes it.
  static split_ring place(void* mem, uint16_t n) {
    split_ring r;
    r.desc = static_cast<uint8_t*>(mem);
    r.avail = r.desc + desc_bytes(n);
    r.used = r.desc + used_offset(n);
    r.size = n;
    __builtin_memset(mem, 0, bytes(n));
    return r;
  }

  // Descriptor table. Plain accesses: ownership passes through the index fields.
  vring_desc read_desc(const uint8_t* table, uint16_t i) const {
    vring_desc d;
    __builtin_memcpy(&d, table + 16u * i, sizeof d);
    return {ring_detail::le64(d.addr), ring_detail::le32(d.len), ring_detail::le16(d.flags),
            ring_detail::le16(d.next)};
  }
  vring_desc read_desc(uint16_t i) const { return read_desc(desc, i); }
  static void write_desc(uint8_t* table, uint16_t i, const vring_desc& v) {
    const vring_desc d{ring_detail::le64(v.addr), ring_detail::le32(v.len), ring_detail::le16(v.flags),
                       ring_detail::le16(v.next)};
    __builtin_memcpy(table + 16u * i, &d, sizeof d);
  }
  void write_desc(uint16_t i, const vring_desc& v) { write_desc(desc, i, v); }

  // Available ring: flags, idx, ring[size], used_event.
  uint16_t avail_flags() const { return ring_detail::load16(avail, kRingOrder); }
  void set_avail_flags(uint16_t v) { ring_detail::store16(avail, v, kRingOrder); }
  uint16_t avail_idx() const { return ring_detail::load16(avail + 2, kRingOrder); }
  void publish_avail_idx(uint16_t v) { ring_detail::store16(avail + 2, v, kRingOrder); }
  uint16_t avail_entry(uint16_t i) const { return ring_detail::load16(avail + 4 + 2u * (i % size), __ATOMIC_RELAXED); }
  void set_avail_entry(uint16_t i, uint16_t head) { ring_detail::store16(avail + 4 + 2u * (i % size), head, __ATOMIC_RELAXED); }
  uint16_t used_event() const { return ring_detail::load16(avail + 4 + 2u * size, kRingOrder); }
  void set_used_event(uint16_t v) { ring_detail::store16(avail + 4 + 2u * size, v, kRingOrder); }

  // Used ring: flags, idx, ring[size] of {id, len}, avail_event.
  uint16_t used_flags() const { return ring_detail::load16(used, kRingOrder); }
  void set_used_flags(uint16_t v) { ring_detail::store16(used, v, kRingOrder); }
  uint16_t used_idx() const { return ring_detail::load16(used + 2, kRingOrder); }
  void publish_used_idx(uint16_t v) { ring_detail::store16(used + 2, v, kRingOrder); }
  vring_used_elem used_elem(uint16_t i) const {
    const uint8_t* p = used + 4 + 8u * (i % size);
    return {ring_detail::le32(__atomic_load_n(reinterpret_cast<const uint32_t*>(p), __ATOMIC_RELAXED)),
            ring_detail::le32(__atomic_load_n(reinterpret_cast<const uint32_t*>(p + 4), __ATOMIC_RELAXED))};
  }
  void set_used_elem(uint16_t i, vring_used_elem e) {
    uint8_t* p = used + 4 + 8u * (i % size);
    __atomic_store_n(reinterpret_cast<uint32_t*>(p), ring_detail::le32(e.id), __ATOMIC_RELAXED);
    __atomic_store_n(reinterpret_cast<uint32_t*>(p + 4), ring_detail::le32(e.len), __ATOMIC_RELAXED);
  }
  uint16_t avail_event() const { return ring_detail::load16(used + 4 + 8u * size, kRingOrder); }
  void set_avail_event(uint16_t v) { ring_detail::store16(used + 4 + 8u * size, v, kRingOrder); }
};

// 2.7.10.1 / 2.7.7.2: must the side that moved its index from old_idx to new_idx notify the
// peer, whose event field holds event_idx? (Equal to Linux's vring_need_event.)
constexpr bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event_idx - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

}  // namespace hmx::virtio_argo
