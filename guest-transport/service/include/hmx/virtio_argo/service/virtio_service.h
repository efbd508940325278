/* SPDX-License-Identifier: Apache-2.0 */
// A virtio-argo device domain hosted by a monitor: a domain of the monitor's reference core with
// its own guest memory (host_domain), serving virtio-blk backed by a host file to driver
// domains over virtio-argo, on its own thread. Like a Xen driver domain's back-end running in
// dom0 userspace, it sits in the hypervisor's process, but it is still only a domain: it receives
// hypervisor copies into its own rings and sends with sendv; it never touches a driver's memory.
//
// For each driver domain it is told to serve, it registers a bus ring at VTA_BUS_APORT with that
// domain as partner (HMX-VTA-042 HMX-VTA-043); the MAC policy may refuse that (the driver then cannot reach
// the device). The device is dev_num 1; one driver at a time is connected (HMX-VTA-044 HMX-VTA-045).
//
//   auto s = virtio_service::start(core, {.name = "vta-blk", .id = 3, .blk_file = "disk.img",
//                                         .queues = 2, .drivers = {1, 2}});
//   ... s->stats() ...; s->kill();   // or s->stop(), or let the destructor stop it
//
// die_after = N makes the domain die when the device receives its N-th request (before serving
// it): what a crash mid-request looks like to the driver (spec "Peer failure and removal").
//
// Containment (issue 14): what a driver does is bounded by the connection's budget (requests
// held, in bytes and entries, fixed at start and logged with the connection); going beyond it is a
// protocol error of that driver only. The service thread catches whatever escapes a round at its
// edge: the service then stops with a report (log line, stats().failed), the domain leaves the
// core as on a crash, and the process goes on. Hosted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hmx/reference/core.h>

#include "hmx/virtio_argo/device/device_core.h"

namespace hmx::virtio_argo::service {

struct virtio_service_options {
  std::string name = "vta-blk";      // the domain's name (the MAC policy names domains)
  ref::DomainId id = 0;              // its HMX domain id (unused in the core)
  std::string blk_file;              // the backing file; must exist (its size is the capacity)
  // vhost-user-blk instead of the built-in device: the back-end's UNIX socket, and optionally
  // the command that starts the back-end (it must listen on that socket). The domain's memory is
  // then a memfd the back-end maps; blk_file is unused (vhost-user/blk_bridge.h).
  std::string vhost_socket;
  std::string vhost_exec;
  uint16_t queues = 1;               // > 1 offers VIRTIO_BLK_F_MQ
  uint16_t queue_size = 256;
  uint64_t die_after = 0;            // 0: never
  std::vector<ref::DomainId> drivers;  // domains offered the device: one bus ring each
  uint64_t memory_bytes = 96ull << 20;  // the domain's guest memory (rings, request buffers)
  uint32_t bus_ring_len = 4 * 4096 - 64;       // bus ring data bytes (4 pages with the header)
  uint32_t device_ring_len = (1u << 20) - 64;  // the connection's device ring (AVAIL messages)
  device::queue_limits limits{64, (1u << 20) + 4096};
  uint32_t completion_batch = 1;     // argo_host_options::completion_batch (1 measured best)
  // Per-connection budget of requests held at once (argo_host_options): readable + writable
  // bytes (0: a third of memory_bytes: the arena rounds a block up to a power of two, so the
  // requests then take at most two thirds, and the rings fit in the rest) and entries
  // (0: limits.max_in_flight * queues). options() shows the values in force.
  uint64_t budget_bytes = 0;
  uint32_t budget_entries = 0;
  int cpu = -1;                      // pin the service thread to this host CPU (benchmarks)
  std::function<void(const std::string&)> log;  // one line per event (connections, refusals, death)
};

struct virtio_service_stats {
  uint64_t drivers_served = 0;    // bus rings registered
  uint64_t drivers_refused = 0;   // bus rings the core refused (policy, missing domain)
  uint64_t connections = 0;
  uint64_t requests = 0;          // requests handed to the device
  uint64_t avail_messages = 0, used_messages = 0, control_requests = 0;
  uint64_t protocol_errors = 0, eagain = 0, resets = 0;
  uint64_t reads = 0, writes = 0, flushes = 0, bytes_read = 0, bytes_written = 0;
  uint64_t notifies = 0;          // notify calls after consuming (space for waiting senders)
  bool connected = false;
  bool dead = false;              // killed (kill() or die_after): the domain left the core
  bool backend_failed = false;    // vhost-user: the back-end died or broke the protocol
  bool failed = false;            // the service thread met an error it could not handle: stopped
  std::string failure;            // what it was
  // Budgets (fixed at start) and how close drivers came to them.
  uint64_t budget_bytes = 0;
  uint32_t budget_entries = 0;
  uint64_t budget_hits = 0;       // AVAILs refused by the budget (protocol errors of the driver)
  uint64_t outbox_bound = 0, outbox_peak = 0;  // the connection's outbox, in messages
  uint32_t in_flight = 0;         // credits the connection holds now
  uint64_t bus_requests = 0, bus_dropped = 0;  // bus requests, those beyond the bus outbox
  uint64_t bus_outbox_bound = 0, bus_outbox_peak = 0;
  // Exposed AVAILs served (VTA_TRANSPORT_F_EXPOSURES negotiated), those failed with
  // USED_F_EXPOSURE_ERROR, and the bytes the device copied with fetch and deposit.
  uint64_t exposed_requests = 0, exposure_errors = 0, bytes_fetched = 0, bytes_deposited = 0;
};

class virtio_service {
 public:
  // Creates the domain in `core`, opens the device, registers the bus rings, and starts the
  // service thread. Throws std::runtime_error (core refusal, unusable file, bad options).
  static std::unique_ptr<virtio_service> start(ref::Core& core, const virtio_service_options& options);
  ~virtio_service();  // stop()
  virtio_service(const virtio_service&) = delete;
  virtio_service& operator=(const virtio_service&) = delete;

  // Orderly end: EVENT_DEVICE REMOVED on every bus before the rings go (HMX-VTA-005), then the
  // domain leaves the core. Idempotent.
  void stop();
  // Sudden death: the domain leaves the core now, with every ring (its peers see them vanish).
  void kill();
  bool dead() const;
  virtio_service_stats stats() const;
  const virtio_service_options& options() const;

 private:
  struct impl;
  explicit virtio_service(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

}  // namespace hmx::virtio_argo::service
