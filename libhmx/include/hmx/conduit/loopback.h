/* SPDX-License-Identifier: MIT */
// In-process loopback conduit: hands the call block's GPA to a callable, e.g. a reference core
// bound to a domain (`[&](uint64_t gpa) { core.call(dom, vcpu, gpa); }`). It is the test and
// simulation stand-in for a trap: the callable runs the call synchronously and writes the result
// into the call block. libhmx never includes the hypervisor side's headers; the binding lives
// with whoever owns both.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include <hmx/conduit/conduit.h>
#include <hmx/status.h>

namespace hmx {

template <class F>
  requires std::is_invocable_v<F&, uint64_t>
class loopback_conduit {
 public:
  static constexpr conduit_id id = conduit_id::loopback;
  explicit loopback_conduit(F fn) noexcept(std::is_nothrow_move_constructible_v<F>)
      : fn_(std::move(fn)) {}
  status invoke(uint64_t call_block_gpa) noexcept {
    fn_(call_block_gpa);
    return {};
  }

 private:
  F fn_;
};

template <class F>
loopback_conduit(F) -> loopback_conduit<F>;

// Argo-shaped loopback: Argo's five arguments go to a callable
// `(uint32_t cmd, uint64_t arg1, uint64_t arg2, uint64_t arg3, uint64_t arg4) -> int64_t`, e.g.
// a reference core's argo_op. Unlike Xen's real conduit, its handles are guest-physical
// addresses (an in-process hypervisor has no guest page tables to walk), so it exercises the
// Xen conduit's marshalling (no call blocks, Argo's argument structs passed directly).
template <class F>
  requires std::is_invocable_r_v<int64_t, F&, uint32_t, uint64_t, uint64_t, uint64_t, uint64_t>
class loopback_argo_conduit {
 public:
  static constexpr conduit_id id = conduit_id::loopback;
  static constexpr handle_mode handles = handle_mode::gpa;
  explicit loopback_argo_conduit(F fn) noexcept(std::is_nothrow_move_constructible_v<F>)
      : fn_(std::move(fn)) {}
  int64_t argo_op(uint32_t cmd, uint64_t arg1, uint64_t arg2, uint64_t arg3,
                  uint64_t arg4) noexcept {
    return fn_(cmd, arg1, arg2, arg3, arg4);
  }

 private:
  F fn_;
};

template <class F>
loopback_argo_conduit(F) -> loopback_argo_conduit<F>;

}  // namespace hmx
