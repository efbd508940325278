// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/device_core.h"

#include <algorithm>

namespace hmx::virtio_argo::device {

namespace v = virtio;

device_core::device_core(virtio_device& dev, uint64_t transport_features, queue_limits limits)
    : dev_(dev),
      limits_(limits),
      // The device never offers ring-layout bits of its own: under virtio-argo it never sees
      // the ring (HMX-VTA-076 HMX-VTA-077); a host that walks rings itself passes them in transport_features.
      // Nor the bits no virtio-argo device offers (HMX-VTA-110 HMX-VTA-111).
      offered_((dev.device_features() & ~(v::RING_LAYOUT_FEATURES | v::NEVER_OFFERED_FEATURES)) |
               v::bit(v::F_VERSION_1) | transport_features) {
  queues_.resize(dev.num_queues());
  for (uint16_t q = 0; q < queues_.size(); ++q) queues_[q].max_size = dev.max_queue_size(q);
  dev_.set_config_listener(this);
}

virtio_argo::device_info device_core::info() const {
  return {dev_.device_id(), dev_.vendor_id(), 64, dev_.config_size(), num_queues(), 0, 0};
}

uint32_t device_core::feature_word(uint32_t block) const {
  return block < 2 ? static_cast<uint32_t>(offered_ >> (32 * block)) : 0;
}

void device_core::set_feature_words(uint32_t first_block, uint32_t count, const uint32_t* words) {
  const bool window = (status_ & v::STATUS_DRIVER) != 0 && (status_ & v::STATUS_FEATURES_OK) == 0;
  if (!window) return;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t block = first_block + i;
    if (block >= 2) {
      // Nothing is offered beyond bit 63: accepting such a bit fails FEATURES_OK.
      if (words[i] != 0) unoffered_high_bits_ = true;
      continue;
    }
    driver_features_ &= ~(uint64_t{0xFFFFFFFF} << (32 * block));
    driver_features_ |= uint64_t{words[i]} << (32 * block);
  }
}

uint8_t device_core::set_status(uint8_t requested) {
  // The driver never clears bits (virtio 1.2 2.1.1) and cannot set DEVICE_NEEDS_RESET.
  requested = static_cast<uint8_t>(requested & ~v::STATUS_DEVICE_NEEDS_RESET);
  if ((requested & status_ & ~v::STATUS_DEVICE_NEEDS_RESET) != (status_ & ~v::STATUS_DEVICE_NEEDS_RESET))
    return status_;
  uint8_t next = static_cast<uint8_t>(requested | (status_ & v::STATUS_DEVICE_NEEDS_RESET));
  const uint8_t added = static_cast<uint8_t>(next & ~status_);
  if ((added & v::STATUS_FEATURES_OK) != 0) {
    const bool ok = (status_ & v::STATUS_DRIVER) != 0 && (driver_features_ & ~offered_) == 0 && !unoffered_high_bits_ &&
                    (driver_features_ & v::bit(v::F_VERSION_1)) != 0 && dev_.accept_features(driver_features_);
    if (!ok) next = static_cast<uint8_t>(next & ~v::STATUS_FEATURES_OK);
  }
  if ((added & v::STATUS_DRIVER_OK) != 0 && (next & v::STATUS_FEATURES_OK) == 0)
    next = static_cast<uint8_t>(next & ~v::STATUS_DRIVER_OK);
  const bool activate = (next & v::STATUS_DRIVER_OK) != 0 && (status_ & v::STATUS_DRIVER_OK) == 0;
  status_ = next;
  if (activate) dev_.activate(driver_features_);
  return status_;
}

void device_core::reset() {
  dev_.reset();
  status_ = 0;
  driver_features_ = 0;
  unoffered_high_bits_ = false;
  for (auto& q : queues_) q = {q.max_size, 0, false, 0};
}

bool device_core::driver_ok() const {
  return (status_ & v::STATUS_DRIVER_OK) != 0 && (status_ & (v::STATUS_FAILED | v::STATUS_DEVICE_NEEDS_RESET)) == 0;
}

void device_core::set_needs_reset() {
  if (needs_reset()) return;
  status_ = static_cast<uint8_t>(status_ | v::STATUS_DEVICE_NEEDS_RESET);
  if (host_ != nullptr) host_->config_changed();
}

bool device_core::read_config(uint32_t offset, uint32_t len, uint8_t* out) const {
  const uint32_t size = dev_.config_size();
  if (offset > size || len > size - offset) return false;
  if (len != 0) dev_.read_config(offset, out, len);
  return true;
}

bool device_core::write_config(uint32_t generation, uint32_t offset, const uint8_t* data, uint32_t len) {
  const uint32_t size = dev_.config_size();
  if (generation != generation_ || offset > size || len > size - offset || len == 0) return false;
  // Config writes belong after FEATURES_OK (virtio 1.2 2.2 step 4 forbids them before).
  if ((status_ & v::STATUS_FEATURES_OK) == 0) return false;
  return dev_.write_config(offset, data, len);
}

virtio_argo::vqueue_info device_core::queue_info(uint32_t q) const {
  if (q >= queues_.size()) return {q, 0, 0, 0, 0, 0};
  const queue_state& s = queues_[q];
  const uint32_t credit = s.size != 0 ? s.credit : std::min<uint32_t>(limits_.max_in_flight, s.max_size);
  return {q, s.max_size, s.size, credit, limits_.max_request_bytes, 0};
}

uint32_t device_core::set_queue(uint32_t q, uint32_t size) {
  if (q >= queues_.size() || (status_ & v::STATUS_FEATURES_OK) == 0 || needs_reset()) return 0;
  queue_state& s = queues_[q];
  if (size == 0 || size > s.max_size || (size & (size - 1)) != 0) return 0;
  if ((status_ & v::STATUS_DRIVER_OK) != 0 && s.enabled) return 0;  // live queue: reset it first
  s.size = static_cast<uint16_t>(size);
  s.enabled = true;
  s.credit = std::min<uint32_t>(limits_.max_in_flight, size);
  return size;
}

bool device_core::reset_queue(uint32_t q) {
  if (q >= queues_.size() || (driver_features_ & v::bit(v::F_RING_RESET)) == 0) return false;
  dev_.reset_queue(static_cast<uint16_t>(q));
  queues_[q] = {queues_[q].max_size, 0, false, 0};
  return true;
}

bool device_core::queue_live(uint32_t q) const {
  return q < queues_.size() && queues_[q].enabled && driver_ok();
}

void device_core::config_changed() {
  ++generation_;
  if (host_ != nullptr) host_->config_changed();
}

}  // namespace hmx::virtio_argo::device
