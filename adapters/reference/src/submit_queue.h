/* SPDX-License-Identifier: Apache-2.0 */
// A domain's submission queue as the core keeps it (internal; spec submit-queue).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::ref {

// Registered by set_submit_queue, guarded by Domain::submit_mu. `entries` 0: no queue.
struct SubmitQueue {
  uint64_t gpa = 0;            // the header; entries follow at gpa + SUBMIT_HEADER_SIZE
  uint32_t entries = 0;        // a power of two, 1..SUBMIT_MAX_ENTRIES
  uint32_t flags = 0;          // SUBMIT_FLAG_*
  uint32_t consumer = 0;       // the hypervisor's own copy: the guest's field is never read back
  uint32_t vcpu = 0;           // the vCPU that registered it: a worker's drain queues its space waits
  std::byte* header = nullptr; // host view of the header (stays valid while the domain exists)
};

}  // namespace hmx::ref
