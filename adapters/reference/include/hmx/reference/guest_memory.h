/* SPDX-License-Identifier: Apache-2.0 */
// Guest-physical memory as the reference core sees it.
//
// The core touches guest memory only through this interface (docs/ARCHITECTURE.md decision 8), so the same
// code serves in-process tests (ArenaGuestMemory), hmx-kvm (memory slots) and future adapters.
// Every guest-physical range a guest names goes through map(), which bounds-checks it: a guest
// value is never turned into a host pointer any other way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace hmx::ref {

// Byte copies between hypervisor memory and guest memory. Guest memory is shared with a running,
// possibly hostile guest that may rewrite it while we copy: these copies take what is there and
// never re-read anything (a source and destination may even overlap, e.g. a self-send whose iov
// lies inside its own ring). In a ThreadSanitizer build they use relaxed atomic accesses so that
// deliberately racing tests stay meaningful; otherwise they are memmove.
void copy_from_guest_bytes(void* dst, const std::byte* guest_src, size_t n) noexcept;
void copy_to_guest_bytes(std::byte* guest_dst, const void* src, size_t n) noexcept;
void copy_guest_to_guest_bytes(std::byte* guest_dst, const std::byte* guest_src, size_t n) noexcept;

class GuestMemory {
 public:
  virtual ~GuestMemory() = default;

  // Host view of guest-physical [gpa, gpa + len). Returns an empty span when len is 0, when
  // gpa + len overflows, or when any byte of the range is not guest RAM. An implementation may
  // also return an empty span for a range that straddles two separately mapped RAM regions; the
  // helpers below and the core then fall back to page-sized pieces, so only a range that is not
  // RAM at page granularity is refused. Host pointers stay valid while the domain exists in the
  // Core. Must be callable concurrently from several threads.
  virtual std::span<std::byte> map(uint64_t gpa, uint64_t len) = 0;

  // True when every byte of [gpa, gpa + len) is guest RAM (len 0: true).
  bool contains(uint64_t gpa, uint64_t len);
  // Copy guest [gpa, gpa + len) into dst. False (dst partially written) when not all RAM.
  bool read_bytes(uint64_t gpa, void* dst, uint64_t len);
  // Copy src into guest [gpa, gpa + len). False (nothing written) when not all RAM.
  bool write_bytes(uint64_t gpa, const void* src, uint64_t len);

  // Read a structure once into hypervisor memory; the core never reads the guest copy again
  // (no double fetch, docs/ARCHITECTURE.md decision 4).
  template <class T>
  bool read_once(uint64_t gpa, T& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    return read_bytes(gpa, &out, sizeof(T));
  }
  template <class T>
  bool write(uint64_t gpa, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return write_bytes(gpa, &value, sizeof(T));
  }
};

// Guest RAM as one zero-filled, page-aligned host buffer at GPA [0, size). Used by tests, the
// fuzzer and the loopback conduit.
class ArenaGuestMemory final : public GuestMemory {
 public:
  // size is rounded up to a multiple of 4096.
  explicit ArenaGuestMemory(uint64_t size);
  ~ArenaGuestMemory() override;
  ArenaGuestMemory(const ArenaGuestMemory&) = delete;
  ArenaGuestMemory& operator=(const ArenaGuestMemory&) = delete;

  std::span<std::byte> map(uint64_t gpa, uint64_t len) override;

  uint64_t size() const { return size_; }
  std::byte* data() { return base_; }
  // Host pointer of a GPA (tests), nullptr when outside the arena.
  std::byte* host(uint64_t gpa) { return gpa < size_ ? base_ + gpa : nullptr; }

 private:
  std::byte* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace hmx::ref
