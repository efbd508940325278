/* SPDX-License-Identifier: MIT */
// Device initialization (virtio 1.2 3.1.1) over any transport with the argo_transport surface:
// argo_transport (virtio-argo) or shm_transport (the shared-memory baseline). Freestanding.
#pragma once

#include <concepts>
#include <cstdint>

#include "hmx/virtio_argo/driver/queue_proxy.h"
#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/result.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo {

// What a virtio driver needs of a transport.
template <class T>
concept virtio_transport = requires(T& t, uint64_t f, uint64_t& fr, uint8_t s, uint8_t& sr, uint16_t q, void* p,
                                    const void* cp, uint32_t n, split_virtqueue& vq, inflight_slot* slots,
                                    uint64_t ns) {
  { t.get_features(fr) } -> std::same_as<result>;
  { t.set_features(f) } -> std::same_as<result>;
  { t.get_status(sr) } -> std::same_as<result>;
  { t.set_status(s) } -> std::same_as<result>;
  { t.reset() } -> std::same_as<result>;
  { t.read_config(n, p, n) } -> std::same_as<result>;
  { t.write_config(n, cp, n) } -> std::same_as<result>;
  { t.setup_queue(vq, slots) } -> std::same_as<result>;
  { t.reset_queue(q) } -> std::same_as<result>;
  { t.notify(q) } -> std::same_as<result>;
  { t.poll() } -> std::same_as<result>;
  { t.wait(ns) } -> std::same_as<result>;
};

// Steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the offer, accept `wanted` of it (VERSION_1
// always: a device without it is refused, HMX-VTA-017), FEATURES_OK, and re-read the status to
// see that the device kept FEATURES_OK. On refusal the driver sets FAILED.
template <virtio_transport T>
result negotiate(T& t, uint64_t wanted, uint64_t& negotiated) {
  namespace v = virtio;
  result r = t.reset();
  if (r != result::ok) return r;
  const uint8_t base = v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER;
  if ((r = t.set_status(v::STATUS_ACKNOWLEDGE)) != result::ok) return r;
  if ((r = t.set_status(base)) != result::ok) return r;
  uint64_t offered = 0;
  if ((r = t.get_features(offered)) != result::ok) return r;
  if ((offered & v::bit(v::F_VERSION_1)) == 0) {
    (void)t.set_status(base | v::STATUS_FAILED);
    return result::not_supported;
  }
  negotiated = offered & (wanted | v::bit(v::F_VERSION_1));
  if ((r = t.set_features(negotiated)) != result::ok) return r;
  if ((r = t.set_status(base | v::STATUS_FEATURES_OK)) != result::ok) return r;
  uint8_t status = 0;
  if ((r = t.get_status(status)) != result::ok) return r;
  if ((status & v::STATUS_FEATURES_OK) == 0) {
    (void)t.set_status(base | v::STATUS_FAILED);
    return result::not_supported;
  }
  return result::ok;
}

// Step 8, after the queues are set up.
template <virtio_transport T>
result driver_ok(T& t) {
  namespace v = virtio;
  return t.set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
}

}  // namespace hmx::virtio_argo
