/* SPDX-License-Identifier: MIT */
// The driver transport's per-virtqueue data path (spec "Data path", "Flow control"): it plays
// the device's part on the driver's own split ring (vring_engine), so the virtio driver above
// it is unchanged, and moves bytes only inside messages:
//  - kick: each new available chain becomes one request: its driver-readable bytes travel in
//    AVAIL messages, split into fragments that fit the device's ring and VTA_MAX_IOV - 1 iovs
//    (gathered straight from the chain's buffers, no staging copy);
//  - USED: the device-written bytes are scattered into the chain's writable buffers, then the
//    used element is published.
// It keeps the credit (max_in_flight) the device granted (HMX-VTA-023) and resumes a partly
// sent request after EAGAIN (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082, -022).
// With VTA_TRANSPORT_F_EXPOSURES negotiated and a channel that can expose (spec transport
// "Requests with exposures"), a chain whose pieces fit one message goes as one exposed AVAIL:
// each piece exposed to the device domain with one use, readable pieces EXPOSE_READ, writable
// ones EXPOSE_WRITE (HMX-VTA-156 HMX-VTA-157); its USED carries no data, so nothing is copied
// from the ring into the buffers. A chain that does not fit, or whose expose fails, takes the
// data path. With an exposure window (exposure_window.h, spec transport "Exposure windows") a
// chain whose pieces all lie in it goes as an exposed AVAIL of window segments (handle, offset,
// len): no expose and no revoke, and such AVAILs are batched like the data path's.
// Freestanding; not thread-safe.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/channel.h"
#include "hmx/virtio_argo/driver/exposure_window.h"
#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/protocol.h"
#include "hmx/virtio_argo/protocol_exposed.h"
#include "hmx/virtio_argo/vring_engine.h"

namespace hmx::virtio_argo {

// Most pieces of a chain sent as an exposed AVAIL (a virtio-blk request has three).
inline constexpr uint32_t kMaxExposedSegments = 4;

// Driver-side record of one request, indexed by its head (one per queue entry).
struct inflight_slot {
  uint32_t tag;       // header token of its AVAIL and USED messages; 0 when free
  uint32_t writable;  // capacity recorded when it was sent (bounds the scatter, HMX-VTA-088 HMX-VTA-089)
  uint32_t received;  // USED bytes received so far
  uint32_t written;   // written_total announced by the first USED fragment
  uint8_t state;      // inflight_state
  uint8_t exposed;    // segments of its exposed AVAIL (0: data path)
  uint8_t window;     // 1: the segments name the exposure window (nothing to revoke)
  uint32_t seg_len[kMaxExposedSegments];
  uint32_t seg_offset[kMaxExposedSegments];  // into the exposure: 0 per request (HMX-VTA-168)
  uint64_t handle[kMaxExposedSegments];
};

enum inflight_state : uint8_t { slot_free = 0, slot_sending, slot_in_flight, slot_receiving };

struct proxy_stats {
  uint64_t requests = 0;        // chains forwarded
  uint64_t avail_messages = 0;  // AVAIL messages sent (fragments included)
  uint64_t used_messages = 0;
  uint64_t completions = 0;
  uint64_t stale_used = 0;      // USED for no in-flight request (dropped, HMX-VTA-098 HMX-VTA-099)
  uint64_t credit_stalls = 0;   // pumps that stopped at the credit limit
  uint64_t eagain = 0;          // sends refused with EAGAIN
  uint64_t coalesced = 0;       // pumps that held short batches back (kick_batch)
  uint64_t exposed_requests = 0;   // chains sent as exposed AVAILs
  uint64_t exposure_fallbacks = 0; // chains that could have gone exposed but took the data path
  uint64_t exposure_errors = 0;    // exposed requests completed with USED_F_EXPOSURE_ERROR
  uint64_t revokes = 0;            // revokes of exposures still alive (HMX-VTA-163 HMX-VTA-164)
  uint64_t exposure_calls = 0;     // per-request expose and revoke calls made (each a call into the hypervisor)
  uint64_t window_requests = 0;    // of exposed_requests, those sent with window segments (no call)
  uint64_t used_copy_bytes = 0;    // bytes copied from USED messages into the chains' buffers
};

class queue_proxy {
 public:
  // vq must be set up (ring placed, features negotiated); slots has vq.size() entries.
  // kick_batch: with a batching channel, new chains wait until this many can go in one call
  // while at least two requests keep the device busy (kick coalescing, the message-passing
  // counterpart of a shared-memory device's NO_NOTIFY while it works, virtio 1.2 2.7.10).
  void init(uint16_t dev_num, const split_virtqueue& vq, inflight_slot* slots, uint32_t max_in_flight,
            uint32_t max_request_bytes, uint32_t kick_batch = 1, bool exposures = false,
            exposure_window* window = nullptr) {
    dev_num_ = dev_num;
    exposures_ = exposures;
    window_ = window;
    kick_batch_ = kick_batch;
    vq_index_ = vq.index();
    engine_.init(vq.ring(), vq.indirect(), vq.event_idx(), vq.memory());
    slots_ = slots;
    size_ = vq.size();
    max_in_flight_ = max_in_flight < size_ ? max_in_flight : size_;
    max_request_bytes_ = max_request_bytes;
    for (uint16_t i = 0; i < size_; ++i) slots_[i] = {};
    in_flight_ = 0;
    sending_ = false;
    active_ = true;
  }
  // Forgets every request (device or queue reset, peer failure): late USED messages then match
  // no slot and are dropped, so a buffer the driver got back is never written (HMX-VTA-032).
  // The exposures of outstanding requests are revoked first (HMX-VTA-164): once this returns,
  // no copy of the device touches their buffers.
  template <message_channel C>
  void deactivate(C& ch) {
    if constexpr (exposure_channel<C>) {
      if (slots_ != nullptr)
        for (uint16_t i = 0; i < size_; ++i) revoke_all(ch, slots_[i]);
    }
    deactivate();
  }
  void deactivate() {
    if (slots_ != nullptr)
      for (uint16_t i = 0; i < size_; ++i) {
        if (slots_[i].window != 0 && window_ != nullptr) window_->forget();
        slots_[i] = {};
      }
    in_flight_ = 0;
    sending_ = false;
    active_ = false;
  }
  bool active() const { return active_; }
  uint32_t in_flight() const { return in_flight_; }
  const proxy_stats& stats() const { return stats_; }

