// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/guest_memory.h"

#include <sys/mman.h>

#include <cstring>
#include <string>
#include <utility>

#include "hmx/kvm/error.h"

namespace hmx::kvm {

namespace {
constexpr uint64_t kHugePage = 2ull << 20;
}  // namespace

// The mapping is 2 MiB aligned and advised MADV_HUGEPAGE (transparent huge pages, as QEMU does
// for guest RAM): with GPA 0 at an aligned address KVM can map guest memory with 2 MiB pages, and
// the HMX core's copies into and out of guest memory (sendv of large messages) take far fewer TLB
// misses. Where THP is off the advice is harmless.
guest_memory::guest_memory(uint64_t size) : base_(nullptr), size_(size) {
  if (size == 0 || size % 4096 != 0)
    throw kvm_error("guest memory size " + std::to_string(size) + " is not a positive multiple of 4 KiB", EINVAL);
  const uint64_t reserve = size + kHugePage;
  void* p = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw_errno("mmap of " + std::to_string(size) + " bytes of guest memory");
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
  if (aligned > start) ::munmap(p, aligned - start);
  if (uint64_t tail = reserve - (aligned - start) - size; tail != 0)
    ::munmap(reinterpret_cast<void*>(aligned + size), tail);
  base_ = reinterpret_cast<std::byte*>(aligned);
  (void)::madvise(base_, size, MADV_HUGEPAGE);
}

guest_memory::guest_memory(guest_memory&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)), size_(std::exchange(o.size_, 0)) {}

guest_memory::~guest_memory() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

std::optional<std::span<std::byte>> guest_memory::translate(uint64_t gpa, uint64_t len) const {
  if (!contains(gpa, len)) return std::nullopt;
  return std::span<std::byte>(base_ + gpa, static_cast<std::size_t>(len));
}

bool guest_memory::read(uint64_t gpa, std::span<std::byte> out) const {
  auto src = translate(gpa, out.size());
  if (!src) return false;
  if (!out.empty()) std::memcpy(out.data(), src->data(), out.size());
  return true;
}

bool guest_memory::write(uint64_t gpa, std::span<const std::byte> in) {
  auto dst = translate(gpa, in.size());
  if (!dst) return false;
  if (!in.empty()) std::memcpy(dst->data(), in.data(), in.size());
  return true;
}

}  // namespace hmx::kvm
