/* SPDX-License-Identifier: MIT */
// How ring code turns the addresses stored in virtqueue descriptors into pointers and back.
// virtio descriptors hold bus addresses (guest-physical, virtio 1.x 2.7.5); a guest supplies
// its own translation, hosted code and identity-mapped guests use identity(). Freestanding.
#pragma once

#include <cstdint>

namespace hmx::virtio_argo {

struct address_space {
  void* ctx = nullptr;
  // Address of driver memory as stored in a descriptor.
  uint64_t (*to_addr)(void* ctx, const void* p) = nullptr;
  // Pointer to [addr, addr + len) if the whole range is valid memory, else nullptr.
  void* (*to_ptr)(void* ctx, uint64_t addr, uint32_t len) = nullptr;

  uint64_t addr_of(const void* p) const { return to_addr(ctx, p); }
  void* ptr(uint64_t addr, uint32_t len) const { return to_ptr(ctx, addr, len); }

  // The descriptor address is the pointer value. The range check only rejects wrap-around
  // and null: in-process, any pointer the driver stored is its own memory.
  static address_space identity() {
    address_space a;
    a.to_addr = [](void*, const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); };
    a.to_ptr = [](void*, uint64_t addr, uint32_t len) -> void* {
      if (addr == 0 || addr + len < addr || addr > UINTPTR_MAX - len) return nullptr;
      return reinterpret_cast<void*>(static_cast<uintptr_t>(addr));
    };
    return a;
  }
};

}  // namespace hmx::virtio_argo