  // Forwards available chains until the ring is drained, the credit is used up, or the device's
  // ring is full (result::again). `next_tag` is the connection-wide tag counter. Any other
  // non-ok result means the driver's ring is malformed (protocol), a chain exceeds the device's
  // max_request_bytes (msg_size), or the channel failed.
  template <message_channel C>
  result pump(C& ch, uint32_t& next_tag) {
    if (!active_) return result::ok;
    const uint32_t max_msg = ch.max_message_size();
    if (max_msg <= VTA_AVAIL_PREFIX || max_msg > VTA_MAX_MESSAGE_SIZE) return result::msg_size;
    bool expose = false, window = false;
    if constexpr (exposure_channel<C>) {
      expose = exposures_ && ch.exposures_available();
      uint16_t next = 0;  // exposed at its first use, not by a pump with nothing to send
      window = expose && window_ != nullptr && (sending_ || engine_.peek(next) != result::again) && window_->ready(ch);
    }
    for (;;) {
      // Batched: the data path, and window requests (no call of their own). A chain that needs
      // per-request exposures stops the batch and goes alone below.
      if constexpr (batch_message_channel<C>) {
        if ((!expose || window) && !(sending_ && slots_[send_head_].exposed != 0)) {
          bool single = false;
          const result r = pump_batched(ch, next_tag, max_msg, window, single);
          if (!single) return r;
        }
      }
      bool idle = false;
      const result r = pump_one(ch, next_tag, max_msg, expose, window, idle);
      if (r != result::ok || idle) return r;
    }
  }

