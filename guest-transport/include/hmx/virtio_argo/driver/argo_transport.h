/* SPDX-License-Identifier: MIT */
// The virtio-argo driver transport: the operations a virtio driver expects of any transport
// (virtio 1.2 "Creating New Transports": status, features, config with generation, virtqueue
// set-up and reset, notifications, device reset) carried over one HMX connection.
//
// Control operations are request/response with a token (one outstanding at a time,
// HMX-VTA-059 HMX-VTA-060 HMX-VTA-061); the data path is queue_proxy. While it waits for a response or for ring space,
// the transport keeps receiving, so USED messages never back up behind a control request and
// neither side can block the other (HMX-VTA-022). Callbacks are deferred to poll(), so no
// callback ever runs inside a control operation.
//
// Failure (HMX-VTA-031..034): a response time-out, ECONNREFUSED from the channel, a device that
// contradicts the protocol, or removal make the transport "broken": it reports
// DEVICE_NEEDS_RESET, stops touching the driver's buffers and drops every later USED. The
// driver then calls reset() and detaches its outstanding buffers as failed
// (split_virtqueue::detach_unused). Freestanding; not thread-safe.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/channel.h"
#include "hmx/virtio_argo/driver/queue_proxy.h"
#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/protocol.h"
#include "hmx/virtio_argo/virtio.h"

namespace hmx::virtio_argo {

struct argo_driver_config {
  uint16_t dev_num = 1;
  // Receives one message at a time: at least the largest message the driver's own ring accepts
  // (the driver_max_message it announced in CONNECT), and at least VTA_MIN_MESSAGE_SIZE.
  uint8_t* rx_buffer = nullptr;
  uint32_t rx_capacity = 0;
  uint64_t request_timeout_ns = 2'000'000'000;   // HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
  uint64_t liveness_timeout_ns = 2'000'000'000;  // silence with requests in flight: probe
  uint32_t config_retries = 16;                  // generation changes tolerated per read
  // Batching channels: new chains wait until this many go in one call while the device has at
  // least two requests of the queue (queue_proxy::init). 1: send at once.
  uint32_t kick_batch = 1;
  // VTA_TRANSPORT_F_* negotiated by CONNECT (bus_client::connect). With
  // VTA_TRANSPORT_F_EXPOSURES and a channel that can expose, requests go as exposed AVAILs.
  uint32_t transport_features = 0;
  // The exposure window (spec transport "Exposure windows"): a region of the driver's memory
  // that holds only I/O buffers the device may read and write while the connection lives
  // (HMX-VTA-169). With VTA_TRANSPORT_F_EXPOSURES, chains whose pieces all lie in it go as
  // exposed AVAILs of window segments, batched, with no expose or revoke of their own. len 0: none.
  window_region exposure_window{};
  void* ctx = nullptr;
  void (*on_used)(void* ctx, uint16_t queue) = nullptr;  // used-buffer notification
  void (*on_config)(void* ctx) = nullptr;                // config change or DEVICE_NEEDS_RESET
};

enum class broken_reason : uint8_t { none, timed_out, peer_gone, protocol, removed };

struct transport_stats {
  uint64_t dropped_malformed = 0;  // failed decoding (HMX-VTA-053 HMX-VTA-054)
  uint64_t dropped_foreign = 0;    // wrong dev_num or unexpected response
  uint64_t config_events = 0;
  uint64_t eagain = 0;             // control sends that met a full ring
  uint64_t probes = 0;             // liveness probes
};

template <message_channel C, uint16_t MaxQueues = 16>
class argo_transport {
  static_assert(MaxQueues >= 1 && MaxQueues <= VTA_MAX_QUEUES);

 public:
  // Ring-layout features this transport implements for the driver (HMX-VTA-076 HMX-VTA-077).
  static constexpr uint64_t local_features =
      virtio::bit(virtio::F_INDIRECT_DESC) | virtio::bit(virtio::F_EVENT_IDX);

