/* SPDX-License-Identifier: Apache-2.0 */
// Test rigs: a driver and a device joined by a loopback connection (virtio-argo) or by direct
// calls (the shared-memory baseline), with the memory a guest would own.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <hmx/checksum/fnv1a.h>

#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/shm_device_host.h"
#include "hmx/virtio_argo/device/shm_transport.h"
#include "hmx/virtio_argo/driver/argo_transport.h"
#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/loopback.h"

namespace hmx::virtio_argo::test {

using argo_driver = argo_transport<loopback_endpoint, 16>;

// A scratch file of `bytes` bytes (sparse), deleted at the end.
class temp_file {
 public:
  explicit temp_file(uint64_t bytes) {
    char name[] = "/tmp/hmx-vta-XXXXXX";
    const int fd = ::mkstemp(name);
    if (fd < 0) std::abort();
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) std::abort();
    ::close(fd);
    path_ = name;
  }
  ~temp_file() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Ring, bookkeeping and in-flight memory of one queue, as a guest would own it.
struct queue_storage {
  explicit queue_storage(uint16_t size)
      : ring(static_cast<uint8_t*>(std::aligned_alloc(16, (split_virtqueue::ring_bytes(size) + 15) & ~size_t{15}))),
        slots(size), inflight(size) {}
  ~queue_storage() { std::free(ring); }
  uint8_t* ring;
  std::vector<split_virtqueue::slot> slots;
  std::vector<inflight_slot> inflight;
};

struct queue_set {
  queue_set(uint16_t queues, uint16_t size) {
    for (uint16_t q = 0; q < queues; ++q) {
      store.push_back(std::make_unique<queue_storage>(size));
      mem.push_back({store.back()->ring, store.back()->slots.data(), store.back()->inflight.data()});
    }
  }
  std::vector<std::unique_ptr<queue_storage>> store;
  std::vector<blk_queue_memory> mem;
};

struct rig_options {
  uint32_t driver_ring = 256 * 1024;  // bytes of ring data: messages to the driver
  uint32_t device_ring = 256 * 1024;  // messages to the device
  device::queue_limits limits{};
  bool threaded = false;              // device on its own thread, else run from the driver's waits
  uint64_t request_timeout_ns = 2'000'000'000;
  uint64_t liveness_timeout_ns = 2'000'000'000;
  uint32_t transport_features = 0;    // the driver's negotiated VTA_TRANSPORT_F_*
  bool device_exposures = false;      // the device host serves exposed AVAILs (argo_host_options::exposures)
  window_region exposure_window{};    // the driver's exposure window (argo_driver_config)
};

// Counts notifications the driver receives.
struct callbacks {
  std::atomic<uint32_t> used{0};
  std::atomic<uint32_t> config{0};
  static void on_used(void* c, uint16_t) { ++static_cast<callbacks*>(c)->used; }
  static void on_config(void* c) { ++static_cast<callbacks*>(c)->config; }
};

// virtio-argo: driver transport <-> loopback connection <-> argo_device_host.
class argo_rig {
 public:
  argo_rig(device::virtio_device& dev, const rig_options& o = {})
      : opt_(o),
        link_(o.driver_ring, o.device_ring),
        dev_ch_(link_.device()),
        host_(dev, dev_ch_, host_options(o)),
        rx_(o.driver_ring > 32 ? o.driver_ring - 32 : 0) {
    argo_driver_config cfg;
    cfg.dev_num = 1;
    cfg.rx_buffer = rx_.data();
    cfg.rx_capacity = static_cast<uint32_t>(rx_.size());
    cfg.request_timeout_ns = o.request_timeout_ns;
    cfg.liveness_timeout_ns = o.liveness_timeout_ns;
    cfg.ctx = &cb;
    cfg.on_used = &callbacks::on_used;
    cfg.on_config = &callbacks::on_config;
    cfg.transport_features = o.transport_features;
    cfg.exposure_window = o.exposure_window;
    if (transport.open(link_.driver(), cfg) != result::ok) std::abort();
    if (o.threaded) {
      thread_ = std::thread([this] { (void)host_.serve(stop_, 200'000); });
    } else {
      link_.driver().set_idle_hook([this] {
        if (device_alive_) (void)host_.poll();
      });
    }
  }
  ~argo_rig() { stop_device(); }

  // Stops serving (the thread ends; inline polls stop).
  void stop_device() {
    device_alive_ = false;
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The device domain dies: it stops and its ring vanishes.
  void kill_device() {
    stop_device();
    link_.kill_device();
  }

  static device::argo_host_options host_options(const rig_options& o) {
    device::argo_host_options h{1, o.limits, o.device_ring > 32 ? o.device_ring - 32 : 0};
    h.exposures = o.device_exposures;
    return h;
  }

  loopback_link& link() { return link_; }
  device::argo_device_host& host() { return host_; }
  argo_driver transport;
  callbacks cb;

 private:
  rig_options opt_;
  loopback_link link_;
  device::channel_ref<loopback_endpoint> dev_ch_;
  device::argo_device_host host_;
  std::vector<uint8_t> rx_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> device_alive_{true};
  std::thread thread_;
};

// Waits until pred() holds, driving the transport; false after `timeout_ns` without it.
template <class T, class Pred>
bool drive_until(T& t, Pred pred, uint64_t timeout_ns = 5'000'000'000ull) {
  const auto start = std::chrono::steady_clock::now();
  while (!pred()) {
    (void)t.wait(1'000'000);
    if (std::chrono::steady_clock::now() - start > std::chrono::nanoseconds(timeout_ns)) return pred();
  }
  return true;
}

// A deterministic byte pattern and a checksum (FNV-1a 64) for data checks.
inline void fill_pattern(uint8_t* p, size_t n, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = static_cast<uint8_t>(x);
  }
}
inline uint64_t checksum(const uint8_t* p, size_t n) { return hmx::checksum::fnv1a64(p, n); }

}  // namespace hmx::virtio_argo::test
