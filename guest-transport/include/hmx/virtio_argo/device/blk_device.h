/* SPDX-License-Identifier: Apache-2.0 */
// virtio-blk (virtio 1.2 5.2) backed by a host file: VIRTIO_BLK_T_IN, OUT, FLUSH and GET_ID on
// one or more queues (VIRTIO_BLK_F_MQ). Every request is validated before the file is touched:
// sector ranges against the capacity, data lengths in whole sectors, a status byte present.
// Data moves with preadv/pwritev straight between the file and the request's sg_view, so on
// the shared-memory path it never takes an extra copy. Hosted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hmx/virtio_argo/device/virtio_device.h"
#include "hmx/virtio_argo/result.h"

namespace hmx::virtio_argo::device {

struct blk_options {
  std::string path;                // the backing file; must exist
  uint64_t capacity_sectors = 0;   // 0: the file's size in 512-byte sectors
  bool read_only = false;          // offers VIRTIO_BLK_F_RO and refuses OUT
  uint16_t num_queues = 1;         // > 1 offers VIRTIO_BLK_F_MQ
  uint16_t queue_size = 256;
  std::string serial = "hmx-virtio-argo";  // GET_ID, at most 20 bytes
};

struct blk_stats {
  uint64_t reads = 0, writes = 0, flushes = 0, get_ids = 0, errors = 0, unsupported = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
};

class blk_device final : public virtio_device {
 public:
  static std::unique_ptr<blk_device> open(const blk_options& options, result& error);
  ~blk_device() override;

  uint32_t device_id() const override { return virtio::ID_BLOCK; }
  uint64_t device_features() const override;
  uint16_t num_queues() const override { return opt_.num_queues; }
  uint16_t max_queue_size(uint16_t) const override { return opt_.queue_size; }
  uint32_t config_size() const override { return virtio::BLK_CFG_SIZE; }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override;
  void process(request& r) override;
  void activate(uint64_t negotiated) override { negotiated_ = negotiated; }
  void reset() override { negotiated_ = 0; }

  // Changes the advertised capacity (the file is not resized) and raises a config change.
  void resize(uint64_t sectors);
  uint64_t capacity() const { return capacity_; }
  const blk_stats& stats() const { return stats_; }

 private:
  blk_device(const blk_options& options, int fd, uint64_t capacity);
  uint8_t serve(request& r);  // returns the status byte

  blk_options opt_;
  int fd_;
  uint64_t capacity_;
  uint64_t negotiated_ = 0;
  blk_stats stats_;
};

}  // namespace hmx::virtio_argo::device
