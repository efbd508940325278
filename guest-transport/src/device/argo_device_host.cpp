// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/argo_device_host.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace hmx::virtio_argo::device {

namespace v = virtio;

// One request rebuilt in host memory: readable bytes first, then the writable area. A request
// that arrived whole in one AVAIL is served in place: its readable bytes are read straight from
// the message in the own ring (no copy), and only the writable area lives in `buf`.
struct argo_device_host::slot final : request {
  explicit slot(std::pmr::memory_resource* r) : buf(r) {}
  uint32_t tag = 0;
  uint16_t vq = 0;
  uint16_t head = 0;
  uint32_t readable_total = 0;
  uint32_t writable_total = 0;
  uint32_t assembled = 0;
  uint32_t written = 0;
  uint32_t sent = 0;  // USED bytes accepted by the driver's ring
  uint32_t wr_at = 0; // offset of the writable area in buf
  uint64_t charged = 0; // bytes counted against the connection's budget
  bool completed = false;
  // An exposed request: its written bytes go to the driver's writable segments by deposit.
  bool exposed = false;
  bool exposure_failed = false;
  bool deposited = false;  // deposits are made once, even when the USED waits for ring space
  std::vector<exposure_segment> writable_segments;
  std::pmr::vector<uint8_t> buf;
  iovec rd{};
  iovec wr{};

  void arm(request_sink* sink) {
    wr_at = readable_total;
    rd = {buf.data(), readable_total};
    wr = {buf.data() + readable_total, writable_total};
    bind(sink, vq, sg_view({&rd, 1}), sg_view({&wr, 1}));
  }
  // Readable bytes in place (valid while the message is being handled), writable area in buf.
  void arm_in_place(request_sink* sink, const uint8_t* readable) {
    wr_at = 0;
    rd = {const_cast<uint8_t*>(readable), readable_total};
    wr = {buf.data(), writable_total};
    bind(sink, vq, sg_view({&rd, 1}), sg_view({&wr, 1}));
  }
  // The device kept the request beyond process(): its readable bytes must outlive the message.
  void keep(request_sink* sink, std::pmr::memory_resource* mem) {
    std::pmr::vector<uint8_t> whole(size_t{readable_total} + writable_total, mem);
    if (readable_total != 0) std::memcpy(whole.data(), rd.iov_base, readable_total);
    if (writable_total != 0) std::memcpy(whole.data() + readable_total, buf.data(), writable_total);
    buf.swap(whole);
    arm(sink);
  }
};

argo_device_host::argo_device_host(virtio_device& dev, any_channel& ch, const argo_host_options& options)
    : dev_(dev),
      ch_(ch),
      opt_(options),
      // The ring-layout bits are the driver transport's business; RING_RESET is served here.
      core_(dev, v::bit(v::F_RING_RESET), options.limits),
      rx_(std::max(options.rx_capacity, VTA_MIN_MESSAGE_SIZE)),
      tx_(VTA_HEADER_SIZE + sizeof(config_data) + VTA_MAX_CONFIG_SIZE),
      queues_(core_.num_queues()) {
  core_.set_host_listener(this);
  core_.reset();  // a connection starts from a reset device (spec "Bus messages")
}

argo_device_host::~argo_device_host() { dev_.set_config_listener(nullptr); }

void argo_device_host::post(std::function<void()> fn) {
  std::lock_guard lock(post_mu_);
  posted_.push_back(std::move(fn));
}

uint32_t argo_device_host::in_flight_total() const {
  uint32_t n = 0;
  for (const queue_rt& q : queues_) n += q.in_flight;
  return n;
}

uint64_t argo_device_host::outbox_bound() const {
  const uint64_t credits = uint64_t{core_.limits().max_in_flight} * queues_.size();
  const uint64_t held = opt_.budget_entries != 0 ? std::min<uint64_t>(opt_.budget_entries, credits) : credits;
  return held + 2;
}

bool argo_device_host::within_budget(uint64_t cost) const {
  if (opt_.budget_entries != 0 && live_.size() + 1 > opt_.budget_entries) return false;
  return opt_.budget_bytes == 0 || bytes_held_ + cost <= opt_.budget_bytes;
}

