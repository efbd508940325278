/* SPDX-License-Identifier: MIT */
// The libhmx binding of virtio-argo's message_channel (channel.h; README "Binding to libhmx"):
// one side of a connection, i.e. the own ring (registered here, partner = the peer domain) and
// the peer's ring, reached with sendv. Freestanding: the same code runs in a guest image at CPL3
// (MSR conduit) and in a host-side device domain (loopback conduit into the reference core).
//
//   send     sendv(src {own aport}, dst {peer, peer aport}, iovs, VTA_MESSAGE_TYPE). HMX codes map
//            one to one onto `result` (result.h); ESRCH (the peer domain is gone) reads as
//            conn_refused, like a vanished ring. EAGAIN queued a space wait (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082).
//   receive  the ring reader's next message; messages of another source domain or message_type
//            are consumed and skipped (spec "Connections"); one larger than `cap` is consumed
//            and reported as msg_size (HMX-VTA-053 HMX-VTA-054).
//   notify   consuming frees ring space, and only a notify makes the hypervisor re-check the
//            senders waiting for it (HMX-NOTIFY-001). The notify is deferred, never skipped: it
//            rides in the same batch as the next send (one exit instead of two, docs/ARCHITECTURE.md
//            decision 6), or is issued before wait() blocks, so the peer is never left waiting
//            while this side sleeps (HMX-VTA-022).
//   wait     returns at once when the own ring holds a message or the space-available event
//            is set; otherwise sleeps through the Waiter until one of them happens (wake-ups for
//            the domain's other rings or timer ticks sleep again). On the deadline it asks the
//            hypervisor about the peer's ring (notify query): RING_EXISTS clear means the peer
//            is gone (conn_refused), else timed_out.
//   expose   exposure_channel (channel.h) through libhmx's exposures (feature EXPOSE, spec
//   fetch    exposures), attached with attach_exposures(): the peer is the only domain an
//   deposit  exposure names; HMX codes map one to one onto `result`. Without an attached, working
//   revoke   exposures object the operations answer not_supported (HMX-XPOSE-013).
//
// Waiter: how this domain sleeps and tells time (a guest: the vector's pending bit, HLT and a
// LAPIC timer; a host-side domain: a condition variable the core's Notifier signals).
// Single-threaded: one context per channel; several channels may share a client and a waiter.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <hmx/hmx.h>

#include "hmx/virtio_argo/channel.h"
#include "hmx/virtio_argo/protocol.h"

