/* SPDX-License-Identifier: MIT */
// Little-endian, bounds-checked byte access for virtio-argo messages (HMX-VTA-049 HMX-VTA-050: every field
// is little-endian; HMX-VTA-053 HMX-VTA-054: a receiver reads nothing outside the message it received).
// A reader never reads past its end: an out-of-range read yields 0 and clears ok(), so a decoder
// checks ok() once at the end instead of after every field. Freestanding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::virtio_argo::wire {

inline void store_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void store_le64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t load_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t load_le64(const uint8_t* p) {
  return static_cast<uint64_t>(load_le32(p)) | (static_cast<uint64_t>(load_le32(p + 4)) << 32);
}

class reader {
 public:
  reader(const uint8_t* data, uint32_t size) : p_(data), size_(size) {}

  uint8_t u8() { return take(1) ? p_[pos_ - 1] : 0; }
  uint16_t u16() { return take(2) ? load_le16(p_ + pos_ - 2) : 0; }
  uint32_t u32() { return take(4) ? load_le32(p_ + pos_ - 4) : 0; }
  uint64_t u64() { return take(8) ? load_le64(p_ + pos_ - 8) : 0; }
  // Returns a pointer to the next n bytes, or nullptr (and !ok()) when fewer remain.
  const uint8_t* bytes(uint32_t n) { return take(n) ? p_ + pos_ - n : nullptr; }
  // Requires that the next n bytes are zero (reserved fields, HMX-VTA-051 HMX-VTA-052).
  void zero(uint32_t n) {
    const uint8_t* b = bytes(n);
    for (uint32_t i = 0; b != nullptr && i < n; ++i)
      if (b[i] != 0) ok_ = false;
  }
  void fail() { ok_ = false; }

  bool ok() const { return ok_; }
  uint32_t remaining() const { return size_ - pos_; }
  uint32_t position() const { return pos_; }

 private:
  bool take(uint32_t n) {
    if (!ok_ || n > size_ - pos_) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  const uint8_t* p_;
  uint32_t size_;
  uint32_t pos_ = 0;
  bool ok_ = true;
};

class writer {
 public:
  writer(uint8_t* data, uint32_t capacity) : p_(data), cap_(capacity) {}

  void u8(uint8_t v) {
    if (uint8_t* d = take(1)) d[0] = v;
  }
  void u16(uint16_t v) {
    if (uint8_t* d = take(2)) store_le16(d, v);
  }
  void u32(uint32_t v) {
    if (uint8_t* d = take(4)) store_le32(d, v);
  }
  void u64(uint64_t v) {
    if (uint8_t* d = take(8)) store_le64(d, v);
  }
  void bytes(const void* src, uint32_t n) {
    if (n == 0) return;  // src may be null for an empty payload
    if (uint8_t* d = take(n)) __builtin_memcpy(d, src, n);
  }
  void zero(uint32_t n) {
    if (uint8_t* d = take(n)) __builtin_memset(d, 0, n);
  }

  bool ok() const { return ok_; }
  uint32_t size() const { return pos_; }

 private:
  uint8_t* take(uint32_t n) {
    if (!ok_ || n > cap_ - pos_) {
      ok_ = false;
      return nullptr;
    }
    pos_ += n;
    return p_ + pos_ - n;
  }
  uint8_t* p_;
  uint32_t cap_;
  uint32_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace hmx::virtio_argo::wire
