// SPDX-License-Identifier: Apache-2.0
// A guest's memory that hmx-hostd maps from the guest's own file must not be able to kill
// hmx-hostd. A UML guest is a host process holding that file: if it truncates the file, every
// host access to the vanished pages raises SIGBUS (mmap(2): "Attempted access to a page of the
// buffer that lies beyond the end of the mapped file"), on whichever thread the reference core,
// a device domain or a peer's call happens to copy on.
//
// Why this way. The copies are the reference core's (adapters/reference), shared with every
// monitor, and run under its locks: jumping out of them (sigsetjmp/siglongjmp) would leave those
// locks held and a half-done operation. Checking the size first (fstat) cannot close the race,
// and neither MAP_POPULATE nor mlock keeps pages a truncation removes (the kernel unmaps even
// locked pages of a truncated file). A memfd could be sealed (F_SEAL_SHRINK) but UML's memory
// file is not a memfd. So the handler makes the faulting access succeed harmlessly instead:
// it replaces the guest's whole mapping with private anonymous memory (MAP_FIXED, the same
// address), marks the mapping revoked and returns; the interrupted copy finishes on zero pages,
// and the owner (uml_memory, uml_domain) sees revoked() and ends the domain. A SIGBUS outside
// every registered mapping is not ours: the previous disposition handles it (the default:
// the process dies, as before).
//
// mmap is not on POSIX's async-signal-safe list; on Linux it is a single system call (glibc's
// wrapper takes no lock), which is what the handler relies on.
#pragma once

#include <cstddef>

namespace hmx::hostd {

class sigbus_guard {
 public:
  // Guards [base, base + size), a MAP_SHARED file mapping the caller owns and unmaps only after
  // this guard is gone. Installs the process's SIGBUS handler on first use. Throws
  // std::runtime_error when every slot is taken or the handler cannot be installed.
  sigbus_guard(void* base, std::size_t size);
  ~sigbus_guard();
  sigbus_guard(const sigbus_guard&) = delete;
  sigbus_guard& operator=(const sigbus_guard&) = delete;

  // The file shrank under the mapping: the range is private zero memory now, the guest's data
  // is out of reach for good.
  bool revoked() const;

 private:
  std::size_t slot_;
};

}  // namespace hmx::hostd
