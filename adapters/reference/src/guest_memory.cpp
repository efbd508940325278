// SPDX-License-Identifier: Apache-2.0
// GuestMemory helpers and ArenaGuestMemory.
#include "hmx/reference/guest_memory.h"

#include <algorithm>
#include <atomic>
#include <new>
#if !HMX_REFERENCE_FREESTANDING
#include <cstring>
#endif

#include "guest_copy.h"

namespace hmx::ref {
namespace {

constexpr uint64_t kPage = 4096;

// Visit [gpa, gpa + len) as host spans: the whole range when the adapter maps it in one piece,
// else in pieces that never cross a 4 KiB boundary (an adapter may refuse a range straddling two
// memory slots even though both are RAM). Returns false at the first piece that is not RAM.
template <class Fn>
bool for_each_piece(GuestMemory& mem, uint64_t gpa, uint64_t len, Fn&& fn) {
  if (len == 0) return true;
  if (gpa + len < gpa) return false;  // the range wraps around the address space
  if (auto whole = mem.map(gpa, len); whole.size() == len) {
    fn(whole, 0);
    return true;
  }
  uint64_t done = 0;
  while (done < len) {
    const uint64_t at = gpa + done;
    const uint64_t n = std::min(len - done, kPage - (at & (kPage - 1)));
    auto piece = mem.map(at, n);
    if (piece.size() != n) return false;
    fn(piece, done);
    done += n;
  }
  return true;
}

}  // namespace

void copy_from_guest_bytes(void* dst, const std::byte* guest_src, size_t n) noexcept {
  detail::racy_copy(static_cast<std::byte*>(dst), guest_src, n);
}

void copy_to_guest_bytes(std::byte* guest_dst, const void* src, size_t n) noexcept {
  detail::racy_copy(guest_dst, static_cast<const std::byte*>(src), n);
}

void copy_guest_to_guest_bytes(std::byte* guest_dst, const std::byte* guest_src,
                               size_t n) noexcept {
  detail::racy_copy(guest_dst, guest_src, n);
}

bool GuestMemory::contains(uint64_t gpa, uint64_t len) {
  return for_each_piece(*this, gpa, len, [](std::span<std::byte>, uint64_t) {});
}

bool GuestMemory::read_bytes(uint64_t gpa, void* dst, uint64_t len) {
  auto* out = static_cast<std::byte*>(dst);
  return for_each_piece(*this, gpa, len, [out](std::span<std::byte> piece, uint64_t off) {
    copy_from_guest_bytes(out + off, piece.data(), piece.size());
  });
}

bool GuestMemory::write_bytes(uint64_t gpa, const void* src, uint64_t len) {
  if (!contains(gpa, len)) return false;  // all or nothing
  const auto* in = static_cast<const std::byte*>(src);
  return for_each_piece(*this, gpa, len, [in](std::span<std::byte> piece, uint64_t off) {
    copy_to_guest_bytes(piece.data(), in + off, piece.size());
  });
}

#if !HMX_REFERENCE_FREESTANDING
// Host memory from the C++ heap: tests, the fuzzer and the loopback conduit only.
ArenaGuestMemory::ArenaGuestMemory(uint64_t size) {
  size_ = (size + kPage - 1) & ~(kPage - 1);
  if (size_ == 0) return;
  // Page-aligned so that guest alignment (rings, event page atomics) carries over to the host.
  base_ = static_cast<std::byte*>(::operator new(size_, std::align_val_t{kPage}));
  std::memset(base_, 0, size_);
}

ArenaGuestMemory::~ArenaGuestMemory() {
  if (base_ != nullptr) ::operator delete(base_, std::align_val_t{kPage});
}

std::span<std::byte> ArenaGuestMemory::map(uint64_t gpa, uint64_t len) {
  // Overflow-safe: gpa <= size_ is checked first, so size_ - gpa cannot wrap.
  if (len == 0 || gpa >= size_ || len > size_ - gpa) return {};
  return {base_ + gpa, static_cast<size_t>(len)};
}

#endif

}  // namespace hmx::ref
