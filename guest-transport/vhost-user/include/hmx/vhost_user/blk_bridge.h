// SPDX-License-Identifier: Apache-2.0
// virtio-blk served by a vhost-user back-end (qemu-storage-daemon, SPDK, ...) to a virtio-argo
// driver, from inside a device domain. The back-end shares only the device domain's memory
// (shared_memory, SET_MEM_TABLE): the bridge keeps one shadow split virtqueue per queue there,
// copies each request the virtio-argo host rebuilt (already a hypervisor copy of the driver's
// buffers) into a shadow buffer, offers it to the back-end as one readable and one writable
// descriptor (virtio 1.2 2.6.4, any layout under VERSION_1), and copies the back-end's written
// bytes back into the request when the used ring says so. The driver's memory is never seen by
// the back-end, and the back-end's ring writes are checked like guest input (split_virtqueue:
// a used id naming no outstanding chain breaks the queue; used lengths are clamped).
//
// A back-end that dies (socket closed), breaks the protocol or stops answering turns every
// request in flight and every later one into VIRTIO_BLK_S_IOERR; pump() then returns false so
// the service can remove the device. Nothing is ever completed as written unless the back-end
// said so in its used ring.
//
// Threading: every virtio_device call and pump() on the service thread; a watcher thread of its
// own reads the call eventfds and the socket's hang-up and calls `wake` (the service thread's
// waiter). Hosted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <thread>
#include <vector>

#include "hmx/vhost_user/frontend.h"
#include "hmx/vhost_user/shared_memory.h"
#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/driver/virtqueue.h"

namespace hmx::vhost_user {

struct blk_bridge_options {
  uint16_t queues = 1;        // wanted; fewer if the back-end offers fewer
  uint16_t ring_size = 256;   // entries of each shadow ring (a power of two)
  std::chrono::milliseconds reply_timeout{5000};
  std::function<void()> wake;  // called from the watcher thread when a queue or the socket signals
  std::function<void(const std::string&)> log;
};

struct blk_bridge_stats {
  uint64_t requests = 0, completed = 0, failed = 0, kicks = 0, calls = 0;
  uint64_t reads = 0, writes = 0, flushes = 0, bytes_read = 0, bytes_written = 0;
  uint64_t clamped_lengths = 0;  // used lengths beyond the writable area
};

class blk_bridge final : public virtio_argo::device::virtio_device {
 public:
  // Handshake with the back-end on `fe` (GET_FEATURES ... SET_OWNER, GET_CONFIG). `memory` is
  // the device domain's memory and `buffers` a resource carving from it (shadow rings and
  // buffers). Returns nullptr with `error` set when the back-end is unusable.
  static std::unique_ptr<blk_bridge> connect(std::unique_ptr<frontend> fe, shared_memory& memory,
                                             std::pmr::memory_resource* buffers, const blk_bridge_options& options,
                                             std::string& error);
  ~blk_bridge() override;

  uint32_t device_id() const override { return virtio_argo::virtio::ID_BLOCK; }
  uint64_t device_features() const override { return device_features_; }
  uint16_t num_queues() const override { return queues_; }
  uint16_t max_queue_size(uint16_t) const override { return opt_.ring_size; }
  uint32_t config_size() const override { return static_cast<uint32_t>(config_.size()); }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override;
  void activate(uint64_t negotiated) override;
  void reset() override;
  void process(virtio_argo::device::request& r) override;

  // Service thread: collects completions, retries what did not fit, kicks the back-end.
  // False once the back-end is gone (every request it held has failed by then).
  bool pump();
  bool alive() const { return !dead_.load(); }
  const std::string& failure() const { return failure_; }
  blk_bridge_stats stats() const {
    blk_bridge_stats s = stats_;
    s.calls = calls_.load();
    return s;
  }
  uint64_t backend_features() const { return fe_->features(); }

 private:
  struct inflight;
  struct shadow_queue;

  blk_bridge(std::unique_ptr<frontend> fe, shared_memory& memory, std::pmr::memory_resource* buffers,
             const blk_bridge_options& options);
  bool setup(std::string& error);
  bool start_queues(uint64_t negotiated);
  void stop_queues();
  void drain();  // waits (bounded) for the back-end to return every chain
  bool submit(shadow_queue& q, inflight* f);
  void finish(inflight* f, uint32_t len);
  void fail_request(virtio_argo::device::request& r);
  void die(const std::string& why);
  void watch();
  uint64_t gpa_of(const void* p) const;

  std::unique_ptr<frontend> fe_;
  shared_memory& mem_;
  std::pmr::memory_resource* buffers_;
  blk_bridge_options opt_;
  uint16_t queues_ = 1;
  uint64_t device_features_ = 0;
  std::vector<uint8_t> config_;
  std::vector<std::unique_ptr<shadow_queue>> sq_;
  bool active_ = false;
  std::atomic<bool> dead_{false};
  std::atomic<bool> stopping_{false};
  std::string failure_;
  int stop_fd_ = -1;
  std::thread watcher_;
  blk_bridge_stats stats_;
  std::atomic<uint64_t> calls_{0};  // counted by the watcher
};

}  // namespace hmx::vhost_user
