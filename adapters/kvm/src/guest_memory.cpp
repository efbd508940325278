#include "hmx/kvm/guest_memory.h"

#include <sys/mman.h>

#include <cstring>
#include <string>
#include <utility>

#include "hmx/kvm/error.h"

namespace hmx::kvm {

guest_memory::guest_memory(uint64_t size) : base_(nullptr), size_(size) {
  if (size == 0 || size % 4096 != 0)
    throw kvm_error("guest memory size " + std::to_string(size) + " is not a positive multiple of 4 KiB", EINVAL);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw_errno("mmap of " + std::to_string(size) + " bytes of guest memory");
  base_ = static_cast<std::byte*>(p);
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