void argo_device_host::enqueue(out_entry e) {
  if (e.kind == out_entry::bytes) ++responses_waiting_;
  outbox_.push_back(std::move(e));
  stats_.outbox_peak = std::max<uint64_t>(stats_.outbox_peak, outbox_.size());
}

uint32_t argo_device_host::in_flight(uint16_t queue) const {
  return queue < queues_.size() ? queues_[queue].in_flight : 0;
}

result argo_device_host::poll() {
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard lock(post_mu_);
    posted.swap(posted_);
  }
  for (auto& fn : posted) fn();
  uint32_t handled = 0;
  while (!gone_) {
    // In place when the channel can: an AVAIL's data goes straight from the ring into the
    // request's buffer.
    const recv_result rr = ch_.receive_view(
        rx_.data(), static_cast<uint32_t>(rx_.size()),
        [](void* self, const uint8_t* data, uint32_t size) { static_cast<argo_device_host*>(self)->handle(data, size); },
        this);
    if (rr.status == result::again) break;
    if (rr.status == result::conn_refused) {
      driver_gone();
      break;
    }
    if (rr.status != result::ok) {
      ++stats_.dropped_malformed;
      continue;
    }
    if (++handled % std::max(opt_.completion_batch, 1u) == 0) flush();
  }
  flush();
  return gone_ ? result::conn_refused : result::ok;
}

result argo_device_host::serve(const std::atomic<bool>& stop, uint64_t wait_ns) {
  while (!stop.load(std::memory_order_acquire)) {
    if (poll() == result::conn_refused) return result::conn_refused;
    // The channel reports a vanished driver ring once this side's ring is drained (a binding
    // learns it from sendv's ECONNREFUSED or notify's RING_EXISTS flag).
    if (ch_.wait(wait_ns) == result::conn_refused) {
      (void)poll();
      driver_gone();
      return result::conn_refused;
    }
  }
  return result::ok;
}

void argo_device_host::handle(const uint8_t* data, uint32_t size) {
  message m;
  if (decode_message(data, size, role::device, m) != result::ok || m.is_bus()) {
    ++stats_.dropped_malformed;
    return;
  }
  if (m.hdr.dev_num != opt_.dev_num) {
    ++stats_.dropped_malformed;  // not this connection's device (HMX-VTA-055 HMX-VTA-056)
    return;
  }
  if (m.hdr.msg_id == VTA_MSG_AVAIL) on_avail(m);
  else on_control(m);
}

void argo_device_host::respond(const message& req, uint32_t len) {
  (void)req;
  if (len == 0) return;  // cannot happen with tx_ sized for the largest response
  enqueue({out_entry::bytes, std::vector<uint8_t>(tx_.begin(), tx_.begin() + len), nullptr});
}

