/* SPDX-License-Identifier: MIT */
// The driver domain's side of the virtio-argo bus (spec "Bus messages", HMX-VTA-001..005):
// list the devices of a device domain, connect to one (exchanging the aports and maximum
// message sizes of the connection's two rings), disconnect, ping, and collect EVENT_DEVICE
// (hot-plug and removal). The channel is the pair (driver's bus ring, device domain's ring at
// VTA_BUS_APORT). Freestanding; one request at a time.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/channel.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace hmx::virtio_argo {

template <message_channel C>
class bus_client {
 public:
  result open(C& ch, uint8_t* rx, uint32_t rx_capacity, uint64_t timeout_ns = 2'000'000'000) {
    if (rx == nullptr || rx_capacity < VTA_MIN_MESSAGE_SIZE) return result::invalid;
    ch_ = &ch;
    rx_ = rx;
    cap_ = rx_capacity;
    timeout_ns_ = timeout_ns;
    return result::ok;
  }

  // Every device of the bus, up to max entries (count receives how many were stored).
  result list(bus_device_entry* out, uint16_t max, uint16_t& count) {
    count = 0;
    uint16_t start = 0;
    for (;;) {
      const uint16_t want = static_cast<uint16_t>(max - count < kPage ? max - count : kPage);
      if (want == 0) return result::ok;
      const result r = transact(encode(tx_, sizeof tx_, token(), bus_get_devices{start, want}), VTA_BUS_GET_DEVICES);
      if (r != result::ok) return r;
      bus_devices_header h{};
      if (decode(resp_, h, out + count, want) != result::ok || h.start_index != start) return result::protocol;
      count = static_cast<uint16_t>(count + h.count);
      start = static_cast<uint16_t>(start + h.count);
      if (start >= h.total || h.count == 0) return result::ok;
    }
  }

  // Asks the device domain for a connection to dev_num; driver_aport is the ring the driver
  // registered for it (partner: the device domain). out.error is 0 or a positive error code.
  // transport_features: the VTA_TRANSPORT_F_* accepted, only bits the device's entry offered
  // (HMX-VTA-152).
  result connect(uint16_t dev_num, uint32_t driver_aport, uint32_t driver_max_message, bus_connect_result& out,
                 uint32_t transport_features = 0) {
    const result r = transact(
        encode(tx_, sizeof tx_, token(), bus_connect{dev_num, 0, driver_aport, driver_max_message, transport_features}),
                              VTA_BUS_CONNECT);
    if (r != result::ok) return r;
    if (decode(resp_, out) != result::ok || out.dev_num != dev_num) return result::protocol;
    return result::ok;
  }

  result disconnect(uint16_t dev_num) {
    const result r = transact(encode_disconnect(tx_, sizeof tx_, token(), false, dev_num, 0), VTA_BUS_DISCONNECT);
    if (r != result::ok) return r;
    uint16_t got = 0;
    uint32_t error = 0;
    if (decode_disconnect(resp_, true, got, error) != result::ok || got != dev_num) return result::protocol;
    return error == 0 ? result::ok : static_cast<result>(-static_cast<int32_t>(error));
  }

  result ping(uint32_t data) {
    const result r = transact(encode_ping(tx_, sizeof tx_, token(), false, data), VTA_BUS_PING);
    if (r != result::ok) return r;
    uint32_t echo = 0;
    return decode_ping(resp_, true, echo) == result::ok && echo == data ? result::ok : result::protocol;
  }

  // The oldest EVENT_DEVICE received, or again when none is pending.
  result next_event(bus_device_event& e) {
    if (events_ == 0) receive_all();
    if (events_ == 0) return result::again;
    e = event_[first_];
    first_ = static_cast<uint8_t>((first_ + 1) % kEvents);
    --events_;
    return result::ok;
  }
  uint32_t dropped() const { return dropped_; }

 private:
  static constexpr uint16_t kPage = 8;
  static constexpr uint8_t kEvents = 16;

  uint32_t token() { return ++token_ == 0 ? ++token_ : token_; }

  result transact(uint32_t len, uint8_t id) {
    if (len == 0) return result::msg_size;
    const uint64_t deadline = ch_->now_ns() + timeout_ns_;
    const chan_iov iov{tx_, len};
    result r;
    while ((r = ch_->send(&iov, 1)) == result::again) {
      receive_all();
      if (!wait_until(deadline)) return result::timed_out;
    }
    if (r != result::ok) return r;
    want_id_ = id;
    have_ = false;
    awaiting_ = true;
    for (;;) {
      receive_all();
      if (have_) break;
      if (!wait_until(deadline)) {
        awaiting_ = false;
        return result::timed_out;
      }
    }
    awaiting_ = false;  // resp_ stays valid until the next receive
    return result::ok;
  }

  bool wait_until(uint64_t deadline) {
    const uint64_t now = ch_->now_ns();
    if (now >= deadline) return false;
    return ch_->wait(deadline - now) != result::conn_refused;
  }

  // Takes messages until the awaited response is in; events are queued, anything else dropped.
  void receive_all() {
    while (!(awaiting_ && have_)) {
      const recv_result rr = ch_->receive(rx_, cap_);
      if (rr.status == result::again || rr.status == result::conn_refused) return;
      message m;
      if (rr.status != result::ok || decode_message(rx_, rr.size, role::driver, m) != result::ok || !m.is_bus()) {
        ++dropped_;
        continue;
      }
      if (m.is_response()) {
        if (awaiting_ && !have_ && m.hdr.token == token_ && m.hdr.msg_id == want_id_) {
          resp_ = m;
          have_ = true;
        } else {
          ++dropped_;
        }
        continue;
      }
      bus_device_event e{};
      if (decode(m, e) != result::ok || events_ == kEvents) {
        ++dropped_;
        continue;
      }
      event_[(first_ + events_) % kEvents] = e;
      ++events_;
    }
  }

  C* ch_ = nullptr;
  uint8_t* rx_ = nullptr;
  uint32_t cap_ = 0;
  uint64_t timeout_ns_ = 0;
  uint8_t tx_[64];
  message resp_{};
  uint32_t token_ = 0;
  uint8_t want_id_ = 0;
  bool have_ = false;
  bool awaiting_ = false;
  bus_device_event event_[kEvents] = {};
  uint8_t first_ = 0;
  uint8_t events_ = 0;
  uint32_t dropped_ = 0;
};

}  // namespace hmx::virtio_argo
