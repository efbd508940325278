/* SPDX-License-Identifier: MIT */
// hmx::ring_reader: the receiver's side of a ring (spec struct ring; Argo's ring protocol,
// Xen docs/designs/argo.pandoc, ring protocol).
//
// Protocol: rx_ptr and tx_ptr are byte offsets into the ring data, 16-aligned, in [0, len);
// rx == tx means empty. Each message is a 16-byte header (len = payload + 16) and the payload,
// padded to 16 bytes; the header never wraps, the payload may wrap at len. The hypervisor writes
// header and payload, then publishes tx_ptr (release); the reader loads tx_ptr with acquire,
// reads the message, and publishes rx_ptr with a release store so the hypervisor never
// overwrites bytes still being read.
//
// Only the hypervisor writes messages into a ring: there is deliberately no ring_writer. A guest
// sends with sendv, and the hypervisor copies (docs/ARCHITECTURE.md: no memory shared between domains).
//
// Everything read from the ring is validated before use: the hypervisor is trusted to follow
// the protocol, but a corrupt header must not make the reader run off the ring. The length comes
// from the registration, never from the ring; tx_ptr, rx_ptr and each header's len are checked
// against it, and each header field is loaded exactly once. A violation gives -EINVAL and leaves
// the ring as it is (discard_all() resynchronises).
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/status.h>

namespace hmx {

// One message as it sits in the ring. The payload is [first, first + first_size) followed by
// [second, second + second_size) when it wraps at the end of the ring.
struct message_view {
  uint32_t offset = 0;  // ring-data offset of the header (rx_ptr when peeked)
  uint32_t next = 0;    // rx_ptr after consuming this message
  hmx_addr_t source{};
  uint32_t message_type = 0;
  uint32_t size = 0;  // payload bytes (header len - 16)
  const unsigned char* first = nullptr;
  uint32_t first_size = 0;
  const unsigned char* second = nullptr;
  uint32_t second_size = 0;

  [[nodiscard]] bool wraps() const noexcept { return second_size != 0; }
  // Copy the payload (size bytes) to dst.
  void copy_to(void* dst) const noexcept {
    auto* d = static_cast<unsigned char*>(dst);
    if (first_size != 0) __builtin_memcpy(d, first, first_size);
    if (second_size != 0) __builtin_memcpy(d + first_size, second, second_size);
  }
};

class ring_reader {
 public:
  constexpr ring_reader() noexcept = default;
  // `memory`: the registered ring (header + len data bytes); `len`: the registered data length.
  ring_reader(void* memory, uint32_t len) noexcept
      : hdr_(static_cast<hmx_ring_t*>(memory)),
        data_(static_cast<unsigned char*>(memory) + HMX_RING_HEADER_SIZE),
        len_(len) {}

  // Zero a ring's header before registering it: rx = tx = 0 (an empty ring).
  static void prepare(void* memory) noexcept {
    auto* h = static_cast<unsigned char*>(memory);
    for (uint32_t i = 0; i < HMX_RING_HEADER_SIZE; ++i) h[i] = 0;
  }

  // EINVAL when the reader has no memory or len breaks register_ring's rule.
  [[nodiscard]] status geometry() const noexcept {
    if (hdr_ == nullptr || !ring_len_valid(len_)) return errc::inval;
    return {};
  }

  [[nodiscard]] uint32_t len() const noexcept { return len_; }
  [[nodiscard]] hmx_ring_t* header() const noexcept { return hdr_; }
  [[nodiscard]] uint32_t rx() const noexcept {
    return __atomic_load_n(&hdr_->rx_ptr, __ATOMIC_RELAXED);
  }
  [[nodiscard]] uint32_t tx() const noexcept {
    return __atomic_load_n(&hdr_->tx_ptr, __ATOMIC_ACQUIRE);
  }

  // Bytes of messages waiting (headers and padding included); 0 when empty or corrupt.
  [[nodiscard]] uint32_t pending_bytes() const noexcept {
    uint32_t rx, tx;
    if (!load_ptrs(rx, tx)) return 0;
    return distance(rx, tx);
  }
  [[nodiscard]] bool empty() const noexcept { return pending_bytes() == 0; }

