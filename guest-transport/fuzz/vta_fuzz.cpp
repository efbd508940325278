// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: everything a peer controls in virtio-argo. The first input byte picks the
// victim, the rest is a list of messages, each a le16 length and that many bytes:
//   0  the codecs: every message decoded in both roles, with every typed decoder;
//   1  the device transport: a console device brought to DRIVER_OK, then fed the messages as
//      if from its driver (HMX-VTA-055 HMX-VTA-056, -024);
//   2  the driver transport: a console driver with receive buffers outstanding, fed the
//      messages as if from its device; the buffers' neighbours must stay intact (HMX-VTA-053 HMX-VTA-054,
//      -029).
// Built with clang -fsanitize=fuzzer,address,undefined (HMX_BUILD_FUZZERS).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/driver/argo_transport.h"
#include "hmx/virtio_argo/driver/init.h"
#include "hmx/virtio_argo/loopback.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace vta = hmx::virtio_argo;
using bytes = std::vector<uint8_t>;

namespace {

std::vector<bytes> split(const uint8_t* d, size_t n) {
  std::vector<bytes> out;
  while (n >= 2 && out.size() < 64) {
    size_t len = d[0] | (d[1] << 8);
    d += 2;
    n -= 2;
    if (len > n) len = n;
    out.emplace_back(d, d + len);  // exact size: ASan sees any over-read
    d += len;
    n -= len;
  }
  return out;
}

void decode_all(const bytes& b, vta::role to) {
  vta::message m;
  if (vta::decode_message(b.data(), static_cast<uint32_t>(b.size()), to, m) != vta::result::ok) return;
  uint32_t u = 0, words[vta::VTA_MAX_FEATURE_BLOCKS];
  uint16_t u16 = 0;
  const uint8_t* p = nullptr;
  vta::features_block fb{};
  vta::config_data cd{};
  vta::config_request cr{};
  vta::device_info di{};
  vta::vqueue_info qi{};
  vta::set_vqueue sv{};
  vta::set_vqueue_result sr{};
  vta::event_config ec{};
  vta::data_view<vta::avail_fields> av;
  vta::data_view<vta::used_fields> us;
  vta::bus_get_devices g{};
  vta::bus_devices_header h{};
  vta::bus_device_entry e[8];
  vta::bus_connect c{};
  vta::bus_connect_result cres{};
  vta::bus_device_event ev{};
  for (bool r : {false, true}) {
    (void)vta::decode_empty(m, m.hdr.msg_id, r);
    (void)vta::decode_u32(m, m.hdr.msg_id, r, u);
    (void)vta::decode_features(m, m.hdr.msg_id, r, fb, words);
    (void)vta::decode_config(m, m.hdr.msg_id, r, cd, p);
    (void)vta::decode_ping(m, r, u);
    (void)vta::decode_disconnect(m, r, u16, u);
  }
  (void)vta::decode(m, di);
  (void)vta::decode(m, cr);
  (void)vta::decode(m, qi);
  (void)vta::decode(m, sv);
  (void)vta::decode(m, sr);
  (void)vta::decode(m, ec, p);
  if (vta::decode(m, av) == vta::result::ok && av.data_len > m.payload_len) std::abort();
  if (vta::decode(m, us) == vta::result::ok && us.f.offset + uint64_t{us.data_len} > us.f.written_total) std::abort();
  (void)vta::decode(m, g);
  (void)vta::decode(m, h, e, 8);
  (void)vta::decode(m, c);
  (void)vta::decode(m, cres);
  (void)vta::decode(m, ev);
}

void send_raw(vta::loopback_endpoint& ep, const bytes& b) {
  const vta::chan_iov iov{b.data(), static_cast<uint32_t>(b.size())};
  (void)ep.send(&iov, 1);
}

void fuzz_device(const std::vector<bytes>& msgs) {
  namespace v = vta::virtio;
  vta::loopback_link link(1 << 16, 1 << 16);
  vta::device::console_device con;
  vta::device::channel_ref<vta::loopback_endpoint> ch(link.device());
  vta::device::argo_device_host host(con, ch, {1, {4, 4096}, (1 << 16) - 32});
  uint8_t b[256];
  uint32_t token = 0;
  auto status = [&](uint8_t s) {
    const uint32_t n = vta::encode_u32(b, sizeof b, {0, vta::VTA_MSG_SET_DEVICE_STATUS, 1, ++token, 0}, s);
    send_raw(link.driver(), bytes(b, b + n));
  };
  status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER);
  const uint32_t w[2] = {0, 1};
  send_raw(link.driver(), bytes(b, b + vta::encode(b, sizeof b, {0, vta::VTA_MSG_SET_DRIVER_FEATURES, 1, ++token, 0},
                                                   vta::features_block{0, 2}, w)));
  status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
  for (uint32_t q = 0; q < 2; ++q)
    send_raw(link.driver(), bytes(b, b + vta::encode(b, sizeof b, {0, vta::VTA_MSG_SET_VQUEUE, 1, ++token, 0},
                                                     vta::set_vqueue{q, 16, 0, 0})));
  status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
  (void)host.poll();
  uint8_t rx[1 << 16];
  for (const bytes& m : msgs) {
    send_raw(link.driver(), m);
    (void)host.poll();
    for (vta::recv_result rr; (rr = link.driver().receive(rx, sizeof rx)).status == vta::result::ok;)
      decode_all(bytes(rx, rx + rr.size), vta::role::driver);
  }
}

