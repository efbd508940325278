// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/device/bus_server.h"

#include <algorithm>
#include <iterator>

#include <hmx/abi/errors.h>

namespace hmx::virtio_argo::device {

namespace {
constexpr uint16_t kMaxEntries = 32;  // per GET_DEVICES response
}  // namespace

bus_server::bus_server(any_channel& ch, connect_fn on_connect, disconnect_fn on_disconnect)
    : ch_(ch), on_connect_(std::move(on_connect)), on_disconnect_(std::move(on_disconnect)), rx_(4096) {}

void bus_server::add(uint16_t dev_num, uint32_t device_id, uint32_t vendor_id, uint32_t transport_features) {
  devices_[dev_num] = {device_id, vendor_id, transport_features & HMX_VTA_TRANSPORT_FEATURES_DEFINED, false};
  queue_event(encode(tx_, sizeof tx_, bus_device_event{dev_num, VTA_DEVICE_READY}));
  flush();
}

void bus_server::remove(uint16_t dev_num) {
  if (devices_.erase(dev_num) == 0) return;
  queue_event(encode(tx_, sizeof tx_, bus_device_event{dev_num, VTA_DEVICE_REMOVED}));
  flush();
}

bool bus_server::connected(uint16_t dev_num) const {
  auto it = devices_.find(dev_num);
  return it != devices_.end() && it->second.connected;
}

result bus_server::poll() {
  for (;;) {
    const recv_result rr = ch_.receive(rx_.data(), static_cast<uint32_t>(rx_.size()));
    if (rr.status == result::again) break;
    if (rr.status == result::conn_refused) return result::conn_refused;
    if (rr.status == result::ok) handle(rr.size);
  }
  flush();
  return result::ok;
}

void bus_server::handle(uint32_t size) {
  message m;
  const bool current = decode_message(rx_.data(), size, role::device, m) == result::ok && m.is_bus();
  uint32_t legacy_token = 0;
  uint16_t legacy_dev_num = 0;
  const bool legacy = !current && decode_legacy_connect(rx_.data(), size, legacy_token, legacy_dev_num);
  if (!current && !legacy) return;  // dropped
  const uint32_t token = m.hdr.token;
  ++stats_.requests;
  if (answers_waiting_ >= kMaxAnswers) {
    ++stats_.dropped;  // the driver neither drains its ring nor waits for its answers
    return;
  }
  if (legacy) {
    // A driver of header version 1 learns in its own version that this device domain does not
    // speak it (HMX-VTA-113).
    ++stats_.legacy_refused;
    return queue(encode_legacy_connect_refusal(tx_, sizeof tx_, legacy_token, legacy_dev_num));
  }
  switch (m.hdr.msg_id) {
    case VTA_BUS_GET_DEVICES: {
      bus_get_devices g{};
      if (decode(m, g) != result::ok) return;
      std::vector<bus_device_entry> all;
      for (const auto& [num, d] : devices_) all.push_back({num, VTA_DEVICE_READY, d.device_id, d.vendor_id, d.transport_features});
      const auto total = static_cast<uint16_t>(all.size());
      const uint16_t start = std::min(g.start_index, total);
      const auto count = static_cast<uint16_t>(std::min<size_t>({g.max_count, kMaxEntries, size_t{total} - start}));
      return queue(encode(tx_, sizeof tx_, token, bus_devices_header{start, count, total, 0}, all.data() + start));
    }
    case VTA_BUS_PING: {
      uint32_t data = 0;
      if (decode_ping(m, false, data) != result::ok) return;
      return queue(encode_ping(tx_, sizeof tx_, token, true, data));
    }
    case VTA_BUS_CONNECT: {
      bus_connect c{};
      if (decode(m, c) != result::ok) return;
      bus_connect_result res{c.dev_num, 0, 0, 0, 0};
      auto it = devices_.find(c.dev_num);
      if (it != devices_.end() && it->second.connected) {
        // This server's driver domain holds the connection already: it restarted (a rebooted
        // guest keeps its domain id) or lost its state. End the old connection as DISCONNECT
        // would, then serve the CONNECT as for an unconnected device (HMX-VTA-109). Another
        // driver domain's connection is the owner's to refuse with EBUSY (HMX-VTA-107).
        it->second.connected = false;
        ++stats_.reconnects;
        if (on_disconnect_) on_disconnect_(c.dev_num);
      }
      if (it == devices_.end()) res.error = HMX_ENODEV;
      else if (c.driver_max_message < VTA_MIN_MESSAGE_SIZE) res.error = HMX_EMSGSIZE;
      else if ((c.transport_features & ~it->second.transport_features) != 0) res.error = HMX_EINVAL;
      else {
        res = on_connect_(c);
        res.dev_num = c.dev_num;
        it->second.connected = res.error == 0;
      }
      return queue(encode(tx_, sizeof tx_, token, res));
    }
    case VTA_BUS_DISCONNECT: {
      uint16_t dev_num = 0;
      uint32_t unused = 0;
      if (decode_disconnect(m, false, dev_num, unused) != result::ok) return;
      auto it = devices_.find(dev_num);
      uint32_t error = 0;
      if (it == devices_.end() || !it->second.connected) error = HMX_ENODEV;
      else {
        it->second.connected = false;
        if (on_disconnect_) on_disconnect_(dev_num);
      }
      return queue(encode_disconnect(tx_, sizeof tx_, token, true, dev_num, error));
    }
    default:
      return;
  }
}

void bus_server::queue(uint32_t len) {
  if (len == 0) return;
  outbox_.push_back({std::vector<uint8_t>(tx_, tx_ + len), true});
  ++answers_waiting_;
  stats_.outbox_peak = std::max<uint64_t>(stats_.outbox_peak, outbox_.size());
}

void bus_server::queue_event(uint32_t len) {
  if (len == 0) return;
  outbox_.push_back({std::vector<uint8_t>(tx_, tx_ + len), false});
  ++events_;
  stats_.outbox_peak = std::max<uint64_t>(stats_.outbox_peak, outbox_.size());
}

void bus_server::flush() {
  while (!outbox_.empty()) {
    const out_msg& m = outbox_.front();
    const chan_iov iov{m.bytes.data(), static_cast<uint32_t>(m.bytes.size())};
    const result r = ch_.send(&iov, 1);
    if (r == result::again) return;
    if (m.answer) --answers_waiting_;
    outbox_.pop_front();  // sent, or undeliverable (no driver listening): not retried
  }
}

}  // namespace hmx::virtio_argo::device
