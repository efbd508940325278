/* SPDX-License-Identifier: Apache-2.0 */
// The device domain's side of the virtio-argo bus (spec "Bus messages"): answers GET_DEVICES,
// PING, CONNECT and DISCONNECT on the ring at VTA_BUS_APORT and announces devices coming and
// going with EVENT_DEVICE. Making a connection (registering the device's ring, starting its
// argo_device_host) is the owner's job, done in the connect callback. Hosted; one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "hmx/virtio_argo/device/any_channel.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace hmx::virtio_argo::device {

class bus_server {
 public:
  // Returns the CONNECT answer: error 0 with the device's aport and max message size, or an
  // error (ENODEV, EBUSY, EMSGSIZE as positive HMX codes).
  using connect_fn = std::function<bus_connect_result(const bus_connect&)>;
  using disconnect_fn = std::function<void(uint16_t dev_num)>;

  bus_server(any_channel& ch, connect_fn on_connect, disconnect_fn on_disconnect = {});

  void add(uint16_t dev_num, uint32_t device_id, uint32_t vendor_id);  // announces READY
  void remove(uint16_t dev_num);                                      // announces REMOVED
  result poll();
  bool connected(uint16_t dev_num) const;

 private:
  struct device {
    uint32_t device_id;
    uint32_t vendor_id;
    bool connected = false;
  };
  void handle(uint32_t size);
  void queue(uint32_t len);
  void flush();

  any_channel& ch_;
  connect_fn on_connect_;
  disconnect_fn on_disconnect_;
  std::map<uint16_t, device> devices_;
  std::vector<uint8_t> rx_;
  uint8_t tx_[VTA_HEADER_SIZE + 8 + 16 * 32];
  std::deque<std::vector<uint8_t>> outbox_;
};

}  // namespace hmx::virtio_argo::device
