// SPDX-License-Identifier: Apache-2.0
// A virtio-net device per driver domain (virtio 1.2 5.1), its ports joined by an Ethernet switch
// inside the device domain: what one guest transmits reaches the other guests' receive queues as
// hypervisor copies, never through memory they share. One receive and one transmit queue, no
// offloads, VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS (link up). The switch learns source MAC
// addresses and floods unknown and broadcast destinations. Hosted; the device domain's thread only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include <hmx/virtio_argo/device/virtio_device.h>

namespace hmx::hostd {

class net_port;

class net_switch {
 public:
  void attach(net_port* port);
  void detach(net_port* port);
  // A frame `from` transmitted: forwarded to the port that owns the destination, or flooded.
  void forward(net_port* from, const std::vector<uint8_t>& frame);
  uint64_t forwarded() const { return forwarded_; }
  uint64_t flooded() const { return flooded_; }

 private:
  std::vector<net_port*> ports_;
  std::map<std::array<uint8_t, 6>, net_port*> learned_;
  uint64_t forwarded_ = 0, flooded_ = 0;
};

struct net_port_stats {
  uint64_t tx_frames = 0, rx_frames = 0, tx_bytes = 0, rx_bytes = 0;
  uint64_t dropped = 0;  // frames lost for lack of receive buffers (a full backlog) or too large
};

class net_port final : public virtio_argo::device::virtio_device {
 public:
  // `index` makes the MAC address: 52:54:00:48:4d:<index>.
  net_port(net_switch& sw, uint8_t index);
  ~net_port() override;

  uint32_t device_id() const override { return 1; }  // VIRTIO_ID_NET
  uint64_t device_features() const override;
  uint16_t num_queues() const override { return 2; }
  uint32_t config_size() const override { return 12; }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override;
  void process(virtio_argo::device::request& r) override;
  void reset() override;
  void reset_queue(uint16_t queue) override;

  // A frame from the switch, for the driver's receive queue.
  void deliver(const std::vector<uint8_t>& frame);
  const std::array<uint8_t, 6>& mac() const { return mac_; }
  const net_port_stats& stats() const { return stats_; }

 private:
  void feed();

  net_switch& sw_;
  std::array<uint8_t, 6> mac_;
  std::deque<virtio_argo::device::request*> rx_;  // receive buffers waiting for frames
  std::deque<std::vector<uint8_t>> backlog_;       // frames waiting for receive buffers
  net_port_stats stats_;
};

}  // namespace hmx::hostd