  // The message at rx_ptr: -EAGAIN when the ring is empty, -EINVAL when anything read from the
  // ring is out of bounds. HMX-LIB-026 HMX-LIB-027: tx_ptr is loaded with acquire ordering (load_ptrs) before
  // the message bytes; HMX-LIB-028 HMX-LIB-029: a len below the header size or a message past tx_ptr is
  // corrupt, and the next message starts len rounded up to MSG_SLOT_SIZE further, modulo len.
  [[nodiscard]] result<message_view> peek() const noexcept {
    if (!geometry().ok()) return errc::inval;
    uint32_t rx, tx;
    if (!load_ptrs(rx, tx)) return errc::inval;
    const uint32_t avail = distance(rx, tx);
    if (avail == 0) return errc::again;

    // The header is slot aligned and len is a multiple of the slot size, so it never wraps.
    const unsigned char* h = data_ + rx;
    const uint32_t hlen = load32(h + 0);
    message_view m;
    m.source.aport = load32(h + 4);
    m.source.domain_id = load16(h + 8);
    m.source.pad = load16(h + 10);
    m.message_type = load32(h + 12);

    if (hlen < HMX_MESSAGE_HEADER_SIZE) return errc::inval;
    const uint64_t span = roundup_slot(hlen);  // 64-bit: hlen may be near 2^32
    if (span > avail) return errc::inval;

    m.offset = rx;
    m.next = static_cast<uint32_t>((rx + span) % len_);
    m.size = hlen - HMX_MESSAGE_HEADER_SIZE;
    uint32_t start = rx + HMX_MESSAGE_HEADER_SIZE;
    if (start == len_) start = 0;
    const uint32_t to_end = len_ - start;
    m.first = data_ + start;
    m.first_size = m.size < to_end ? m.size : to_end;
    m.second_size = m.size - m.first_size;
    m.second = m.second_size != 0 ? data_ : nullptr;
    return m;
  }

  // Release the message's bytes to the hypervisor: rx_ptr = m.next, a release store after the
  // last read of the message (HMX-LIB-026 HMX-LIB-027). EINVAL if m is not the message at rx_ptr (one
  // consumer per ring).
  status consume(const message_view& m) noexcept {
    if (!geometry().ok() || m.next >= len_ || m.next % HMX_MSG_SLOT_SIZE != 0) return errc::inval;
    if (rx() != m.offset) return errc::inval;
    __atomic_store_n(&hdr_->rx_ptr, m.next, __ATOMIC_RELEASE);
    return {};
  }

  // Copy the next message's payload into buf and consume it; returns the payload size.
  // EMSGSIZE (message left in the ring) when cap is too small; EAGAIN when empty.
  result<uint32_t> read(void* buf, size_t cap, message_view* info = nullptr) noexcept {
    const result<message_view> m = peek();
    if (!m.ok()) return m.error();
    if (info != nullptr) *info = *m;
    if (m->size > cap) return errc::msgsize;
    m->copy_to(buf);
    const status s = consume(*m);
    if (!s.ok()) return s;
    return m->size;
  }

  // Call f(const message_view&) for each waiting message, consuming it after f returns; at most
  // max_messages. Returns how many were handled, or -EINVAL at a corrupt message (the messages
  // before it stay consumed).
  template <class F>
  result<uint32_t> for_each(F&& f, uint32_t max_messages = ~0u) noexcept(noexcept(f(message_view{}))) {
    uint32_t n = 0;
    while (n < max_messages) {
      const result<message_view> m = peek();
      if (m.error() == errc::again) break;
      if (!m.ok()) return m.error();
      f(*m);
      const status s = consume(*m);
      if (!s.ok()) return s;
      ++n;
    }
    return n;
  }

  // Drop everything waiting (rx_ptr = tx_ptr): the way out after -EINVAL. If tx_ptr itself is
  // out of bounds the ring cannot be trusted at all and EINVAL is returned.
  status discard_all() noexcept {
    if (!geometry().ok()) return errc::inval;
    const uint32_t tx = this->tx();
    if (tx >= len_ || tx % HMX_MSG_SLOT_SIZE != 0) return errc::inval;
    __atomic_store_n(&hdr_->rx_ptr, tx, __ATOMIC_RELEASE);
    return {};
  }

 private:
  bool load_ptrs(uint32_t& rx, uint32_t& tx) const noexcept {
    if (hdr_ == nullptr || len_ == 0) return false;
    tx = this->tx();  // acquire: the message bytes before tx are visible after this
    rx = this->rx();
    return tx < len_ && rx < len_ && tx % HMX_MSG_SLOT_SIZE == 0 && rx % HMX_MSG_SLOT_SIZE == 0;
  }
  [[nodiscard]] uint32_t distance(uint32_t rx, uint32_t tx) const noexcept {
    return tx >= rx ? tx - rx : len_ - rx + tx;
  }
  static uint32_t load32(const unsigned char* p) noexcept {
    return __atomic_load_n(reinterpret_cast<const uint32_t*>(p), __ATOMIC_RELAXED);
  }
  static uint16_t load16(const unsigned char* p) noexcept {
    return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_RELAXED);
  }

  hmx_ring_t* hdr_ = nullptr;
  unsigned char* data_ = nullptr;
  uint32_t len_ = 0;
};

}  // namespace hmx
