// SPDX-License-Identifier: Apache-2.0
#include "hmx/vhost_user/shared_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hmx::vhost_user {

shared_memory::shared_memory(uint64_t bytes, const std::string& name) {
  size_ = (bytes + 4095) & ~uint64_t{4095};
  fd_ = ::memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("memfd_create: " + std::string(std::strerror(errno)));
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    const int e = errno;
    ::close(fd_);
    throw std::runtime_error("memfd ftruncate: " + std::string(std::strerror(e)));
  }
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    ::close(fd_);
    throw std::runtime_error("memfd mmap: " + std::string(std::strerror(e)));
  }
  base_ = static_cast<std::byte*>(p);
}

shared_memory::~shared_memory() {
  if (base_ != nullptr) ::munmap(base_, size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hmx::vhost_user