namespace hmx::virtio_argo {

// prepare() returns a token taken before the caller checks its rings; sleep(token, deadline)
// returns at once if a notification arrived since prepare(), else when one arrives or at the
// deadline (now_ns() clock). Spurious returns are allowed.
template <class W>
concept channel_waiter = requires(W& w, uint64_t token, uint64_t deadline) {
  { w.now_ns() } -> std::same_as<uint64_t>;
  { w.prepare() } -> std::same_as<uint64_t>;
  { w.sleep(token, deadline) } -> std::same_as<void>;
};

struct hmx_channel_options {
  void* ring = nullptr;        // own ring memory: page aligned, ring_npages(ring_len) pages
  uint32_t ring_len = 0;       // ring data bytes (largest message: ring_len - 32)
  uint32_t aport = 0;          // own ring's aport; also the source aport of every send
  uint16_t peer = 0;           // the peer domain: the own ring's only partner
  uint32_t peer_aport = 0;     // the peer's ring (0: set later with set_peer)
  uint32_t peer_max_message = 0;  // largest message the peer's ring takes (0: ask the hypervisor)
  // HMX_REGISTER_FLAG_* (e.g. NOTIFY_VCPU). With REGISTER_FLAG_EVENT_IDX (only where the feature
  // EVENT_IDX is offered: hmx::event_idx_register_flag) the ring is moderated: wait() arms rx_event
  // before it sleeps and asks for no interrupt while it polls, so a moderated channel must sleep
  // only in wait() (spec event-idx).
  uint32_t register_flags = 0;
  hmx_event_page_t* events = nullptr;  // the domain's event page, when one is enabled
  // Reply to the source aport of the last accepted message (the device domain's bus ring:
  // "answers to the source aport of the request", spec "Bus messages").
  bool learn_peer_aport = false;
  // Scratch with a GPA for message pieces that have none (hosted code building a message in its
  // heap or on its stack): such pieces are copied there first, the others are sent in place.
  // nullptr: such a send fails with invalid.
  uint8_t* bounce = nullptr;
  uint32_t bounce_len = 0;
  // While a send waits for ring space, sleep at most this long between retries: the
  // space-available bit is per domain, and another channel of the domain may take it first.
  uint64_t space_poll_ns = 2'000'000;
  // Before sleeping, watch the own ring this long (adaptive polling, as NAPI does). The ring's
  // event bit is left set meanwhile, so the hypervisor raises no interrupt for messages that
  // arrive while we look: where an injection, a halt and a wake-up cost far more than the gap
  // between two messages (guest CPL0 emulated, docs/ARCHITECTURE.md "Facts of the machines"), that is most of them.
  uint64_t poll_ns = 0;
};

struct hmx_channel_stats {
  uint64_t sent = 0, received = 0, bytes_sent = 0, bytes_received = 0;
  uint64_t eagain = 0;           // sends refused for lack of space
  uint64_t batched_notifies = 0; // notifies that rode in a send's batch
  uint64_t batches = 0;          // batch calls (one exit each)
  uint64_t send_calls = 0;       // hypervisor calls made to send (a batch counts once)
  uint64_t notifies = 0;         // notifies issued alone (before a wait)
  uint64_t dropped_foreign = 0;  // messages of another source or message_type
  uint64_t ring_errors = 0;      // corrupt ring pointers (resynchronised)
  uint64_t sleeps = 0;
  uint64_t send_ns = 0;          // time spent in send calls (the exits and the hypervisor's copy)
  uint64_t exposes = 0, revokes = 0;  // exposures offered and ended by this side
  uint64_t bytes_fetched = 0;    // bytes this side copied out of the peer's exposures
  uint64_t bytes_deposited = 0;  // bytes this side copied into the peer's exposures
  uint64_t wait_ns = 0;          // time spent in wait()
};

template <class Conduit, class Env, channel_waiter Waiter>
class hmx_channel {
 public:
  using client_t = hmx::client<Conduit, Env>;
  using exposures_t = hmx::exposures<Conduit, Env>;

  // Most messages send_batch() puts in one exit (plus the deferred notify).
  static constexpr uint32_t kMaxBatch = 16;

  // The client and waiter must outlive the channel. The batch (sends and the deferred notify in
  // one exit) takes three pages of the client's environment.
  hmx_channel(client_t& client, Waiter& waiter) noexcept
      : c_(&client), w_(&waiter), batch_(client.env(), kMaxBatch + 1, 2) {}
  hmx_channel(const hmx_channel&) = delete;
  hmx_channel& operator=(const hmx_channel&) = delete;

  // Registers the own ring (partner: the peer; HMX-VTA-046 HMX-VTA-047 HMX-VTA-048) and starts receiving from it.
  hmx::status open(const hmx_channel_options& o) noexcept {
    o_ = o;
    peer_aport_ = o.peer_aport;
    peer_max_ = o.peer_max_message;
    peer_gone_ = false;
    space_wait_ = false;
    notify_pending_ = false;
    hmx::ring_registration reg;
    reg.memory = o.ring;
    reg.len = o.ring_len;
    reg.aport = o.aport;
    reg.partner_id = o.peer;
    reg.flags = o.register_flags;
    const hmx::status s = c_->register_ring(reg);
    if (!s.ok()) return s;
    reader_ = hmx::ring_reader(o.ring, o.ring_len);
    open_ = true;
    return {};
  }

  // Unregisters the own ring (nothing more arrives; the peer's sends get ECONNREFUSED).
  hmx::status close() noexcept {
    if (!open_) return {};
    open_ = false;
    return c_->unregister_ring(o_.aport, o_.peer);
  }

  // The peer's ring, once known (the CONNECT exchange, HMX-VTA-046 HMX-VTA-047 HMX-VTA-048).
  void set_peer(uint32_t aport, uint32_t max_message) noexcept {
    peer_aport_ = aport;
    peer_max_ = max_message;
    peer_gone_ = false;
  }

  // ---- message_channel ------------------------------------------------------------------------
  result send(const chan_iov* iov, uint32_t n) noexcept {
    const chan_msg m{iov, n};
    result failure = result::ok;
    (void)send_batch(&m, 1, failure);
    return failure;
  }

