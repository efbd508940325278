// SPDX-License-Identifier: Apache-2.0
#include "net_switch.h"

#include <algorithm>
#include <cstring>

namespace hmx::hostd {

namespace {

constexpr unsigned kNetFMac = 5;      // VIRTIO_NET_F_MAC
constexpr unsigned kNetFStatus = 16;  // VIRTIO_NET_F_STATUS
constexpr uint16_t kLinkUp = 1;       // VIRTIO_NET_S_LINK_UP
constexpr uint16_t kRxQueue = 0, kTxQueue = 1;
constexpr uint32_t kHeader = 12;      // struct virtio_net_hdr_v1 (VERSION_1: num_buffers included)
constexpr size_t kBacklog = 256;      // frames a port holds while its driver posts no buffers
constexpr size_t kMaxFrame = 65536;

}  // namespace

void net_switch::attach(net_port* port) { ports_.push_back(port); }

void net_switch::detach(net_port* port) {
  ports_.erase(std::remove(ports_.begin(), ports_.end(), port), ports_.end());
  for (auto it = learned_.begin(); it != learned_.end();)
    it = it->second == port ? learned_.erase(it) : std::next(it);
}

void net_switch::forward(net_port* from, const std::vector<uint8_t>& frame) {
  if (frame.size() < 14) return;
  std::array<uint8_t, 6> dst{}, src{};
  std::memcpy(dst.data(), frame.data(), 6);
  std::memcpy(src.data(), frame.data() + 6, 6);
  if ((src[0] & 1) == 0) learned_[src] = from;
  if ((dst[0] & 1) == 0) {
    const auto it = learned_.find(dst);
    if (it != learned_.end()) {
      if (it->second != from) it->second->deliver(frame);
      ++forwarded_;
      return;
    }
  }
  ++flooded_;
  for (net_port* p : ports_)
    if (p != from) p->deliver(frame);
}

net_port::net_port(net_switch& sw, uint8_t index) : sw_(sw), mac_{0x52, 0x54, 0x00, 0x48, 0x4d, index} {
  sw_.attach(this);
}

net_port::~net_port() { sw_.detach(this); }

uint64_t net_port::device_features() const { return (uint64_t{1} << kNetFMac) | (uint64_t{1} << kNetFStatus); }

void net_port::read_config(uint32_t offset, void* dst, uint32_t len) const {
  uint8_t cfg[12] = {};
  std::memcpy(cfg, mac_.data(), 6);
  cfg[6] = static_cast<uint8_t>(kLinkUp);
  cfg[7] = static_cast<uint8_t>(kLinkUp >> 8);
  cfg[8] = 1;  // max_virtqueue_pairs (read only with VIRTIO_NET_F_MQ)
  std::memcpy(dst, cfg + offset, len);  // device_core bounded offset + len by config_size()
}

void net_port::process(virtio_argo::device::request& r) {
  if (r.queue() == kTxQueue) {
    const uint64_t n = r.readable().size();
    if (n > kHeader && n - kHeader <= kMaxFrame) {
      std::vector<uint8_t> frame(n - kHeader);
      r.readable().read(kHeader, frame.data(), frame.size());
      ++stats_.tx_frames;
      stats_.tx_bytes += frame.size();
      r.complete(0);  // transmit buffers are only read
      sw_.forward(this, frame);
      return;
    }
    ++stats_.dropped;
    r.complete(0);
    return;
  }
  if (r.queue() == kRxQueue && r.writable().size() > kHeader) {
    rx_.push_back(&r);
    feed();
    return;
  }
  r.complete(0);
}

void net_port::deliver(const std::vector<uint8_t>& frame) {
  if (backlog_.size() >= kBacklog) {
    ++stats_.dropped;
    return;
  }
  backlog_.push_back(frame);
  feed();
}

void net_port::feed() {
  while (!rx_.empty() && !backlog_.empty()) {
    virtio_argo::device::request* r = rx_.front();
    rx_.pop_front();
    std::vector<uint8_t> frame = std::move(backlog_.front());
    backlog_.pop_front();
    if (kHeader + frame.size() > r->writable().size()) {
      ++stats_.dropped;  // the driver's buffers are too small for it (no MRG_RXBUF)
      rx_.push_front(r);
      continue;
    }
    uint8_t hdr[kHeader] = {};
    hdr[10] = 1;  // num_buffers
    r->writable().write(0, hdr, kHeader);
    r->writable().write(kHeader, frame.data(), frame.size());
    ++stats_.rx_frames;
    stats_.rx_bytes += frame.size();
    r->complete(static_cast<uint32_t>(kHeader + frame.size()));
  }
}

void net_port::reset() {
  rx_.clear();
  backlog_.clear();
}

void net_port::reset_queue(uint16_t queue) {
  if (queue == kRxQueue) rx_.clear();
}

}  // namespace hmx::hostd
