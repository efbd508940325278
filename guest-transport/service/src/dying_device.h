/* SPDX-License-Identifier: Apache-2.0 */
// A virtio device that forwards to another one until its N-th request, which it swallows and
// reports: the service then kills its domain, so the driver sees the device die in the middle of
// a request (spec "Peer failure and removal"; the die_after option). Hosted.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/device/virtio_device.h"

namespace hmx::virtio_argo::service {

class dying_device final : public device::virtio_device, private device::config_listener {
 public:
  dying_device(device::virtio_device& inner, uint64_t die_after) : inner_(inner), die_after_(die_after) {
    inner_.set_config_listener(this);  // the inner device's config changes go out through us
  }
  ~dying_device() override { inner_.set_config_listener(nullptr); }

  uint32_t device_id() const override { return inner_.device_id(); }
  uint32_t vendor_id() const override { return inner_.vendor_id(); }
  uint64_t device_features() const override { return inner_.device_features(); }
  uint16_t num_queues() const override { return inner_.num_queues(); }
  uint16_t max_queue_size(uint16_t q) const override { return inner_.max_queue_size(q); }
  uint32_t config_size() const override { return inner_.config_size(); }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override { inner_.read_config(offset, dst, len); }
  bool write_config(uint32_t offset, const void* src, uint32_t len) override {
    return inner_.write_config(offset, src, len);
  }
  bool accept_features(uint64_t f) override { return inner_.accept_features(f); }
  void activate(uint64_t f) override { inner_.activate(f); }
  void reset() override { inner_.reset(); }
  void reset_queue(uint16_t q) override { inner_.reset_queue(q); }
  void process(device::request& r) override {
    if (tripped_) return;  // dead devices serve nothing
    if (die_after_ != 0 && ++seen_ >= die_after_) {
      tripped_ = true;  // request N is never completed: the domain dies with it in flight
      return;
    }
    inner_.process(r);
  }

  bool tripped() const { return tripped_; }

 private:
  void config_changed() override { notify_config_changed(); }

  device::virtio_device& inner_;
  uint64_t die_after_;
  uint64_t seen_ = 0;
  bool tripped_ = false;
};

}  // namespace hmx::virtio_argo::service
