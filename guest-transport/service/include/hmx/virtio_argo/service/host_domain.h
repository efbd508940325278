/* SPDX-License-Identifier: Apache-2.0 */
// A domain of the reference core hosted in this process: the device domain of a virtio-argo
// service (like a Xen driver domain's back-end in dom0 userspace), or a driver domain in
// in-process tests. It is a domain like any other: its own guest memory (an ArenaGuestMemory at
// GPA 0), its own rings in that memory, HMX operations through libhmx's loopback conduit into
// Core::call, notifications through the core's Notifier. Nothing of another domain's memory is
// ever visible to it: every byte arrives as a hypervisor copy into one of its rings.
//
// One thread uses a host_domain's client at a time (libhmx clients are per thread); destroy()
// may come from any thread. Hosted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>

#include <hmx/conduit/loopback.h>
#include <hmx/env/host.h>
#include <hmx/hmx.h>
#include <hmx/reference/core.h>

#include "hmx/virtio_argo/hmx_channel.h"
#include "hmx/virtio_argo/service/domain_memory.h"
#include "hmx/virtio_argo/service/host_waiter.h"

namespace hmx::virtio_argo::service {

// The loopback conduit's trap: Core::call for vCPU 0 of one domain. A block the core refuses
// outright (the domain is gone) keeps libhmx's preset -ENOSYS.
struct core_trap {
  ref::Core* core;
  ref::DomainId dom;
  void operator()(uint64_t gpa) const { (void)core->call(dom, 0, gpa); }
};

using host_conduit = hmx::loopback_conduit<core_trap>;
using host_env = hmx::env::host;
using host_client = hmx::client<host_conduit, host_env>;
using host_channel = hmx_channel<host_conduit, host_env, host_waiter>;

class arena_resource;

class host_domain {
 public:
  // Vector the domain's vCPU 0 register is unmasked to (any value >= HMX_VECTOR_MIN would do:
  // the waiter only counts notifications).
  static constexpr uint8_t kVector = 0x40;

  // Creates domain `id` named `name` in `core`, with `memory_bytes` of guest memory, one vCPU,
  // an unmasked vector and an event page. Throws std::runtime_error when the core refuses.
  // shareable: the memory is a memfd a vhost-user back-end may map (memory().shared()).
  host_domain(ref::Core& core, ref::DomainId id, std::string name, uint64_t memory_bytes, bool shareable = false);
  ~host_domain();
  host_domain(const host_domain&) = delete;
  host_domain& operator=(const host_domain&) = delete;

  // The domain dies: the core tears down its rings, the rings of others naming it, and its space
  // waits (HMX-DOM-001/002); its peers' sends then fail with ESRCH/ECONNREFUSED.
  void destroy();
  bool alive() const;

  ref::DomainId id() const { return id_; }
  const std::string& name() const { return name_; }
  ref::Core& core() { return core_; }
  domain_memory& memory() { return memory_; }
  host_env& env() { return env_; }
  host_client& client() { return *client_; }
  host_waiter& waiter() { return waiter_; }
  hmx_event_page_t* events() { return events_; }
  // Zeroed pages of this domain's memory (rings, buffers with a GPA); nullptr when exhausted.
  void* alloc_pages(size_t n) { return env_.alloc_pages(n); }
  // Bytes of the domain's memory for containers (device request buffers).
  std::pmr::memory_resource* resource();
  // Clears every ring bit of the event page (the caller then polls everything it owns) and
  // the space-available status; returns whether any bit was set.
  bool take_events();

 private:
  ref::Core& core_;
  const ref::DomainId id_;
  const std::string name_;
  domain_memory memory_;
  host_env env_;
  host_waiter waiter_;
  host_conduit conduit_;
  std::unique_ptr<host_client> client_;
  hmx_event_page_t* events_ = nullptr;
  std::unique_ptr<arena_resource> resource_;
  std::atomic<bool> alive_{false};
};

}  // namespace hmx::virtio_argo::service