  // batch_message_channel: the messages in order in one HMX batch (one exit, docs/ARCHITECTURE.md decision
  // 6), stopping at the first that fails (BATCH_FLAG_STOP_ON_ERROR). A deferred notify rides
  // last in the same batch.
  uint32_t send_batch(const chan_msg* msgs, uint32_t n, result& failure) noexcept {
    failure = result::ok;
    if (n == 0) return 0;
    if (!open_) {
      failure = result::invalid;
      return 0;
    }
    if (n > kMaxBatch) n = kMaxBatch;  // the caller sends the rest next time
    hmx::buffer bufs[kMaxBatch][VTA_MAX_IOV];
    uint64_t totals[kMaxBatch];
    uint32_t bounced = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const result r = prepare(msgs[k], bufs[k], totals[k], bounced);
      if (r != result::ok) {
        failure = r;
        n = k;  // send the good ones before it
        break;
      }
    }
    if (n == 0) return 0;
    const hmx_addr_t dst = hmx::make_addr(peer_aport_, o_.peer);
    const hmx_addr_t src = hmx::make_addr(o_.aport, HMX_DOMID_ANY);  // the hypervisor fills in the domain
    int64_t raw[kMaxBatch];
    bool ran = false;
    const uint64_t t0 = w_->now_ns();
    if ((n > 1 || notify_pending_) && batch_.init_status().ok()) {
      batch_.clear();
      bool built = true;
      for (uint32_t k = 0; k < n && built; ++k)
        built = batch_.add_sendv(dst, bufs[k], msgs[k].n, VTA_MESSAGE_TYPE, src).ok();
      const bool with_notify = built && notify_pending_ && batch_.add_notify().ok();
      if (built) {
        const hmx::result<uint32_t> r = c_->run(batch_, HMX_BATCH_FLAG_STOP_ON_ERROR);
        if (r.ok()) {
          ran = true;
          for (uint32_t k = 0; k < n; ++k) raw[k] = batch_.entry_result(k);
          if (with_notify && batch_.entry_result(n) == 0) {
            notify_pending_ = false;
            ++st_.batched_notifies;
          }
          ++st_.batches;
          ++st_.send_calls;
        }
      }
      batch_.clear();
    }
    if (!ran) {  // no batch (or the hypervisor refused it): one exit per message
      for (uint32_t k = 0; k < n; ++k) {
        const hmx::result<uint32_t> r = c_->sendv(dst, bufs[k], msgs[k].n, VTA_MESSAGE_TYPE, src);
        ++st_.send_calls;
        raw[k] = r.ok() ? int64_t{*r} : int64_t{r.error().code()};
        if (raw[k] < 0) break;
      }
    }
    st_.send_ns += w_->now_ns() - t0;
    uint32_t sent = 0;
    for (; sent < n; ++sent) {
      if (raw[sent] < 0) {
        failure = map_send_error(raw[sent], totals[sent]);
        break;
      }
      space_wait_ = false;
      peer_gone_ = false;  // the peer's ring exists (again): e.g. a bus ring registered late
      ++st_.sent;
      st_.bytes_sent += totals[sent];
    }
    return sent;
  }

  recv_result receive(void* buf, uint32_t cap) noexcept {
    return receive_view(static_cast<uint8_t*>(buf), cap, [&](const uint8_t* data, uint32_t size) {
      if (data != buf && size != 0) __builtin_memcpy(buf, data, size);
    }, true);
  }

  // view_message_channel: the message in place in the own ring when it does not wrap (no copy),
  // else copied into scratch. With `always_copy`, every message lands in scratch (receive()).
  template <class F>
  recv_result receive_view(uint8_t* scratch, uint32_t cap, F&& f, bool always_copy = false) noexcept {
    if (!open_) return {result::conn_refused, 0};
    for (;;) {
      const hmx::result<hmx::message_view> m = reader_.peek();
      if (m.error() == hmx::errc::again) return {peer_gone_ ? result::conn_refused : result::again, 0};
      if (!m.ok()) {  // a ring the hypervisor corrupted: resynchronise rather than spin on it
        ++st_.ring_errors;
        (void)reader_.discard_all();
        notify_pending_ = true;
        return {result::again, 0};
      }
      const hmx::message_view v = *m;
      // The hypervisor writes the true source domain: only the peer's messages count.
      const bool mine = v.source.domain_id == o_.peer && v.message_type == VTA_MESSAGE_TYPE;
      const bool in_place = !always_copy && !v.wraps();
      const bool fits = in_place || v.size <= cap;
      if (mine && fits) {
        const uint8_t* data = v.first;
        if (!in_place) {
          v.copy_to(scratch);
          data = scratch;
        }
        if (o_.learn_peer_aport) peer_aport_ = v.source.aport;
        peer_gone_ = false;  // it just spoke: whatever refused us before (a ring not yet there) is past
        ++st_.received;
        st_.bytes_received += v.size;
        f(data, v.size);  // read before releasing the bytes
      }
      (void)reader_.consume(v);
      notify_pending_ = true;
      if (!mine) {
        ++st_.dropped_foreign;
        continue;
      }
      if (!fits) return {result::msg_size, 0};
      return {result::ok, v.size};
    }
  }