  result open(C& ch, const argo_driver_config& cfg) {
    if (cfg.rx_buffer == nullptr || cfg.rx_capacity < VTA_MIN_MESSAGE_SIZE || cfg.dev_num == 0)
      return result::invalid;
    ch_ = &ch;
    cfg_ = cfg;
    broken_ = false;
    reason_ = broken_reason::none;
    have_info_ = false;
    status_ = 0;
    for (auto& p : proxies_) p.deactivate(ch);
    end_window();
    window_.configure(cfg.exposure_window);
    last_rx_ns_ = ch.now_ns();
    return result::ok;
  }

  // ---- Device identity and features (spec "Device information", "Features") -----------------
  result device_info(virtio_argo::device_info& out) {
    if (!have_info_) {
      uint8_t* b = tx_;
      const uint32_t n = encode_empty(b, sizeof tx_, request_header(VTA_MSG_GET_DEVICE_INFO));
      result r = transact(n);
      if (r != result::ok) return r;
      if ((r = decode(resp_, info_)) != result::ok) return fail(broken_reason::protocol);
      have_info_ = true;
    }
    out = info_;
    return result::ok;
  }

  // The first 64 feature bits the driver may accept: the device's, plus the ring-layout bits
  // implemented here (a device offering those is ignored on that point).
  result get_features(uint64_t& features) {
    virtio_argo::device_info info{};
    result r = device_info(info);
    if (r != result::ok) return r;
    const uint32_t blocks = info.num_feature_bits / 32 < 2 ? info.num_feature_bits / 32 : 2;
    const features_block want{0, blocks};
    if ((r = transact(encode(tx_, sizeof tx_, request_header(VTA_MSG_GET_DEVICE_FEATURES), want, nullptr))) !=
        result::ok)
      return r;
    features_block got{};
    uint32_t words[VTA_MAX_FEATURE_BLOCKS] = {};
    if (decode_features(resp_, VTA_MSG_GET_DEVICE_FEATURES, true, got, words) != result::ok ||
        got.block_index != 0 || got.num_blocks != blocks)
      return fail(broken_reason::protocol);
    device_features_ = (words[0] | (blocks > 1 ? uint64_t{words[1]} << 32 : 0)) & ~virtio::RING_LAYOUT_FEATURES;
    features = device_features_ | local_features;
    return result::ok;
  }

  // Writes the accepted subset; ring-layout bits stay here, the rest goes to the device.
  result set_features(uint64_t features) {
    if ((features & ~(device_features_ | local_features)) != 0) return result::invalid;
    driver_features_ = features;
    const uint64_t to_device = features & ~virtio::RING_LAYOUT_FEATURES;
    const uint32_t words[2] = {static_cast<uint32_t>(to_device), static_cast<uint32_t>(to_device >> 32)};
    const uint32_t blocks = info_.num_feature_bits / 32 < 2 ? info_.num_feature_bits / 32 : 2;
    const result r = transact(encode(tx_, sizeof tx_, request_header(VTA_MSG_SET_DRIVER_FEATURES),
                                     features_block{0, blocks}, words));
    if (r != result::ok) return r;
    return decode_empty(resp_, VTA_MSG_SET_DRIVER_FEATURES, true) == result::ok ? result::ok
                                                                               : fail(broken_reason::protocol);
  }
  uint64_t driver_features() const { return driver_features_; }

  // ---- Device status (spec "Device status", virtio 1.2 2.1) ----------------------------------
  // While broken, the status is reported locally with DEVICE_NEEDS_RESET set.
  result get_status(uint8_t& status) {
    if (broken_) {
      status = static_cast<uint8_t>(status_ | virtio::STATUS_DEVICE_NEEDS_RESET);
      return result::ok;
    }
    uint32_t s = 0;
    const result r = transact(encode_empty(tx_, sizeof tx_, request_header(VTA_MSG_GET_DEVICE_STATUS)));
    if (r != result::ok && broken_) return get_status(status);  // now reported locally
    if (r != result::ok) return r;
    if (decode_u32(resp_, VTA_MSG_GET_DEVICE_STATUS, true, s) != result::ok || s > 0xFF)
      return fail(broken_reason::protocol);
    status_ = static_cast<uint8_t>(s);
    status = status_;
    return result::ok;
  }