  // Applies one USED message addressed to this queue. Returns ok (also for a stale message,
  // which is dropped), or protocol when the device contradicts what it was sent; `completed`
  // tells whether a used element was published.
  // `flags` is the USED's flags word (only VTA_USED_F_EXPOSURE_ERROR, only for exposed requests).
  template <message_channel C>
  result on_used(C& ch, const data_view<used_fields>& v, uint32_t flags, uint32_t tag, bool& completed) {
    completed = false;
    ++stats_.used_messages;
    if (!active_ || v.f.head >= size_) return active_ ? result::protocol : result::ok;
    inflight_slot& s = slots_[v.f.head];
    if (tag == 0 || s.tag != tag || s.state == slot_free) {
      ++stats_.stale_used;
      return result::ok;
    }
    if (s.state == slot_sending) return result::protocol;  // completed before it was fully sent
    if (s.exposed != 0) {
      // An exposed request's USED has no data (HMX-VTA-160).
      if (v.data_len != 0 || v.f.offset != 0 || v.f.written_total > s.writable ||
          (flags & ~VTA_USED_F_EXPOSURE_ERROR) != 0)
        return result::protocol;
      const bool failed = (flags & VTA_USED_F_EXPOSURE_ERROR) != 0;
      if constexpr (exposure_channel<C>) {
        if (s.window != 0 && window_ != nullptr)
          window_->finished(ch, failed);  // nothing to revoke: the window stays (HMX-VTA-163)
        else
          revoke_all(ch, s);  // before the buffers go back (HMX-VTA-163)
      }
      if (failed) ++stats_.exposure_errors;
      engine_.push_used(v.f.head, failed ? 0 : v.f.written_total);  // HMX-VTA-165
      s = {};
      --in_flight_;
      ++stats_.completions;
      completed = true;
      return result::ok;
    }
    if (flags != 0) return result::protocol;
    if (s.state == slot_in_flight) {
      if (v.f.offset != 0 || v.f.written_total > s.writable) return result::protocol;
      s.written = v.f.written_total;
      s.state = slot_receiving;
    } else if (v.f.written_total != s.written || v.f.offset != s.received) {
      return result::protocol;  // fragments arrive in order and agree on the total (HMX-VTA-027)
    }
    scatter(v.f.head, s.received, v.data, v.data_len);
    stats_.used_copy_bytes += v.data_len;
    s.received += v.data_len;
    if (s.received < s.written) return result::ok;
    engine_.push_used(v.f.head, s.written);
    s = {};
    --in_flight_;
    ++stats_.completions;
    completed = true;
    return result::ok;
  }

  // Whether the driver wants a used-buffer notification now (virtqueue flags / used_event).
  bool should_interrupt() { return active_ && engine_.should_interrupt(); }

 private:
  // One step of the unbatched path: starts the next chain (within the credit) and sends its
  // AVAIL or next fragment. `idle` when there is nothing to do now (drained, or credit used up).
  template <message_channel C>
  result pump_one(C& ch, uint32_t& next_tag, uint32_t max_msg, bool expose, bool window, bool& idle) {
    (void)expose;
    (void)window;
    if (!sending_) {
      if (in_flight_ >= max_in_flight_) {
        ++stats_.credit_stalls;
        idle = true;
        return result::ok;  // resumes when a USED returns a credit
      }
      uint16_t head = 0;
      result r = engine_.peek(head);
      if (r == result::again) {
        idle = !engine_.enable_kicks();  // else raced with the driver: drain again
        return result::ok;
      }
      if (r != result::ok) return r;
      chain_info info;
      if ((r = engine_.measure(head, info)) != result::ok) return r;
      if (slots_[head].state != slot_free) return result::protocol;  // head reused while outstanding
      if (info.readable > max_request_bytes_ || info.writable > max_request_bytes_) return result::msg_size;
      engine_.consume();
      if (++next_tag == 0) next_tag = 1;  // 0 is never a tag
      slots_[head] = {next_tag, info.writable, 0, 0, slot_sending, 0, 0, {}, {}, {}};
      ++in_flight_;
      ++stats_.requests;
      sending_ = true;
      send_head_ = head;
      send_offset_ = 0;
      send_readable_ = info.readable;
      if constexpr (exposure_channel<C>) {
        window_plan w;
        if (window && place_in_window(head, max_msg, 0, w)) {
          take_window(slots_[head], w);
        } else if (expose) {
          expose_chain(ch, head, max_msg);
        }
      }
    }
    const result r = slots_[send_head_].exposed != 0 ? send_exposed(ch) : send_fragment(ch, max_msg);
    if (r == result::again) ++stats_.eagain;
    return r;
  }