  uint32_t max_message_size() noexcept {
    if (peer_max_ == 0 && peer_aport_ != 0) {
      const hmx::result<hmx_ring_data_ent_t> e = c_->query(hmx::make_addr(peer_aport_, o_.peer), 0);
      if (e.ok() && (e->flags & HMX_RING_EXISTS) != 0) peer_max_ = e->max_message_size;
    }
    return peer_max_;
  }

  result wait(uint64_t timeout_ns) noexcept {
    const uint64_t start = w_->now_ns();
    const result r = wait_until(start, timeout_ns);
    st_.wait_ns += w_->now_ns() - start;
    return r;
  }

 private:
  result wait_until(uint64_t start, uint64_t timeout_ns) noexcept {
    const uint64_t deadline = timeout_ns > ~start ? ~uint64_t{0} : start + timeout_ns;
    // While polling, the deferred notify keeps waiting for a send to ride with (a peer waiting
    // for space in our ring waits at most poll_ns longer); before sleeping it goes out alone.
    if (open_ && o_.poll_ns != 0) {
      const uint64_t until = deadline - start > o_.poll_ns ? start + o_.poll_ns : deadline;
      if (moderated()) hmx::suppress_rx_event(reader_);  // polling: no interrupt (HMX-EVENT-057)
      do {
        if (!reader_.empty()) return result::ok;  // the event bit untouched: no interrupt came
        if (space_wait_ && o_.events != nullptr &&
            hmx::test_and_clear_status(o_.events, HMX_EVENT_SPACE_AVAILABLE) != 0) {
          space_wait_ = false;
          return result::ok;
        }
        relax();
      } while (w_->now_ns() < until);
    }
    (void)flush_notify();
    for (;;) {
      const uint64_t token = w_->prepare();
      if (ready()) return result::ok;
      // Moderated: ask for the message at rx_ptr; arming re-reads tx_ptr after a full barrier, so
      // one that arrived meanwhile is taken instead of slept on (HMX-EVENT-054 HMX-EVENT-055 HMX-EVENT-056).
      if (moderated() && !hmx::arm_rx_event(reader_)) return result::ok;
      if (peer_gone_) return result::conn_refused;
      const uint64_t now = w_->now_ns();
      if (now >= deadline) break;
      uint64_t until = deadline;
      const bool slice = space_wait_ && until - now > o_.space_poll_ns;
      if (slice) until = now + o_.space_poll_ns;
      ++st_.sleeps;
      w_->sleep(token, until);
      // Wake-ups for other rings of the domain, or timer ticks, sleep again; after a space
      // slice the caller retries its send.
      if (slice && w_->now_ns() >= until) return result::ok;
    }
    if (ready()) return result::ok;
    // The deadline passed in silence: is the peer still there (spec "Peer failure")?
    return peer_alive() ? result::timed_out : result::conn_refused;
  }

 public:
  uint64_t now_ns() noexcept { return w_->now_ns(); }

  // ---- exposure_channel ----------------------------------------------------------------------
  // The exposures object (one scratch page of the environment) must outlive the channel; several
  // channels of one vCPU may share it. nullptr detaches.
  void attach_exposures(exposures_t* x) noexcept { x_ = x; }
  bool exposures_available() const noexcept { return x_ != nullptr && x_->init_status().ok(); }

