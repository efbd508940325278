/* SPDX-License-Identifier: Apache-2.0 */
// One VM run of hmx-vta-bench in this process, on hmx-kvm's libraries: the driver image in a real
// VM (one vCPU, the workload at CPL3) and the device on its own host thread, over one of the two
// paths of the same monitor:
//   argo  the HMX service's reference core + a virtio-argo device domain (hmx_virtio_service)
//   shm   the shared-memory baseline: the monitor serves the VM's virtqueues from its memory
//         (shm_mailbox_device), doorbell = an MSR exit, completion = vector injection
// Both use the same device class on the same kind of backing file. Hosted (bench only).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hmx::virtio_argo::bench {

struct vm_run_options {
  std::string image;  // vta_blk_bench.elf
  std::string disk;   // the backing file (its size is the capacity)
  bool argo = true;
  uint32_t size = 65536;
  uint32_t mib = 16;
  uint32_t depth = 8;
  uint32_t queues = 1;
  double timeout_seconds = 120;
  bool pin = false;  // vCPU thread on host CPU 0
  uint32_t completion_batch = 0;  // argo: the device's completions per flush (0: the service's default)
  uint32_t poll_us = 50;          // both: the driver watches its rings this long before halting
  uint32_t kick_batch = 1;        // argo: argo_driver_config::kick_batch
  bool qsd = false;               // argo only: the device domain bridges to qemu-storage-daemon on `disk`
  bool exposures = true;          // argo only: the driver takes the exposure path where EXPOSE is offered
  bool window = true;             // with exposures: through the exposure window, else per request
};

// One "vta-bench: result ..." line of the driver's guest: its KEY=VALUE pairs
// (hmx/host/console.h reads the line).
using guest_result = std::map<std::string, std::string>;

struct vm_run_result {
  int exit_code = 0;            // the monitor's (0: the guest exited with status 0)
  std::vector<guest_result> results;
  std::string output;           // everything printed (guest lines and monitor messages)
  double tsc_hz = 0;            // the host's TSC rate across the run
  uint64_t core_messages = 0, core_bytes = 0, core_calls = 0, core_interrupts = 0;
  // argo: bytes the core copied between the device domain and the driver's exposures (fetch and
  // deposit, spec exposures): the copies that bypass the rings, so core_bytes alone misses them.
  uint64_t exposure_bytes = 0;
  uint64_t doorbells = 0, interrupts = 0, passes = 0;  // shm path
  uint64_t injections = 0;       // vectors injected into the driver VM (either path)
  double injection_us = 0;       // host time per injection (KVM_SIGNAL_MSI), on the device's thread
};

// Throws std::runtime_error on setup errors.
vm_run_result run_vm(const vm_run_options& o);

}  // namespace hmx::virtio_argo::bench