  // The segments of a chain whose pieces all lie in the exposure window.
  struct window_plan {
    uint8_t n = 0;
    uint32_t len[kMaxExposedSegments] = {};
    uint32_t offset[kMaxExposedSegments] = {};
  };

  // Segments most one exposed AVAIL of max_msg bytes carries here.
  static uint32_t segment_cap(uint32_t max_msg) {
    uint32_t cap = max_exposure_segments(max_msg);
    if (cap > VTA_MAX_IOV - 1) cap = VTA_MAX_IOV - 1;
    return cap < kMaxExposedSegments ? cap : kMaxExposedSegments;
  }

  // Plans chain `head` as window segments: true when every non-empty piece lies in the window,
  // readable pieces come first, they fit one message, and the window has the uses for them on
  // top of `uses_planned` (spec transport "Exposure windows"; each byte named once, in the
  // direction of its piece, so the device copies it at most once, HMX-VTA-158 HMX-VTA-159).
  // A piece that continues the previous one in the window, in the same direction, extends its
  // segment: one copy of the device instead of two (a blk header just before its data).
  bool place_in_window(uint16_t head, uint32_t max_msg, uint64_t uses_planned, window_plan& w) const {
    const uint32_t cap = segment_cap(max_msg);
    bool ok = true, seen_writable = false;
    const result r = engine_.walk(head, [&](const chain_segment& c) {
      if (c.len == 0) return true;
      uint32_t off = 0;
      if ((seen_writable && !c.writable) || !window_->locate(c.ptr, c.len, off)) {
        ok = false;
        return false;
      }
      if (w.n != 0 && seen_writable == c.writable && w.offset[w.n - 1] + w.len[w.n - 1] == off) {
        w.len[w.n - 1] += c.len;  // both within the window (<= EXPOSE_MAX_BYTES): no overflow
        return true;
      }
      if (w.n == cap) {
        ok = false;
        return false;
      }
      seen_writable = seen_writable || c.writable;
      w.len[w.n] = c.len;
      w.offset[w.n] = off;
      ++w.n;
      return true;
    });
    return r == result::ok && ok && w.n != 0 && window_->can_take(uses_planned + w.n);
  }

  // Records a planned window request in its slot (sent with send_exposed or in a batch).
  void take_window(inflight_slot& s, const window_plan& w) {
    s.exposed = w.n;
    s.window = 1;
    for (uint32_t i = 0; i < w.n; ++i) {
      s.handle[i] = window_->handle();
      s.seg_len[i] = w.len[i];
      s.seg_offset[i] = w.offset[i];
    }
    window_->started(w.n);
    ++stats_.exposed_requests;
    ++stats_.window_requests;
  }

  // Exposes each piece of chain `head` to the device domain with one use (HMX-VTA-156
  // HMX-VTA-157); slot.exposed stays 0 (data path) when the chain has more pieces than one
  // message or kMaxExposedSegments carries, a readable piece after a writable one, or an
  // expose fails (a range beyond EXPOSE_MAX_BYTES, the per-domain limit, memory that is not
  // guest-physically contiguous): what was exposed of it is revoked.
  template <exposure_channel C>
  void expose_chain(C& ch, uint16_t head, uint32_t max_msg) {
    inflight_slot& s = slots_[head];
    const uint32_t fit = max_exposure_segments(max_msg) < VTA_MAX_IOV - 1 ? max_exposure_segments(max_msg)
                                                                          : VTA_MAX_IOV - 1;
    const uint32_t cap = fit < kMaxExposedSegments ? fit : kMaxExposedSegments;
    bool ok = true, seen_writable = false;
    uint32_t n = 0;
    const result w = engine_.walk(head, [&](const chain_segment& c) {
      if (c.len == 0) return true;
      if (n == cap || (seen_writable && !c.writable)) {
        ok = false;
        return false;
      }
      seen_writable = seen_writable || c.writable;
      ++stats_.exposure_calls;
      const expose_result x =
          ch.expose(c.ptr, c.len, static_cast<uint16_t>(c.writable ? HMX_EXPOSE_WRITE : HMX_EXPOSE_READ), 1);
      if (x.status != result::ok) {
        ok = false;
        return false;
      }
      s.handle[n] = x.handle;
      s.seg_len[n] = c.len;
      s.seg_offset[n] = 0;  // the whole per-request exposure (HMX-VTA-168)
      s.exposed = static_cast<uint8_t>(++n);
      return true;
    });
    if (w != result::ok || !ok || n == 0) {
      revoke_all(ch, s);
      ++stats_.exposure_fallbacks;
      return;
    }
    ++stats_.exposed_requests;
  }

