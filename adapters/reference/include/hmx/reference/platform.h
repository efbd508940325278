/* SPDX-License-Identifier: Apache-2.0 */
// What the reference core needs from the machine when it is built portable
// (HMX_REFERENCE_PORTABLE, e.g. freestanding inside a bare-metal monitor, docs/ARCHITECTURE.md
// decision 8): memory for its bookkeeping, a pause for spinning on its locks and a clock for the
// policy log's rate limit. The hosted build takes all three from the C++ library instead and
// never calls these.
//
// Every allocation the core makes at run time has an error path: when allocate() returns nullptr
// the operation fails with ENOMEM before it changed anything, as the hosted build does on
// std::bad_alloc. The core's locks are spin locks over this pause; they are held only for the
// bookkeeping and copies of one operation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::ref {

class Platform {
 public:
  // Zero-free: `bytes` of memory aligned to `align` (a power of two, at most 4096), or nullptr.
  // Called concurrently from every CPU that runs HMX operations.
  virtual void* allocate(size_t bytes, size_t align) noexcept = 0;
  virtual void deallocate(void* p, size_t bytes, size_t align) noexcept = 0;
  // One iteration of a spin-wait (AArch64: YIELD; x86: PAUSE).
  virtual void relax() noexcept {}
  // A monotonic clock in nanoseconds; 0 forever turns the policy log's rate limit into a count
  // limit (its first `burst` lines).
  virtual uint64_t now_ns() noexcept { return 0; }

 protected:
  ~Platform() = default;
};

// Installs the platform of a portable build; once, before the first Core or Policy is made. The
// platform must outlive them.
void set_platform(Platform& platform) noexcept;

}  // namespace hmx::ref