// Control requests: each well-formed one gets exactly one response, in order (HMX-VTA-057 HMX-VTA-058);
// a malformed one is dropped (the driver's request then times out).
void argo_device_host::on_control(const message& m) {
  ++stats_.control_requests;
  // HMX-VTA-059 HMX-VTA-060 HMX-VTA-061: the driver cannot have seen the previous answer, which still waits for room in
  // its ring; a second request is a protocol error, so control traffic holds one response.
  if (responses_waiting_ != 0) return violation();
  const msg_header h{VTA_FLAG_RESPONSE, m.hdr.msg_id, opt_.dev_num, m.hdr.token, 0};
  uint8_t* b = tx_.data();
  const auto cap = static_cast<uint32_t>(tx_.size());
  switch (m.hdr.msg_id) {
    case VTA_MSG_GET_DEVICE_INFO:
      if (decode_empty(m, VTA_MSG_GET_DEVICE_INFO, false) != result::ok) break;
      return respond(m, encode(b, cap, h, core_.info()));
    case VTA_MSG_GET_DEVICE_FEATURES: {
      features_block fb{};
      if (decode_features(m, m.hdr.msg_id, false, fb, nullptr) != result::ok) break;
      uint32_t words[VTA_MAX_FEATURE_BLOCKS];
      for (uint32_t i = 0; i < fb.num_blocks; ++i) words[i] = core_.feature_word(fb.block_index + i);
      return respond(m, encode(b, cap, h, fb, words));
    }
    case VTA_MSG_SET_DRIVER_FEATURES: {
      features_block fb{};
      uint32_t words[VTA_MAX_FEATURE_BLOCKS];
      if (decode_features(m, m.hdr.msg_id, false, fb, words) != result::ok) break;
      core_.set_feature_words(fb.block_index, fb.num_blocks, words);
      return respond(m, encode_empty(b, cap, h));
    }
    case VTA_MSG_GET_CONFIG: {
      config_request c{};
      if (decode(m, c) != result::ok) break;
      const uint32_t peer_max = ch_.max_message_size();
      uint8_t data[VTA_MAX_CONFIG_SIZE];
      // A range outside the config space, or one whose response would not fit the driver's
      // ring, is answered with length 0.
      const bool fits = c.length <= VTA_MAX_CONFIG_SIZE &&
                        peer_max >= VTA_HEADER_SIZE + sizeof(config_data) + c.length;
      const bool ok = fits && core_.read_config(c.offset, c.length, data);
      return respond(m, encode(b, cap, h, config_data{core_.generation(), c.offset, ok ? c.length : 0}, data));
    }
    case VTA_MSG_SET_CONFIG: {
      config_data c{};
      const uint8_t* data = nullptr;
      if (decode_config(m, VTA_MSG_SET_CONFIG, false, c, data) != result::ok) break;
      const bool ok = core_.write_config(c.generation, c.offset, data, c.length);
      return respond(m, encode(b, cap, h, config_data{core_.generation(), c.offset, ok ? c.length : 0}, nullptr));
    }
    case VTA_MSG_GET_DEVICE_STATUS:
      if (decode_empty(m, m.hdr.msg_id, false) != result::ok) break;
      return respond(m, encode_u32(b, cap, h, core_.status()));
    case VTA_MSG_SET_DEVICE_STATUS: {
      uint32_t s = 0;
      if (decode_u32(m, m.hdr.msg_id, false, s) != result::ok || s > 0xFF) break;
      if (s == 0) reset_device();  // HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093: every old request is gone before the response
      else core_.set_status(static_cast<uint8_t>(s));
      return respond(m, encode_u32(b, cap, h, core_.status()));
    }
    case VTA_MSG_GET_VQUEUE: {
      uint32_t q = 0;
      if (decode_u32(m, m.hdr.msg_id, false, q) != result::ok) break;
      return respond(m, encode(b, cap, h, core_.queue_info(q)));
    }
    case VTA_MSG_SET_VQUEUE: {
      set_vqueue s{};
      if (decode(m, s) != result::ok) break;
      const uint32_t size = core_.set_queue(s.index, s.size);
      if (size != 0) {
        queue_rt& q = queues_[s.index];
        q.assembling = nullptr;
        q.in_flight = 0;
        q.head_busy.assign(size, false);
      }
      const uint32_t credit = size != 0 ? core_.queue(s.index)->credit : 0;
      return respond(m, encode(b, cap, h, set_vqueue_result{s.index, size, credit, 0}));
    }
    case VTA_MSG_RESET_VQUEUE: {
      uint32_t q = 0;
      if (decode_u32(m, m.hdr.msg_id, false, q) != result::ok) break;
      if (q < queues_.size() && (core_.negotiated() & v::bit(v::F_RING_RESET)) != 0) {
        core_.reset_queue(q);  // the device forgets held requests first
        drop_requests(static_cast<int>(q));
      }
      return respond(m, encode_u32(b, cap, h, q));
    }
    default:
      break;
  }
  ++stats_.dropped_malformed;
}