  // Ends every per-request exposure of `s`; one the device used up is already gone (no_entry),
  // which is what the driver cannot tell without asking. A window request has none.
  template <exposure_channel C>
  void revoke_all(C& ch, inflight_slot& s) {
    if (s.window != 0) {
      s.exposed = 0;
      return;
    }
    for (uint32_t i = 0; i < s.exposed; ++i) {
      ++stats_.exposure_calls;
      if (ch.revoke(s.handle[i]) == result::ok) ++stats_.revokes;
    }
    s.exposed = 0;
  }

  // The exposed AVAIL of the request at send_head_: the prefix, then one segment per piece.
  template <message_channel C>
  result send_exposed(C& ch) {
    inflight_slot& s = slots_[send_head_];
    uint8_t prefix[VTA_AVAIL_PREFIX];
    uint8_t seg[kMaxExposedSegments][VTA_EXPOSURE_SEGMENT_SIZE];
    chan_iov iov[1 + kMaxExposedSegments];
    encode_exposed_avail_prefix(prefix, dev_num_, s.tag, vq_index_, send_head_, send_readable_, s.writable, s.exposed);
    iov[0] = {prefix, VTA_AVAIL_PREFIX};
    for (uint32_t i = 0; i < s.exposed; ++i) {
      encode_exposure_segment(seg[i], {s.handle[i], s.seg_len[i], s.seg_offset[i]});
      iov[1 + i] = {seg[i], VTA_EXPOSURE_SEGMENT_SIZE};
    }
    const result r = ch.send(iov, 1 + s.exposed);
    if (r != result::ok) return r;
    ++stats_.avail_messages;
    s.state = slot_in_flight;
    sending_ = false;
    return result::ok;
  }

  // The AVAIL fragment of request `head` (tag, totals) starting at readable byte `offset`:
  // header + body in `prefix`, then up to VTA_MAX_IOV - 1 pieces of the readable buffers,
  // gathered in place (HMX-VTA-038). `len` receives the data bytes it carries.
  result build_fragment(uint16_t head, uint32_t tag, uint32_t offset, uint32_t readable, uint32_t writable,
                        uint32_t max_msg, uint8_t (&prefix)[VTA_AVAIL_PREFIX], chan_iov* iov, uint32_t& n,
                        uint32_t& len) const {
    n = 1;
    len = 0;
    uint32_t budget = max_msg - VTA_AVAIL_PREFIX;
    uint32_t skip = offset;
    const result w = engine_.walk(head, [&](const chain_segment& s) {
      if (s.writable || budget == 0 || n == VTA_MAX_IOV) return false;
      if (skip >= s.len) {
        skip -= s.len;
        return true;
      }
      const uint32_t take = s.len - skip < budget ? s.len - skip : budget;
      iov[n++] = {s.ptr + skip, take};
      skip = 0;
      budget -= take;
      len += take;
      return true;
    });
    if (w != result::ok) return w;
    encode_avail_prefix(prefix, dev_num_, tag, {vq_index_, head, 0, readable, writable, offset, 0}, len);
    iov[0] = {prefix, VTA_AVAIL_PREFIX};
    return result::ok;
  }

  // Sends the next fragment of the request at send_head_.
  template <message_channel C>
  result send_fragment(C& ch, uint32_t max_msg) {
    chan_iov iov[VTA_MAX_IOV];
    uint8_t prefix[VTA_AVAIL_PREFIX];
    uint32_t n = 0, len = 0;
    const result w = build_fragment(send_head_, slots_[send_head_].tag, send_offset_, send_readable_,
                                    slots_[send_head_].writable, max_msg, prefix, iov, n, len);
    if (w != result::ok) return w;
    const result r = ch.send(iov, n);
    if (r != result::ok) return r;
    ++stats_.avail_messages;
    send_offset_ += len;
    if (send_offset_ == send_readable_) {
      slots_[send_head_].state = slot_in_flight;
      sending_ = false;
    }
    return result::ok;
  }

