// SPDX-License-Identifier: Apache-2.0
// A UML guest's memory as the reference core sees it: the guest's physical-memory file, handed
// over in HELLO (include/hmx/uml_conduit.h), mapped shared into this process. File offset ==
// guest-physical address; the core may touch [start, size) only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <hmx/reference/guest_memory.h>

namespace hmx::hostd {

class uml_memory final : public ref::GuestMemory {
 public:
  // Maps `size` bytes of `fd` (which it closes on destruction). Throws std::runtime_error when
  // the file is shorter than `size`, `start` >= `size`, or the mapping fails.
  uml_memory(int fd, uint64_t start, uint64_t size);
  ~uml_memory() override;
  uml_memory(const uml_memory&) = delete;
  uml_memory& operator=(const uml_memory&) = delete;

  std::span<std::byte> map(uint64_t gpa, uint64_t len) override;

  uint64_t start() const { return start_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  uint64_t start_;
  uint64_t size_;
  std::byte* base_ = nullptr;
};

}  // namespace hmx::hostd
