/* SPDX-License-Identifier: Apache-2.0 */
// A std::pmr::memory_resource over a hosted domain's guest memory, so that device buffers
// (argo_device_host's request buffers, argo_host_options::memory) have guest-physical
// addresses: the device's USED data then leaves by sendv straight from the buffer the device
// wrote, with no bounce copy. Pages come from the domain's page arena (a bump allocator that
// never frees); freed blocks are kept on power-of-two free lists and reused. Thread-safe. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <vector>

#include <hmx/environment.h>

namespace hmx::virtio_argo::service {

class arena_resource final : public std::pmr::memory_resource {
 public:
  explicit arena_resource(hmx::page_arena& pages) : pages_(pages) {}

  uint64_t bytes_in_use() const {
    std::lock_guard lock(mu_);
    return in_use_;
  }

 private:
  static constexpr size_t kMinShift = 6;   // 64-byte blocks at least
  static constexpr size_t kMaxShift = 30;  // 1 GiB at most

  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  static size_t size_class(size_t bytes);

  hmx::page_arena& pages_;
  mutable std::mutex mu_;
  std::vector<void*> free_[kMaxShift + 1];
  unsigned char* carve_ = nullptr;  // the rest of a page being cut into blocks under a page
  size_t carve_left_ = 0;
  uint64_t in_use_ = 0;
};

}  // namespace hmx::virtio_argo::service
