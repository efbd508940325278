/* SPDX-License-Identifier: MIT */
// The register interface of the shared-memory baseline in real VMs (hmx-vta-bench): the classic
// virtio arrangement, in which the device (here: the monitor) reads the guest's split virtqueue
// and buffers straight from guest memory, with no copy by anyone but the device itself. It is
// what virtio-argo's isolation cost is measured against (docs/ARCHITECTURE.md "Performance": isolation cost),
// so it is kept as cheap as a real transport: one exit per doorbell, one interrupt per batch of
// completions.
//
// Two MSRs, relative to a base the monitor chooses and passes on the guest command line
// (`shm-msr=`), both write-only:
//   base + 0  MAILBOX   write the GPA of a 64-byte mailbox block; the monitor reads it once, runs
//                       the control operation (the virtio-mmio register window's job: features,
//                       status, config, queue set-up; virtio 1.2 4.2.2) and writes `result` and
//                       the outputs back before the WRMSR retires (like an HMX call block).
//   base + 1  DOORBELL  write a queue index: available-buffer notification (virtio 1.2 2.7.13).
// Used-buffer notifications are a vector injected into vCPU 0 (`shm-vector=`). Freestanding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::virtio_argo::baseline {

inline constexpr uint32_t kMsrMailbox = 0;
inline constexpr uint32_t kMsrDoorbell = 1;
inline constexpr uint32_t kMsrCount = 2;

enum mailbox_op : uint32_t {
  MBOX_DEVICE_INFO = 1,   // out: arg[0] device id, arg[1] queues, arg[2] config size
  MBOX_GET_FEATURES = 2,  // out: arg[0] offered feature bits 0..63
  MBOX_SET_FEATURES = 3,  // in: arg[0]
  MBOX_GET_STATUS = 4,    // out: arg[0]
  MBOX_SET_STATUS = 5,    // in: arg[0] (never 0); out: arg[0] the status kept
  MBOX_RESET = 6,
  MBOX_READ_CONFIG = 7,   // in: arg[0] offset, arg[1] length (<= 256), arg[2] GPA of the buffer
  MBOX_QUEUE_INFO = 8,    // in: arg[0] queue; out: arg[0] max size
  MBOX_SET_QUEUE = 9,     // in: arg[0] queue, arg[1] size, arg[2] desc GPA, arg[3] avail GPA, arg[4] used GPA
  MBOX_RESET_QUEUE = 10,  // in: arg[0] queue
};

struct mailbox_block {
  uint32_t op;
  int32_t result;  // 0 or a negated errno value (EINVAL 22, EOPNOTSUPP 95); preset -ENOSYS (38)
  uint64_t arg[7];
};
static_assert(sizeof(mailbox_block) == 64 && offsetof(mailbox_block, arg) == 8);

inline constexpr uint32_t kMaxConfigRead = 256;

}  // namespace hmx::virtio_argo::baseline
