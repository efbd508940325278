/* SPDX-License-Identifier: Apache-2.0 */
// What every virtio-argo driver image does before its workload, at CPL3 (docs/ARCHITECTURE.md "Facts of the machines": CPL0
// is emulated here, so only the conduit's WRMSR, HLT and the interrupt stubs run there):
//  - read its identity and the device domain's id from the command line hmx-kvm writes
//    (`domains=`, `dev=NAME`; adapters/kvm/README.md "Guest command line");
//  - probe HMX with libhmx through the runtime's privileged CPUID and select the MSR conduit;
//  - enable the domain's event page and vCPU 0's vector (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: handler first);
//  - calibrate the TSC against the LAPIC timer (KVM's counts nanoseconds at divide-by-1) and
//    start a periodic tick, so every sleep ends within one period: time-outs and a vanished
//    device are noticed even when no message ever comes (spec "Peer failure and removal").
// guest_waiter is hmx_channel's Waiter: prepare() takes the pending vectors, sleep() halts
// unless one arrived since (the runtime's wait_for_interrupt checks with IF=0, no lost wake-up).
#pragma once

#include <hmx/hmx.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

#include "hmx/virtio_argo/driver/argo_transport.h"
#include "hmx/virtio_argo/driver/bus_client.h"
#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/hmx_channel.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace vta_guest {

using env_t = hmx_guest::hmx_env;
using conduit_t = hmx::msr_conduit<env_t>;
using client_t = hmx::client<conduit_t, env_t>;

inline constexpr uint8_t kHmxVector = 0x50;
inline constexpr uint8_t kTickVector = 0x51;

class guest_waiter {
 public:
  // TSC ticks per microsecond, measured over 5 ms of the LAPIC timer (1 count = 1 ns on KVM).
  void calibrate() {
    hmx_guest::mmio_write32(kDivide, 0xb);                    // divide by 1
    hmx_guest::mmio_write32(kLvtTimer, (1u << 16) | kTickVector);  // masked, one-shot
    hmx_guest::mmio_write32(kInitial, 0xffffffffu);
    const uint32_t c0 = hmx_guest::mmio_read32(kCurrent);
    const uint64_t t0 = hmx_guest::rdtsc();
    uint32_t c1 = c0;
    while (c0 - c1 < 5'000'000u) {
      hmx_guest::cpu_relax();
      c1 = hmx_guest::mmio_read32(kCurrent);
    }
    const uint64_t t1 = hmx_guest::rdtsc();
    tsc_per_us_ = (t1 - t0) * 1000 / (c0 - c1);
    if (tsc_per_us_ == 0) tsc_per_us_ = 1;
    hmx_guest::mmio_write32(kInitial, 0);
  }
  // A periodic LAPIC timer tick on this vCPU (SDM Vol. 3A 10.5.4).
  void start_ticks(uint32_t period_us) {
    hmx_guest::set_vector_handler(kTickVector, [](uint8_t) {});
    hmx_guest::mmio_write32(kDivide, 0xb);
    hmx_guest::mmio_write32(kLvtTimer, (1u << 17) | kTickVector);  // periodic, unmasked
    hmx_guest::mmio_write32(kInitial, period_us * 1000u);
  }
  void stop_ticks() {
    hmx_guest::mmio_write32(kInitial, 0);
    hmx_guest::mmio_write32(kLvtTimer, 1u << 16);
  }

  uint64_t tsc_per_us() const { return tsc_per_us_; }
  uint64_t now_ns() const {
    const uint64_t t = hmx_guest::rdtsc();
    return t / tsc_per_us_ * 1000 + t % tsc_per_us_ * 1000 / tsc_per_us_;
  }
  uint64_t prepare() {
    ++prepares_;
    return hmx_guest::dispatch_pending();
  }
  void sleep(uint64_t, uint64_t deadline_ns) {
    if (now_ns() >= deadline_ns) return;
    ++halts_;
    hmx_guest::wait_for_interrupt();  // an HMX vector, the tick, or one already pending
  }
  uint64_t halts() const { return halts_; }

 private:
  static constexpr uintptr_t kLvtTimer = HMX_GUEST_LAPIC_BASE + 0x320;
  static constexpr uintptr_t kInitial = HMX_GUEST_LAPIC_BASE + 0x380;
  static constexpr uintptr_t kCurrent = HMX_GUEST_LAPIC_BASE + 0x390;
  static constexpr uintptr_t kDivide = HMX_GUEST_LAPIC_BASE + 0x3e0;
  uint64_t tsc_per_us_ = 1000;
  uint64_t prepares_ = 0;
  uint64_t halts_ = 0;
};

using channel_t = hmx::virtio_argo::hmx_channel<conduit_t, env_t, guest_waiter>;
using transport_t = hmx::virtio_argo::argo_transport<channel_t, 8>;
using blk_t = hmx::virtio_argo::blk_driver<transport_t, 8>;

struct identity {
  const char* cmdline = "";
  uint32_t domid = 0;
  char name[32] = {};
  char device[32] = {};  // dev=NAME: the device domain's name
  int32_t device_id = -1;
};

