/* SPDX-License-Identifier: MIT */
// hmx::client<Conduit, Env>: the typed HMX operations over one conduit (spec `operations`).
//
// A client owns a few scratch pages from the environment for its call block and argument
// structs (their GPAs are known; the call block is CALL_BLOCK_ALIGN aligned). It is not
// thread-safe: give each thread or vCPU its own client (they may share conduit and environment).
//
// Call-block conduits: the op and its arguments go into the call block, the conduit traps, the
// hypervisor reads the block once and writes its result (docs/ARCHITECTURE.md decision 4). The result field
// is preset to -ENOSYS so a hypervisor that silently ignores the call is not mistaken for
// success. Xen conduit: Argo's arguments are passed directly as guest handles; HMX-only
// operations give -EOPNOTSUPP (spec: not offered on xen_hypercall).
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/batch.h>
#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/events.h>
#include <hmx/marshal.h>
#include <hmx/ring_reader.h>
#include <hmx/status.h>

namespace hmx {

template <Conduit C, Environment Env>
class client {
 public:
  // Two pages hold a notify list of MAX_NOTIFY_COUNT entries or the gfn list of a ring of up to
  // ~4 MiB; pass more for larger rings (8 bytes per ring page).
  static constexpr size_t default_scratch_pages = 2;
  static constexpr handle_mode mode = handle_mode_for<C>;
  static constexpr bool has_call_blocks = CallBlockConduit<C>;

  // The call block comes from the environment's page arena: page aligned, so a multiple of
  // CALL_BLOCK_ALIGN, and zeroed (HMX-LIB-023 HMX-LIB-024 HMX-LIB-025); every failure is a value (HMX-LIB-021 HMX-LIB-022).
  client(C& conduit, Env& env, size_t scratch_pages = default_scratch_pages) noexcept
      : conduit_(&conduit), env_(&env) {
    init_ = s_.init(env, scratch_pages);
    if (!init_.ok()) return;
    cb_ = s_.alloc<hmx_call_block_t>();
    if (cb_ == nullptr) init_ = errc::nomem;
    keep_ = s_.used();
  }

  // ok, or why the scratch pages could not be set up (every operation then returns it).
  [[nodiscard]] status init_status() const noexcept { return init_; }

  // --- raw path: exactly the given arguments, no validation (conformance and hostile tests) ---

  // Run operation `op` with arg1..arg4; the call block's flags are 0. Returns the operation's
  // non-negative result or its error.
  result<int64_t> call(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                       uint64_t a4 = 0) noexcept {
    return execute(op_args{op, {a1, a2, a3, a4}}, 0);
  }
  // Run a whole call block as given (flags included) from the client's own call block.
  result<int64_t> call(const hmx_call_block_t& block) noexcept
    requires CallBlockConduit<C>
  {
    return execute(op_args{block.op, {block.arg[0], block.arg[1], block.arg[2], block.arg[3]}},
                   block.flags);
  }
  // Trap with an arbitrary call block GPA (misaligned, out of range, ...): only the conduit's
  // own status comes back.
  status invoke_at(uint64_t call_block_gpa) noexcept
    requires CallBlockConduit<C>
  {
    return conduit_->invoke(call_block_gpa);
  }
  // The client's call block and its GPA.
  [[nodiscard]] hmx_call_block_t* call_block() noexcept { return cb_; }
  [[nodiscard]] uint64_t call_block_gpa() const noexcept { return s_.gpa_of(cb_); }

  // --- typed operations ---

  // register_ring (op 1): npages and the gfn list are computed from r.memory; a new ring's
  // rx_ptr and tx_ptr are zeroed first (HMX-LIB-030 HMX-LIB-031, marshal_register_ring).
  status register_ring(const ring_registration& r) noexcept {
    return run_marshalled([&] { return marshal_register_ring(*env_, s_, mode, r); }).error();
  }

  // unregister_ring (op 2).
  status unregister_ring(uint32_t aport, uint16_t partner_id) noexcept {
    return run_marshalled([&] { return marshal_unregister_ring(s_, mode, aport, partner_id); })
        .error();
  }

  // sendv (op 3): one message gathered from `bufs`; returns the payload bytes sent. The source
  // defaults to DOMID_ANY (the hypervisor substitutes the caller) with aport 0.
  result<uint32_t> sendv(const hmx_addr_t& dst, const buffer* bufs, size_t n,
                         uint32_t message_type, const hmx_addr_t& src = any_source) noexcept {
    const result<int64_t> r = run_marshalled(
        [&] { return marshal_sendv(*env_, s_, mode, src, dst, bufs, n, message_type); });
    if (!r.ok()) return r.error();
    return static_cast<uint32_t>(*r);
  }
  template <size_t N>
  result<uint32_t> sendv(const hmx_addr_t& dst, const buffer (&bufs)[N], uint32_t message_type,
                         const hmx_addr_t& src = any_source) noexcept {
    return sendv(dst, bufs, N, message_type, src);
  }
  result<uint32_t> send(const hmx_addr_t& dst, const void* data, size_t size,
                        uint32_t message_type, const hmx_addr_t& src = any_source) noexcept {
    const buffer b{data, size};
    return sendv(dst, &b, 1, message_type, src);
  }