  // Sets status bits (never 0: use reset()). The device answers with the status it kept, which
  // lacks FEATURES_OK when it refused the features (the driver re-reads, 2.2 step 6).
  result set_status(uint8_t status) {
    if (status == 0) return result::invalid;
    uint32_t s = 0;
    const result r = transact(encode_u32(tx_, sizeof tx_, request_header(VTA_MSG_SET_DEVICE_STATUS), status));
    if (r != result::ok) return r;
    if (decode_u32(resp_, VTA_MSG_SET_DEVICE_STATUS, true, s) != result::ok || s > 0xFF)
      return fail(broken_reason::protocol);
    status_ = static_cast<uint8_t>(s);
    return result::ok;
  }

  // Device reset handshake (HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093, -030): forget every request first, so any USED still
  // in the ring is dropped, then SET_DEVICE_STATUS(0); the device answers after its last
  // message about old requests. Without a peer, the reset is local and returns no_device;
  // either way the driver may now detach its outstanding buffers and set the queues up anew.
  result reset() {
    for (auto& p : proxies_) p.deactivate(*ch_);
    end_window();  // HMX-VTA-170
    for (auto& u : used_pending_) u = false;
    device_features_ = driver_features_ = 0;
    have_info_ = false;
    if (reason_ == broken_reason::peer_gone || reason_ == broken_reason::removed) return result::no_device;
    broken_ = false;  // a device that only timed out gets one handshake
    reason_ = broken_reason::none;
    uint32_t s = 0;
    const result r = transact(encode_u32(tx_, sizeof tx_, request_header(VTA_MSG_SET_DEVICE_STATUS), 0));
    if (r != result::ok) return result::no_device;
    if (decode_u32(resp_, VTA_MSG_SET_DEVICE_STATUS, true, s) != result::ok || s != 0) {
      fail(broken_reason::protocol);
      return result::no_device;
    }
    status_ = 0;
    return result::ok;
  }

  // ---- Configuration space (spec "Configuration space"; virtio 1.2 2.5) ----------------------
  // Reads [offset, offset + len) consistently: in chunks that fit the driver's ring, retried
  // while the chunks report different generations (HMX-VTA-070 HMX-VTA-071).
  result read_config(uint32_t offset, void* buf, uint32_t len, uint32_t* generation = nullptr) {
    if (len > VTA_MAX_CONFIG_SIZE || offset > VTA_MAX_CONFIG_SIZE - len) return result::invalid;
    const uint32_t chunk_max = cfg_.rx_capacity - VTA_HEADER_SIZE - sizeof(config_data);
    auto* out = static_cast<uint8_t*>(buf);
    for (uint32_t attempt = 0; attempt < cfg_.config_retries; ++attempt) {
      uint32_t gen0 = 0;
      bool consistent = true;
      uint32_t pos = 0;
      do {
        const uint32_t n = len - pos < chunk_max ? len - pos : chunk_max;
        config_data c{};
        const uint8_t* data = nullptr;
        const result r = transact(encode(tx_, sizeof tx_, request_header(VTA_MSG_GET_CONFIG),
                                         config_request{offset + pos, n}));
        if (r != result::ok) return r;
        if (decode_config(resp_, VTA_MSG_GET_CONFIG, true, c, data) != result::ok) return fail(broken_reason::protocol);
        if (c.offset != offset + pos || c.length != n) return result::invalid;  // outside the device's config
        if (n != 0) __builtin_memcpy(out + pos, data, n);
        if (pos == 0) gen0 = c.generation;
        else if (c.generation != gen0) consistent = false;
        pos += n;
      } while (pos < len && consistent);
      if (consistent) {
        if (generation != nullptr) *generation = gen0;
        return result::ok;
      }
    }
    return result::busy;
  }