// AVAIL: rebuild the request; fragments of one request arrive back to back on their queue, in
// offset order (HMX-VTA-026, -027). Anything else is a protocol error of the driver.
void argo_device_host::on_avail(const message& m) {
  if (is_exposed_avail(m)) return on_exposed_avail(m);
  ++stats_.avail_messages;
  data_view<avail_fields> a;
  if (decode(m, a) != result::ok) {
    ++stats_.dropped_malformed;
    return violation();
  }
  if (core_.needs_reset()) return;  // the driver must reset first; its buffers come back then
  if (!core_.queue_live(a.f.vq) || m.hdr.token == 0) return violation();
  queue_rt& q = queues_[a.f.vq];
  const queue_state& qs = *core_.queue(a.f.vq);
  slot* s = q.assembling;
  if (s != nullptr) {
    if (m.hdr.token != s->tag || a.f.head != s->head || a.f.offset != s->assembled ||
        a.f.readable_total != s->readable_total || a.f.writable_total != s->writable_total)
      return violation();
  } else {
    const queue_limits& lim = core_.limits();
    if (a.f.offset != 0 || a.f.head >= qs.size || q.head_busy[a.f.head] || q.in_flight >= qs.credit ||
        a.f.readable_total > lim.max_request_bytes || a.f.writable_total > lim.max_request_bytes)
      return violation();  // HMX-VTA-083 HMX-VTA-084 HMX-VTA-085: beyond the credit or the size limit
    // The budget is checked before anything is allocated: a driver that holds back its ring
    // cannot make the device domain's memory run out (spec "Bounded memory").
    const uint64_t cost = uint64_t{a.f.readable_total} + a.f.writable_total;
    if (!within_budget(cost)) {
      ++stats_.budget_hits;
      return violation();
    }
    std::unique_ptr<slot> fresh;
    const bool in_place = a.data_len == a.f.readable_total;
    const size_t wr_at = in_place ? 0 : a.f.readable_total;
    try {
      if (!pool_.empty()) {
        fresh = std::move(pool_.back());
        pool_.pop_back();
      } else {
        fresh = std::make_unique<slot>(opt_.memory != nullptr ? opt_.memory : std::pmr::get_default_resource());
      }
      fresh->buf.resize(wr_at + a.f.writable_total);
    } catch (const std::bad_alloc&) {
      ++stats_.budget_hits;  // memory ran out below the budget: the same answer
      return violation();
    }
    s = fresh.get();
    s->tag = m.hdr.token;
    s->vq = a.f.vq;
    s->head = a.f.head;
    s->readable_total = a.f.readable_total;
    s->writable_total = a.f.writable_total;
    s->assembled = s->written = s->sent = 0;
    s->completed = false;
    s->exposed = false;  // a recycled slot may have served an exposed request
    s->charged = cost;
    bytes_held_ += cost;
    // Whole in this message (in_place): served in place, so only the writable area is allocated.
    // The writable area starts zeroed, so no byte of an earlier request can reach the driver
    // even if the device writes less than it reports (HMX-VTA-036).
    if (a.f.writable_total != 0) std::memset(s->buf.data() + wr_at, 0, a.f.writable_total);
    live_.emplace(s, std::move(fresh));
    q.head_busy[a.f.head] = true;
    ++q.in_flight;
    if (in_place) {
      s->assembled = a.data_len;
      s->arm_in_place(this, a.data);
      ++stats_.requests;
      dev_.process(*s);
      // A device that keeps the request (to complete it later) gets its own copy of the bytes.
      if (live_.contains(s) && !s->completed) {
        try {
          s->keep(this, s->buf.get_allocator().resource());
        } catch (const std::bad_alloc&) {
          // The device must not go on with readable bytes that are gone: its queue forgets them.
          const uint16_t vq = s->vq;
          ++stats_.budget_hits;
          core_.reset_queue(vq);
          drop_requests(vq);
          violation();
        }
      }
      return;
    }
    q.assembling = s;
  }
  if (a.data_len != 0) std::memcpy(s->buf.data() + s->assembled, a.data, a.data_len);
  s->assembled += a.data_len;
  if (s->assembled < s->readable_total) return;
  q.assembling = nullptr;
  s->arm(this);
  ++stats_.requests;
  dev_.process(*s);
}

