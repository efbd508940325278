/* SPDX-License-Identifier: Apache-2.0 */
// The same measurement without VMs, in this process: the driver on the calling thread, the
// device on its own thread, over virtio-argo (a driver domain and a device domain of one
// reference core: every byte a sendv the core copies) or over the shared-memory baseline (the
// same mailbox device, reading the driver's rings in place). It isolates the transports from the
// exit costs of this nested machine. Hosted (bench only).
#pragma once

#include <cstdint>
#include <string>

namespace hmx::virtio_argo::bench {

struct inproc_options {
  std::string disk;
  bool argo = true;
  uint32_t size = 65536;
  uint32_t mib = 16;
  uint32_t depth = 8;
  uint32_t queues = 1;
  uint32_t completion_batch = 0;  // argo: the device's completions per flush (0: the service's default)
  // The device is qemu-storage-daemon serving `disk` over vhost-user (started per run): argo
  // reaches it through a device domain (vhost-user bridge), shm directly (vhost_direct.h).
  bool qsd = false;
  // argo: the driver keeps an exposure window (spec transport "Exposure windows") holding each
  // slot's request header, data and status byte, so requests travel as window segments.
  bool exposed = false;
};

struct inproc_phase {
  uint64_t bytes = 0;
  uint32_t ok = 0, requests = 0;
  double seconds = 0;
};

struct inproc_result {
  inproc_phase write, read;
};

// Throws std::runtime_error on setup errors.
inproc_result run_inproc(const inproc_options& o);

}  // namespace hmx::virtio_argo::bench
