// SPDX-License-Identifier: Apache-2.0
// Memory a front-end may hand to a vhost-user back-end (SET_MEM_TABLE passes its file
// descriptor): an anonymous memfd mapped shared here. A device domain's whole guest memory is
// one of these, so the back-end maps exactly that domain's memory and nothing else of the
// monitor (vhost-user.rst "Memory access"). Zero-filled, page-aligned. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hmx::vhost_user {

class shared_memory {
 public:
  // Throws std::runtime_error when the memfd or the mapping fails.
  shared_memory(uint64_t bytes, const std::string& name);
  ~shared_memory();
  shared_memory(const shared_memory&) = delete;
  shared_memory& operator=(const shared_memory&) = delete;

  std::byte* data() const { return base_; }
  uint64_t size() const { return size_; }
  int fd() const { return fd_; }
  // The offset of [p, p + len) in the region (its guest-physical address when the region is a
  // domain's memory at GPA 0), or false when the range is not entirely inside.
  bool offset_of(const void* p, uint64_t len, uint64_t& offset) const {
    const auto a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(base_);
    if (a < b || a - b > size_ || len > size_ - (a - b)) return false;
    offset = a - b;
    return true;
  }

 private:
  std::byte* base_ = nullptr;
  uint64_t size_ = 0;
  int fd_ = -1;
};

}  // namespace hmx::vhost_user
