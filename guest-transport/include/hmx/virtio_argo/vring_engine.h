/* SPDX-License-Identifier: MIT */
// The device's view of a split virtqueue (virtio 1.2 2.7, device requirements): take available
// heads, walk and validate descriptor chains (direct and VIRTIO_F_INDIRECT_DESC), publish used
// elements, and decide notifications with or without VIRTIO_F_EVENT_IDX.
//
// Shared by both data paths so they differ only in how bytes move:
//  - virtio-argo: the driver transport runs it over the driver's own rings and forwards the
//    chains as AVAIL messages (driver/queue_proxy.h);
//  - shared-memory baseline: the device runs it directly on the driver's rings
//    (device/shm_device_host.h).
// Freestanding.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/address_space.h"
#include "hmx/virtio_argo/result.h"
#include "hmx/virtio_argo/split_ring.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo {

// One buffer of a chain, translated to a pointer. len may be 0 (then ptr may be null).
struct chain_segment {
  uint8_t* ptr;
  uint32_t len;
  bool writable;
};

struct chain_info {
  uint32_t readable = 0;  // bytes the device may read
  uint32_t writable = 0;  // bytes the device may write
  uint32_t segments = 0;
};

class vring_engine {
 public:
  void init(split_ring ring, bool indirect, bool event_idx, address_space mem) {
    ring_ = ring;
    indirect_ = indirect;
    event_idx_ = event_idx;
    mem_ = mem;
    last_avail_ = used_idx_ = signalled_used_ = 0;
  }
  bool ready() const { return ring_.size != 0; }
  const split_ring& ring() const { return ring_; }
  bool event_idx() const { return event_idx_; }

  // ---- Available side -----------------------------------------------------------------------
  // The next unconsumed head, if any. Does not consume it. A driver that claims more than
  // `size` outstanding entries is broken: returns result::protocol.
  result peek(uint16_t& head) const {
    const uint16_t idx = ring_.avail_idx();
    const uint16_t pending = static_cast<uint16_t>(idx - last_avail_);
    if (pending == 0) return result::again;
    if (pending > ring_.size) return result::protocol;
    head = ring_.avail_entry(last_avail_);
    return result::ok;
  }
  // The head `ahead` entries after the next unconsumed one (a driver transport that plans several
  // requests before it consumes them: batched sends, queue_proxy.h). Does not consume.
  result peek_at(uint16_t ahead, uint16_t& head) const {
    const uint16_t pending = static_cast<uint16_t>(ring_.avail_idx() - last_avail_);
    if (pending > ring_.size) return result::protocol;
    if (ahead >= pending) return result::again;
    head = ring_.avail_entry(static_cast<uint16_t>(last_avail_ + ahead));
    return result::ok;
  }
  void consume() { ++last_avail_; }
  uint16_t last_avail() const { return last_avail_; }

  // Re-arms available-buffer notifications after draining (2.7.10). Returns true if entries
  // arrived meanwhile (the caller drains again; the sequentially consistent accesses of split_ring
  // close the race of 2.7.10.1).
  bool enable_kicks() {
    if (event_idx_) ring_.set_avail_event(last_avail_);
    else ring_.set_used_flags(0);
    return ring_.avail_idx() != last_avail_;
  }
  // Suppresses available-buffer notifications while the device drains anyway.
  void disable_kicks() {
    if (!event_idx_) ring_.set_used_flags(virtio::USED_F_NO_NOTIFY);
  }

