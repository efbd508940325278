/* SPDX-License-Identifier: MIT */
// Exposures on the guest's side (feature EXPOSE, spec exposures): offer a range of this domain's
// memory to one peer (expose), copy out of or into a range a peer offered (fetch, deposit), end
// an offer (revoke). Freestanding, no heap: the argument structures live in one scratch page of
// the exposures object, so it is not thread-safe (one per vCPU, as for client).
//
// The range and the buffers must be guest-physically contiguous (the hypervisor copies one
// contiguous guest-physical range); the library checks that page by page and answers EFAULT
// otherwise, before any call. Every other check is the hypervisor's, so the codes are the spec's.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/batch.h>
#include <hmx/client.h>
#include <hmx/environment.h>
#include <hmx/marshal.h>
#include <hmx/status.h>

namespace hmx {

// True when the hypervisor offers exposures (HMX-XPOSE-013: without the bit the operations answer
// EOPNOTSUPP, so a guest keeps its data-in-message path).
[[nodiscard]] constexpr bool exposures_offered(uint32_t features) noexcept {
  return (features & HMX_FEATURE_EXPOSE_BIT) != 0;
}

// The GPA of [p, p + len) when it is guest-physically contiguous, else invalid_gpa.
template <Environment Env>
[[nodiscard]] uint64_t contiguous_gpa(Env& env, const void* p, size_t len) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  const uint64_t g = env.to_gpa(b);
  if (g == invalid_gpa || len == 0) return g;
  // Each later page must follow the first in guest-physical space.
  const size_t first = page_size - static_cast<size_t>(g % page_size);
  for (size_t off = first; off < len; off += page_size)
    if (env.to_gpa(b + off) != g + off) return invalid_gpa;
  return g;
}

template <Conduit C, Environment Env>
class exposures {
 public:
  exposures(client<C, Env>& c, Env& env) noexcept : c_(&c), env_(&env) { init_ = s_.init(env, 1); }

  [[nodiscard]] status init_status() const noexcept { return init_; }

  // expose (op 22): offer [range, range + len) to `peer` with EXPOSE_READ and/or EXPOSE_WRITE for
  // `uses` successful copies; returns the handle to send to the peer.
  result<uint64_t> expose(const void* range, uint32_t len, uint16_t peer, uint16_t access,
                          uint32_t uses = 1) noexcept {
    const result<uint64_t> a = put_expose(range, len, peer, access, uses);
    if (!a.ok()) return a.error();
    const result<int64_t> r = c_->call(HMX_OP_EXPOSE, *a);
    if (!r.ok()) return r.error();
    return static_cast<uint64_t>(*r);
  }
  // fetch (op 23): copy `len` bytes at `offset` of `owner`'s exposure into `dst`.
  result<uint32_t> fetch(uint16_t owner, uint64_t handle, uint64_t offset, void* dst, uint32_t len) noexcept {
    return copy(HMX_OP_FETCH, owner, handle, offset, dst, len);
  }
  // deposit (op 24): copy `len` bytes from `src` into `owner`'s exposure at `offset`.
  result<uint32_t> deposit(uint16_t owner, uint64_t handle, uint64_t offset, const void* src,
                           uint32_t len) noexcept {
    return copy(HMX_OP_DEPOSIT, owner, handle, offset, src, len);
  }
  // revoke (op 25): end the exposure; when it returns no copy touches the range (HMX-XPOSE-032),
  // so the memory may be reused at once. Revoke every exposure when its exchange is over, used or
  // not (HMX-XPOSE-040).
  status revoke(uint64_t handle) noexcept {
    if (!init_.ok()) return init_;
    return c_->call(HMX_OP_REVOKE, handle).error();
  }

  // The same copies as entries of a batch (HMX-XPOSE-030: each counts len against the call's
  // byte budget). Their argument structures stay in this object's page until clear_batch_args();
  // about 120 fit.
  result<uint32_t> add_fetch(batch<Env>& b, uint16_t owner, uint64_t handle, uint64_t offset, void* dst,
                             uint32_t len) noexcept {
    const result<uint64_t> a = put_copy(owner, handle, offset, dst, len, /*keep=*/true);
    if (!a.ok()) return a.error();
    return b.add_raw(HMX_OP_FETCH, *a);
  }
  result<uint32_t> add_deposit(batch<Env>& b, uint16_t owner, uint64_t handle, uint64_t offset, const void* src,
                               uint32_t len) noexcept {
    const result<uint64_t> a = put_copy(owner, handle, offset, src, len, /*keep=*/true);
    if (!a.ok()) return a.error();
    return b.add_raw(HMX_OP_DEPOSIT, *a);
  }
  void clear_batch_args() noexcept { s_.reset(); }

 private:
  result<uint64_t> put_expose(const void* range, uint32_t len, uint16_t peer, uint16_t access,
                              uint32_t uses) noexcept {
    if (!init_.ok()) return init_;
    s_.reset();
    const uint64_t g = contiguous_gpa(*env_, range, len);
    if (g == invalid_gpa) return errc::fault;
    auto* x = s_.alloc<hmx_expose_t>();
    if (x == nullptr) return errc::nomem;
    x->gpa = g;
    x->len = len;
    x->peer_id = peer;
    x->access = access;
    x->uses = uses;
    return s_.gpa_of(x);
  }
  result<uint64_t> put_copy(uint16_t owner, uint64_t handle, uint64_t offset, const void* buf, uint32_t len,
                            bool keep) noexcept {
    if (!init_.ok()) return init_;
    if (!keep) s_.reset();
    const uint64_t g = contiguous_gpa(*env_, buf, len);
    if (g == invalid_gpa) return errc::fault;
    auto* x = s_.alloc<hmx_expose_copy_t>();
    if (x == nullptr) return errc::nomem;
    x->handle = handle;
    x->offset = offset;
    x->gpa = g;
    x->len = len;
    x->owner_id = owner;
    return s_.gpa_of(x);
  }
  result<uint32_t> copy(uint32_t op, uint16_t owner, uint64_t handle, uint64_t offset, const void* buf,
                        uint32_t len) noexcept {
    const result<uint64_t> a = put_copy(owner, handle, offset, buf, len, /*keep=*/false);
    if (!a.ok()) return a.error();
    const result<int64_t> r = c_->call(op, *a);
    if (!r.ok()) return r.error();
    return static_cast<uint32_t>(*r);
  }

  client<C, Env>* c_;
  Env* env_;
  scratch s_;
  status init_;
};

}  // namespace hmx
