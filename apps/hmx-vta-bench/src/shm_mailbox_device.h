/* SPDX-License-Identifier: Apache-2.0 */
// The shared-memory baseline's device side (baseline/mailbox.h): the same device object and the
// same device logic (shm_device_host on vring_engine) as every other baseline, reading the
// driver's split virtqueue and buffers in place through the guest's memory. Doorbells only wake
// the device thread; the device thread walks the rings, serves the requests and, once per pass,
// raises the completion interrupt (one per batch, as a virtio-pci device with irqfd does).
// Control operations (the mailbox) run on the caller's thread under the device's lock.
//
// The guest is an interface, so the same device serves a real VM (memory by GPA through the
// domain, vector injection: vm_guest in vm_run.cpp) and an in-process driver (identity memory,
// a condition variable: inproc.cpp). Hosted (bench only).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "hmx/virtio_argo/device/shm_device_host.h"

namespace hmx::virtio_argo::bench {

class shm_guest {
 public:
  virtual ~shm_guest() = default;
  // Host view of guest-physical [gpa, gpa + len), empty when any byte is not guest memory.
  virtual std::span<std::byte> map(uint64_t gpa, uint64_t len) = 0;
  // The used-buffer notification (vector injection into vCPU 0).
  virtual void interrupt() = 0;
};

struct shm_stats {
  uint64_t doorbells = 0, mailbox_calls = 0, passes = 0, interrupts = 0;
};

class shm_mailbox_device {
 public:
  // msr_base: the MAILBOX MSR index (DOORBELL is msr_base + 1).
  // cpu >= 0 pins the device thread (as the virtio-argo service thread is pinned).
  shm_mailbox_device(device::virtio_device& dev, shm_guest& guest, uint32_t msr_base, device::queue_limits limits,
                     int cpu = -1);
  ~shm_mailbox_device();

  // A WRMSR by the guest. Returns false to refuse it (#GP); `ours` tells whether the index
  // belongs to the baseline at all.
  bool write_msr(uint32_t index, uint64_t value, bool& ours);
  void stop();
  shm_stats stats() const;
  // A device that completes requests later, from elsewhere (a vhost-user bridge): `pump` runs on
  // the device thread in every pass, before and after the kicked queues, and wake() asks for a
  // pass. Set before the guest drives the device.
  void set_pump(std::function<void()> pump);
  void wake();

 private:
  bool mailbox(uint64_t gpa);
  void run();

  device::virtio_device& dev_;
  shm_guest& guest_;
  const uint32_t msr_base_;
  device::queue_limits limits_;
  std::unique_ptr<device::shm_device_host> host_;
  std::mutex host_mu_;  // host_: control (caller's thread) vs data (device thread)
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t doorbell_mask_ = 0;  // queues kicked since the device thread last looked
  bool stopping_ = false;
  bool used_pending_ = false;   // set by the host's callback during a pass
  bool wake_pending_ = false;   // wake(): a pass even without a doorbell
  std::function<void()> pump_;  // under host_mu_
  std::thread thread_;
  std::atomic<uint64_t> doorbells_{0}, mailbox_calls_{0}, passes_{0}, interrupts_{0};
};

}  // namespace hmx::virtio_argo::bench