// An exposed AVAIL (spec transport "Requests with exposures"): the whole request in one message.
// Each readable segment is fetched once into the request's buffer (HMX-VTA-158), from its offset
// into the exposure (HMX-VTA-166: a window's piece, or 0 for a per-request exposure), and nothing
// else of the exposure (HMX-VTA-171); a failed fetch, a hostile driver's handle or an offset
// beyond the exposure (EINVAL) among them, completes the request with USED_F_EXPOSURE_ERROR
// without serving it (HMX-VTA-161, HMX-VTA-162).
void argo_device_host::on_exposed_avail(const message& m) {
  ++stats_.avail_messages;
  exposed_avail a;
  if (!opt_.exposures || decode(m, a) != result::ok) {  // HMX-VTA-154 HMX-VTA-155
    ++stats_.dropped_malformed;
    return violation();
  }
  if (core_.needs_reset()) return;
  if (!core_.queue_live(a.f.vq) || m.hdr.token == 0) return violation();
  queue_rt& q = queues_[a.f.vq];
  const queue_state& qs = *core_.queue(a.f.vq);
  const queue_limits& lim = core_.limits();
  if (q.assembling != nullptr || a.f.head >= qs.size || q.head_busy[a.f.head] || q.in_flight >= qs.credit ||
      a.f.readable_total > lim.max_request_bytes || a.f.writable_total > lim.max_request_bytes)
    return violation();  // HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
  const uint64_t cost = uint64_t{a.f.readable_total} + a.f.writable_total;
  if (!within_budget(cost)) {
    ++stats_.budget_hits;
    return violation();
  }
  std::unique_ptr<slot> fresh;
  try {
    if (!pool_.empty()) {
      fresh = std::move(pool_.back());
      pool_.pop_back();
    } else {
      fresh = std::make_unique<slot>(opt_.memory != nullptr ? opt_.memory : std::pmr::get_default_resource());
    }
    fresh->buf.resize(cost);
    fresh->writable_segments.clear();
    for (uint32_t i = a.readable; i < a.count; ++i) fresh->writable_segments.push_back(segment_at(a, i));
  } catch (const std::bad_alloc&) {
    ++stats_.budget_hits;
    return violation();
  }
  slot* s = fresh.get();
  s->tag = m.hdr.token;
  s->vq = a.f.vq;
  s->head = a.f.head;
  s->readable_total = a.f.readable_total;
  s->writable_total = a.f.writable_total;
  s->assembled = s->written = s->sent = 0;
  s->completed = false;
  s->exposed = true;
  s->exposure_failed = false;
  s->deposited = false;
  s->charged = cost;
  bytes_held_ += cost;
  if (a.f.writable_total != 0) std::memset(s->buf.data() + a.f.readable_total, 0, a.f.writable_total);
  live_.emplace(s, std::move(fresh));
  q.head_busy[a.f.head] = true;
  ++q.in_flight;
  ++stats_.exposed_requests;
  // The request's fetches as one batch call (copy_all): each segment fetched once into its place
  // (HMX-VTA-158); one that fails fails the request (HMX-VTA-161).
  try {
    copies_.clear();
    copy_owner_.clear();
    uint32_t at = 0;
    for (uint32_t i = 0; i < a.readable; ++i) {
      const exposure_segment seg = segment_at(a, i);
      copies_.push_back({seg.handle, seg.offset, s->buf.data() + at, seg.len, result::ok});
      copy_owner_.push_back(s);
      at += seg.len;
    }
  } catch (const std::bad_alloc&) {
    copies_.clear();
    s->exposure_failed = true;  // nothing fetched: the request fails alone (HMX-VTA-161 HMX-VTA-162)
  }
  copy_all(/*deposit=*/false);
  for (const chan_copy& c : copies_) {
    if (c.status != result::ok) s->exposure_failed = true;
    else stats_.bytes_fetched += c.len;
  }
  copies_.clear();
  copy_owner_.clear();
  s->arm(this);
  if (s->exposure_failed) {
    ++stats_.exposure_errors;
    s->completed = true;
    s->written = 0;
    enqueue({out_entry::used, {}, s});
    return;
  }
  s->assembled = s->readable_total;
  ++stats_.requests;
  dev_.process(*s);
}

// Runs copies_ (fetches or deposits) through the channel: as few calls as its copy_batch() allows.
// Entries a call did not run (its byte budget, spec 08-batching) go again in the next call, in
// order, so every entry runs exactly once (HMX-VTA-158 HMX-VTA-159) and none is failed for it.
void argo_device_host::copy_all(bool deposit) {
  const auto n = static_cast<uint32_t>(copies_.size());
  uint32_t done = 0;
  while (done < n) {
    const uint32_t ran = ch_.copy_batch(copies_.data() + done, n - done, deposit);
    ++stats_.exposure_calls;
    // A binding that ran nothing (or claims more than asked) makes no progress: the entries left
    // fail, each failing only its own request (HMX-VTA-161 HMX-VTA-162).
    if (ran == 0 || ran > n - done) {
      for (uint32_t k = done; k < n; ++k) copies_[k].status = result::io;
      break;
    }
    done += ran;
  }
}

