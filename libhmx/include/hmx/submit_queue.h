/* SPDX-License-Identifier: MIT */
// The guest's side of a submission queue (spec submit-queue, feature SUBMIT_QUEUE): call blocks
// written into the guest's own memory and run by the hypervisor when one `submit` drains them,
// so that one exit starts up to SUBMIT_DRAIN_ENTRIES sends and the sender does not wait for
// copies it does not need to see. Freestanding: the queue, and beside each slot the argument
// structures of a sendv, come from the environment's pages; no heap, errors are values.
//
// Use: build it, register it once (register_submit_queue), stage entries with push_*, kick() them
// (publish, and submit only when the hypervisor's SUBMIT_QUEUE_NEED_WAKEUP asks for it: a polling
// worker drains the queue without exits), or flush() when they must run now; read the results
// with reap(). A slot is reused only after its result was reaped, so no result is
// overwritten unread.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi.h>
#include <hmx/environment.h>
#include <hmx/marshal.h>
#include <hmx/status.h>

namespace hmx {

template <Environment Env>
class submit_queue {
 public:
  // `entries`: a power of two from 1 to SUBMIT_MAX_ENTRIES (the hypervisor refuses others).
  submit_queue(Env& env, uint32_t entries) noexcept : env_(&env), n_(entries) {
    if (entries == 0 || (entries & (entries - 1)) != 0 || entries > HMX_SUBMIT_MAX_ENTRIES) {
      init_ = errc::inval;
      return;
    }
    const size_t ring_bytes = HMX_SUBMIT_HEADER_SIZE + size_t{entries} * sizeof(hmx_call_block_t);
    const size_t arg_bytes = size_t{entries} * sizeof(slot_args);
    init_ = s_.init(env, (ring_bytes + page_size - 1) / page_size + (arg_bytes + page_size - 1) / page_size);
    if (!init_.ok()) return;
    // The scratch base is page aligned, so the header is SUBMIT_QUEUE_ALIGN aligned.
    header_ = static_cast<hmx_submit_queue_header_t*>(s_.alloc_bytes(1, HMX_SUBMIT_HEADER_SIZE));
    slots_ = s_.alloc<hmx_call_block_t>(entries);
    args_ = s_.alloc<slot_args>(entries);
    if (header_ == nullptr || slots_ == nullptr || args_ == nullptr) init_ = errc::nomem;
  }

  [[nodiscard]] status init_status() const noexcept { return init_; }
  [[nodiscard]] uint64_t gpa() const noexcept { return s_.gpa_of(header_); }
  [[nodiscard]] uint32_t entries() const noexcept { return n_; }

  // set_submit_queue for this queue; SUBMIT_FLAG_INTERRUPT asks for the vector after each drain.
  [[nodiscard]] op_args registration(uint32_t flags = 0) const noexcept {
    return op_args{HMX_OP_SET_SUBMIT_QUEUE, {gpa(), n_, flags, 0}};
  }

  // Slots a push may take now: not staged, not published and unrun, not awaiting reap.
  [[nodiscard]] uint32_t free_slots() const noexcept { return n_ - (staged_ - reaped_); }
  // Entries published and not yet run.
  [[nodiscard]] uint32_t in_flight() const noexcept { return published_ - consumer(); }
  // Entries run and not yet reaped.
  [[nodiscard]] uint32_t completed() const noexcept { return consumer() - reaped_; }

  // Stage one operation (not visible to the hypervisor before publish()). Returns its sequence
  // number; EAGAIN when every slot is taken (flush and reap, then push again).
  result<uint32_t> push(const op_args& a) noexcept {
    if (!init_.ok()) return init_;
    if (free_slots() == 0) return errc::again;
    hmx_call_block_t& cb = slots_[staged_ & (n_ - 1)];
    cb.op = a.op;
    cb.flags = 0;
    cb.result = -HMX_ENOSYS;  // stays so if the hypervisor never runs this entry
    for (int i = 0; i < 4; ++i) cb.arg[i] = a.arg[i];
    return staged_++;
  }
  result<uint32_t> push_null() noexcept { return push(op_args{HMX_OP_NULL, {}}); }
  // A sendv whose send_addr and iovs live in this slot's own argument area, valid until the entry
  // is reaped. The buffers themselves must stay unchanged until then.
  result<uint32_t> push_sendv(const hmx_addr_t& dst, const buffer* bufs, size_t n,
                              uint32_t message_type, const hmx_addr_t& src = any_source) noexcept {
    if (!init_.ok()) return init_;
    if (free_slots() == 0) return errc::again;
    slot_args& sa = args_[staged_ & (n_ - 1)];
    sa = slot_args{};
    sa.addr.src = hmx_addr_t{src.aport, src.domain_id, 0};
    sa.addr.dst = hmx_addr_t{dst.aport, dst.domain_id, 0};
    const result<uint32_t> niov = build_iovs(*env_, handle_mode::gpa, bufs, n, sa.iovs, HMX_MAXIOV);
    if (!niov) return niov.error();
    return push(op_args{HMX_OP_SENDV, {s_.gpa_of(&sa.addr), s_.gpa_of(sa.iovs), *niov, message_type}});
  }

