// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/service/host_domain.h"

#include <stdexcept>

#include "hmx/virtio_argo/service/arena_resource.h"

namespace hmx::virtio_argo::service {

host_domain::host_domain(ref::Core& core, ref::DomainId id, std::string name, uint64_t memory_bytes, bool shareable)
    : core_(core),
      id_(id),
      name_(std::move(name)),
      memory_(memory_bytes, shareable, name_),
      // GPA 0 stays unused: libhmx's "no argument" value never names one of our objects.
      env_(memory_.data(), memory_.size(), 0, hmx::page_size),
      conduit_(core_trap{&core, id}) {
  const int rc = core_.create_domain(id_, name_, memory_, 1, waiter_);
  if (rc != 0)
    throw std::runtime_error("HMX core refused domain " + name_ + " (id " + std::to_string(id_) +
                             "): " + hmx::error_name(rc));
  alive_ = true;
  client_ = std::make_unique<host_client>(conduit_, env_);
  events_ = static_cast<hmx_event_page_t*>(env_.alloc_pages(1));
  // Event page first, then the vector: from then on every message and every space signal
  // reaches the waiter (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: rings are checked once afterwards by their users).
  if (!client_->init_status().ok() || events_ == nullptr || !client_->set_event_page(events_).ok() ||
      !client_->set_vector(0, hmx::vector_reg::unmasked(kVector)).ok()) {
    destroy();
    throw std::runtime_error("domain " + name_ + ": cannot set up its event page and vector");
  }
  resource_ = std::make_unique<arena_resource>(env_.arena());
}

host_domain::~host_domain() { destroy(); }

void host_domain::destroy() {
  if (alive_.exchange(false)) (void)core_.destroy_domain(id_);
  waiter_.wake();  // whoever sleeps for this domain notices
}

bool host_domain::alive() const { return alive_.load(); }

std::pmr::memory_resource* host_domain::resource() { return resource_.get(); }

bool host_domain::take_events() {
  bool any = false;
  (void)hmx::take_ring_pending(events_, [&](uint32_t) { any = true; });
  if (hmx::test_and_clear_status(events_, HMX_EVENT_SPACE_AVAILABLE) != 0) any = true;
  return any;
}

}  // namespace hmx::virtio_argo::service