  expose_result expose(const void* range, uint32_t len, uint16_t access, uint32_t uses) noexcept {
    if (!exposures_available()) return {result::not_supported, 0};
    const hmx::result<uint64_t> h = x_->expose(range, len, o_.peer, access, uses);
    if (!h.ok()) return {from_status(h.error()), 0};
    ++st_.exposes;
    return {result::ok, *h};
  }
  result fetch(uint64_t handle, uint64_t offset, void* dst, uint32_t len) noexcept {
    if (!exposures_available()) return result::not_supported;
    const hmx::result<uint32_t> r = x_->fetch(o_.peer, handle, offset, dst, len);
    if (!r.ok()) return from_status(r.error());
    if (*r != len) return result::io;  // the spec copies all or nothing: a short count is a broken hypervisor
    st_.bytes_fetched += len;
    return result::ok;
  }
  result deposit(uint64_t handle, uint64_t offset, const void* src, uint32_t len) noexcept {
    if (!exposures_available()) return result::not_supported;
    const hmx::result<uint32_t> r = x_->deposit(o_.peer, handle, offset, src, len);
    if (!r.ok()) return from_status(r.error());
    if (*r != len) return result::io;
    st_.bytes_deposited += len;
    return result::ok;
  }
  // batch_exposure_channel: up to kMaxBatch + 1 copies as entries of one HMX batch (one exit, spec
  // 08-batching), without STOP_ON_ERROR so each entry has its own result. The batch returns how
  // many entries ran; those it stopped before at CALL_BYTE_BUDGET did not run, and the caller
  // submits them again. Without a usable batch: one call per copy.
  uint32_t copy_batch(chan_copy* ops, uint32_t n, bool deposit) noexcept {
    if (n == 0) return 0;
    if (!exposures_available()) {
      for (uint32_t k = 0; k < n; ++k) ops[k].status = result::not_supported;
      return n;
    }
    if (n > kMaxBatch + 1) n = kMaxBatch + 1;  // the caller submits the rest next time
    uint32_t ran = 0;
    if (n > 1 && batch_.init_status().ok()) {
      batch_.clear();
      x_->clear_batch_args();
      uint32_t built = 0;
      for (; built < n; ++built) {
        const chan_copy& o = ops[built];
        const hmx::result<uint32_t> a = deposit ? x_->add_deposit(batch_, o_.peer, o.handle, o.offset, o.buf, o.len)
                                                : x_->add_fetch(batch_, o_.peer, o.handle, o.offset, o.buf, o.len);
        if (!a.ok()) break;
      }
      if (built > 1) {
        const hmx::result<uint32_t> r = c_->run(batch_, 0);
        if (r.ok() && *r >= 1 && *r <= built) {
          ran = *r;
          for (uint32_t k = 0; k < ran; ++k) {
            const int64_t raw = batch_.entry_result(k);
            ops[k].status = raw < 0 ? from_status(batch_.entry_status(k))
                                    : (static_cast<uint64_t>(raw) != ops[k].len ? result::io : result::ok);
            if (ops[k].status == result::ok) (deposit ? st_.bytes_deposited : st_.bytes_fetched) += ops[k].len;
          }
          ++st_.batches;
        }
      }
      batch_.clear();
      x_->clear_batch_args();
      if (ran != 0) return ran;
    }
    // One call: the first entry alone (the caller submits the rest again).
    ops[0].status = deposit ? this->deposit(ops[0].handle, ops[0].offset, ops[0].buf, ops[0].len)
                            : fetch(ops[0].handle, ops[0].offset, ops[0].buf, ops[0].len);
    return 1;
  }
  result revoke(uint64_t handle) noexcept {
    if (!exposures_available()) return result::not_supported;
    const hmx::status s = x_->revoke(handle);
    if (!s.ok()) return from_status(s);
    ++st_.revokes;
    return result::ok;
  }

  // ---- beyond the concept --------------------------------------------------------------------
  // Issues the deferred notify now (before sleeping outside wait(), or when shutting down).
  hmx::status flush_notify() noexcept {
    if (!notify_pending_) return {};
    notify_pending_ = false;
    ++st_.notifies;
    return c_->notify();
  }
  bool notify_pending() const noexcept { return notify_pending_; }
  // Another channel of this domain issued a notify: it covered this ring too (notify wakes the
  // waiters of every ring of the caller).
  void notify_done() noexcept { notify_pending_ = false; }