  result config_generation(uint32_t& generation) {
    uint8_t unused = 0;
    return read_config(0, &unused, 0, &generation);
  }

  // Writes config bytes. With `generation`, the write applies only if the device's generation
  // still equals it (result::busy otherwise); without, the current generation is used and a
  // write that races a device change is retried (HMX-VTA-072 HMX-VTA-073 HMX-VTA-074 HMX-VTA-075).
  result write_config(uint32_t offset, const void* buf, uint32_t len, const uint32_t* generation = nullptr) {
    if (len > VTA_MAX_CONFIG_SIZE || offset > VTA_MAX_CONFIG_SIZE - len) return result::invalid;
    const uint32_t peer_max = ch_->max_message_size();
    if (peer_max < VTA_MIN_MESSAGE_SIZE) return result::msg_size;
    uint32_t chunk_max = peer_max - VTA_HEADER_SIZE - sizeof(config_data);
    if (chunk_max > kConfigChunk) chunk_max = kConfigChunk;
    const auto* in = static_cast<const uint8_t*>(buf);
    for (uint32_t pos = 0; pos < len || (len == 0 && pos == 0);) {
      const uint32_t n = len - pos < chunk_max ? len - pos : chunk_max;
      bool written = false;
      for (uint32_t attempt = 0; attempt < cfg_.config_retries && !written; ++attempt) {
        uint32_t gen = 0;
        result r = generation != nullptr ? result::ok : config_generation(gen);
        if (r != result::ok) return r;
        if (generation != nullptr) gen = *generation;
        r = transact(encode(tx_, sizeof tx_, request_header(VTA_MSG_SET_CONFIG), config_data{gen, offset + pos, n},
                            in + pos));
        if (r != result::ok) return r;
        config_data c{};
        const uint8_t* none = nullptr;
        if (decode_config(resp_, VTA_MSG_SET_CONFIG, true, c, none) != result::ok) return fail(broken_reason::protocol);
        written = c.length == n && c.offset == offset + pos && n != 0;
        if (!written && generation != nullptr) return result::busy;
        if (!written && c.generation == gen) return result::invalid;  // refused, not raced
      }
      if (!written) return result::busy;
      pos += n;
      if (len == 0) break;
    }
    return result::ok;
  }

  // ---- Virtqueues (spec "Virtqueue set-up and reset") -----------------------------------------
  result queue_info(uint16_t q, vqueue_info& out) {
    const result r = transact(encode_u32(tx_, sizeof tx_, request_header(VTA_MSG_GET_VQUEUE), q));
    if (r != result::ok) return r;
    if (decode(resp_, out) != result::ok || out.index != q) return fail(broken_reason::protocol);
    return result::ok;
  }

  // Announces a queue the driver placed in its own memory (2.2 step 7): the device learns its
  // size, never its addresses, and grants a credit. `slots` holds vq.size() entries. The ring
  // features negotiated through set_features() are applied to vq here.
  result setup_queue(split_virtqueue& vq, inflight_slot* slots) {
    const uint16_t q = vq.index();
    if (q >= MaxQueues || slots == nullptr) return result::invalid;
    vqueue_info info{};
    result r = queue_info(q, info);
    if (r != result::ok) return r;
    if (info.max_size == 0 || vq.size() > info.max_size || info.max_request_bytes == 0) return result::invalid;
    vq.negotiate((driver_features_ & virtio::bit(virtio::F_INDIRECT_DESC)) != 0,
                 (driver_features_ & virtio::bit(virtio::F_EVENT_IDX)) != 0);
    r = transact(encode(tx_, sizeof tx_, request_header(VTA_MSG_SET_VQUEUE), set_vqueue{q, vq.size(), 0, 0}));
    if (r != result::ok) return r;
    set_vqueue_result got{};
    if (decode(resp_, got) != result::ok || got.index != q) return fail(broken_reason::protocol);
    if (got.size != vq.size() || got.max_in_flight == 0) return result::invalid;
    proxies_[q].init(cfg_.dev_num, vq, slots, got.max_in_flight, info.max_request_bytes, cfg_.kick_batch,
                     exposures_negotiated(), window_.configured() ? &window_ : nullptr);
    return result::ok;
  }

