/* SPDX-License-Identifier: Apache-2.0 */
// The shared-memory baseline: the classic virtio arrangement in which the device reads the
// driver's split virtqueue and buffers directly (virtio-mmio/-pci style; here in-process).
// It shares everything with the virtio-argo path except how bytes move: the same device
// objects, the same control plane (device_core), the same ring engine (vring_engine). The
// only difference left for the isolation-cost benchmark (docs/ARCHITECTURE.md "Performance") is the copy
// into messages. Hosted; one thread (kicks run the device inline).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hmx/virtio_argo/address_space.h"
#include "hmx/virtio_argo/device/device_core.h"
#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/vring_engine.h"

namespace hmx::virtio_argo::device {

struct shm_host_stats {
  uint64_t requests = 0;
  uint64_t kicks = 0;
  uint64_t interrupts = 0;
  uint64_t protocol_errors = 0;
};

class shm_device_host final : private request_sink, private config_listener {
 public:
  explicit shm_device_host(virtio_device& dev, queue_limits limits = {},
                           address_space mem = address_space::identity());
  ~shm_device_host();
  shm_device_host(const shm_device_host&) = delete;
  shm_device_host& operator=(const shm_device_host&) = delete;

  device_core& core() { return core_; }

  // The register window of the baseline: a queue's size and ring addresses.
  bool set_queue(uint16_t q, const split_ring& ring);
  bool reset_queue(uint16_t q);
  void reset();
  // Available-buffer notification: serves every new chain of the queue in place.
  void kick(uint16_t q);

  // Used-buffer and configuration notifications to the driver ("interrupts").
  void set_interrupts(void* ctx, void (*on_used)(void*, uint16_t), void (*on_config)(void*)) {
    irq_ctx_ = ctx;
    on_used_ = on_used;
    on_config_ = on_config;
  }
  const shm_host_stats& stats() const { return stats_; }

 private:
  struct slot;
  void complete(request& r, uint32_t written) override;
  void config_changed() override;
  void interrupt(uint16_t q);
  void violation();
  void drop(int queue);

  virtio_device& dev_;
  address_space mem_;
  device_core core_;
  std::vector<vring_engine> engines_;
  std::unordered_map<slot*, std::unique_ptr<slot>> live_;
  std::vector<std::unique_ptr<slot>> pool_;
  void* irq_ctx_ = nullptr;
  void (*on_used_)(void*, uint16_t) = nullptr;
  void (*on_config_)(void*) = nullptr;
  shm_host_stats stats_;
};

}  // namespace hmx::virtio_argo::device