void fuzz_driver(const std::vector<bytes>& msgs) {
  vta::loopback_link link(1 << 16, 1 << 16);
  vta::device::console_device con;
  vta::device::channel_ref<vta::loopback_endpoint> ch(link.device());
  vta::device::argo_device_host host(con, ch, {1, {8, 4096}, (1 << 16) - 32});
  bool serve = true;
  link.driver().set_idle_hook([&] {
    if (serve) (void)host.poll();
  });
  std::vector<uint8_t> rx((1 << 16) - 32);
  vta::argo_transport<vta::loopback_endpoint, 4> t;
  vta::argo_driver_config cfg;
  cfg.rx_buffer = rx.data();
  cfg.rx_capacity = static_cast<uint32_t>(rx.size());
  if (t.open(link.driver(), cfg) != vta::result::ok) std::abort();
  uint64_t f = 0;
  if (vta::negotiate(t, 0, f) != vta::result::ok) std::abort();
  struct alignas(16) ring_mem {
    uint8_t b[vta::split_virtqueue::ring_bytes(16)];
  };
  static ring_mem ring[2];
  vta::split_virtqueue::slot slots[2][16];
  vta::inflight_slot inflight[2][16];
  vta::split_virtqueue vq[2];
  for (uint16_t q = 0; q < 2; ++q) {
    if (vq[q].init(q, 16, ring[q].b, slots[q]) != vta::result::ok) std::abort();
    if (t.setup_queue(vq[q], inflight[q]) != vta::result::ok) std::abort();
  }
  if (vta::driver_ok(t) != vta::result::ok) std::abort();
  // Four receive buffers of 32 bytes, each between two 16-byte canaries.
  static uint8_t mem[4][64];
  std::memset(mem, 0xEE, sizeof mem);
  for (auto& m : mem) {
    const vta::split_virtqueue::buf b{m + 16, 32};
    (void)vq[0].add(nullptr, 0, &b, 1, m);
  }
  (void)vq[0].kick_prepare();
  (void)t.notify(0);
  serve = false;  // the fuzz input speaks for the device from here on
  uint8_t drain[1 << 16];
  while (link.device().receive(drain, sizeof drain).status == vta::result::ok) {
  }
  for (const bytes& m : msgs) {
    send_raw(link.device(), m);
    (void)t.poll();
  }
  uint32_t len = 0;
  while (void* p = vq[0].get_used(len))
    if (len > 32 || p == nullptr) std::abort();
  for (auto& m : mem)
    for (int i = 0; i < 16; ++i)
      if (m[i] != 0xEE || m[48 + i] != 0xEE) std::abort();  // a write outside the buffer
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<bytes> msgs = split(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      for (const bytes& m : msgs) {
        decode_all(m, vta::role::driver);
        decode_all(m, vta::role::device);
      }
      break;
    case 1:
      fuzz_device(msgs);
      break;
    default:
      fuzz_driver(msgs);
      break;
  }
  return 0;
}