  // Walks the chain at `head`, calling visit(const chain_segment&) for each buffer in order;
  // visit returns false to stop. Validates what 2.7.5.3 and 2.7.4.2 require of a driver: heads
  // and next indices in range, no loops (a chain never exceeds the queue size or the indirect
  // table), INDIRECT only when negotiated, never with NEXT and never nested, tables a non-zero
  // multiple of 16 bytes, writable buffers after all readable ones, every range mapped.
  template <class F>
  result walk(uint16_t head, F&& visit) const {
    if (head >= ring_.size) return result::protocol;
    bool seen_writable = false;
    uint16_t i = head;
    for (uint32_t hops = 0;; ++hops) {
      if (hops >= ring_.size) return result::protocol;  // a loop or an over-long chain
      const vring_desc d = ring_.read_desc(i);
      if ((d.flags & virtio::DESC_F_INDIRECT) != 0) {
        if (!indirect_ || (d.flags & virtio::DESC_F_NEXT) != 0) return result::protocol;
        if (d.len == 0 || d.len % 16 != 0 || d.len / 16 > VTA_INDIRECT_MAX) return result::protocol;
        const auto* table = static_cast<const uint8_t*>(mem_.ptr(d.addr, d.len));
        if (table == nullptr) return result::protocol;
        return walk_table(table, static_cast<uint16_t>(d.len / 16), seen_writable, visit);
      }
      bool go_on = true;
      const result r = segment(d, seen_writable, visit, go_on);
      if (r != result::ok || !go_on) return r;
      if ((d.flags & virtio::DESC_F_NEXT) == 0) return result::ok;
      if (d.next >= ring_.size) return result::protocol;
      i = d.next;
    }
  }

  // Byte totals of a chain (and its validity).
  result measure(uint16_t head, chain_info& out) const {
    chain_info info{};
    bool overflow = false;
    const result r = walk(head, [&](const chain_segment& s) {
      uint32_t& total = s.writable ? info.writable : info.readable;
      if (s.len > UINT32_MAX - total) overflow = true;
      total += s.len;
      ++info.segments;
      return !overflow;
    });
    if (r != result::ok) return r;
    if (overflow) return result::protocol;
    out = info;
    return result::ok;
  }

  // ---- Used side ------------------------------------------------------------------------------
  // Publishes one used element (2.7.8): the element first, then idx with release order.
  void push_used(uint16_t head, uint32_t len) {
    ring_.set_used_elem(used_idx_, {head, len});
    ++used_idx_;
    ring_.publish_used_idx(used_idx_);
  }
  uint16_t used_idx() const { return used_idx_; }

  // Must the driver be notified of the used elements published since the last call?
  // (2.7.7.2: used_event with EVENT_IDX, else the NO_INTERRUPT flag.)
  bool should_interrupt() {
    const uint16_t old_idx = signalled_used_;
    signalled_used_ = used_idx_;
    if (old_idx == used_idx_) return false;
    if (event_idx_) return vring_need_event(ring_.used_event(), used_idx_, old_idx);
    return (ring_.avail_flags() & virtio::AVAIL_F_NO_INTERRUPT) == 0;
  }

  // Most entries of one indirect table (the largest queue size, 2.7.5.3.1).
  static constexpr uint32_t VTA_INDIRECT_MAX = 32768;

 private:
  template <class F>
  result segment(const vring_desc& d, bool& seen_writable, F& visit, bool& go_on) const {
    const bool writable = (d.flags & virtio::DESC_F_WRITE) != 0;
    if (!writable && seen_writable) return result::protocol;  // 2.7.4.2: readable after writable
    seen_writable = seen_writable || writable;
    uint8_t* p = nullptr;
    if (d.len != 0) {
      p = static_cast<uint8_t*>(mem_.ptr(d.addr, d.len));
      if (p == nullptr) return result::protocol;
    }
    go_on = visit(chain_segment{p, d.len, writable});
    return result::ok;
  }

  template <class F>
  result walk_table(const uint8_t* table, uint16_t n, bool& seen_writable, F& visit) const {
    uint16_t i = 0;
    for (uint32_t hops = 0;; ++hops) {
      if (hops >= n) return result::protocol;
      const vring_desc d = ring_.read_desc(table, i);
      if ((d.flags & virtio::DESC_F_INDIRECT) != 0) return result::protocol;  // no nesting
      bool go_on = true;
      const result r = segment(d, seen_writable, visit, go_on);
      if (r != result::ok || !go_on) return r;
      if ((d.flags & virtio::DESC_F_NEXT) == 0) return result::ok;
      if (d.next >= n) return result::protocol;
      i = d.next;
    }
  }

  split_ring ring_{};
  bool indirect_ = false;
  bool event_idx_ = false;
  address_space mem_{};
  uint16_t last_avail_ = 0;
  uint16_t used_idx_ = 0;
  uint16_t signalled_used_ = 0;
};

}  // namespace hmx::virtio_argo
