/* SPDX-License-Identifier: Apache-2.0 */
// A type-erased message_channel for the hosted device library, which is compiled once rather
// than templated on the channel. Hosted.
#pragma once

#include "hmx/virtio_argo/channel.h"

namespace hmx::virtio_argo::device {

class any_channel {
 public:
  virtual ~any_channel() = default;
  virtual result send(const chan_iov* iov, uint32_t n) = 0;
  virtual recv_result receive(void* buf, uint32_t cap) = 0;
  virtual uint32_t max_message_size() = 0;
  virtual result wait(uint64_t timeout_ns) = 0;
  virtual uint64_t now_ns() = 0;
  // The next message handed to fn in place when the channel can (view_message_channel, which
  // saves the device a copy of every AVAIL), else received into scratch first. fn must not keep
  // the pointer.
  using view_fn = void (*)(void* ctx, const uint8_t* data, uint32_t size);
  virtual recv_result receive_view(uint8_t* scratch, uint32_t cap, view_fn fn, void* ctx) {
    const recv_result r = receive(scratch, cap);
    if (r.status == result::ok) fn(ctx, scratch, r.size);
    return r;
  }
  // exposure_channel (channel.h) where the channel offers it; else not_supported.
  virtual result fetch(uint64_t, uint64_t, void*, uint32_t) { return result::not_supported; }
  virtual result deposit(uint64_t, uint64_t, const void*, uint32_t) { return result::not_supported; }
  // batch_exposure_channel (channel.h) where the channel offers it: the copies in one call, each
  // with its own status; returns how many ran (the rest: submit again). Else one call each.
  virtual uint32_t copy_batch(chan_copy* ops, uint32_t n, bool deposit) {
    for (uint32_t i = 0; i < n; ++i)
      ops[i].status = deposit ? this->deposit(ops[i].handle, ops[i].offset, ops[i].buf, ops[i].len)
                              : fetch(ops[i].handle, ops[i].offset, ops[i].buf, ops[i].len);
    return n;
  }
  // Whether copy_batch() puts several copies in one call (else it makes one call per copy).
  virtual bool batches_copies() const { return false; }
};

template <message_channel C>
class channel_ref final : public any_channel {
 public:
  explicit channel_ref(C& c) : c_(c) {}
  result send(const chan_iov* iov, uint32_t n) override { return c_.send(iov, n); }
  recv_result receive(void* buf, uint32_t cap) override { return c_.receive(buf, cap); }
  uint32_t max_message_size() override { return c_.max_message_size(); }
  result wait(uint64_t timeout_ns) override { return c_.wait(timeout_ns); }
  uint64_t now_ns() override { return c_.now_ns(); }
  recv_result receive_view(uint8_t* scratch, uint32_t cap, view_fn fn, void* ctx) override {
    if constexpr (view_message_channel<C>)
      return c_.receive_view(scratch, cap, [&](const uint8_t* data, uint32_t size) { fn(ctx, data, size); });
    else
      return any_channel::receive_view(scratch, cap, fn, ctx);
  }
  result fetch(uint64_t handle, uint64_t offset, void* dst, uint32_t len) override {
    if constexpr (exposure_channel<C>)
      return c_.fetch(handle, offset, dst, len);
    else
      return any_channel::fetch(handle, offset, dst, len);
  }
  result deposit(uint64_t handle, uint64_t offset, const void* src, uint32_t len) override {
    if constexpr (exposure_channel<C>)
      return c_.deposit(handle, offset, src, len);
    else
      return any_channel::deposit(handle, offset, src, len);
  }
  uint32_t copy_batch(chan_copy* ops, uint32_t n, bool deposit) override {
    if constexpr (batch_exposure_channel<C>)
      return c_.copy_batch(ops, n, deposit);
    else
      return any_channel::copy_batch(ops, n, deposit);
  }
  bool batches_copies() const override { return batch_exposure_channel<C>; }

 private:
  C& c_;
};

}  // namespace hmx::virtio_argo::device
