/* SPDX-License-Identifier: Apache-2.0 */
// Device domains a monitor hosts, described on its command line (hmx-kvm `--service`):
//
//   NAME=virtio-blk,file=PATH[,queues=N][,queue-size=N][,die-after=N][,mem=SIZE]
//   NAME=vhost-user-blk,socket=PATH[,queues=N][,queue-size=N][,mem=SIZE][,exec=COMMAND]
//
// vhost-user-blk serves the disk of a vhost-user back-end listening on PATH (qemu-storage-daemon
// --export type=vhost-user-blk,...): the domain's memory is a memfd the back-end maps, and the
// driver's requests reach it only as hypervisor copies (vhost-user/blk_bridge.h). exec=COMMAND
// (last: it takes the rest of the spec, commas included) starts the back-end under /bin/sh and
// stops it with the service.
//
// A service domain is named like any domain (the MAC policy and the guests' `domains=` list name
// it) and gets its HMX id after the monitor's VMs. It offers its device to every VM domain; the
// policy decides which may reach it. die-after=N: the domain dies when the device receives its
// N-th request (tests of peer failure). Hosted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hmx/reference/core.h>

#include "hmx/virtio_argo/service/virtio_service.h"

namespace hmx::virtio_argo::service {

struct service_spec {
  std::string name;
  std::string kind;  // "virtio-blk" or "vhost-user-blk"
  std::string file;
  std::string socket;  // vhost-user-blk
  std::string exec;    // vhost-user-blk: the back-end's command (optional)
  uint16_t queues = 1;
  uint16_t queue_size = 256;
  uint64_t die_after = 0;
  uint64_t memory_bytes = 96ull << 20;
};

// Throws std::invalid_argument naming the bad part.
service_spec parse_service_spec(std::string_view spec);

class service_set {
 public:
  using log_fn = std::function<void(const std::string& domain, const std::string& line)>;

  explicit service_set(std::vector<service_spec> specs, log_fn log = {});
  ~service_set();  // stop()

  std::vector<std::string> names() const;
  // Starts each service as domain first_id, first_id + 1, ... of `core`, offering its device to
  // `drivers`. Throws std::runtime_error (the core or the file refused).
  void start(ref::Core& core, ref::DomainId first_id, const std::vector<ref::DomainId>& drivers);
  // Orderly end of every service still running (EVENT_DEVICE REMOVED, rings, domain).
  void stop();
  // One line per service: requests, bytes, connections, refusals, death.
  std::vector<std::string> stats_lines() const;
  const std::vector<std::unique_ptr<virtio_service>>& services() const { return running_; }

 private:
  std::vector<service_spec> specs_;
  log_fn log_;
  std::vector<std::unique_ptr<virtio_service>> running_;
};

}  // namespace hmx::virtio_argo::service
