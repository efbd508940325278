// SPDX-License-Identifier: Apache-2.0
// Instantiates every guest-side part of virtio-argo the way a guest image would: the driver
// transport and the virtio-blk driver over a channel with no runtime behind it, the bus client,
// and the codecs. The freestanding check (cmake/HmxFreestanding.cmake) compiles this with
// -ffreestanding -nostdlib -fno-exceptions -fno-rtti and links it with nothing but a runtime's
// memcpy, memmove and memset (docs/ARCHITECTURE.md decision 7).
#include "hmx/virtio_argo/driver/argo_transport.h"
#include "hmx/virtio_argo/driver/bus_client.h"
#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/protocol_bus.h"

namespace vta = hmx::virtio_argo;

namespace {

// A channel over nothing: what libhmx's binding replaces. Volatile state keeps the compiler
// from folding the transport away.
struct null_channel {
  volatile uint32_t sent = 0;
  vta::result send(const vta::chan_iov* iov, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) sent = sent + iov[i].len;
    return vta::result::again;
  }
  vta::recv_result receive(void*, uint32_t) { return {vta::result::again, 0}; }
  uint32_t max_message_size() { return 65536; }
  vta::result wait(uint64_t) { return vta::result::timed_out; }
  uint64_t now_ns() {
    clock = clock + 1'000'000'000;
    return clock;
  }
  volatile uint64_t clock = 0;
};
static_assert(vta::message_channel<null_channel>);

alignas(16) uint8_t ring[vta::split_virtqueue::ring_bytes(64)];
vta::split_virtqueue::slot slots[64];
vta::inflight_slot inflight[64];
uint8_t rx[4096];
null_channel channel;
vta::argo_transport<null_channel, 4> transport;
vta::blk_driver<vta::argo_transport<null_channel, 4>, 4> blk;
vta::bus_client<null_channel> bus;

}  // namespace

extern "C" int vta_guest_main() {
  vta::argo_driver_config cfg;
  cfg.rx_buffer = rx;
  cfg.rx_capacity = sizeof rx;
  if (transport.open(channel, cfg) != vta::result::ok) return 1;
  vta::blk_queue_memory mem{ring, slots, inflight};
  const vta::result r = blk.init(transport, 1, 64, &mem, vta::virtio::bit(vta::virtio::F_EVENT_IDX));
  uint8_t buf[64];
  vta::message m;
  const uint32_t n = vta::encode(buf, sizeof buf, 7, vta::bus_get_devices{0, 4});
  (void)vta::decode_message(buf, n, vta::role::device, m);
  vta::bus_get_devices g{};
  (void)vta::decode(m, g);
  if (bus.open(channel, rx, sizeof rx, 1) == vta::result::ok) (void)bus.ping(1);
  return static_cast<int>(r) + g.max_count;
}

extern "C" [[noreturn]] void vta_guest_entry() {
  (void)vta_guest_main();
  for (;;) {
  }
}
