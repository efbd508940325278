/* SPDX-License-Identifier: MIT */
// A minimal virtio-blk driver (virtio 1.2 5.2.6.1) over any virtio_transport: initialization,
// several queues (VIRTIO_BLK_F_MQ), IN/OUT/FLUSH/GET_ID requests built as header + data +
// status chains (optionally indirect), completions, and failing outstanding requests after a
// reset. It is what a guest runs, and what the tests and the isolation-cost benchmark drive
// over both transports. Freestanding: the caller owns all memory.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/driver/init.h"
#include "hmx/virtio_argo/driver/queue_proxy.h"
#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/virtio.h"
#include "hmx/virtio_argo/wire.h"

namespace hmx::virtio_argo {

// One block request; caller-owned and untouched by the caller until it comes back.
struct blk_request {
  uint8_t header[virtio::BLK_REQ_HEADER];
  uint8_t status;      // written by the device; preset to 0xFF so "never written" is visible
  result outcome;      // ok, io (IOERR), not_supported (UNSUPP) or no_device (never completed)
  uint32_t used_len;
  void* user;
  // Optional: I/O memory (an exposure window's, spec transport "Exposure windows") for the
  // header (BLK_REQ_HEADER bytes) and the status byte instead of the fields above, so the whole
  // chain lies in the window while the bookkeeping stays out of it (HMX-VTA-169). Placed just
  // before and just after the data, they share its window segments.
  uint8_t* io_header = nullptr;
  uint8_t* io_status = nullptr;
  uint8_t* header_bytes() { return io_header != nullptr ? io_header : header; }
  uint8_t* status_byte() { return io_status != nullptr ? io_status : &status; }
};

// The memory of one queue.
struct blk_queue_memory {
  void* ring;                    // split_virtqueue::ring_bytes(queue_size), 16-byte aligned
  split_virtqueue::slot* slots;  // queue_size entries
  inflight_slot* inflight;       // queue_size entries (virtio-argo only)
};

template <virtio_transport T, uint16_t MaxQueues = 8>
class blk_driver {
 public:
  using queue_memory = blk_queue_memory;

  // Negotiates (BLK_SIZE, FLUSH, MQ and `extra`, e.g. INDIRECT_DESC / EVENT_IDX), reads the
  // config, sets up min(want_queues, num_queues) queues and sets DRIVER_OK.
  result init(T& t, uint16_t want_queues, uint16_t queue_size, queue_memory* mem, uint64_t extra) {
    namespace v = virtio;
    t_ = &t;
    const uint64_t wanted = v::bit(v::BLK_F_BLK_SIZE) | v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_MQ) |
                            v::bit(v::BLK_F_RO) | v::bit(v::F_RING_RESET) | extra;
    result r = negotiate(t, wanted, features_);
    if (r != result::ok) return r;
    uint8_t cfg[v::BLK_CFG_SIZE];
    if ((r = t.read_config(0, cfg, sizeof cfg)) != result::ok) return fail(r);
    capacity_ = wire::load_le64(cfg + v::BLK_CFG_CAPACITY);
    uint16_t device_queues = (features_ & v::bit(v::BLK_F_MQ)) != 0 ? wire::load_le16(cfg + v::BLK_CFG_NUM_QUEUES) : 1;
    if (device_queues == 0) device_queues = 1;
    nq_ = want_queues < device_queues ? want_queues : device_queues;
    if (nq_ > MaxQueues) nq_ = MaxQueues;
    if (nq_ == 0) return fail(result::invalid);
    for (uint16_t q = 0; q < nq_; ++q) {
      mem_[q] = mem[q];
      if ((r = vq_[q].init(q, queue_size, mem[q].ring, mem[q].slots)) != result::ok) return fail(r);
      if ((r = t.setup_queue(vq_[q], mem[q].inflight)) != result::ok) return fail(r);
    }
    if ((r = driver_ok(t)) != result::ok) return fail(r);
    return result::ok;
  }

