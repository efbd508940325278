/* SPDX-License-Identifier: Apache-2.0 */
// Errors at the host edge of hmx-kvm. Inside the monitor, failures of KVM or the host are
// exceptions that name the operation (the ioctl) and errno; guest-controlled input (addresses,
// lengths, MSR values) is never exceptional and is reported through return values instead.
#pragma once

#include <stdexcept>
#include <string>

namespace hmx::kvm {

class kvm_error : public std::runtime_error {
 public:
  kvm_error(const std::string& what, int error_number);
  int error_number() const { return errno_; }

 private:
  int errno_;
};

// Throws kvm_error("<operation>: <strerror(errno)>", errno) using the current errno.
[[noreturn]] void throw_errno(const std::string& operation);

// ioctl() that throws kvm_error naming `name` on failure; returns the ioctl's result.
int checked_ioctl(int fd, unsigned long request, void* arg, const char* name);
int checked_ioctl(int fd, unsigned long request, unsigned long arg, const char* name);

}  // namespace hmx::kvm
