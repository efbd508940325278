// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/console_device.h"

#include <algorithm>
#include <cstring>

#include "hmx/virtio_argo/wire.h"

namespace hmx::virtio_argo::device {

namespace v = virtio;

console_device::console_device(bool echo, uint16_t queue_size) : echo_(echo), queue_size_(queue_size) {}

uint64_t console_device::device_features() const {
  return v::bit(v::CONSOLE_F_SIZE) | v::bit(v::CONSOLE_F_EMERG_WRITE);
}

void console_device::read_config(uint32_t offset, void* dst, uint32_t len) const {
  uint8_t cfg[v::CONSOLE_CFG_SIZE] = {};
  wire::store_le16(cfg + v::CONSOLE_CFG_COLS, cols_);
  wire::store_le16(cfg + v::CONSOLE_CFG_ROWS, rows_);
  wire::store_le32(cfg + v::CONSOLE_CFG_MAX_PORTS, 1);
  // emerg_wr reads as 0 (5.3.4: write-only).
  std::memcpy(dst, cfg + offset, len);
}

// 5.3.4: a 32-bit write to emerg_wr outputs one character; every other field is read-only.
bool console_device::write_config(uint32_t offset, const void* src, uint32_t len) {
  if (offset != v::CONSOLE_CFG_EMERG_WR || len != 4) return false;
  emerg_.push_back(static_cast<char>(wire::load_le32(static_cast<const uint8_t*>(src))));
  return true;
}

void console_device::process(request& r) {
  if (r.queue() == v::CONSOLE_TX_QUEUE) {
    std::string bytes(r.readable().size(), '\0');
    r.readable().read(0, bytes.data(), bytes.size());
    output_ += bytes;
    if (echo_) pending_ += bytes;
    r.complete(0);  // transmit buffers are only read
    feed();
    return;
  }
  if (r.queue() == v::CONSOLE_RX_QUEUE && r.writable().size() != 0) {
    rx_.push_back(&r);
    feed();
    return;
  }
  r.complete(0);  // a queue this device does not have, or a receive buffer of no bytes
}

void console_device::input(const std::string& bytes) {
  pending_ += bytes;
  feed();
}

void console_device::set_size(uint16_t cols, uint16_t rows) {
  cols_ = cols;
  rows_ = rows;
  notify_config_changed();
}

// Fills waiting receive buffers in arrival order, each with as much data as it takes.
void console_device::feed() {
  while (!rx_.empty() && !pending_.empty()) {
    request* r = rx_.front();
    rx_.pop_front();
    const size_t n = std::min<size_t>(r->writable().size(), pending_.size());
    r->writable().write(0, pending_.data(), n);
    pending_.erase(0, n);
    r->complete(static_cast<uint32_t>(n));
  }
}

void console_device::reset() {
  rx_.clear();
  pending_.clear();
}

void console_device::reset_queue(uint16_t queue) {
  if (queue == v::CONSOLE_RX_QUEUE) rx_.clear();
}

}  // namespace hmx::virtio_argo::device
