// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/error.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace hmx::kvm {

kvm_error::kvm_error(const std::string& what, int error_number) : std::runtime_error(what), errno_(error_number) {}

void throw_errno(const std::string& operation) {
  int e = errno;
  throw kvm_error(operation + ": " + std::strerror(e), e);
}

int checked_ioctl(int fd, unsigned long request, void* arg, const char* name) {
  int r = ::ioctl(fd, request, arg);
  if (r < 0) throw_errno(name);
  return r;
}

int checked_ioctl(int fd, unsigned long request, unsigned long arg, const char* name) {
  int r = ::ioctl(fd, request, arg);
  if (r < 0) throw_errno(name);
  return r;
}

}  // namespace hmx::kvm
