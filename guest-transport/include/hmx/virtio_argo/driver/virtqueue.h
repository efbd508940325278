/* SPDX-License-Identifier: MIT */
// The driver's split virtqueue (virtio 1.2 2.7, driver requirements), in the driver's own memory:
// add buffer chains (direct or VIRTIO_F_INDIRECT_DESC), decide kicks, collect used buffers,
// suppress used-buffer notifications (flags or VIRTIO_F_EVENT_IDX), and detach outstanding
// buffers after a reset. Transport-independent: the same queue runs over virtio-argo
// (driver/argo_transport.h) and over the shared-memory baseline (device/shm_transport.h).
//
// The driver never trusts what the ring says back: the free list and chain lengths live in
// `slot` bookkeeping outside the ring, and a used id that names no outstanding head marks the
// queue broken instead of corrupting the free list. Freestanding; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hmx/virtio_argo/address_space.h"
#include "hmx/virtio_argo/result.h"
#include "hmx/virtio_argo/split_ring.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo {

class split_virtqueue {
 public:
  // A buffer in driver memory.
  struct buf {
    const void* addr;
    uint32_t len;
  };
  // Per-descriptor bookkeeping the driver keeps outside the ring (one per queue entry).
  struct slot {
    void* token;    // non-null on the head of an outstanding chain
    uint16_t next;  // free list / chain order
    uint16_t ndesc; // descriptors of the chain (on its head)
  };

  static constexpr size_t ring_bytes(uint16_t size) { return split_ring::bytes(size); }

  // ring_mem: ring_bytes(size) bytes aligned to split_ring::alignment; slots: size entries.
  result init(uint16_t index, uint16_t size, void* ring_mem, slot* slots,
              address_space mem = address_space::identity()) {
    if (size == 0 || (size & (size - 1)) != 0 || size > 32768) return result::invalid;
    if (ring_mem == nullptr || slots == nullptr ||
        reinterpret_cast<uintptr_t>(ring_mem) % split_ring::alignment != 0)
      return result::invalid;
    index_ = index;
    mem_ = mem;
    ring_mem_ = ring_mem;
    slots_ = slots;
    size_ = size;
    reset();
    return result::ok;
  }

  // Ring features the driver negotiated (set before handing the queue to the transport).
  void negotiate(bool indirect, bool event_idx) {
    indirect_ = indirect;
    event_idx_ = event_idx;
  }

  // Back to the initial state: zeroed ring, every descriptor free. Only after the device (or
  // the transport) was reset and every outstanding buffer detached (virtio 1.2 2.7.1).
  void reset() {
    ring_ = split_ring::place(ring_mem_, size_);
    for (uint16_t i = 0; i < size_; ++i) slots_[i] = {nullptr, static_cast<uint16_t>(i + 1), 0};
    free_head_ = 0;
    num_free_ = size_;
    avail_idx_ = kicked_avail_ = last_used_ = 0;
    cb_enabled_ = true;
    broken_ = false;
  }

  // Makes a chain of nout driver-readable then nin device-writable buffers available; token
  // (non-null) comes back from get_used() or detach_unused(). With `indirect` (a table of
  // nout + nin descriptors in driver memory) and VIRTIO_F_INDIRECT_DESC, the chain takes one
  // ring descriptor (2.7.5.3).
  result add(const buf* out, uint16_t nout, const buf* in, uint16_t nin, void* token,
             vring_desc* indirect = nullptr) {
    const uint32_t n = uint32_t{nout} + nin;
    if (token == nullptr || n == 0 || broken_) return broken_ ? result::io : result::invalid;
    const bool use_indirect = indirect != nullptr && indirect_ && n > 1;
    if (use_indirect && n > 32768) return result::invalid;
    const uint32_t ring_descs = use_indirect ? 1 : n;
    if (ring_descs > num_free_) return result::no_space;

    const uint16_t head = free_head_;
    if (use_indirect) {
      auto* table = reinterpret_cast<uint8_t*>(indirect);
      for (uint32_t k = 0; k < n; ++k)
        split_ring::write_desc(table, static_cast<uint16_t>(k), describe(out, nout, in, k, n, static_cast<uint16_t>(k + 1)));
      ring_.write_desc(head, {mem_.addr_of(indirect), 16u * n, virtio::DESC_F_INDIRECT, 0});
      free_head_ = slots_[head].next;
    } else {
      uint16_t d = head;
      for (uint32_t k = 0; k < n; ++k) {
        const uint16_t next = slots_[d].next;
        ring_.write_desc(d, describe(out, nout, in, k, n, next));
        if (k + 1 < n) d = next;
        else free_head_ = next;
      }
    }
    num_free_ = static_cast<uint16_t>(num_free_ - ring_descs);
    slots_[head].token = token;
    slots_[head].ndesc = static_cast<uint16_t>(ring_descs);

    // 2.7.13: entry first, then idx (release order in publish_avail_idx).
    ring_.set_avail_entry(avail_idx_, head);
    ++avail_idx_;
    ring_.publish_avail_idx(avail_idx_);
    return result::ok;
  }

