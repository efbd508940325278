/* SPDX-License-Identifier: Apache-2.0 */
// A virtio-argo driver domain hosted in this process, over the same reference core as the device
// domain: what a guest image does (bus -> connect -> argo_transport -> blk_driver), with the
// driver's rings, virtqueues and buffers in the domain's own memory. The transport's tests over
// real HMX (tests/hmx) and hmx-vta-bench's in-process figures run the driver this way.
//
// Memory the transport sends from (request headers, data buffers) must come from alloc(): only
// the domain's memory has guest-physical addresses. Single-threaded, like the driver transport.
// Hosted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hmx/virtio_argo/driver/argo_transport.h"
#include "hmx/virtio_argo/driver/bus_client.h"
#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/service/host_domain.h"

namespace hmx::virtio_argo::service {

struct driver_domain_options {
  ref::DomainId id = 0;
  std::string name;
  uint64_t memory_bytes = 64ull << 20;
  uint32_t bus_ring_len = 4 * 4096 - 64;
  uint32_t ring_len = (1u << 20) - 64;  // the connection's driver ring (USED messages)
  // driver_max_message sent in CONNECT; 0: the ring's real largest message. Tests of a lying
  // driver (spec "Bus messages", CONNECT) set more than the ring takes.
  uint32_t claimed_max_message = 0;
  // VTA_TRANSPORT_F_* accepted in CONNECT where the device's entry offers them (HMX-VTA-152);
  // tests of a driver that breaks that rule set force_transport_features.
  uint32_t transport_features = 0;
  bool force_transport_features = false;
  uint64_t request_timeout_ns = 2'000'000'000;
  uint64_t liveness_timeout_ns = 2'000'000'000;
  // Bytes of an exposure window (spec transport "Exposure windows") allocated in the domain's
  // memory at connect() and given to the transport; buffers carved from it with window_alloc()
  // travel as window segments once VTA_TRANSPORT_F_EXPOSURES is negotiated. 0: none.
  uint32_t exposure_window_bytes = 0;
};

class driver_domain {
 public:
  using transport_t = argo_transport<host_channel, 16>;
  using blk_t = blk_driver<transport_t, 8>;
  static constexpr uint32_t kConnectionAport = 0x56544300u;  // + dev_num

  // Throws std::runtime_error when the core refuses the domain.
  driver_domain(ref::Core& core, const driver_domain_options& options);
  ~driver_domain();

  // Registers the bus ring (partner: the device domain) at VTA_BUS_APORT.
  hmx::status open_bus(ref::DomainId device_domain);
  result list(std::vector<bus_device_entry>& out);
  // HMX-VTA-046 HMX-VTA-047 HMX-VTA-048: registers the connection's ring first, then CONNECT; on success the transport
  // is open on the connection. `connect_error` receives CONNECT's error field.
  result connect(uint16_t dev_num, uint32_t* connect_error = nullptr);
  // blk_driver::init with queue memory from the domain.
  result init_blk(uint16_t queues, uint16_t queue_size, uint64_t extra_features = 0);

  // Zeroed bytes of the domain's memory (16-byte aligned, whole pages); nullptr when exhausted.
  void* alloc(size_t bytes);
  template <class T>
  T* alloc_array(size_t n) {
    return static_cast<T*>(alloc(n * sizeof(T)));
  }
  // Bytes of the exposure window (16-byte aligned); nullptr when it has no room left.
  uint8_t* window_alloc(size_t bytes);
  window_region exposure_window() const { return window_; }

  host_domain& domain() { return dom_; }
  host_channel& bus_channel() { return bus_chan_; }
  host_channel& channel() { return conn_chan_; }
  bus_client<host_channel>& bus() { return bus_; }
  transport_t& transport() { return transport_; }
  blk_t& blk() { return blk_; }

 private:
  driver_domain_options opt_;
  host_domain dom_;
  host_channel bus_chan_;
  host_channel conn_chan_;
  bus_client<host_channel> bus_;
  transport_t transport_;
  blk_t blk_;
  ref::DomainId device_ = 0;
  std::vector<uint8_t> bus_rx_, rx_;
  uint8_t* bounce_ = nullptr;
  std::unique_ptr<host_channel::exposures_t> exposures_;  // the connection's, when accepted
  window_region window_{};
  size_t window_used_ = 0;
};

}  // namespace hmx::virtio_argo::service
