// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/loopback.h"

#include <chrono>
#include <cstring>

#include "hmx/virtio_argo/protocol.h"

namespace hmx::virtio_argo {

loopback_link::loopback_link(uint32_t driver_ring_len, uint32_t device_ring_len) {
  rings_[0].len = driver_ring_len;
  rings_[1].len = device_ring_len;
  for (int s = 0; s < 2; ++s) {
    ends_[s].link_ = this;
    ends_[s].side_ = s;
  }
}

void loopback_link::kill(int side) {
  std::lock_guard lock(mu_);
  rings_[side].alive = false;
  rings_[side].messages.clear();
  rings_[side].used = 0;
  cv_.notify_all();
}

result loopback_endpoint::send(const chan_iov* iov, uint32_t n) {
  if (n == 0 || n > VTA_MAX_IOV) return result::invalid;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) total += iov[i].len;
  auto& l = *link_;
  std::unique_lock lock(l.mu_);
  auto& dst = l.rings_[1 - side_];
  if (!l.rings_[side_].alive) return result::conn_refused;  // a dead side sends nothing
  if (!dst.alive) return result::conn_refused;
  if (total > dst.len - 32 || total > VTA_MAX_MESSAGE_SIZE) return result::msg_size;
  const uint32_t need = loopback_link::footprint(static_cast<uint32_t>(total));
  const bool fits = dst.used + need + 16 <= dst.len;  // one slot stays free
  if (!fits || dst.inject_eagain > 0) {
    if (fits) --dst.inject_eagain;
    dst.space_wait = true;
    ++dst.stats.eagain;
    if (fits) {  // an injected refusal still gets its space event, as a real one would
      dst.space_event = true;
      ++dst.stats.space_events;
      l.cv_.notify_all();
    }
    return result::again;
  }
  std::vector<uint8_t> msg(total);
  size_t pos = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (iov[i].len != 0) std::memcpy(msg.data() + pos, iov[i].base, iov[i].len);
    pos += iov[i].len;
  }
  dst.messages.push_back(std::move(msg));
  dst.used += need;
  ++dst.stats.sent;
  dst.stats.bytes += total;
  l.cv_.notify_all();
  return result::ok;
}

recv_result loopback_endpoint::receive(void* buf, uint32_t cap) {
  auto& l = *link_;
  std::unique_lock lock(l.mu_);
  auto& own = l.rings_[side_];
  if (own.messages.empty()) return {result::again, 0};
  std::vector<uint8_t> msg = std::move(own.messages.front());
  own.messages.pop_front();
  own.used -= loopback_link::footprint(static_cast<uint32_t>(msg.size()));
  if (own.space_wait) {  // the hypervisor signals the waiting sender (EVENT_SPACE_AVAILABLE)
    own.space_wait = false;
    own.space_event = true;
    ++own.stats.space_events;
  }
  l.cv_.notify_all();
  if (msg.size() > cap) return {result::msg_size, 0};
  if (!msg.empty()) std::memcpy(buf, msg.data(), msg.size());
  return {result::ok, static_cast<uint32_t>(msg.size())};
}

uint32_t loopback_endpoint::max_message_size() {
  std::lock_guard lock(link_->mu_);
  const uint32_t len = link_->rings_[1 - side_].len;
  return len > 32 ? len - 32 : 0;
}

result loopback_endpoint::wait(uint64_t timeout_ns) {
  auto& l = *link_;
  auto ready = [&] {
    auto& own = l.rings_[side_];
    auto& peer = l.rings_[1 - side_];
    return !own.messages.empty() || peer.space_event || !peer.alive;
  };
  auto consume = [&]() -> result {
    auto& own = l.rings_[side_];
    auto& peer = l.rings_[1 - side_];
    peer.space_event = false;
    if (own.messages.empty() && !peer.alive) return result::conn_refused;
    return result::ok;
  };
  {
    std::unique_lock lock(l.mu_);
    if (ready()) return consume();
  }
  if (idle_hook_) {
    idle_hook_();
    std::unique_lock lock(l.mu_);
    return ready() ? consume() : result::ok;  // spurious returns are allowed
  }
  std::unique_lock lock(l.mu_);
  if (!l.cv_.wait_for(lock, std::chrono::nanoseconds(timeout_ns), ready)) return result::timed_out;
  return consume();
}

uint64_t loopback_endpoint::now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

void loopback_endpoint::inject_eagain(uint32_t count) {
  std::lock_guard lock(link_->mu_);
  link_->rings_[1 - side_].inject_eagain = count;
}

void loopback_endpoint::set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

loopback_stats loopback_endpoint::stats() {
  std::lock_guard lock(link_->mu_);
  return link_->rings_[1 - side_].stats;
}

size_t loopback_endpoint::pending() {
  std::lock_guard lock(link_->mu_);
  return link_->rings_[side_].messages.size();
}

}  // namespace hmx::virtio_argo