  // Publish every staged entry with one store of the producer index, sequentially consistent
  // (also release: each entry is written completely before the hypervisor can see it,
  // HMX-ASYNC-031), then load the header's flags word, sequentially consistent: the guest's half
  // of the NEED_WAKEUP full barrier (HMX-ASYNC-042; spec submit-queue-polling). None is published
  // beyond `entries` ahead of the consumer (HMX-ASYNC-033: push keeps staged - reaped <= entries).
  // Returns whether a submit call is needed to get them run: SUBMIT_QUEUE_NEED_WAKEUP was set (no
  // worker polls the queue); false also when nothing was staged.
  bool publish() noexcept {
    if (!init_.ok() || staged_ == published_) return false;
    published_ = staged_;
    __atomic_store_n(&header_->producer, published_, __ATOMIC_SEQ_CST);
    return need_wakeup();
  }
  // SUBMIT_QUEUE_NEED_WAKEUP as the hypervisor last wrote it (seq_cst load).
  [[nodiscard]] bool need_wakeup() const noexcept {
    return init_.ok() && (__atomic_load_n(&header_->flags, __ATOMIC_SEQ_CST) & HMX_SUBMIT_QUEUE_NEED_WAKEUP) != 0;
  }

  // Hand every completed entry to fn(sequence, result) in order and free its slot. The consumer
  // index is read with acquire order before any result (HMX-ASYNC-034); a published slot is never
  // written before the consumer passed it (HMX-ASYNC-032). Returns how many were reaped.
  template <class F>
  uint32_t reap(F&& fn) noexcept {
    const uint32_t done = consumer();
    uint32_t count = 0;
    for (; reaped_ != done; ++reaped_, ++count)
      fn(reaped_, __atomic_load_n(&slots_[reaped_ & (n_ - 1)].result, __ATOMIC_RELAXED));
    return count;
  }
  // Reap without looking at the results; returns how many were negative.
  uint32_t reap_all() noexcept {
    uint32_t failed = 0;
    reap([&](uint32_t, int64_t r) { failed += r < 0 ? 1 : 0; });
    return failed;
  }

  [[nodiscard]] uint32_t consumer() const noexcept {
    return init_.ok() ? __atomic_load_n(&header_->consumer, __ATOMIC_ACQUIRE) : 0;
  }
  [[nodiscard]] uint32_t producer() const noexcept { return published_; }
  // The raw header and slots (tests tamper with them).
  [[nodiscard]] hmx_submit_queue_header_t* header() noexcept { return header_; }
  [[nodiscard]] hmx_call_block_t* slot(uint32_t sequence) noexcept { return &slots_[sequence & (n_ - 1)]; }

 private:
  struct slot_args {
    hmx_send_addr_t addr;
    hmx_iov_t iovs[HMX_MAXIOV];
  };

  Env* env_;
  scratch s_;
  status init_;
  uint32_t n_;
  hmx_submit_queue_header_t* header_ = nullptr;
  hmx_call_block_t* slots_ = nullptr;
  slot_args* args_ = nullptr;
  uint32_t staged_ = 0;     // entries written by push
  uint32_t published_ = 0;  // the producer index as stored
  uint32_t reaped_ = 0;     // entries whose results were handed out
};

// Register `q` as the caller's submission queue (set_submit_queue) through `c`, a client.
template <class Client, Environment Env>
status register_submit_queue(Client& c, const submit_queue<Env>& q, uint32_t flags = 0) noexcept {
  const op_args a = q.registration(flags);
  const result<int64_t> r = c.call(a.op, a.arg[0], a.arg[1], a.arg[2], a.arg[3]);
  return r.ok() ? status{} : r.error();
}

// Publish what is staged and ring the doorbell until the hypervisor has run everything published,
// one `submit` per SUBMIT_DRAIN_ENTRIES (or per CALL_BYTE_BUDGET). No exit when nothing is waiting.
// A polling worker may run entries meanwhile: a submit that finds them gone is not an error.
// Returns the number of entries the submits ran.
template <class Client, Environment Env>
result<uint32_t> flush(Client& c, submit_queue<Env>& q) noexcept {
  q.publish();
  uint32_t ran = 0;
  while (q.in_flight() != 0) {
    const result<int64_t> r = c.call(HMX_OP_SUBMIT);
    if (!r) return r.error();
    // Published entries the hypervisor would not run (a worker that drained them is fine).
    if (*r == 0 && q.in_flight() != 0) return errc::again;
    ran += static_cast<uint32_t>(*r);
  }
  return ran;
}

// Publish what is staged and call submit only when the hypervisor asks for it
// (SUBMIT_QUEUE_NEED_WAKEUP set, HMX-ASYNC-043): with a worker polling the queue a streaming sender
// makes no exit at all. One submit at most; the entries may still be running when it returns.
// Returns the number of entries that submit ran (0 without one).
template <class Client, Environment Env>
result<uint32_t> kick(Client& c, submit_queue<Env>& q) noexcept {
  if (!q.publish()) return 0u;
  const result<int64_t> r = c.call(HMX_OP_SUBMIT);
  if (!r) return r.error();
  return static_cast<uint32_t>(*r);
}

// Stage an operation, flushing and reaping first when the queue is full.
template <class Client, Environment Env, class Push>
result<uint32_t> push_or_flush(Client& c, submit_queue<Env>& q, Push&& push) noexcept {
  result<uint32_t> r = push();
  if (r.ok() || r.error() != errc::again || q.free_slots() != 0) return r;
  const result<uint32_t> f = flush(c, q);
  if (!f) return f.error();
  q.reap_all();
  return push();
}

}  // namespace hmx