inline bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

inline identity read_identity(const hmx_guest::start_info& si) {
  identity id;
  id.cmdline = hmx_guest::cmdline_text(si);
  id.domid = hmx_guest::cmdline_uint(id.cmdline, "domid", 0);
  (void)hmx_guest::cmdline_value(id.cmdline, "name", id.name, sizeof id.name);
  if (hmx_guest::cmdline_value(id.cmdline, "dev", id.device, sizeof id.device))
    id.device_id = hmx_guest::cmdline_domain_id(id.cmdline, id.device);
  // dev-id=N names the device domain directly (a monitor whose domains= does not list it).
  const uint32_t direct = hmx_guest::cmdline_uint(id.cmdline, "dev-id", 0);
  if (direct != 0) id.device_id = static_cast<int32_t>(direct);
  return id;
}

// Probe, MSR conduit, event page and vector. Returns 0 or an exit status after printing why.
inline int setup_hmx(env_t& env, const identity& id, hmx::probe_result& p, hmx_event_page_t* events,
                     const char* tag) {
  p = hmx::probe(env);
  if (!p.hmx_present()) {
    hmx_guest::printf("%s: HMX not present: %s\n", tag, hmx::describe(p.hmx_status));
    return 3;
  }
  const hmx::result<hmx::conduit_choice> choice = hmx::select_conduit(p);
  if (!choice.ok() || choice->id != hmx::conduit_id::x86_msr) {
    hmx_guest::printf("%s: no MSR conduit (mechanisms %#x)\n", tag, p.mechanisms);
    return 3;
  }
  if (p.domain_id != id.domid) {
    hmx_guest::printf("%s: CPUID says domain %u, the command line %u\n", tag, p.domain_id, id.domid);
    return 3;
  }
  if (!hmx::x86::write_event_page_msr(env, p.msr_base, events).ok() || env.take_msr_fault()) {
    hmx_guest::printf("%s: EVENT_PAGE MSR refused\n", tag);
    return 3;
  }
  hmx_guest::set_vector_handler(kHmxVector, [](uint8_t) {});  // the wake-up is all we need
  hmx::x86::write_vector_msr(env, p.msr_base, hmx::vector_reg::unmasked(kHmxVector));
  if (env.take_msr_fault()) {
    hmx_guest::printf("%s: VECTOR MSR refused\n", tag);
    return 3;
  }
  return 0;
}

// Positive error code of a result or HMX status, for exit statuses ("exited with status 13").
inline int exit_code(hmx::virtio_argo::result r) { return -static_cast<int>(r); }

// The driver's side of one connection: the bus, then the device's rings (HMX-VTA-046 HMX-VTA-047 HMX-VTA-048).
struct link {
  static constexpr uint32_t kConnectionAport = 0x56544300u;  // + dev_num

  link(client_t& c, guest_waiter& w, uint32_t features) : bus_chan(c, w), chan(c, w), client(&c), hmx_features(features) {}