// The deposits of every exposed request waiting in the outbox, together in as few calls as the
// channel allows (copy_all): each request's written bytes go into its writable segments in order,
// each byte once (HMX-VTA-159), at the segment's offset (HMX-VTA-167). A request one of whose
// deposits failed is completed with USED_F_EXPOSURE_ERROR and written_total 0 (HMX-VTA-161); the
// others are not affected (HMX-VTA-162). No USED leaves before its deposits ran (flush() sends
// after this).
void argo_device_host::deposit_pending() {
  copies_.clear();
  copy_owner_.clear();
  std::vector<slot*> slots;
  try {
    for (out_entry& e : outbox_) {
      if (e.kind != out_entry::used || !e.request->exposed || e.request->deposited) continue;
      slot& s = *e.request;
      slots.push_back(&s);
      if (s.exposure_failed) continue;
      uint32_t at = 0;
      for (const exposure_segment& seg : s.writable_segments) {
        if (at >= s.written) break;
        const uint32_t n = std::min(seg.len, s.written - at);
        copies_.push_back({seg.handle, seg.offset, s.buf.data() + s.wr_at + at, n, result::ok});
        copy_owner_.push_back(&s);
        at += n;
      }
    }
  } catch (const std::bad_alloc&) {
    // No room to gather: the requests gathered so far are deposited now, the rest on the next flush.
  }
  copy_all(/*deposit=*/true);
  for (size_t k = 0; k < copies_.size(); ++k) {
    slot& s = *copy_owner_[k];
    if (copies_[k].status == result::ok) {
      stats_.bytes_deposited += copies_[k].len;
    } else if (!s.exposure_failed) {
      s.exposure_failed = true;
      ++stats_.exposure_errors;
    }
  }
  for (slot* s : slots) s->deposited = true;
  copies_.clear();
  copy_owner_.clear();
}

// Sends the USED without data (HMX-VTA-160), after the request's deposits (deposit_pending()).
result argo_device_host::send_exposed_used(slot& s) {
  if (!s.deposited) deposit_pending();
  if (!s.deposited) return result::again;  // not gathered (out of memory): the next flush
  uint8_t prefix[VTA_USED_PREFIX];
  encode_exposed_used(prefix, opt_.dev_num, s.tag, s.vq, s.head, s.written,
                      s.exposure_failed ? VTA_USED_F_EXPOSURE_ERROR : 0);
  const chan_iov iov{prefix, VTA_USED_PREFIX};
  return ch_.send(&iov, 1);
}

void argo_device_host::complete(request& r, uint32_t written) {
  auto& s = static_cast<slot&>(r);
  if (s.completed || !live_.contains(&s)) return;  // a device bug; never sent twice
  s.completed = true;
  s.written = std::min(written, s.writable_total);  // never more than the driver offered
  enqueue({out_entry::used, {}, &s});
}

void argo_device_host::config_changed() {
  if (config_event_queued_) return;  // one pending event carries the latest state
  config_event_queued_ = true;
  enqueue({out_entry::config_event, {}, nullptr});
}

void argo_device_host::violation() {
  ++stats_.protocol_errors;
  core_.set_needs_reset();  // HMX-VTA-020: tells the driver through EVENT_CONFIG
}

