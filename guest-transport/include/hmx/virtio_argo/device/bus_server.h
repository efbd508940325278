/* SPDX-License-Identifier: Apache-2.0 */
// The device domain's side of the virtio-argo bus (spec "Bus messages"): answers GET_DEVICES,
// PING, CONNECT and DISCONNECT on the ring at VTA_BUS_APORT and announces devices coming and
// going with EVENT_DEVICE. Making a connection (registering the device's ring, starting its
// argo_device_host) is the owner's job, done in the connect callback. One bus_server serves one
// driver domain (its channel's peer); refusing a device another driver domain holds (EBUSY) is
// the owner's, in the connect callback. Hosted; one thread.
//
// Answers wait in a bounded outbox while the driver's bus ring is full: a driver keeps one bus
// request outstanding and drains its ring, so more than kMaxAnswers waiting answers means it
// does neither; the requests beyond are dropped (as a malformed one is: the driver's request
// times out) and counted. EVENT_DEVICE messages come from the owner and are always kept.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "hmx/virtio_argo/device/any_channel.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace hmx::virtio_argo::device {

struct bus_server_stats {
  uint64_t requests = 0;     // well-formed requests received
  uint64_t dropped = 0;      // requests not answered: the outbox was full
  uint64_t outbox_peak = 0;  // most messages waiting at once
  uint64_t reconnects = 0;   // CONNECTs that took over this driver's own connection (HMX-VTA-109)
  uint64_t legacy_refused = 0;  // header-version-1 CONNECTs answered with EPROTO (HMX-VTA-113)
};

class bus_server {
 public:
  // Returns the CONNECT answer: error 0 with the device's aport and max message size, or an
  // error (EBUSY, ENOMEM... as positive HMX codes). Called only for a device this driver does not
  // hold: a CONNECT for one it holds first ends that connection through the disconnect callback.
  using connect_fn = std::function<bus_connect_result(const bus_connect&)>;
  using disconnect_fn = std::function<void(uint16_t dev_num)>;

  bus_server(any_channel& ch, connect_fn on_connect, disconnect_fn on_disconnect = {});

  // Announces READY. transport_features: the VTA_TRANSPORT_F_* offered in the device's GET_DEVICES
  // entry (VTA_TRANSPORT_F_EXPOSURES only where the hypervisor offers EXPOSE, HMX-VTA-150); a
  // CONNECT asking for another bit is refused with EINVAL (HMX-VTA-151).
  void add(uint16_t dev_num, uint32_t device_id, uint32_t vendor_id, uint32_t transport_features = 0);
  void remove(uint16_t dev_num);                                      // announces REMOVED
  result poll();
  bool connected(uint16_t dev_num) const;
  const bus_server_stats& stats() const { return stats_; }
  // Most messages the outbox can hold: kMaxAnswers answers and the EVENT_DEVICE messages of the
  // owner's add() and remove() calls made while the ring was full.
  static constexpr uint32_t kMaxAnswers = 8;
  uint64_t outbox_bound() const { return kMaxAnswers + events_; }

 private:
  struct device {
    uint32_t device_id;
    uint32_t vendor_id;
    uint32_t transport_features = 0;
    bool connected = false;
  };
  void handle(uint32_t size);
  void queue(uint32_t len);  // an answer
  void queue_event(uint32_t len);
  void flush();

  any_channel& ch_;
  connect_fn on_connect_;
  disconnect_fn on_disconnect_;
  std::map<uint16_t, device> devices_;
  std::vector<uint8_t> rx_;
  uint8_t tx_[VTA_HEADER_SIZE + 8 + 16 * 32];
  struct out_msg {
    std::vector<uint8_t> bytes;
    bool answer = false;
  };
  std::deque<out_msg> outbox_;
  uint32_t answers_waiting_ = 0;
  uint64_t events_ = 0;  // EVENT_DEVICE messages queued so far
  bus_server_stats stats_;
};

}  // namespace hmx::virtio_argo::device
