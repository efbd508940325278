// SPDX-License-Identifier: Apache-2.0
// RegionArena (include/hmx/reference/region_arena.h): free blocks in address order, first fit,
// splitting what is left over on both sides and coalescing on free. Every block and every
// allocation is a multiple of 16 bytes at a 16-byte aligned address; an allocation is preceded by
// a 16-byte header that records the block it came from.
#include "hmx/reference/region_arena.h"

namespace hmx::ref {

struct RegionArena::Block {
  size_t size;  // bytes of the whole block, header included
  Block* next;
};

namespace {
struct Header {
  size_t size;  // bytes of the whole allocated block, this header included
  size_t pad;
};
static_assert(sizeof(Header) == 16);
constexpr size_t kGrain = 16;
constexpr size_t kMinBlock = 32;

uintptr_t align_up(uintptr_t v, size_t a) { return (v + a - 1) & ~static_cast<uintptr_t>(a - 1); }
}  // namespace

RegionArena::RegionArena(void* base, size_t bytes) noexcept {
  const uintptr_t start = align_up(reinterpret_cast<uintptr_t>(base), kGrain);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(base) + bytes) & ~static_cast<uintptr_t>(kGrain - 1);
  if (base == nullptr || end <= start || end - start < kMinBlock) return;
  head_ = reinterpret_cast<Block*>(start);
  head_->size = end - start;
  head_->next = nullptr;
  free_bytes_ = total_ = end - start;
}

void* RegionArena::allocate(size_t bytes, size_t align) noexcept {
  if (align < kGrain) align = kGrain;
  if (align > 4096 || (align & (align - 1)) != 0 || bytes == 0 || bytes > total_) return nullptr;
  bytes = align_up(bytes, kGrain);
  Block** link = &head_;
  for (Block* b = head_; b != nullptr; link = &b->next, b = b->next) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(b);
    const uintptr_t end = start + b->size;
    uintptr_t user = align_up(start + sizeof(Header), align);
    // What stays free before the allocation must be a whole free block, or nothing.
    if (user - sizeof(Header) != start && user - sizeof(Header) - start < kMinBlock)
      user = align_up(start + kMinBlock + sizeof(Header), align);
    if (user + bytes > end || user + bytes < user) continue;
    const uintptr_t alloc_start = user - sizeof(Header);
    uintptr_t alloc_end = user + bytes;
    if (end - alloc_end < kMinBlock) alloc_end = end;  // too small to keep: part of the allocation

    Block* after = nullptr;
    if (alloc_end != end) {
      after = reinterpret_cast<Block*>(alloc_end);
      after->size = end - alloc_end;
      after->next = b->next;
    }
    if (alloc_start != start) {
      b->size = alloc_start - start;
      b->next = after != nullptr ? after : b->next;
    } else {
      *link = after != nullptr ? after : b->next;
    }
    auto* h = reinterpret_cast<Header*>(alloc_start);
    h->size = alloc_end - alloc_start;
    h->pad = 0;
    free_bytes_ -= h->size;
    return reinterpret_cast<void*>(user);
  }
  return nullptr;
}

void RegionArena::deallocate(void* p) noexcept {
  if (p == nullptr) return;
  auto* h = reinterpret_cast<Header*>(static_cast<unsigned char*>(p) - sizeof(Header));
  const size_t size = h->size;
  auto* block = reinterpret_cast<Block*>(h);
  block->size = size;
  free_bytes_ += size;
  // Insert in address order, then merge with the neighbours.
  Block* prev = nullptr;
  Block* next = head_;
  while (next != nullptr && next < block) {
    prev = next;
    next = next->next;
  }
  block->next = next;
  if (prev != nullptr) prev->next = block;
  else head_ = block;
  if (next != nullptr && reinterpret_cast<uintptr_t>(block) + block->size == reinterpret_cast<uintptr_t>(next)) {
    block->size += next->size;
    block->next = next->next;
  }
  if (prev != nullptr && reinterpret_cast<uintptr_t>(prev) + prev->size == reinterpret_cast<uintptr_t>(block)) {
    prev->size += block->size;
    prev->next = block->next;
  }
}

size_t RegionArena::free_blocks() const noexcept {
  size_t n = 0;
  for (const Block* b = head_; b != nullptr; b = b->next) ++n;
  return n;
}

}  // namespace hmx::ref