  // Per-queue reset (VIRTIO_F_RING_RESET, virtio 1.2 2.6.1): the queue's requests are
  // forgotten first, so the driver may detach them once this returns.
  result reset_queue(uint16_t q) {
    if (q >= MaxQueues) return result::invalid;
    if ((driver_features_ & virtio::bit(virtio::F_RING_RESET)) == 0) return result::not_supported;
    proxies_[q].deactivate(*ch_);
    if constexpr (exposure_channel<C>) window_.retire(*ch_);  // now, or once other queues' requests drain
    used_pending_[q] = false;
    const result r = transact(encode_u32(tx_, sizeof tx_, request_header(VTA_MSG_RESET_VQUEUE), q));
    if (r != result::ok) return r;
    uint32_t index = 0;
    if (decode_u32(resp_, VTA_MSG_RESET_VQUEUE, true, index) != result::ok || index != q)
      return fail(broken_reason::protocol);
    return result::ok;
  }

  // ---- Notifications and progress ------------------------------------------------------------
  // Available-buffer notification (kick): forwards the queue's new chains now, as far as the
  // credit and the device's ring allow; the rest follows from poll().
  result notify(uint16_t q) {
    if (broken_) return result::no_device;
    if (q >= MaxQueues || !proxies_[q].active()) return result::invalid;
    return pump(q);
  }

  // Receives and applies everything pending, resumes stalled sends, then runs the deferred
  // callbacks. Returns no_device once broken.
  result poll() {
    service();
    fire_callbacks();
    return broken_ ? result::no_device : result::ok;
  }

  // Waits up to timeout_ns for progress, then polls. With requests in flight and no message
  // for liveness_timeout_ns, probes the device with GET_DEVICE_STATUS (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104).
  result wait(uint64_t timeout_ns) {
    if (broken_) return result::no_device;
    const result w = ch_->wait(timeout_ns);
    if (w != result::ok && w != result::timed_out) {
      fail(w == result::conn_refused ? broken_reason::peer_gone : broken_reason::protocol);
      return poll();
    }
    service();
    if (!broken_ && in_flight() != 0 && ch_->now_ns() - last_rx_ns_ >= cfg_.liveness_timeout_ns) {
      ++stats_.probes;
      uint8_t s = 0;
      (void)get_status(s);
    }
    fire_callbacks();
    return broken_ ? result::no_device : result::ok;
  }

  // Teardown of the connection: every request is forgotten and the exposures of outstanding
  // ones revoked (HMX-VTA-164), so the driver may reuse their buffers.
  void close() {
    if (ch_ != nullptr)
      for (auto& p : proxies_) p.deactivate(*ch_);
    end_window();  // HMX-VTA-170
  }
  bool exposures_negotiated() const { return (cfg_.transport_features & VTA_TRANSPORT_F_EXPOSURES) != 0; }

  // The bus reported the device removed (EVENT_DEVICE REMOVED, HMX-VTA-034).
  void mark_removed() { fail(broken_reason::removed); }

  bool broken() const { return broken_; }
  broken_reason reason() const { return reason_; }
  uint32_t in_flight() const {
    uint32_t n = 0;
    for (const auto& p : proxies_) n += p.in_flight();
    return n;
  }
  const proxy_stats& queue_stats(uint16_t q) const { return proxies_[q].stats(); }
  const window_stats& exposure_window_stats() const { return window_.stats(); }
  uint64_t exposure_window_handle() const { return window_.handle(); }  // 0: none live
  const transport_stats& stats() const { return stats_; }

