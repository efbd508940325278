/* SPDX-License-Identifier: Apache-2.0 */
// Device domains hosted inside the hmx-kvm process (`--service NAME=virtio-blk,file=PATH[,...]`):
// virtio-argo back-ends that are domains of the same reference core as the VMs, with their own
// memory, reached by the VMs only through HMX (guest-transport/service, `service_set.h`; like a
// Xen driver domain's back-end). They get HMX ids after the VMs, appear in every guest's
// `domains=` list, and the MAC policy decides which VMs may reach them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <hmx/reference/core.h>

#include "hmx/kvm/console.h"

namespace hmx::kvm {

class hosted_services {
 public:
  // Parses the specs (throws std::invalid_argument naming the bad part).
  hosted_services(const std::vector<std::string>& specs, console& out);
  ~hosted_services();  // stop()
  hosted_services(const hosted_services&) = delete;
  hosted_services& operator=(const hosted_services&) = delete;

  bool empty() const;
  std::vector<std::string> names() const;
  // Creates the service domains first_id, first_id + 1, ... in `core` and starts their devices,
  // offered to the VM domains `drivers`. Throws std::runtime_error.
  void start(ref::Core& core, ref::DomainId first_id, const std::vector<ref::DomainId>& drivers);
  // Ends every service still running (its device, rings and domain). Idempotent.
  void stop();
  std::vector<std::string> stats_lines() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hmx::kvm
