/* SPDX-License-Identifier: Apache-2.0 */
// How the reference core asks its adapter to interrupt a vCPU.
#pragma once

#include <cstdint>

#include "hmx/reference/types.h"

namespace hmx::ref {

class Notifier {
 public:
  virtual ~Notifier() = default;

  // Inject `vector` into vCPU `vcpu` of domain `dom` (hmx-kvm: an MSI to the vCPU's local APIC,
  // fixed delivery, edge). The core calls this only for an unmasked vector register, after the
  // ring write, the tx_ptr publication and the event-page bit are visible to the guest. It holds
  // no ring lock while calling, only the domain table's shared lock: an implementation must not
  // call back into Core (create/destroy would deadlock). Called concurrently from many threads.
  virtual void raise(DomainId dom, uint32_t vcpu, uint8_t vector) = 0;

  // A submit call of domain `dom` ran while no host worker polls its queue (SUBMIT_QUEUE_NEED_WAKEUP
  // set; spec submit-queue-polling): the doorbell of a worker that sleeps, which wakes here and
  // calls Core::submit_poll_begin. Called after the drain, under the domain table's shared lock
  // only: it must not call back into Core. Default: nothing (no worker).
  virtual void submit_called(DomainId dom) { (void)dom; }
};

// A Notifier that drops every interrupt (for domains that poll).
class NullNotifier final : public Notifier {
 public:
  void raise(DomainId, uint32_t, uint8_t) override {}
};

}  // namespace hmx::ref
