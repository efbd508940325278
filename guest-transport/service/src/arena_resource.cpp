// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/service/arena_resource.h"

#include <bit>
#include <new>

namespace hmx::virtio_argo::service {

size_t arena_resource::size_class(size_t bytes) {
  const size_t shift = bytes <= (size_t{1} << kMinShift) ? kMinShift : std::bit_width(bytes - 1);
  return shift;
}

// Blocks are naturally aligned to their size up to a page (the arena hands out whole pages;
// smaller blocks are cut from a page in size order), which covers any alignment a container asks.
void* arena_resource::do_allocate(size_t bytes, size_t alignment) {
  const size_t shift = size_class(bytes < alignment ? alignment : bytes);
  if (shift > kMaxShift) throw std::bad_alloc();
  const size_t block = size_t{1} << shift;
  std::lock_guard lock(mu_);
  if (!free_[shift].empty()) {
    void* p = free_[shift].back();
    free_[shift].pop_back();
    in_use_ += block;
    return p;
  }
  void* p = nullptr;
  if (block >= hmx::page_size) {
    p = pages_.alloc_pages(block / hmx::page_size);
  } else {
    if (carve_left_ < block) {
      carve_ = static_cast<unsigned char*>(pages_.alloc_pages(1));
      carve_left_ = carve_ != nullptr ? hmx::page_size : 0;
    }
    if (carve_ != nullptr) {
      // Cut from the end of the page so each block stays aligned to its size.
      carve_left_ = (carve_left_ / block) * block - block;
      p = carve_ + carve_left_;
    }
  }
  if (p == nullptr) throw std::bad_alloc();
  in_use_ += block;
  return p;
}

void arena_resource::do_deallocate(void* p, size_t bytes, size_t alignment) {
  if (p == nullptr) return;
  const size_t shift = size_class(bytes < alignment ? alignment : bytes);
  std::lock_guard lock(mu_);
  free_[shift].push_back(p);
  in_use_ -= size_t{1} << shift;
}

}  // namespace hmx::virtio_argo::service
