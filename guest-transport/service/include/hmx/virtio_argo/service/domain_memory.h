// SPDX-License-Identifier: Apache-2.0
// A hosted domain's guest memory at GPA [0, size): zero-filled heap pages, or a memfd mapped
// shared (vhost_user::shared_memory) when the domain hands its memory to a vhost-user back-end.
// Either way the reference core sees it only through GuestMemory::map, bounds-checked like
// ArenaGuestMemory. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <hmx/reference/guest_memory.h>
#include <hmx/vhost_user/shared_memory.h>

namespace hmx::virtio_argo::service {

class domain_memory final : public ref::GuestMemory {
 public:
  // shareable: backed by a memfd (shared()); otherwise plain heap memory.
  domain_memory(uint64_t bytes, bool shareable, const std::string& name);
  ~domain_memory() override;

  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    if (len == 0 || gpa >= size_ || len > size_ - gpa) return {};
    return {base_ + gpa, static_cast<size_t>(len)};
  }
  std::byte* data() const { return base_; }
  uint64_t size() const { return size_; }
  // The memfd behind a shareable memory, nullptr otherwise.
  vhost_user::shared_memory* shared() const { return shared_.get(); }

 private:
  std::unique_ptr<vhost_user::shared_memory> shared_;
  std::unique_ptr<ref::ArenaGuestMemory> heap_;
  std::byte* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace hmx::virtio_argo::service
