/* SPDX-License-Identifier: Apache-2.0 */
// The device side's control plane, common to both data paths: identity, feature negotiation,
// the status machine, configuration space with its generation count, and per-queue set-up
// (virtio 1.2 2.1-2.6). argo_device_host drives it from messages, shm_device_host from direct
// calls (the register window of the baseline). Hosted; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/protocol.h"

namespace hmx::virtio_argo::device {

// What a host lets one queue hold (HMX-VTA-023, -024).
struct queue_limits {
  uint32_t max_in_flight = 64;                  // credit per queue
  uint32_t max_request_bytes = (4u << 20) + 4096;  // readable and writable bytes, each
};

struct queue_state {
  uint16_t max_size = 0;
  uint16_t size = 0;  // 0: not set up
  bool enabled = false;
  uint32_t credit = 0;
};

class device_core final : public config_listener {
 public:
  // transport_features: bits the host implements itself (e.g. the baseline's ring layout bits,
  // VIRTIO_F_RING_RESET); VERSION_1 is always offered (HMX-VTA-017).
  device_core(virtio_device& dev, uint64_t transport_features, queue_limits limits);

  virtio_device& device() { return dev_; }
  virtio_argo::device_info info() const;
  uint64_t offered() const { return offered_; }
  uint64_t negotiated() const { return driver_features_; }

  // GET_DEVICE_FEATURES / SET_DRIVER_FEATURES in 32-bit blocks. Writes outside the window
  // between DRIVER and FEATURES_OK are ignored (virtio 1.2 2.2 step 4).
  uint32_t feature_word(uint32_t block) const;
  void set_feature_words(uint32_t first_block, uint32_t count, const uint32_t* words);

  uint8_t status() const { return status_; }
  // Applies a SET_DEVICE_STATUS (never 0: the host calls reset()). Returns the kept status:
  // FEATURES_OK only if the features are acceptable (VERSION_1 included, a subset of the
  // offer), DRIVER_OK only after FEATURES_OK; bits are never cleared (HMX-VTA-062 HMX-VTA-063 HMX-VTA-064 HMX-VTA-065, -013).
  uint8_t set_status(uint8_t requested);
  void reset();  // status 0, features and queues forgotten, device->reset()
  bool driver_ok() const;
  bool needs_reset() const { return (status_ & virtio::STATUS_DEVICE_NEEDS_RESET) != 0; }
  // The device found the driver broke the protocol or failed internally: set
  // DEVICE_NEEDS_RESET and tell the host (which sends EVENT_CONFIG, HMX-VTA-020).
  void set_needs_reset();

  uint32_t generation() const { return generation_; }
  uint32_t config_size() const { return dev_.config_size(); }
  // GET_CONFIG: false when the range is outside the config space.
  bool read_config(uint32_t offset, uint32_t len, uint8_t* out) const;
  // SET_CONFIG: applied only when the generation matches and the device accepts (HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075).
  bool write_config(uint32_t generation, uint32_t offset, const uint8_t* data, uint32_t len);

  uint16_t num_queues() const { return static_cast<uint16_t>(queues_.size()); }
  const queue_state* queue(uint32_t q) const { return q < queues_.size() ? &queues_[q] : nullptr; }
  virtio_argo::vqueue_info queue_info(uint32_t q) const;
  // SET_VQUEUE: returns the size kept (0 = rejected). Allowed once FEATURES_OK is set, and
  // after DRIVER_OK only for a queue that was reset (VIRTIO_F_RING_RESET).
  uint32_t set_queue(uint32_t q, uint32_t size);
  bool reset_queue(uint32_t q);
  bool queue_live(uint32_t q) const;  // set up, DRIVER_OK, no reset pending
  const queue_limits& limits() const { return limits_; }

  // The host that turns config changes and DEVICE_NEEDS_RESET into notifications.
  void set_host_listener(config_listener* l) { host_ = l; }
  void config_changed() override;  // from the device

 private:
  virtio_device& dev_;
  queue_limits limits_;
  uint64_t offered_;
  uint64_t driver_features_ = 0;
  bool unoffered_high_bits_ = false;
  uint8_t status_ = 0;
  uint32_t generation_ = 0;
  std::vector<queue_state> queues_;
  config_listener* host_ = nullptr;
};

}  // namespace hmx::virtio_argo::device
