// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/service/driver_domain.h"

namespace hmx::virtio_argo::service {

namespace {
constexpr uint32_t kBounceBytes = 8192;  // control messages and AVAIL prefixes built on the stack
}

driver_domain::driver_domain(ref::Core& core, const driver_domain_options& options)
    : opt_(options),
      dom_(core, options.id, options.name, options.memory_bytes),
      bus_chan_(dom_.client(), dom_.waiter()),
      conn_chan_(dom_.client(), dom_.waiter()),
      bus_rx_(hmx::ring_max_message_size(options.bus_ring_len)),
      rx_(hmx::ring_max_message_size(options.ring_len)) {
  bounce_ = static_cast<uint8_t*>(dom_.alloc_pages(2 * kBounceBytes / hmx::page_size));
}

driver_domain::~driver_domain() = default;

void* driver_domain::alloc(size_t bytes) {
  return dom_.alloc_pages((bytes + hmx::page_size - 1) / hmx::page_size);
}

hmx::status driver_domain::open_bus(ref::DomainId device_domain) {
  device_ = device_domain;
  void* ring = alloc(hmx::ring_npages(opt_.bus_ring_len) * hmx::page_size);
  if (ring == nullptr || bounce_ == nullptr) return hmx::errc::nomem;
  hmx_channel_options o;
  o.ring = ring;
  o.ring_len = opt_.bus_ring_len;
  o.aport = VTA_BUS_APORT;  // our bus ring: where the device domain sends EVENT_DEVICE
  o.peer = device_domain;
  o.peer_aport = VTA_BUS_APORT;
  o.events = dom_.events();
  o.bounce = bounce_;
  o.bounce_len = kBounceBytes;
  const hmx::status s = bus_chan_.open(o);
  if (!s.ok()) return s;
  (void)bus_.open(bus_chan_, bus_rx_.data(), static_cast<uint32_t>(bus_rx_.size()), opt_.request_timeout_ns);
  // The device domain registers its bus ring for us once it sees our domain: wait for it (a
  // notify query names it) for up to one request time-out.
  const uint64_t deadline = bus_chan_.now_ns() + opt_.request_timeout_ns;
  for (;;) {
    const hmx::result<hmx_ring_data_ent_t> e = dom_.client().query(hmx::make_addr(VTA_BUS_APORT, device_domain), 0);
    if (!e.ok()) return e.error();
    if ((e->flags & HMX_RING_EXISTS) != 0) return {};
    if (bus_chan_.now_ns() >= deadline) return hmx::errc::connrefused;
    const uint64_t token = dom_.waiter().prepare();
    dom_.waiter().sleep(token, bus_chan_.now_ns() + 2'000'000);
  }
}

result driver_domain::list(std::vector<bus_device_entry>& out) {
  out.assign(32, {});
  uint16_t count = 0;
  const result r = bus_.list(out.data(), static_cast<uint16_t>(out.size()), count);
  out.resize(r == result::ok ? count : 0);
  return r;
}

uint8_t* driver_domain::window_alloc(size_t bytes) {
  const size_t at = (window_used_ + 15) & ~size_t{15};
  if (window_.base == nullptr || at > window_.len || bytes > window_.len - at) return nullptr;
  window_used_ = at + bytes;
  return window_.base + at;
}

result driver_domain::connect(uint16_t dev_num, uint32_t* connect_error) {
  void* ring = alloc(hmx::ring_npages(opt_.ring_len) * hmx::page_size);
  if (ring == nullptr) return result::no_space;
  if (opt_.exposure_window_bytes != 0 && window_.base == nullptr) {
    window_.base = static_cast<uint8_t*>(alloc(opt_.exposure_window_bytes));
    if (window_.base == nullptr) return result::no_space;
    window_.len = opt_.exposure_window_bytes;
  }
  hmx_channel_options o;
  o.ring = ring;
  o.ring_len = opt_.ring_len;
  o.aport = kConnectionAport + dev_num;
  o.peer = device_;
  o.events = dom_.events();
  o.bounce = bounce_ + kBounceBytes;
  o.bounce_len = kBounceBytes;
  if (const hmx::status s = conn_chan_.open(o); !s.ok()) return static_cast<result>(s.code());
  uint32_t accept = opt_.transport_features;
  if (accept != 0 && !opt_.force_transport_features) {
    std::vector<bus_device_entry> devs;
    if (list(devs) != result::ok) return result::protocol;
    uint32_t offered = 0;
    for (const auto& d : devs)
      if (d.dev_num == dev_num) offered = d.transport_features;
    accept &= offered;
  }
  if ((accept & VTA_TRANSPORT_F_EXPOSURES) != 0) {
    exposures_ = std::make_unique<host_channel::exposures_t>(dom_.client(), dom_.env());
    conn_chan_.attach_exposures(exposures_.get());
  }
  bus_connect_result c{};
  const uint32_t max_message = opt_.claimed_max_message != 0 ? opt_.claimed_max_message : conn_chan_.own_max_message();
  result r = bus_.connect(dev_num, o.aport, max_message, c, accept);
  if (connect_error != nullptr) *connect_error = r == result::ok ? c.error : 0;
  if (r == result::ok && c.error != 0) r = static_cast<result>(-static_cast<int32_t>(c.error));
  if (r != result::ok) {
    (void)conn_chan_.close();
    return r;
  }
  conn_chan_.set_peer(c.device_aport, c.device_max_message);
  argo_driver_config cfg;
  cfg.dev_num = dev_num;
  cfg.rx_buffer = rx_.data();
  cfg.rx_capacity = static_cast<uint32_t>(rx_.size());
  cfg.request_timeout_ns = opt_.request_timeout_ns;
  cfg.liveness_timeout_ns = opt_.liveness_timeout_ns;
  cfg.transport_features = accept;
  cfg.exposure_window = window_;
  return transport_.open(conn_chan_, cfg);
}

result driver_domain::init_blk(uint16_t queues, uint16_t queue_size, uint64_t extra_features) {
  std::vector<blk_queue_memory> mem(queues);
  for (auto& m : mem) {
    m.ring = alloc(split_virtqueue::ring_bytes(queue_size));
    m.slots = alloc_array<split_virtqueue::slot>(queue_size);
    m.inflight = alloc_array<inflight_slot>(queue_size);
    if (m.ring == nullptr || m.slots == nullptr || m.inflight == nullptr) return result::no_space;
  }
  return blk_.init(transport_, queues, queue_size, mem.data(), extra_features);
}

}  // namespace hmx::virtio_argo::service