  // Asks the hypervisor whether the peer's ring still exists (notify query). The query names
  // the space a waiting send needs, so it refreshes that wait instead of cancelling it.
  bool peer_alive() noexcept {
    if (peer_gone_) return false;
    if (peer_aport_ == 0) return true;  // not connected yet: nothing to lose
    const hmx::result<hmx_ring_data_ent_t> e =
        c_->query(hmx::make_addr(peer_aport_, o_.peer), space_wait_ ? need_ : 0);
    if (e.ok() && (e->flags & HMX_RING_EXISTS) != 0) return true;
    peer_gone_ = true;
    return false;
  }
  bool peer_gone() const noexcept { return peer_gone_; }
  bool has_messages() const noexcept { return open_ && !reader_.empty(); }
  uint32_t peer_aport() const noexcept { return peer_aport_; }
  uint32_t aport() const noexcept { return o_.aport; }
  uint16_t peer() const noexcept { return o_.peer; }
  // Largest message the own ring accepts (announced to the peer).
  uint32_t own_max_message() const noexcept { return hmx::ring_max_message_size(o_.ring_len); }
  const hmx::ring_reader& reader() const noexcept { return reader_; }
  const hmx_channel_stats& stats() const noexcept { return st_; }

 private:
  static void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  bool has_gpa(const void* p, uint32_t len) noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    return c_->env().to_gpa(b) != hmx::invalid_gpa && c_->env().to_gpa(b + len - 1) != hmx::invalid_gpa;
  }

  // One message's pieces as libhmx buffers. A piece without a GPA (hosted code's heap or
  // stack) goes through the bounce scratch; the others are sent in place.
  result prepare(const chan_msg& m, hmx::buffer* bufs, uint64_t& total, uint32_t& bounced) noexcept {
    if (m.n == 0 || m.n > VTA_MAX_IOV) return result::invalid;
    total = 0;
    for (uint32_t i = 0; i < m.n; ++i) {
      const chan_iov& v = m.iov[i];
      bufs[i] = {v.base, v.len};
      total += v.len;
      if (v.len == 0 || has_gpa(v.base, v.len)) continue;
      if (o_.bounce == nullptr || v.len > o_.bounce_len - bounced) return result::invalid;
      __builtin_memcpy(o_.bounce + bounced, v.base, v.len);
      bufs[i].data = o_.bounce + bounced;
      bounced += v.len;
    }
    return result::ok;
  }

  result map_send_error(int64_t raw, uint64_t total) noexcept {
    switch (static_cast<hmx::errc>(raw)) {
      case hmx::errc::again:
        space_wait_ = true;
        need_ = static_cast<uint32_t>(total);
        ++st_.eagain;
        return result::again;
      case hmx::errc::connrefused:
      case hmx::errc::srch:  // the peer domain itself is gone (HMX-DOM-005 HMX-DOM-006)
        peer_gone_ = true;
        return result::conn_refused;
      case hmx::errc::msgsize: return result::msg_size;
      case hmx::errc::acces: return result::denied;
      case hmx::errc::inval:
      case hmx::errc::fault: return result::invalid;
      default: return static_cast<result>(static_cast<int32_t>(raw));
    }
  }

  template <class S>
  static result from_status(S s) noexcept { return static_cast<result>(static_cast<int32_t>(s.code())); }

  // A message waits, or the space this side waited for was announced.
  bool moderated() const noexcept { return open_ && (o_.register_flags & HMX_REGISTER_FLAG_EVENT_IDX) != 0; }

  bool ready() noexcept {
    if (!open_) return true;
    if (o_.events != nullptr)  // clear the ring's bit first: a later message raises it again
      (void)hmx::test_and_clear_ring_pending(o_.events, hmx::ring_event_index(reader_.header()));
    if (!reader_.empty()) return true;
    if (space_wait_ && o_.events != nullptr &&
        hmx::test_and_clear_status(o_.events, HMX_EVENT_SPACE_AVAILABLE) != 0) {
      space_wait_ = false;
      return true;
    }
    return false;
  }

  client_t* c_;
  Waiter* w_;
  hmx::batch<Env> batch_;
  exposures_t* x_ = nullptr;
  hmx_channel_options o_{};
  hmx::ring_reader reader_;
  uint32_t peer_aport_ = 0;
  uint32_t peer_max_ = 0;
  uint32_t need_ = 0;
  bool open_ = false;
  bool peer_gone_ = false;
  bool space_wait_ = false;
  bool notify_pending_ = false;
  hmx_channel_stats st_;
};

}  // namespace hmx::virtio_argo
