/* SPDX-License-Identifier: MIT */
// A batch: a list of call blocks that one `batch` operation runs in order, in one exit
// (docs/ARCHITECTURE.md decision 6; spec op batch: arg1 list GPA, arg2 count 1..MAX_BATCH_ENTRIES, arg3
// flags). Each entry's result is written back into its call block. The list and every entry's
// argument structs live in the batch's own scratch pages, so they stay valid until clear().
// Batches need a call-block conduit; the Xen conduit has no batch operation.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/environment.h>
#include <hmx/events.h>
#include <hmx/marshal.h>
#include <hmx/status.h>

namespace hmx {

template <Environment Env>
class batch {
 public:
  // `capacity` entries (the hypervisor refuses more than its max_batch with E2BIG) plus
  // `arg_pages` pages for argument structs.
  explicit batch(Env& env, uint32_t capacity = HMX_MAX_BATCH_ENTRIES,
                 size_t arg_pages = 2) noexcept
      : env_(&env), cap_(capacity) {
    const size_t list_bytes = static_cast<size_t>(capacity) * sizeof(hmx_call_block_t);
    const size_t list_pages = (list_bytes + page_size - 1) / page_size;
    init_ = s_.init(env, list_pages + arg_pages);
    if (!init_.ok()) return;
    entries_ = s_.alloc<hmx_call_block_t>(capacity);
    if (entries_ == nullptr) init_ = errc::nomem;
    list_end_ = s_.used();
  }

  [[nodiscard]] status init_status() const noexcept { return init_; }
  [[nodiscard]] uint32_t size() const noexcept { return n_; }
  [[nodiscard]] uint32_t capacity() const noexcept { return cap_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }

  void clear() noexcept {
    for (uint32_t i = 0; i < n_; ++i) entries_[i] = hmx_call_block_t{};
    n_ = 0;
    nnotify_ = 0;
    s_.reset(list_end_);
  }

  // Append a marshalled operation; returns its index.
  result<uint32_t> add(const op_args& a) noexcept {
    if (!init_.ok()) return init_;
    if (n_ == cap_) return errc::too_big;
    hmx_call_block_t& cb = entries_[n_];
    cb = hmx_call_block_t{};
    cb.op = a.op;
    cb.result = -HMX_ENOSYS;  // stays so if the hypervisor never runs this entry
    for (int i = 0; i < 4; ++i) cb.arg[i] = a.arg[i];
    return n_++;
  }

  result<uint32_t> add_raw(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                           uint64_t a4 = 0) noexcept {
    return add(op_args{op, {a1, a2, a3, a4}});
  }
  result<uint32_t> add_null() noexcept { return add(marshal_null()); }

  result<uint32_t> add_register_ring(const ring_registration& r) noexcept {
    return add_with([&] { return marshal_register_ring(*env_, s_, handle_mode::gpa, r); });
  }
  result<uint32_t> add_unregister_ring(uint32_t aport, uint16_t partner_id) noexcept {
    return add_with(
        [&] { return marshal_unregister_ring(s_, handle_mode::gpa, aport, partner_id); });
  }
  result<uint32_t> add_sendv(const hmx_addr_t& dst, const buffer* bufs, size_t n,
                             uint32_t message_type,
                             const hmx_addr_t& src = any_source) noexcept {
    return add_with([&] {
      return marshal_sendv(*env_, s_, handle_mode::gpa, src, dst, bufs, n, message_type);
    });
  }
  // After the batch runs, flags and max_message_size are copied back into `ents`.
  result<uint32_t> add_notify(hmx_ring_data_ent_t* ents = nullptr, uint32_t n = 0) noexcept {
    if (nnotify_ == max_notify) return errc::nomem;
    hmx_ring_data_t* copy = nullptr;
    const result<uint32_t> r =
        add_with([&] { return marshal_notify(s_, handle_mode::gpa, ents, n, &copy); });
    if (r.ok() && copy != nullptr) notifies_[nnotify_++] = {ents, copy, n};
    return r;
  }
  result<uint32_t> add_set_event_page(hmx_event_page_t* page) noexcept {
    return add_with([&] { return marshal_set_event_page(*env_, page); });
  }
  result<uint32_t> add_set_vector(uint32_t vcpu, vector_reg v) noexcept {
    return add(marshal_set_vector(vcpu, v.encode()));
  }

  // An entry's result as the hypervisor wrote it (-ENOSYS if it did not run).
  [[nodiscard]] int64_t entry_result(uint32_t i) const noexcept {
    return i < n_ ? __atomic_load_n(&entries_[i].result, __ATOMIC_RELAXED) : -HMX_EINVAL;
  }
  [[nodiscard]] status entry_status(uint32_t i) const noexcept {
    return status::from_raw(entry_result(i));
  }

  [[nodiscard]] uint64_t entries_gpa() const noexcept { return s_.gpa_of(entries_); }
  // The call blocks themselves (tests tamper with them).
  [[nodiscard]] hmx_call_block_t* entries() noexcept { return entries_; }

  // Called by client::run after the batch operation returned.
  void after_run() noexcept {
    for (uint32_t i = 0; i < nnotify_; ++i)
      notify_copy_back(notifies_[i].copy, notifies_[i].user, notifies_[i].n);
  }

 private:
  static constexpr uint32_t max_notify = HMX_MAX_BATCH_ENTRIES;

  // Marshal into the scratch pages and append; on any failure the scratch space is released.
  template <class Build>
  result<uint32_t> add_with(Build&& build) noexcept {
    if (!init_.ok()) return init_;
    if (n_ == cap_) return errc::too_big;
    const size_t mark = s_.used();
    const result<op_args> a = build();
    if (!a.ok()) {
      s_.reset(mark);
      return a.error();
    }
    return add(*a);
  }

  struct notify_copy {
    hmx_ring_data_ent_t* user;
    hmx_ring_data_t* copy;
    uint32_t n;
  };

  Env* env_;
  scratch s_;
  status init_;
  hmx_call_block_t* entries_ = nullptr;
  uint32_t cap_;
  uint32_t n_ = 0;
  size_t list_end_ = 0;
  notify_copy notifies_[max_notify] = {};
  uint32_t nnotify_ = 0;
};

}  // namespace hmx