  // notify (op 4): wake senders waiting for space in this domain's rings and, with entries,
  // query other rings; flags and max_message_size are written back into `ents`.
  status notify(hmx_ring_data_ent_t* ents = nullptr, uint32_t n = 0) noexcept {
    hmx_ring_data_t* copy = nullptr;
    const result<int64_t> r =
        run_marshalled([&] { return marshal_notify(s_, mode, ents, n, &copy); });
    if (r.ok()) notify_copy_back(copy, ents, n);
    return r.error();
  }

  // null (op 16): the conduit's bare round trip.
  status null() noexcept {
    if constexpr (!has_call_blocks) return errc::opnotsupp;
    return execute(marshal_null(), 0).error();
  }

  // notify with one entry: what `ring` looks like for a message of `space_required` bytes
  // (RING_* flags, max_message_size). When it does not fit now the hypervisor queues a space
  // wait, so the caller hears (EVENT_SPACE_AVAILABLE) when it does: the way to wait after EAGAIN
  // instead of retrying sendv in a loop (HMX-SEND-011).
  result<hmx_ring_data_ent_t> query(const hmx_addr_t& ring, uint32_t space_required) noexcept {
    hmx_ring_data_ent_t e{};
    e.ring = ring;
    e.space_required = space_required;
    const status s = notify(&e, 1);
    if (!s.ok()) return s;
    return e;
  }

  // Consume `reader`'s messages (f(const message_view&) for each, at most max_messages), then,
  // if any were consumed, call notify so senders waiting for the space are woken
  // (HMX-NOTIFY-006). Returns how many were consumed.
  template <class F>
  result<uint32_t> drain(ring_reader& reader, F&& f, uint32_t max_messages = ~0u) noexcept {
    const result<uint32_t> n = reader.for_each(static_cast<F&&>(f), max_messages);
    if (n.ok() && *n != 0) {
      const status s = notify();
      if (!s.ok()) return s;
    }
    return n;
  }

  // set_event_page (op 18): zero the page and enable it as the domain's event page; nullptr
  // disables it. Afterwards check every ring once: a message may have arrived before the page
  // was enabled (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029).
  status set_event_page(hmx_event_page_t* page) noexcept {
    if constexpr (!has_call_blocks) return errc::opnotsupp;
    return run_marshalled([&] { return marshal_set_event_page(*env_, page); }).error();
  }

  // set_vector (op 19): set vCPU `vcpu`'s vector register.
  status set_vector(uint32_t vcpu, vector_reg v) noexcept { return set_vector(vcpu, v.encode()); }
  status set_vector(uint32_t vcpu, uint64_t value) noexcept {
    if constexpr (!has_call_blocks) return errc::opnotsupp;
    return execute(marshal_set_vector(vcpu, value), 0).error();
  }

  // batch (op 17): run every entry of `b` in one exit; returns the number of entries run (fewer
  // than b.size() with BATCH_FLAG_STOP_ON_ERROR). Entry results: b.entry_result(i).
  result<uint32_t> run(batch<Env>& b, uint32_t flags = 0) noexcept {
    if constexpr (!has_call_blocks) return errc::opnotsupp;
    if (!b.init_status().ok()) return b.init_status();
    const result<int64_t> r = execute(marshal_batch(b.entries_gpa(), b.size(), flags), 0);
    b.after_run();
    if (!r.ok()) return r.error();
    return static_cast<uint32_t>(*r);
  }

  [[nodiscard]] C& conduit() noexcept { return *conduit_; }
  [[nodiscard]] Env& env() noexcept { return *env_; }

 private:
  template <class Build>
  result<int64_t> run_marshalled(Build&& build) noexcept {
    if (!init_.ok()) return init_;
    s_.reset(keep_);
    const result<op_args> a = build();
    if (!a.ok()) return a.error();
    return execute(*a, 0);
  }

  result<int64_t> execute(const op_args& a, uint32_t flags) noexcept {
    if (!init_.ok()) return init_;
    int64_t raw;
    if constexpr (CallBlockConduit<C>) {
      cb_->op = a.op;
      cb_->flags = flags;
      cb_->result = -HMX_ENOSYS;
      for (int i = 0; i < 4; ++i) cb_->arg[i] = a.arg[i];
      const status s = conduit_->invoke(s_.gpa_of(cb_));
      if (!s.ok()) return s;
      // Read once: the block is guest memory the hypervisor wrote.
      raw = __atomic_load_n(&cb_->result, __ATOMIC_RELAXED);
    } else {
      if (flags != 0) return errc::inval;
      raw = conduit_->argo_op(a.op, a.arg[0], a.arg[1], a.arg[2], a.arg[3]);
    }
    if (raw < 0) return status::from_raw(raw);
    return raw;
  }

  C* conduit_;
  Env* env_;
  scratch s_;
  status init_;
  hmx_call_block_t* cb_ = nullptr;
  size_t keep_ = 0;
};

}  // namespace hmx