  // Queues one request. IN and GET_ID read into `data` (device-writable), OUT writes from it;
  // FLUSH takes none. With `indirect` (a table of ndata + 2 descriptors) the chain takes one
  // ring descriptor when VIRTIO_F_INDIRECT_DESC was negotiated. Kick with kick().
  result submit(uint16_t q, blk_request& r, uint32_t type, uint64_t sector, const split_virtqueue::buf* data,
                uint16_t ndata, vring_desc* indirect = nullptr) {
    namespace v = virtio;
    if (q >= nq_ || ndata > kMaxSegments) return result::invalid;
    uint8_t* const header = r.header_bytes();
    wire::store_le32(header, type);
    wire::store_le32(header + 4, 0);
    wire::store_le64(header + 8, sector);
    r.status = 0xFF;
    *r.status_byte() = 0xFF;
    r.outcome = result::again;
    r.used_len = 0;
    split_virtqueue::buf out[kMaxSegments + 1];
    split_virtqueue::buf in[kMaxSegments + 1];
    uint16_t nout = 0, nin = 0;
    out[nout++] = {header, virtio::BLK_REQ_HEADER};
    const bool data_in = type == v::BLK_T_IN || type == v::BLK_T_GET_ID;
    for (uint16_t i = 0; i < ndata; ++i) (data_in ? in[nin++] : out[nout++]) = data[i];
    in[nin++] = {r.status_byte(), 1};
    return vq_[q].add(out, nout, in, nin, &r, indirect);
  }

  // Notifies the device if the queue's suppression state asks for it (2.7.10.1).
  result kick(uint16_t q) {
    if (!vq_[q].kick_prepare()) {
      ++suppressed_kicks_;
      return result::ok;
    }
    ++kicks_;
    return t_->notify(q);
  }

  // The next completed request of queue q, with outcome set from its status byte.
  blk_request* reap(uint16_t q) {
    uint32_t len = 0;
    auto* r = static_cast<blk_request*>(vq_[q].get_used(len));
    if (r == nullptr) return nullptr;
    r->used_len = len;
    r->status = *r->status_byte();
    r->outcome = r->status == virtio::BLK_S_OK       ? result::ok
                 : r->status == virtio::BLK_S_UNSUPP ? result::not_supported
                                                     : result::io;
    return r;
  }

  // After the transport broke or the device asked for a reset: resets the device and hands
  // back every request it never completed, with outcome no_device (HMX-VTA-032). Returns the
  // number failed; each goes to on_failed.
  template <class F>
  uint32_t fail_outstanding(F&& on_failed) {
    (void)t_->reset();
    uint32_t n = 0;
    for (uint16_t q = 0; q < nq_; ++q) {
      while (void* token = vq_[q].detach_unused()) {
        auto* r = static_cast<blk_request*>(token);
        r->outcome = result::no_device;
        on_failed(*r);
        ++n;
      }
      vq_[q].reset();
    }
    return n;
  }

  split_virtqueue& queue(uint16_t q) { return vq_[q]; }
  uint16_t queues() const { return nq_; }
  uint64_t capacity() const { return capacity_; }
  uint64_t features() const { return features_; }
  uint64_t kicks() const { return kicks_; }
  uint64_t suppressed_kicks() const { return suppressed_kicks_; }
  static constexpr uint16_t kMaxSegments = 64;

 private:
  result fail(result r) {
    namespace v = virtio;
    (void)t_->set_status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FAILED);
    return r;
  }

  T* t_ = nullptr;
  split_virtqueue vq_[MaxQueues];
  queue_memory mem_[MaxQueues] = {};
  uint16_t nq_ = 0;
  uint64_t features_ = 0;
  uint64_t capacity_ = 0;
  uint64_t kicks_ = 0;
  uint64_t suppressed_kicks_ = 0;
};

}  // namespace hmx::virtio_argo
