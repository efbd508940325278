// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/loopback.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <hmx/abi/constants.h>

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
  std::erase_if(exposures_, [&](const exposure& x) { return x.owner == side; });
  cv_.notify_all();
}

void loopback_link::offer_exposures(bool offered) {
  std::lock_guard lock(mu_);
  exposures_offered_ = offered;
}

void loopback_link::set_copy_budget(uint32_t bytes) {
  std::lock_guard lock(mu_);
  copy_budget_ = bytes;
}

// The checks of fetch/deposit in the spec's order (spec exposures, "fetch and deposit").
result loopback_link::copy(int caller, bool to_owner, uint64_t handle, uint64_t offset, void* buf, uint32_t len) {
  std::lock_guard lock(mu_);
  if (!exposures_offered_) return result::not_supported;
  if (len == 0 || len > HMX_CALL_BYTE_BUDGET) return result::invalid;
  if (!rings_[caller].alive) return result::conn_refused;
  const auto it = std::find_if(exposures_.begin(), exposures_.end(),
                               [&](const exposure& x) { return x.handle == handle && x.owner == 1 - caller; });
  if (it == exposures_.end()) return result::no_entry;
  if ((it->access & (to_owner ? HMX_EXPOSE_WRITE : HMX_EXPOSE_READ)) == 0) return result::not_permitted;
  if (offset > it->len || len > it->len - offset) return result::invalid;
  if (to_owner)
    std::memcpy(it->range + offset, buf, len);
  else
    std::memcpy(buf, it->range + offset, len);
  rings_[1 - caller].stats.exposure_bytes += len;  // stats() of the caller: what it moved
  if (--it->uses == 0) exposures_.erase(it);
  return result::ok;
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

bool loopback_endpoint::exposures_available() {
  std::lock_guard lock(link_->mu_);
  return link_->exposures_offered_;
}

// expose's checks (spec exposures, "expose"): access within EXPOSE_ACCESS_MASK and not 0, len
// 1..EXPOSE_MAX_BYTES, uses not 0, at most EXPOSE_MAX_PER_DOMAIN live exposures.
expose_result loopback_endpoint::expose(const void* range, uint32_t len, uint16_t access, uint32_t uses) {
  auto& l = *link_;
  std::lock_guard lock(l.mu_);
  if (!l.exposures_offered_) return {result::not_supported, 0};
  if (access == 0 || (access & ~HMX_EXPOSE_ACCESS_MASK) != 0 || len == 0 || len > HMX_EXPOSE_MAX_BYTES || uses == 0)
    return {result::invalid, 0};
  if (range == nullptr) return {result::invalid, 0};
  const auto own = std::count_if(l.exposures_.begin(), l.exposures_.end(),
                                 [&](const loopback_link::exposure& x) { return x.owner == side_; });
  if (own >= static_cast<std::ptrdiff_t>(HMX_EXPOSE_MAX_PER_DOMAIN)) return {result::no_space, 0};
  loopback_link::exposure x;
  x.handle = l.next_handle_++;
  x.owner = side_;
  x.range = static_cast<uint8_t*>(const_cast<void*>(range));  // written only with EXPOSE_WRITE
  x.len = len;
  x.access = access;
  x.uses = uses;
  l.exposures_.push_back(x);
  return {result::ok, x.handle};
}

result loopback_endpoint::fetch(uint64_t handle, uint64_t offset, void* dst, uint32_t len) {
  {
    std::lock_guard lock(link_->mu_);
    ++link_->rings_[1 - side_].stats.copy_calls;
  }
  return link_->copy(side_, /*to_owner=*/false, handle, offset, dst, len);
}

result loopback_endpoint::deposit(uint64_t handle, uint64_t offset, const void* src, uint32_t len) {
  {
    std::lock_guard lock(link_->mu_);
    ++link_->rings_[1 - side_].stats.copy_calls;
  }
  return link_->copy(side_, /*to_owner=*/true, handle, offset, const_cast<void*>(src), len);
}

uint32_t loopback_endpoint::copy_batch(chan_copy* ops, uint32_t n, bool deposit) {
  if (n == 0) return 0;
  uint32_t budget = 0;
  {
    std::lock_guard lock(link_->mu_);
    ++link_->rings_[1 - side_].stats.copy_calls;
    budget = link_->copy_budget_;
  }
  uint64_t copied = 0;
  for (uint32_t i = 0; i < n; ++i) {
    // The first entry always runs; a later one that would pass the budget stops the call.
    if (i > 0 && copied + ops[i].len > budget) return i;
    ops[i].status = link_->copy(side_, deposit, ops[i].handle, ops[i].offset, ops[i].buf, ops[i].len);
    if (ops[i].status == result::ok) copied += ops[i].len;
  }
  return n;
}

result loopback_endpoint::revoke(uint64_t handle) {
  auto& l = *link_;
  std::lock_guard lock(l.mu_);
  if (!l.exposures_offered_) return result::not_supported;
  const auto it = std::find_if(l.exposures_.begin(), l.exposures_.end(), [&](const loopback_link::exposure& x) {
    return x.handle == handle && x.owner == side_;
  });
  // A used-up exposure ended already (HMX-XPOSE-040): revoking it answers no_entry, as in the core.
  if (it == l.exposures_.end()) return result::no_entry;
  l.exposures_.erase(it);
  return result::ok;
}

size_t loopback_endpoint::live_exposures() {
  std::lock_guard lock(link_->mu_);
  return static_cast<size_t>(std::count_if(link_->exposures_.begin(), link_->exposures_.end(),
                                           [&](const loopback_link::exposure& x) { return x.owner == side_; }));
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