  // Registers the bus ring, waits for the device domain's bus ring, lists the devices, connects
  // to the first virtio-blk, opens the transport. Returns 0 or an exit status after printing why.
  // poll_ns: how long the connection's waits watch the ring before halting
  // (hmx_channel_options::poll_ns). exposures: the connection's channel may expose (set before
  // connect; nullptr keeps the data path): VTA_TRANSPORT_F_EXPOSURES is accepted where the
  // probe shows EXPOSE and the device's entry offers it (HMX-VTA-152).
  int connect(uint16_t device_domain, hmx_event_page_t* events, void* bus_ring, uint32_t bus_len, void* ring,
              uint32_t ring_len, uint8_t* rx, uint32_t rx_cap, guest_waiter& w, const char* tag,
              uint64_t poll_ns = 0, uint32_t kick_batch = 1,
              hmx::virtio_argo::window_region window = {}) {
    namespace va = hmx::virtio_argo;
    hmx::virtio_argo::hmx_channel_options o;
    o.ring = bus_ring;
    o.ring_len = bus_len;
    o.aport = va::VTA_BUS_APORT;
    o.peer = device_domain;
    o.peer_aport = va::VTA_BUS_APORT;
    o.events = events;
    if (const hmx::status s = bus_chan.open(o); !s.ok()) {
      hmx_guest::printf("%s: cannot reach the device domain (id %u): bus ring: %s%s\n", tag, device_domain, s.name(),
                        s == hmx::errc::acces ? " (denied by the policy)" : "");
      return -s.code();
    }
    // The device domain registers its bus ring for us when it starts: wait for it.
    const uint64_t deadline = w.now_ns() + 5'000'000'000ull;
    for (;;) {
      const hmx::result<hmx_ring_data_ent_t> e = client->query(hmx::make_addr(va::VTA_BUS_APORT, device_domain), 0);
      if (!e.ok()) {
        hmx_guest::printf("%s: cannot reach the device domain (id %u): %s\n", tag, device_domain, e.error().name());
        return -e.error().code();
      }
      if ((e->flags & HMX_RING_EXISTS) != 0) break;
      if (w.now_ns() >= deadline) {
        hmx_guest::printf("%s: the device domain (id %u) offers no bus ring to us: ECONNREFUSED\n", tag, device_domain);
        return HMX_ECONNREFUSED;
      }
      w.sleep(w.prepare(), w.now_ns() + 1'000'000);
    }
    (void)bus.open(bus_chan, bus_rx, sizeof bus_rx);
    va::bus_device_entry devs[8];
    uint16_t n = 0;
    if (const va::result r = bus.list(devs, 8, n); r != va::result::ok) {
      hmx_guest::printf("%s: GET_DEVICES failed: %s\n", tag, va::to_string(r));
      return exit_code(r);
    }
    uint16_t dev = 0;
    for (uint16_t i = 0; i < n && dev == 0; ++i)
      if (devs[i].device_id == hmx::virtio_argo::virtio::ID_BLOCK) dev = devs[i].dev_num;
    if (dev == 0) {
      hmx_guest::printf("%s: no virtio-blk among %u devices\n", tag, n);
      return HMX_ENODEV;
    }
    o = {};
    o.ring = ring;
    o.ring_len = ring_len;
    o.aport = kConnectionAport + dev;
    o.peer = device_domain;
    o.events = events;
    o.poll_ns = poll_ns;
    // Moderated where the hypervisor offers EVENT_IDX (spec event-idx): the connection's waits
    // arm rx_event before they halt and ask for no interrupt while they poll.
    o.register_flags = hmx::event_idx_register_flag(hmx_features);
    if (const hmx::status s = chan.open(o); !s.ok()) {
      hmx_guest::printf("%s: connection ring refused: %s\n", tag, s.name());
      return -s.code();
    }
    uint32_t offered = 0;
    for (uint16_t i = 0; i < n; ++i)
      if (devs[i].dev_num == dev) offered = devs[i].transport_features;
    uint32_t accept = 0;
    if (exposures != nullptr && exposures->init_status().ok() && (hmx_features & HMX_FEATURE_EXPOSE_BIT) != 0 &&
        (offered & va::VTA_TRANSPORT_F_EXPOSURES) != 0) {
      accept |= va::VTA_TRANSPORT_F_EXPOSURES;
      chan.attach_exposures(exposures);
    }
    va::bus_connect_result c{};
    va::result r = bus.connect(dev, o.aport, chan.own_max_message(), c, accept);
    if (r == va::result::ok && c.error != 0) r = static_cast<va::result>(-static_cast<int32_t>(c.error));
    if (r != va::result::ok) {
      hmx_guest::printf("%s: CONNECT to device %u failed: %s\n", tag, dev, va::to_string(r));
      return exit_code(r);
    }
    chan.set_peer(c.device_aport, c.device_max_message);
    va::argo_driver_config cfg;
    cfg.dev_num = dev;
    cfg.rx_buffer = rx;
    cfg.rx_capacity = rx_cap;
    cfg.kick_batch = kick_batch;
    cfg.transport_features = accept;
    cfg.exposure_window = window;  // used only with VTA_TRANSPORT_F_EXPOSURES
    if ((r = transport.open(chan, cfg)) != va::result::ok) return exit_code(r);
    hmx_guest::printf("%s: connected to device %u of domain %u: rings %u/%u bytes, largest messages %u/%u, %s\n", tag,
                      dev, device_domain, ring_len, c.device_max_message + 32, chan.own_max_message(),
                      c.device_max_message, accept != 0 ? "exposures" : "data path");
    return 0;
  }

  channel_t bus_chan;
  channel_t chan;
  client_t* client;
  uint32_t hmx_features;  // HMX_FEATURE_*_BIT of the probe
  channel_t::exposures_t* exposures = nullptr;
  hmx::virtio_argo::bus_client<channel_t> bus;
  transport_t transport;
  uint8_t bus_rx[4096];
};

// The exposure path's counters of a transport over its queues, and the bytes its USED messages
// copied into the chains' buffers (what exposures remove from reads).
// calls: every expose and revoke (per request and the window's); window_calls: the window's alone.
struct exposure_totals {
  uint64_t requests = 0, exposed = 0, fallbacks = 0, errors = 0, revokes = 0, used_copy_bytes = 0, calls = 0;
  uint64_t window = 0, window_calls = 0, request_calls = 0;  // window requests; their calls; per-request calls
};
template <class Transport>
exposure_totals totals(const Transport& t, uint16_t queues) {
  exposure_totals x;
  for (uint16_t q = 0; q < queues; ++q) {
    const auto& s = t.queue_stats(q);
    x.requests += s.requests;
    x.exposed += s.exposed_requests;
    x.fallbacks += s.exposure_fallbacks;
    x.errors += s.exposure_errors;
    x.revokes += s.revokes;
    x.used_copy_bytes += s.used_copy_bytes;
    x.calls += s.exposure_calls;
    x.request_calls += s.exposure_calls;
    x.window += s.window_requests;
  }
  const auto& w = t.exposure_window_stats();
  x.window_calls = w.exposes + w.revokes;
  x.calls += x.window_calls;
  return x;
}

}  // namespace vta_guest
