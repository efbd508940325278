// SPDX-License-Identifier: Apache-2.0
#include "uml_memory.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace hmx::hostd {

uml_memory::uml_memory(int fd, uint64_t start, uint64_t size) : fd_(fd), start_(start), size_(size) {
  struct stat st {};
  if (fstat(fd_, &st) != 0 || static_cast<uint64_t>(st.st_size) < size_ || start_ >= size_ || size_ == 0) {
    ::close(fd_);
    throw std::runtime_error("guest memory file: " + std::to_string(size_) + " bytes announced, file has " +
                             std::to_string(st.st_size));
  }
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) {
    ::close(fd_);
    throw std::runtime_error("guest memory file: mmap failed");
  }
  base_ = static_cast<std::byte*>(p);
  try {
    guard_ = std::make_unique<sigbus_guard>(p, size_);
  } catch (...) {
    munmap(p, size_);
    ::close(fd_);
    throw;
  }
}

uml_memory::~uml_memory() {
  guard_.reset();
  munmap(base_, size_);
  ::close(fd_);
}

std::span<std::byte> uml_memory::map(uint64_t gpa, uint64_t len) {
  if (len == 0 || guard_->revoked() || gpa < start_ || gpa >= size_ || len > size_ - gpa) return {};
  return {base_ + gpa, static_cast<size_t>(len)};
}

}  // namespace hmx::hostd
