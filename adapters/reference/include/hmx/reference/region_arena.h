/* SPDX-License-Identifier: Apache-2.0 */
// A first-fit allocator over one region of memory, for a bare-metal monitor's Platform
// (platform.h): no heap underneath, no exceptions, freestanding. Freed blocks coalesce with their
// neighbours, so a monitor that creates and destroys rings forever does not run out. Not
// thread-safe: the Platform serialises it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::ref {

class RegionArena {
 public:
  // Uses [base, base + bytes) (16-byte aligned inside).
  RegionArena(void* base, size_t bytes) noexcept;
  RegionArena(const RegionArena&) = delete;
  RegionArena& operator=(const RegionArena&) = delete;

  // nullptr when no free block fits; `align` a power of two up to 4096.
  void* allocate(size_t bytes, size_t align) noexcept;
  // `p` from allocate() of this arena (nullptr is ignored).
  void deallocate(void* p) noexcept;

  size_t bytes_free() const noexcept { return free_bytes_; }
  size_t bytes_total() const noexcept { return total_; }
  // Free blocks; 1 once everything was returned (they all coalesced).
  size_t free_blocks() const noexcept;

 private:
  struct Block;
  Block* head_ = nullptr;  // free blocks in address order
  size_t free_bytes_ = 0;
  size_t total_ = 0;
};

}  // namespace hmx::ref