 private:
  // Revokes the exposure window, if one is live (HMX-VTA-170).
  void end_window() {
    if constexpr (exposure_channel<C>) {
      if (ch_ != nullptr) window_.end(*ch_);
    }
  }

  msg_header request_header(uint8_t id) {
    if (++next_token_ == 0) next_token_ = 1;
    pending_id_ = id;
    return {0, id, cfg_.dev_num, next_token_, 0};
  }

  // Enters the broken state once (HMX-VTA-100 HMX-VTA-101); returns the result callers pass up.
  result fail(broken_reason why) {
    if (!broken_) {
      broken_ = true;
      reason_ = why;
      for (auto& p : proxies_) p.deactivate(*ch_);
      end_window();  // a broken link: HMX-VTA-170
      config_pending_ = true;
    }
    return why == broken_reason::timed_out ? result::timed_out : result::no_device;
  }

  // Sends tx_[0, len) (built with request_header()) and waits for its response in resp_.
  result transact(uint32_t len) {
    if (broken_) return result::no_device;
    if (len == 0) return result::msg_size;
    const uint64_t deadline = ch_->now_ns() + cfg_.request_timeout_ns;
    const chan_iov iov{tx_, len};
    for (;;) {
      const result r = ch_->send(&iov, 1);
      if (r == result::ok) break;
      if (r == result::conn_refused) return fail(broken_reason::peer_gone);
      if (r != result::again) return r;
      ++stats_.eagain;
      if (!progress_until(deadline)) return broken_ ? result::no_device : fail(broken_reason::timed_out);
    }
    awaiting_ = true;
    have_response_ = false;
    while (!have_response_) {
      service();
      if (have_response_) break;
      if (broken_ || !progress_until(deadline)) {
        awaiting_ = false;
        return broken_ ? (reason_ == broken_reason::timed_out ? result::timed_out : result::no_device)
                       : fail(broken_reason::timed_out);
      }
    }
    awaiting_ = false;
    return result::ok;
  }

  // Services the channel and waits once; false when the deadline passed or the link broke.
  bool progress_until(uint64_t deadline) {
    service();
    if (broken_) return false;
    const uint64_t now = ch_->now_ns();
    if (now >= deadline) return false;
    const result w = ch_->wait(deadline - now);
    if (w == result::conn_refused) {
      fail(broken_reason::peer_gone);
      return false;
    }
    return true;
  }

  // Receives until the ring is empty (or the awaited response arrived), then resumes sends.
  // A channel that hands messages over in place (view_message_channel) saves a copy of every
  // USED message: its data is scattered straight from the own ring into the chain's buffers.
  void service() {
    bool received = false;
    while (!(awaiting_ && have_response_)) {
      recv_result rr;
      if constexpr (view_message_channel<C>) {
        rr = ch_->receive_view(cfg_.rx_buffer, cfg_.rx_capacity,
                               [&](const uint8_t* data, uint32_t size) { dispatch(data, size); });
      } else {
        rr = ch_->receive(cfg_.rx_buffer, cfg_.rx_capacity);
        if (rr.status == result::ok) dispatch(cfg_.rx_buffer, rr.size);
      }
      if (rr.status == result::again) break;
      if (rr.status == result::conn_refused) {
        fail(broken_reason::peer_gone);
        break;
      }
      if (rr.status != result::ok) {
        ++stats_.dropped_malformed;  // e.g. msg_size: larger than announced, already dropped
        continue;
      }
      received = true;
    }
    if (received) last_rx_ns_ = ch_->now_ns();
    if (!broken_)
      for (uint16_t q = 0; q < MaxQueues && !broken_; ++q)
        if (proxies_[q].active()) (void)pump(q);
  }