// Sends the outbox in order until the driver's ring is full (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082).
// The exposed requests' deposits go first, all in one batch call where the channel offers it.
void argo_device_host::flush() {
  if (!gone_) deposit_pending();
  while (!outbox_.empty() && !gone_) {
    out_entry& e = outbox_.front();
    result r = result::ok;
    if (e.kind == out_entry::used && e.request->exposed) {
      slot& s = *e.request;
      r = send_exposed_used(s);
      if (r == result::ok) {
        ++stats_.used_messages;
        release(&s);
      }
    } else if (e.kind == out_entry::used) {
      slot& s = *e.request;
      const uint32_t peer_max = ch_.max_message_size();
      if (peer_max <= VTA_USED_PREFIX) return driver_gone();
      do {  // fragments of one request back to back, in offset order (HMX-VTA-027)
        const uint32_t n = std::min(peer_max - VTA_USED_PREFIX, s.written - s.sent);
        uint8_t prefix[VTA_USED_PREFIX];
        encode_used_prefix(prefix, opt_.dev_num, s.tag, {s.vq, s.head, 0, s.written, s.sent}, n);
        const chan_iov iov[2] = {{prefix, VTA_USED_PREFIX}, {s.buf.data() + s.wr_at + s.sent, n}};
        r = ch_.send(iov, n != 0 ? 2 : 1);
        if (r == result::msg_size) {
          // The driver's CONNECT claimed a larger ring than it has: this USED can never leave.
          // A protocol error of the driver; the request's credit and head come back now.
          release(&s);
          outbox_.pop_front();
          violation();
          break;
        }
        if (r != result::ok) break;
        ++stats_.used_messages;
        s.sent += n;
      } while (s.sent < s.written);
      if (r == result::msg_size) continue;
      if (r == result::ok) release(&s);
    } else {
      if (e.kind == out_entry::config_event) {
        uint8_t ev[VTA_HEADER_SIZE + sizeof(event_config)];
        const uint32_t n = encode(ev, sizeof ev, {0, VTA_MSG_EVENT_CONFIG, opt_.dev_num, 0, 0},
                                  event_config{core_.status(), core_.generation(), 0, 0}, nullptr);
        e.data.assign(ev, ev + n);
      }
      const chan_iov iov{e.data.data(), static_cast<uint32_t>(e.data.size())};
      r = ch_.send(&iov, 1);
      if (r == result::ok && e.kind == out_entry::config_event) config_event_queued_ = false;
    }
    if (r == result::again) {
      ++stats_.eagain;
      return;  // the space-available event brings us back (serve() waits on the channel)
    }
    if (r == result::conn_refused) return driver_gone();
    if (e.kind == out_entry::bytes && responses_waiting_ > 0) --responses_waiting_;
    outbox_.pop_front();  // ok, or a message that can never fit (our bug): not retried
  }
}

void argo_device_host::release(slot* s) {
  queue_rt& q = queues_[s->vq];
  if (q.in_flight > 0) --q.in_flight;
  if (s->head < q.head_busy.size()) q.head_busy[s->head] = false;
  auto it = live_.find(s);
  if (it == live_.end()) return;
  bytes_held_ -= std::min(bytes_held_, s->charged);
  if (pool_.size() < 256) pool_.push_back(std::move(it->second));
  live_.erase(it);
}

// Forgets the requests of one queue (or all): the outbox loses their USED messages, even one
// partly sent (the driver drops the rest, HMX-VTA-098 HMX-VTA-099), and their memory is recycled.
void argo_device_host::drop_requests(int queue) {
  std::erase_if(outbox_, [&](const out_entry& e) {
    return e.kind == out_entry::used && (queue < 0 || e.request->vq == queue);
  });
  for (auto it = live_.begin(); it != live_.end();) {
    if (queue < 0 || it->first->vq == queue) {
      bytes_held_ -= std::min(bytes_held_, it->first->charged);
      if (pool_.size() < 256) pool_.push_back(std::move(it->second));
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
  for (size_t q = 0; q < queues_.size(); ++q) {
    if (queue >= 0 && static_cast<size_t>(queue) != q) continue;
    queues_[q].assembling = nullptr;
    queues_[q].in_flight = 0;
    std::fill(queues_[q].head_busy.begin(), queues_[q].head_busy.end(), false);
  }
}

void argo_device_host::reset_device() {
  ++stats_.resets;
  core_.reset();  // the device forgets held requests before their memory goes
  drop_requests(-1);
  if (config_event_queued_) {
    std::erase_if(outbox_, [](const out_entry& e) { return e.kind == out_entry::config_event; });
    config_event_queued_ = false;
  }
}

// The driver's ring vanished (HMX-VTA-035): reset as if it had asked, and stop.
void argo_device_host::driver_gone() {
  if (gone_) return;
  reset_device();
  outbox_.clear();
  responses_waiting_ = 0;
  gone_ = true;
}

}  // namespace hmx::virtio_argo::device
