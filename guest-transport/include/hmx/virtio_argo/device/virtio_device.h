/* SPDX-License-Identifier: Apache-2.0 */
// A virtio device as the device hosts see it: identity, features, configuration space, and a
// request handler that works on sg_view buffers. The same object serves the virtio-argo host
// (argo_device_host) and the shared-memory baseline (shm_device_host): that is what makes the
// isolation-cost comparison fair. Hosted.
//
// Threading: every call comes from the host's thread. A device may finish a request later
// (console receive buffers wait for data) by keeping the request pointer and calling
// complete() on the host's thread; reset()/reset_queue() tell it to forget such requests.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/device/sg.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo::device {

class request;

// Implemented by the hosts: how a request's completion leaves the device.
class request_sink {
 public:
  virtual void complete(request& r, uint32_t written) = 0;

 protected:
  ~request_sink() = default;
};

class request {
 public:
  uint16_t queue() const { return queue_; }
  const sg_view& readable() const { return readable_; }
  const sg_view& writable() const { return writable_; }
  // Completes the request: `written` bytes at the start of writable() are the result (the used
  // element's len, virtio 1.2 2.7.8). Exactly once; the request is invalid afterwards.
  void complete(uint32_t written) { sink_->complete(*this, written); }

 protected:
  request() = default;
  ~request() = default;
  void bind(request_sink* sink, uint16_t queue, sg_view readable, sg_view writable) {
    sink_ = sink;
    queue_ = queue;
    readable_ = readable;
    writable_ = writable;
  }

 private:
  request_sink* sink_ = nullptr;
  uint16_t queue_ = 0;
  sg_view readable_;
  sg_view writable_;
};

// Lets a device raise a configuration change (virtio 1.2 2.5.2).
class config_listener {
 public:
  virtual void config_changed() = 0;

 protected:
  ~config_listener() = default;
};

class virtio_device {
 public:
  virtual ~virtio_device() = default;

  virtual uint32_t device_id() const = 0;
  virtual uint32_t vendor_id() const { return 0x00584D48; }  // "HMX"
  // Device-specific and device-visible feature bits; VERSION_1 and the transport's bits are
  // added by device_core.
  virtual uint64_t device_features() const = 0;
  virtual uint16_t num_queues() const = 0;
  virtual uint16_t max_queue_size(uint16_t /*queue*/) const { return 256; }
  virtual uint32_t config_size() const = 0;
  virtual void read_config(uint32_t offset, void* dst, uint32_t len) const = 0;
  // Returns false to refuse (read-only field); the bytes are then unchanged.
  virtual bool write_config(uint32_t /*offset*/, const void* /*src*/, uint32_t /*len*/) { return false; }
  // FEATURES_OK: may refuse a combination (virtio 1.2 2.2 step 5).
  virtual bool accept_features(uint64_t /*negotiated*/) { return true; }
  virtual void activate(uint64_t /*negotiated*/) {}  // DRIVER_OK
  virtual void reset() {}                            // forget everything, incl. held requests
  virtual void reset_queue(uint16_t /*queue*/) {}    // forget held requests of one queue
  // Serve one request; complete it now or later (see above).
  virtual void process(request& r) = 0;

  void set_config_listener(config_listener* l) { listener_ = l; }

 protected:
  void notify_config_changed() {
    if (listener_ != nullptr) listener_->config_changed();
  }

 private:
  config_listener* listener_ = nullptr;
};

}  // namespace hmx::virtio_argo::device