  // One received message; `data` may lie in the channel's ring and is gone after this returns.
  void dispatch(const uint8_t* data, uint32_t size) {
    message m;
    if (decode_message(data, size, role::driver, m) != result::ok || m.is_bus()) {
      ++stats_.dropped_malformed;
      return;
    }
    if (m.hdr.dev_num != cfg_.dev_num) {
      ++stats_.dropped_foreign;
      return;
    }
    if (m.is_response()) {
      if (awaiting_ && !have_response_ && m.hdr.token == next_token_ && m.hdr.msg_id == pending_id_) {
        // The caller decodes the response after this returns: keep it in rx_buffer.
        if (data != cfg_.rx_buffer) {
          __builtin_memcpy(cfg_.rx_buffer, data, size);
          (void)decode_message(cfg_.rx_buffer, size, role::driver, m);
        }
        resp_ = m;
        have_response_ = true;
      } else {
        ++stats_.dropped_foreign;  // late or unsolicited: its request already failed
      }
      return;
    }
    if (m.hdr.msg_id == VTA_MSG_EVENT_CONFIG) {
      event_config e{};
      const uint8_t* data = nullptr;
      if (decode(m, e, data) != result::ok) {
        ++stats_.dropped_malformed;
        return;
      }
      ++stats_.config_events;
      if ((e.device_status & virtio::STATUS_DEVICE_NEEDS_RESET) != 0)
        status_ = static_cast<uint8_t>(status_ | virtio::STATUS_DEVICE_NEEDS_RESET);
      config_pending_ = true;
      return;
    }
    data_view<used_fields> v;
    if (decode(m, v) != result::ok && (!exposures_negotiated() || decode_exposed_used(m, v) != result::ok)) {
      ++stats_.dropped_malformed;
      return;
    }
    if (broken_ || v.f.vq >= MaxQueues || !proxies_[v.f.vq].active()) {
      ++stats_.dropped_foreign;  // a queue that was reset: its requests were detached
      return;
    }
    bool completed = false;
    if (proxies_[v.f.vq].on_used(*ch_, v, v.f.flags, m.hdr.token, completed) != result::ok) {
      fail(broken_reason::protocol);
      return;
    }
    if (completed) used_pending_[v.f.vq] = true;
  }

  result pump(uint16_t q) {
    const result r = proxies_[q].pump(*ch_, next_tag_);
    if (r == result::ok || r == result::again) return result::ok;  // again: resumes on poll()
    if (r == result::conn_refused) return fail(broken_reason::peer_gone);
    // protocol: the driver's ring is malformed; msg_size: a chain beyond max_request_bytes.
    // Either way the device cannot serve the queue as it stands: report DEVICE_NEEDS_RESET.
    return fail(broken_reason::protocol);
  }

  void fire_callbacks() {
    for (uint16_t q = 0; q < MaxQueues; ++q) {
      if (!used_pending_[q]) continue;
      used_pending_[q] = false;
      if (proxies_[q].should_interrupt() && cfg_.on_used != nullptr) cfg_.on_used(cfg_.ctx, q);
    }
    if (config_pending_) {
      config_pending_ = false;
      if (cfg_.on_config != nullptr) cfg_.on_config(cfg_.ctx);
    }
  }

  C* ch_ = nullptr;
  argo_driver_config cfg_{};
  static constexpr uint32_t kConfigChunk = 256;  // SET_CONFIG data per request
  uint8_t tx_[VTA_HEADER_SIZE + sizeof(config_data) + kConfigChunk];  // largest request
  message resp_{};
  virtio_argo::device_info info_{};
  bool have_info_ = false;
  uint64_t device_features_ = 0;
  uint64_t driver_features_ = 0;
  uint8_t status_ = 0;
  uint32_t next_token_ = 0;
  uint32_t next_tag_ = 0;
  uint8_t pending_id_ = 0;
  bool awaiting_ = false;
  bool have_response_ = false;
  bool broken_ = false;
  broken_reason reason_ = broken_reason::none;
  bool config_pending_ = false;
  bool used_pending_[MaxQueues] = {};
  uint64_t last_rx_ns_ = 0;
  exposure_window window_;
  queue_proxy proxies_[MaxQueues];
  transport_stats stats_;
};

}  // namespace hmx::virtio_argo
