// SPDX-License-Identifier: Apache-2.0
// A UML guest's memory as the reference core sees it: the guest's physical-memory file, handed
// over in HELLO (include/hmx/uml_conduit.h), mapped shared into this process. File offset ==
// guest-physical address; the core may touch [start, size) only. The mapping is guarded
// (sigbus_guard.h): a guest that truncates its file revokes its memory, it cannot kill hmx-hostd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <memory>

#include <hmx/reference/guest_memory.h>

#include "sigbus_guard.h"

namespace hmx::hostd {

class uml_memory final : public ref::GuestMemory {
 public:
  // Maps `size` bytes of `fd` (which it closes on destruction). Throws std::runtime_error when
  // the file is shorter than `size`, `start` >= `size`, or the mapping fails.
  uml_memory(int fd, uint64_t start, uint64_t size);
  ~uml_memory() override;
  uml_memory(const uml_memory&) = delete;
  uml_memory& operator=(const uml_memory&) = delete;

  // Empty once revoked: the core then answers the guest's operations with -EFAULT.
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override;

  // The guest's file shrank under the mapping (a host access found a page gone): what the core
  // sees of the guest is private zero memory now and the domain must end.
  bool revoked() const { return guard_->revoked(); }

  uint64_t start() const { return start_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  uint64_t start_;
  uint64_t size_;
  std::byte* base_ = nullptr;
  std::unique_ptr<sigbus_guard> guard_;
};

}  // namespace hmx::hostd