  // The batched data path: plans up to kBatch fragments (of the request being sent, then of new
  // chains, within the credit) without changing any state, sends them in one call, and commits
  // exactly the fragments the channel accepted, in order. A fragment refused with EAGAIN and
  // everything planned after it stay unsent and are planned again next time, so nothing of the
  // queue overtakes it (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082, -027). Errors of a chain surface when it is first in line.
  // With `window`, a new chain whose pieces all lie in the exposure window is planned as one
  // exposed AVAIL of window segments; one that would need per-request exposures ends the plan,
  // and `single` tells the caller to send it alone once the batch before it went out.
  static constexpr uint32_t kBatch = 16;
  struct planned {
    uint16_t head;
    bool first;  // the request's first fragment: the chain is consumed and the request starts
    uint32_t tag, readable, writable, len;
    window_plan w;  // w.n != 0: an exposed AVAIL of window segments
  };

  template <batch_message_channel C>
  result pump_batched(C& ch, uint32_t& next_tag, uint32_t max_msg, bool window, bool& single) {
    single = false;
    for (;;) {
      planned plan[kBatch];
      uint8_t prefix[kBatch][VTA_AVAIL_PREFIX];
      chan_iov iov[kBatch][VTA_MAX_IOV];
      uint8_t seg[kBatch][kMaxExposedSegments][VTA_EXPOSURE_SEGMENT_SIZE];
      chan_msg msgs[kBatch];
      uint64_t uses = 0;  // window uses of the plan
      // The state the plan moves through, starting from the real one.
      bool sending = sending_;
      uint16_t head = send_head_;
      uint32_t offset = send_offset_, readable = send_readable_;
      uint32_t writable = sending_ ? slots_[send_head_].writable : 0;
      uint32_t tag = sending_ ? slots_[send_head_].tag : 0;
      uint32_t in_flight = in_flight_, tags = next_tag;
      uint16_t taken = 0;
      uint32_t n = 0;
      result stop = result::ok;
      bool drained = false, stalled = false, alone = false;
      while (n < kBatch) {
        bool first = false;
        window_plan w;
        if (!sending) {
          if (in_flight >= max_in_flight_) {
            stalled = true;
            break;
          }
          uint16_t h = 0;
          result r = engine_.peek_at(taken, h);
          if (r == result::again) {
            drained = true;
            break;
          }
          chain_info info;
          if (r == result::ok) r = engine_.measure(h, info);
          if (r == result::ok && (slots_[h].state != slot_free || planned_head(plan, n, h))) r = result::protocol;
          if (r == result::ok && (info.readable > max_request_bytes_ || info.writable > max_request_bytes_))
            r = result::msg_size;
          if (r != result::ok) {
            stop = r;
            break;
          }
          if (window && !place_in_window(h, max_msg, uses, w)) {
            if (exposures_) {  // per-request exposures: alone, after this batch
              alone = true;
              break;
            }
            w = {};
          }
          if (++tags == 0) tags = 1;  // 0 is never a tag
          sending = first = true;
          head = h;
          offset = 0;
          readable = info.readable;
          writable = info.writable;
          tag = tags;
          ++taken;
          ++in_flight;
        }
        if (w.n != 0) {  // the whole request in one exposed AVAIL
          encode_exposed_avail_prefix(prefix[n], dev_num_, tag, vq_index_, head, readable, writable, w.n);
          iov[n][0] = {prefix[n], VTA_AVAIL_PREFIX};
          for (uint32_t i = 0; i < w.n; ++i) {
            encode_exposure_segment(seg[n][i], {window_->handle(), w.len[i], w.offset[i]});
            iov[n][1 + i] = {seg[n][i], VTA_EXPOSURE_SEGMENT_SIZE};
          }
          msgs[n] = {iov[n], 1u + w.n};
          plan[n] = {head, first, tag, readable, writable, readable, w};
          uses += w.n;
          ++n;
          sending = false;
          continue;
        }
        uint32_t niov = 0, len = 0;
        const result r = build_fragment(head, tag, offset, readable, writable, max_msg, prefix[n], iov[n], niov, len);
        if (r != result::ok) {
          stop = r;
          break;
        }
        msgs[n] = {iov[n], niov};
        plan[n] = {head, first, tag, readable, writable, len, {}};
        ++n;
        offset += len;
        if (offset == readable) sending = false;
      }
      // Kick coalescing: a short batch of new requests waits while the device still has work;
      // the USED that frees the next credit brings us back (argo_transport::service pumps).
      if (n != 0 && n < kick_batch_ && drained && !alone && stop == result::ok && !sending_ && in_flight_ >= 2 &&
          n < max_in_flight_ - in_flight_ + 1) {
        ++stats_.coalesced;
        return result::ok;
      }
      result failure = result::ok;
      const uint32_t sent = n != 0 ? ch.send_batch(msgs, n, failure) : 0;
      commit(plan, sent, next_tag);
      if (sent < n) {
        if (failure == result::again) ++stats_.eagain;
        return failure;  // again: resumes on the space event; anything else: the caller's
      }
      if (stop != result::ok) return stop;
      if (alone) {
        single = true;
        return result::ok;
      }
      if (stalled) {
        ++stats_.credit_stalls;
        return result::ok;  // resumes when a USED returns a credit
      }
      if (drained && !sending_ && !engine_.enable_kicks()) return result::ok;
      // A full batch, or entries raced in while kicks were re-armed: plan again.
    }
  }

