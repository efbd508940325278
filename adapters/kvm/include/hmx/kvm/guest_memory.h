/* SPDX-License-Identifier: Apache-2.0 */
// Guest RAM of one domain: an anonymous host mapping registered as memory slot 0 at GPA 0.
//
// Every access by guest-physical address is bounds-checked and overflow-safe, whatever gpa and
// len a (hostile) guest supplies: [gpa, gpa + len) must lie inside [0, size()). Out-of-range
// requests are not exceptional (the guest controls them) and fail through the return value.
// This is the "guest memory by GPA with bounds checks" interface the reference core uses
// (docs/ARCHITECTURE.md decisions 4 and 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace hmx::kvm {

class guest_memory {
 public:
  // size: bytes, a positive multiple of 4 KiB. Throws kvm_error if the mapping fails.
  explicit guest_memory(uint64_t size);
  guest_memory(guest_memory&& o) noexcept;
  guest_memory& operator=(guest_memory&&) = delete;
  guest_memory(const guest_memory&) = delete;
  ~guest_memory();

  uint64_t size() const { return size_; }
  std::byte* host_base() const { return base_; }

  // True iff [gpa, gpa + len) is inside guest RAM (len 0: gpa <= size()).
  bool contains(uint64_t gpa, uint64_t len) const { return gpa <= size_ && len <= size_ - gpa; }
  // Host view of [gpa, gpa + len), or nullopt if out of range. The span aliases guest memory that
  // the guest may change concurrently: copy out before validating (no double fetch).
  std::optional<std::span<std::byte>> translate(uint64_t gpa, uint64_t len) const;
  [[nodiscard]] bool read(uint64_t gpa, std::span<std::byte> out) const;
  [[nodiscard]] bool write(uint64_t gpa, std::span<const std::byte> in);

 private:
  std::byte* base_;
  uint64_t size_;
};

}  // namespace hmx::kvm
