// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/service/domain_memory.h"

namespace hmx::virtio_argo::service {

domain_memory::domain_memory(uint64_t bytes, bool shareable, const std::string& name) {
  if (shareable) {
    shared_ = std::make_unique<vhost_user::shared_memory>(bytes, "hmx-domain-" + name);
    base_ = shared_->data();
    size_ = shared_->size();
  } else {
    heap_ = std::make_unique<ref::ArenaGuestMemory>(bytes);
    base_ = heap_->data();
    size_ = heap_->size();
  }
}

domain_memory::~domain_memory() = default;

}  // namespace hmx::virtio_argo::service