  static bool planned_head(const planned* plan, uint32_t n, uint16_t head) {
    for (uint32_t i = 0; i < n; ++i)
      if (plan[i].first && plan[i].head == head) return true;
    return false;
  }

  // Applies the first `sent` planned fragments to the real state, as send_fragment would have.
  void commit(const planned* plan, uint32_t sent, uint32_t& next_tag) {
    for (uint32_t i = 0; i < sent; ++i) {
      const planned& p = plan[i];
      if (p.first) {
        engine_.consume();
        next_tag = p.tag;
        slots_[p.head] = {p.tag, p.writable, 0, 0, slot_sending, 0, 0, {}, {}, {}};
        ++in_flight_;
        ++stats_.requests;
        if (p.w.n != 0) {  // a window request: one message, in flight once accepted
          take_window(slots_[p.head], p.w);
          ++stats_.avail_messages;
          slots_[p.head].state = slot_in_flight;
          continue;
        }
        sending_ = true;
        send_head_ = p.head;
        send_offset_ = 0;
        send_readable_ = p.readable;
      }
      ++stats_.avail_messages;
      send_offset_ += p.len;
      if (send_offset_ == send_readable_) {
        slots_[send_head_].state = slot_in_flight;
        sending_ = false;
      }
    }
  }

  // Copies bytes [offset, offset + len) of the written data into the chain's writable buffers.
  // on_used() already bounded offset + len by the capacity recorded at send time.
  void scatter(uint16_t head, uint32_t offset, const uint8_t* data, uint32_t len) {
    (void)engine_.walk(head, [&](const chain_segment& s) {
      if (len == 0) return false;
      if (!s.writable) return true;
      if (offset >= s.len) {
        offset -= s.len;
        return true;
      }
      const uint32_t take = s.len - offset < len ? s.len - offset : len;
      __builtin_memcpy(s.ptr + offset, data, take);
      data += take;
      len -= take;
      offset = 0;
      return true;
    });
  }

  vring_engine engine_;
  inflight_slot* slots_ = nullptr;
  uint16_t dev_num_ = 0;
  uint16_t vq_index_ = 0;
  uint16_t size_ = 0;
  uint32_t max_in_flight_ = 0;
  uint32_t max_request_bytes_ = 0;
  uint32_t kick_batch_ = 1;
  bool exposures_ = false;  // VTA_TRANSPORT_F_EXPOSURES negotiated on the connection
  exposure_window* window_ = nullptr;  // the connection's, when the driver keeps one
  uint32_t in_flight_ = 0;
  bool active_ = false;
  bool sending_ = false;
  uint16_t send_head_ = 0;
  uint32_t send_offset_ = 0;
  uint32_t send_readable_ = 0;
  proxy_stats stats_;
};

}  // namespace hmx::virtio_argo
