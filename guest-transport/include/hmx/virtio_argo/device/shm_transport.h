/* SPDX-License-Identifier: Apache-2.0 */
// The driver's side of the shared-memory baseline: the same operations as argo_transport, so a
// driver (driver/virtio_blk.h, the tests) runs unchanged on either; here they are direct calls
// into shm_device_host, as register accesses would be on virtio-mmio. Callbacks are deferred
// to poll() exactly as argo_transport defers them. Hosted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hmx/virtio_argo/device/shm_device_host.h"
#include "hmx/virtio_argo/driver/queue_proxy.h"
#include "hmx/virtio_argo/driver/virtqueue.h"

namespace hmx::virtio_argo::device {

class shm_transport {
 public:
  shm_transport(shm_device_host& host, void* ctx = nullptr, void (*on_used)(void*, uint16_t) = nullptr,
                void (*on_config)(void*) = nullptr)
      : host_(host), ctx_(ctx), on_used_(on_used), on_config_(on_config),
        used_pending_(host.core().num_queues(), false) {
    host_.set_interrupts(this, &shm_transport::irq_used, &shm_transport::irq_config);
  }

  result device_info(virtio_argo::device_info& out) {
    out = host_.core().info();
    return result::ok;
  }
  result get_features(uint64_t& f) {
    f = host_.core().offered();
    return result::ok;
  }
  result set_features(uint64_t f) {
    if ((f & ~host_.core().offered()) != 0) return result::invalid;
    const uint32_t words[2] = {static_cast<uint32_t>(f), static_cast<uint32_t>(f >> 32)};
    host_.core().set_feature_words(0, 2, words);
    driver_features_ = f;
    return result::ok;
  }
  uint64_t driver_features() const { return driver_features_; }
  result get_status(uint8_t& s) {
    s = host_.core().status();
    return result::ok;
  }
  result set_status(uint8_t s) {
    if (s == 0) return result::invalid;
    host_.core().set_status(s);
    return result::ok;
  }
  result reset() {
    host_.reset();
    driver_features_ = 0;
    std::fill(used_pending_.begin(), used_pending_.end(), false);
    return result::ok;
  }
  result read_config(uint32_t offset, void* buf, uint32_t len, uint32_t* generation = nullptr) {
    if (!host_.core().read_config(offset, len, static_cast<uint8_t*>(buf))) return result::invalid;
    if (generation != nullptr) *generation = host_.core().generation();
    return result::ok;
  }
  result config_generation(uint32_t& g) {
    g = host_.core().generation();
    return result::ok;
  }
  result write_config(uint32_t offset, const void* buf, uint32_t len, const uint32_t* generation = nullptr) {
    const uint32_t gen = generation != nullptr ? *generation : host_.core().generation();
    if (host_.core().write_config(gen, offset, static_cast<const uint8_t*>(buf), len)) return result::ok;
    return generation != nullptr && gen != host_.core().generation() ? result::busy : result::invalid;
  }
  result queue_info(uint16_t q, vqueue_info& out) {
    out = host_.core().queue_info(q);
    return result::ok;
  }
  // Same signature as argo_transport; the baseline needs no in-flight table.
  result setup_queue(split_virtqueue& vq, inflight_slot* /*unused*/) {
    vq.negotiate((driver_features_ & virtio::bit(virtio::F_INDIRECT_DESC)) != 0,
                 (driver_features_ & virtio::bit(virtio::F_EVENT_IDX)) != 0);
    return host_.set_queue(vq.index(), vq.ring()) ? result::ok : result::invalid;
  }
  result reset_queue(uint16_t q) { return host_.reset_queue(q) ? result::ok : result::not_supported; }
  result notify(uint16_t q) {
    host_.kick(q);
    return result::ok;
  }
  result poll() {
    for (uint16_t q = 0; q < used_pending_.size(); ++q) {
      if (!used_pending_[q]) continue;
      used_pending_[q] = false;
      if (on_used_ != nullptr) on_used_(ctx_, q);
    }
    if (config_pending_) {
      config_pending_ = false;
      if (on_config_ != nullptr) on_config_(ctx_);
    }
    return result::ok;
  }
  result wait(uint64_t /*timeout_ns*/) { return poll(); }  // the device runs inline: nothing to wait for
  bool broken() const { return false; }
  uint32_t in_flight() const { return 0; }

 private:
  static void irq_used(void* self, uint16_t q) { static_cast<shm_transport*>(self)->used_pending_[q] = true; }
  static void irq_config(void* self) { static_cast<shm_transport*>(self)->config_pending_ = true; }

  shm_device_host& host_;
  void* ctx_;
  void (*on_used_)(void*, uint16_t);
  void (*on_config_)(void*);
  std::vector<bool> used_pending_;
  bool config_pending_ = false;
  uint64_t driver_features_ = 0;
};

}  // namespace hmx::virtio_argo::device