  // Must the device be notified of the chains added since the last call? (2.7.10.1.)
  bool kick_prepare() {
    const uint16_t old_idx = kicked_avail_;
    kicked_avail_ = avail_idx_;
    if (old_idx == avail_idx_) return false;
    if (event_idx_) return vring_need_event(ring_.avail_event(), avail_idx_, old_idx);
    return (ring_.used_flags() & virtio::USED_F_NO_NOTIFY) == 0;
  }

  // The next completed chain's token and the device-written length, or nullptr.
  void* get_used(uint32_t& len) {
    if (broken_ || last_used_ == ring_.used_idx()) return nullptr;
    const vring_used_elem e = ring_.used_elem(last_used_);
    if (e.id >= size_ || slots_[e.id].token == nullptr) {
      broken_ = true;  // a used id that names no outstanding chain: never touch the free list
      return nullptr;
    }
    void* token = release(static_cast<uint16_t>(e.id));
    ++last_used_;
    if (event_idx_ && cb_enabled_) ring_.set_used_event(last_used_);
    len = e.len;
    return token;
  }

  // After a reset: the token of one chain the device never completed, or nullptr when none is
  // left. The caller fails those requests (HMX-VTA-032).
  void* detach_unused() {
    for (uint16_t i = 0; i < size_; ++i)
      if (slots_[i].token != nullptr) return release(i);
    return nullptr;
  }

  // Used-buffer notification suppression (2.7.7): disable while polling, enable when waiting.
  void disable_cb() {
    cb_enabled_ = false;
    if (event_idx_) ring_.set_used_event(static_cast<uint16_t>(last_used_ - 1));  // never reached
    else ring_.set_avail_flags(virtio::AVAIL_F_NO_INTERRUPT);
  }
  // Returns true if used buffers are already pending (the caller polls before sleeping).
  bool enable_cb() {
    cb_enabled_ = true;
    if (event_idx_) ring_.set_used_event(last_used_);
    else ring_.set_avail_flags(0);
    return ring_.used_idx() != last_used_;
  }
  // EVENT_IDX only: ask for one notification after `count` more completions (2.7.7.2).
  void enable_cb_after(uint16_t count) {
    cb_enabled_ = true;
    if (event_idx_) ring_.set_used_event(static_cast<uint16_t>(last_used_ + count - 1));
    else ring_.set_avail_flags(0);
  }

  uint16_t index() const { return index_; }
  uint16_t size() const { return size_; }
  uint16_t num_free() const { return num_free_; }
  bool indirect() const { return indirect_; }
  bool event_idx() const { return event_idx_; }
  bool broken() const { return broken_; }
  const split_ring& ring() const { return ring_; }
  const address_space& memory() const { return mem_; }
  uint16_t outstanding() const { return static_cast<uint16_t>(avail_idx_ - last_used_); }

 private:
  vring_desc describe(const buf* out, uint16_t nout, const buf* in, uint32_t k, uint32_t n,
                      uint16_t next) const {
    const bool writable = k >= nout;
    const buf& b = writable ? in[k - nout] : out[k];
    uint16_t flags = writable ? virtio::DESC_F_WRITE : 0;
    if (k + 1 < n) flags |= virtio::DESC_F_NEXT;
    return {mem_.addr_of(b.addr), b.len, flags, static_cast<uint16_t>(k + 1 < n ? next : 0)};
  }

  // Frees a completed chain using the driver's own bookkeeping, not the ring's next fields.
  void* release(uint16_t head) {
    void* token = slots_[head].token;
    slots_[head].token = nullptr;
    uint16_t last = head;
    for (uint16_t k = 1; k < slots_[head].ndesc; ++k) last = slots_[last].next;
    slots_[last].next = free_head_;
    free_head_ = head;
    num_free_ = static_cast<uint16_t>(num_free_ + slots_[head].ndesc);
    slots_[head].ndesc = 0;
    return token;
  }

  split_ring ring_{};
  address_space mem_{};
  void* ring_mem_ = nullptr;
  slot* slots_ = nullptr;
  uint16_t index_ = 0;
  uint16_t size_ = 0;
  uint16_t free_head_ = 0;
  uint16_t num_free_ = 0;
  uint16_t avail_idx_ = 0;
  uint16_t kicked_avail_ = 0;
  uint16_t last_used_ = 0;
  bool indirect_ = false;
  bool event_idx_ = false;
  bool cb_enabled_ = true;
  bool broken_ = false;
};

}  // namespace hmx::virtio_argo
