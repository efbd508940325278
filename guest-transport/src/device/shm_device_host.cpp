// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/shm_device_host.h"

#include <algorithm>

namespace hmx::virtio_argo::device {

namespace v = virtio;

// One request served in place: its segments point into the driver's buffers.
struct shm_device_host::slot final : request {
  uint16_t vq = 0;
  uint16_t head = 0;
  uint32_t writable_total = 0;
  std::vector<iovec> rd;
  std::vector<iovec> wr;
  void arm(request_sink* sink) { bind(sink, vq, sg_view(rd), sg_view(wr)); }
};

shm_device_host::shm_device_host(virtio_device& dev, queue_limits limits, address_space mem)
    : dev_(dev),
      mem_(mem),
      // Here the device walks the rings itself, so it offers the ring-layout features too.
      core_(dev, v::bit(v::F_INDIRECT_DESC) | v::bit(v::F_EVENT_IDX) | v::bit(v::F_RING_RESET), limits),
      engines_(core_.num_queues()) {
  core_.set_host_listener(this);
}

shm_device_host::~shm_device_host() { dev_.set_config_listener(nullptr); }

bool shm_device_host::set_queue(uint16_t q, const split_ring& ring) {
  if (core_.set_queue(q, ring.size) == 0) return false;
  const uint64_t f = core_.negotiated();
  engines_[q].init(ring, (f & v::bit(v::F_INDIRECT_DESC)) != 0, (f & v::bit(v::F_EVENT_IDX)) != 0, mem_);
  return true;
}

bool shm_device_host::reset_queue(uint16_t q) {
  if (!core_.reset_queue(q)) return false;
  drop(q);
  engines_[q] = vring_engine{};
  return true;
}

void shm_device_host::reset() {
  core_.reset();
  drop(-1);
  for (auto& e : engines_) e = vring_engine{};
}

void shm_device_host::kick(uint16_t q) {
  ++stats_.kicks;
  if (!core_.queue_live(q)) return;
  vring_engine& e = engines_[q];
  e.disable_kicks();
  do {
    uint16_t head = 0;
    result r;
    while ((r = e.peek(head)) == result::ok) {
      std::unique_ptr<slot> s;
      if (!pool_.empty()) {
        s = std::move(pool_.back());
        pool_.pop_back();
      } else {
        s = std::make_unique<slot>();
      }
      s->vq = q;
      s->head = head;
      s->rd.clear();
      s->wr.clear();
      uint64_t writable = 0;
      // One walk records the segments: the device reads each descriptor once.
      r = e.walk(head, [&](const chain_segment& seg) {
        (seg.writable ? s->wr : s->rd).push_back({seg.ptr, seg.len});
        if (seg.writable) writable += seg.len;
        return true;
      });
      if (r != result::ok || writable > UINT32_MAX) return violation();
      e.consume();
      s->writable_total = static_cast<uint32_t>(writable);
      slot* raw = s.get();
      live_.emplace(raw, std::move(s));
      raw->arm(this);
      ++stats_.requests;
      dev_.process(*raw);
      if (!core_.queue_live(q)) return;  // the device asked for a reset meanwhile
    }
    if (r != result::again) return violation();
  } while (e.enable_kicks());
  interrupt(q);
}

void shm_device_host::complete(request& r, uint32_t written) {
  auto& s = static_cast<slot&>(r);
  auto it = live_.find(&s);
  if (it == live_.end()) return;
  engines_[s.vq].push_used(s.head, std::min(written, s.writable_total));
  const uint16_t q = s.vq;
  if (pool_.size() < 256) pool_.push_back(std::move(it->second));
  live_.erase(it);
  interrupt(q);
}

void shm_device_host::interrupt(uint16_t q) {
  if (!engines_[q].ready() || !engines_[q].should_interrupt()) return;
  ++stats_.interrupts;
  if (on_used_ != nullptr) on_used_(irq_ctx_, q);
}

void shm_device_host::config_changed() {
  if (on_config_ != nullptr) on_config_(irq_ctx_);
}

void shm_device_host::violation() {
  ++stats_.protocol_errors;
  core_.set_needs_reset();
}

void shm_device_host::drop(int queue) {
  for (auto it = live_.begin(); it != live_.end();) {
    if (queue < 0 || it->first->vq == queue) it = live_.erase(it);
    else ++it;
  }
}

}  // namespace hmx::virtio_argo::device
