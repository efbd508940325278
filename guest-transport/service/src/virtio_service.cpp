// SPDX-License-Identifier: Apache-2.0
// The device domain's thread: bus servers (one per driver domain), at most one connection, the
// device, and the domain's notifications (virtio_service.h).
#include "hmx/virtio_argo/service/virtio_service.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "dying_device.h"
#include "hmx/virtio_argo/device/any_channel.h"
#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/blk_device.h"
#include "hmx/virtio_argo/device/bus_server.h"
#include "hmx/virtio_argo/service/host_domain.h"
#include "hmx/vhost_user/backend_process.h"
#include "hmx/vhost_user/blk_bridge.h"

namespace hmx::virtio_argo::service {

namespace {

constexpr uint16_t kDevNum = 1;
constexpr uint32_t kDeviceAport = 0x56544200u | kDevNum;  // the device ring of the connection
constexpr uint32_t kBounceBytes = 8192;                   // control messages built in the heap
constexpr uint64_t kIdleSleepNs = 20'000'000;             // upper bound of one sleep
constexpr uint64_t kLivenessNs = 100'000'000;             // idle connection: is the driver there?
constexpr uint64_t kRetryNs = 5'000'000;                  // a driver domain that did not exist yet

std::string hex(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

struct virtio_service::impl {
  // One driver domain's bus: its ring at VTA_BUS_APORT and the bus server on it.
  struct bus_link {
    bus_link(host_domain& d, ref::DomainId drv) : driver(drv), chan(d.client(), d.waiter()), ref(chan) {}
    ref::DomainId driver;
    host_channel chan;
    device::channel_ref<host_channel> ref;
    std::unique_ptr<device::bus_server> server;
  };
  // The connection: the device ring (partner: the driver) and the device transport on it.
  struct connection {
    connection(host_domain& d, ref::DomainId drv) : driver(drv), chan(d.client(), d.waiter()), ref(chan) {}
    ref::DomainId driver;
    host_channel chan;
    device::channel_ref<host_channel> ref;
    std::unique_ptr<device::argo_device_host> host;
  };

  virtio_service_options opt;
  std::unique_ptr<host_domain> dom;
  std::unique_ptr<device::blk_device> blk;
  std::unique_ptr<vhost_user::backend_process> backend;  // vhost_exec
  std::unique_ptr<vhost_user::blk_bridge> bridge;        // vhost_socket
  std::unique_ptr<dying_device> dev;
  // The device channels' fetch and deposit (spec exposures); it lives as long as the domain.
  std::unique_ptr<host_channel::exposures_t> exposures;
  // VTA_TRANSPORT_F_* offered in every GET_DEVICES entry: EXPOSURES only where the core offers
  // EXPOSE and the exposures object has its page (HMX-VTA-150).
  uint32_t transport_offer = 0;
  std::vector<std::unique_ptr<bus_link>> buses;
  std::unique_ptr<connection> conn;
  void* device_ring = nullptr;  // reused by every connection (one at a time)
  uint8_t* device_bounce = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> killed{false};
  std::mutex stats_mu;
  virtio_service_stats snapshot;
  virtio_service_stats counters;  // service-thread only; published into snapshot

  void log(const std::string& line) {
    if (opt.log) opt.log(line);
  }
  uint8_t* bounce() { return static_cast<uint8_t*>(dom->alloc_pages(kBounceBytes / hmx::page_size)); }

  hmx_channel_options channel_options(void* ring, uint32_t len, uint32_t aport, ref::DomainId peer,
                                      uint8_t* bounce) {
    hmx_channel_options o;
    o.ring = ring;
    o.ring_len = len;
    o.aport = aport;
    o.peer = peer;
    o.events = dom->events();
    o.bounce = bounce;
    o.bounce_len = bounce != nullptr ? kBounceBytes : 0;
    return o;
  }

  // HMX-VTA-042 HMX-VTA-043: a bus ring per driver domain, partner = that domain. The policy's
  // REGISTER_SINGLE_SOURCE hook decides whether the driver may reach us at all. A driver domain
  // that does not exist yet (ESRCH) is tried again later: domains may come up after us.
  std::vector<ref::DomainId> waiting;  // drivers whose domain did not exist yet

  void open_buses(const std::vector<ref::DomainId>& drivers) {
    std::vector<ref::DomainId> again;
    for (ref::DomainId d : drivers) {
      std::unique_ptr<bus_link>& b = pending_bus[d];  // one channel per driver, kept across retries
      if (b == nullptr) b = std::make_unique<bus_link>(*dom, d);
      if (bus_ring_for.count(d) == 0) bus_ring_for[d] = dom->alloc_pages(hmx::ring_npages(opt.bus_ring_len));
      void* ring = bus_ring_for[d];
      hmx_channel_options o = channel_options(ring, opt.bus_ring_len, VTA_BUS_APORT, d, bus_bounce(d));
      o.peer_aport = VTA_BUS_APORT;  // the driver's bus ring (events) until a request names another
      o.learn_peer_aport = true;     // answers go to the source aport of the request
      const hmx::status s = ring != nullptr && o.bounce != nullptr ? b->chan.open(o) : hmx::status(hmx::errc::nomem);
      if (s == hmx::errc::srch) {
        again.push_back(d);
        continue;
      }
      if (!s.ok()) {
        ++counters.drivers_refused;
        log("not serving domain " + std::to_string(d) + ": bus ring refused: " + s.name());
        pending_bus.erase(d);
        continue;
      }
      bus_link* raw = b.get();
      b->server = std::make_unique<device::bus_server>(
          b->ref, [this, raw](const bus_connect& c) { return on_connect(*raw, c); },
          [this](uint16_t) { close_connection("driver disconnected"); });
      b->server->add(kDevNum, dev->device_id(), dev->vendor_id(), transport_offer);  // EVENT_DEVICE READY (HMX-VTA-005)
      ++counters.drivers_served;
      buses.push_back(std::move(b));
      pending_bus.erase(d);
    }
    waiting = std::move(again);
  }
  std::map<ref::DomainId, std::unique_ptr<bus_link>> pending_bus;
  std::map<ref::DomainId, void*> bus_ring_for;
  std::map<ref::DomainId, uint8_t*> bounce_for;
  uint8_t* bus_bounce(ref::DomainId d) {
    if (bounce_for.count(d) == 0) bounce_for[d] = bounce();
    return bounce_for[d];
  }

  // CONNECT (HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108, -003): register the device ring for this driver, start the device
  // transport on it, answer with its aport and largest message.
  bus_connect_result on_connect(bus_link& b, const bus_connect& c) {
    bus_connect_result r{c.dev_num, 0, 0, 0, 0};
    if (conn != nullptr) {
      r.error = HMX_EBUSY;
      return r;
    }
    if (device_ring == nullptr) device_ring = dom->alloc_pages(hmx::ring_npages(opt.device_ring_len));
    if (device_bounce == nullptr) device_bounce = bounce();
    if (device_ring == nullptr || device_bounce == nullptr) {
      r.error = HMX_ENOMEM;
      return r;
    }
    auto k = std::make_unique<connection>(*dom, b.driver);
    hmx_channel_options o = channel_options(device_ring, opt.device_ring_len, kDeviceAport, b.driver, device_bounce);
    o.peer_aport = c.driver_aport;
    o.peer_max_message = c.driver_max_message;
    const bool exposed = (c.transport_features & HMX_VTA_TRANSPORT_F_EXPOSURES) != 0;  // HMX-VTA-151
    if (exposed) k->chan.attach_exposures(exposures.get());
    if (const hmx::status s = k->chan.open(o); !s.ok()) {
      log("connection from domain " + std::to_string(b.driver) + " refused: device ring: " + s.name());
      r.error = static_cast<uint32_t>(-s.code());
      return r;
    }
    device::argo_host_options h;
    h.dev_num = kDevNum;
    h.limits = opt.limits;
    h.rx_capacity = k->chan.own_max_message();
    h.memory = dom->resource();  // request buffers in our own memory: USED leaves without a copy
    h.completion_batch = opt.completion_batch;
    h.budget_bytes = opt.budget_bytes;
    h.budget_entries = opt.budget_entries;
    h.exposures = exposed;
    k->host = std::make_unique<device::argo_device_host>(*dev, k->ref, h);
    r.device_aport = kDeviceAport;
    r.device_max_message = k->chan.own_max_message();
    conn = std::move(k);
    ++counters.connections;
    log("domain " + std::to_string(b.driver) + " connected to device " + std::to_string(kDevNum) + " (budget " +
        std::to_string(opt.budget_bytes) + " bytes, " + std::to_string(opt.budget_entries) + " requests held" +
        (exposed ? ", exposures" : "") + ")");
    return r;
  }

  void close_connection(const std::string& why) {
    if (conn == nullptr) return;
    log("connection of domain " + std::to_string(conn->driver) + " closed: " + why);
    fold_host_stats();
    conn->host.reset();  // resets the device, forgets every request (HMX-VTA-035)
    (void)conn->chan.close();
    conn.reset();
  }

  void fold_host_stats() {
    if (conn == nullptr || conn->host == nullptr) return;
    const auto& h = conn->host->stats();
    base.requests += h.requests;
    base.avail_messages += h.avail_messages;
    base.used_messages += h.used_messages;
    base.control_requests += h.control_requests;
    base.protocol_errors += h.protocol_errors;
    base.eagain += h.eagain;
    base.resets += h.resets;
    base.budget_hits += h.budget_hits;
    base.outbox_peak = std::max(base.outbox_peak, h.outbox_peak);
    base.exposed_requests += h.exposed_requests;
    base.exposure_errors += h.exposure_errors;
    base.bytes_fetched += h.bytes_fetched;
    base.bytes_deposited += h.bytes_deposited;
  }
  device::argo_host_stats base;  // totals of closed connections
  uint64_t budget_hits_logged = 0;
  std::atomic<bool> failed{false};
  std::string failure;  // under stats_mu

  void publish() {
    virtio_service_stats s = counters;
    device::argo_host_stats h = base;
    if (conn != nullptr && conn->host != nullptr) {
      const auto& c = conn->host->stats();
      h.requests += c.requests;
      h.avail_messages += c.avail_messages;
      h.used_messages += c.used_messages;
      h.control_requests += c.control_requests;
      h.protocol_errors += c.protocol_errors;
      h.eagain += c.eagain;
      h.resets += c.resets;
      h.budget_hits += c.budget_hits;
      h.outbox_peak = std::max(h.outbox_peak, c.outbox_peak);
      h.exposed_requests += c.exposed_requests;
      h.exposure_errors += c.exposure_errors;
      h.bytes_fetched += c.bytes_fetched;
      h.bytes_deposited += c.bytes_deposited;
      s.outbox_bound = conn->host->outbox_bound();
      s.in_flight = conn->host->in_flight_total();
    }
    for (const auto& b : buses) {
      const device::bus_server_stats& bs = b->server->stats();
      s.bus_requests += bs.requests;
      s.bus_dropped += bs.dropped;
      s.bus_outbox_peak = std::max(s.bus_outbox_peak, bs.outbox_peak);
      s.bus_outbox_bound = std::max(s.bus_outbox_bound, b->server->outbox_bound());
    }
    s.budget_bytes = opt.budget_bytes;
    s.budget_entries = opt.budget_entries;
    s.budget_hits = h.budget_hits;
    s.outbox_peak = h.outbox_peak;
    if (h.budget_hits > budget_hits_logged) {
      budget_hits_logged = h.budget_hits;
      log("domain " + std::to_string(conn != nullptr ? conn->driver : 0) + " went over its budget (" +
          std::to_string(opt.budget_bytes) + " bytes, " + std::to_string(opt.budget_entries) +
          " requests held): protocol error, DEVICE_NEEDS_RESET (" + std::to_string(h.budget_hits) + " so far)");
    }
    s.requests = h.requests;
    s.avail_messages = h.avail_messages;
    s.used_messages = h.used_messages;
    s.control_requests = h.control_requests;
    s.protocol_errors = h.protocol_errors;
    s.eagain = h.eagain;
    s.resets = h.resets;
    s.exposed_requests = h.exposed_requests;
    s.exposure_errors = h.exposure_errors;
    s.bytes_fetched = h.bytes_fetched;
    s.bytes_deposited = h.bytes_deposited;
    if (blk != nullptr) {
      const auto& b = blk->stats();
      s.reads = b.reads;
      s.writes = b.writes;
      s.flushes = b.flushes;
      s.bytes_read = b.bytes_read;
      s.bytes_written = b.bytes_written;
    } else if (bridge != nullptr) {
      const auto b = bridge->stats();
      s.reads = b.reads;
      s.writes = b.writes;
      s.flushes = b.flushes;
      s.bytes_read = b.bytes_read;
      s.bytes_written = b.bytes_written;
      s.backend_failed = !bridge->alive();
    }
    s.connected = conn != nullptr;
    s.dead = killed.load();
    s.failed = failed.load();
    std::lock_guard lock(stats_mu);
    s.failure = failure;
    snapshot = s;
  }

  // One notify covers every ring of the domain (it wakes the waiters of all of them).
  void flush_notifies() {
    bool pending = conn != nullptr && conn->chan.notify_pending();
    for (auto& b : buses) pending = pending || b->chan.notify_pending();
    if (!pending) return;
    (void)dom->client().notify();
    ++counters.notifies;
    if (conn != nullptr) conn->chan.notify_done();
    for (auto& b : buses) b->chan.notify_done();
  }

  // Messages received and sent on every channel so far: progress of one round.
  uint64_t activity() const {
    uint64_t n = 0;
    for (const auto& b : buses) n += b->chan.stats().received + b->chan.stats().sent;
    if (conn != nullptr) n += conn->chan.stats().received + conn->chan.stats().sent;
    return n;
  }

  // One round: every bus, the connection, the deferred notify. False when the service must end.
  bool round() {
    for (auto& b : buses) (void)b->server->poll();
    const bool backend_ok = bridge == nullptr || bridge->pump();  // completions before the host sends
    if (conn != nullptr && conn->host->poll() == result::conn_refused) close_connection("driver gone");
    if (bridge != nullptr && backend_ok && !bridge->pump()) {  // kicks for what the host received
      if (conn != nullptr) (void)conn->host->poll();              // the requests it failed go out
    }
    if (bridge != nullptr && !bridge->alive()) {
      // The back-end is gone: the device is removed in order (EVENT_DEVICE REMOVED, HMX-VTA-005).
      log("removing the device: vhost-user back-end: " + bridge->failure());
      return false;
    }
    if (dev->tripped()) {
      log("dying on purpose at request " + std::to_string(opt.die_after) + " (die-after)");
      die();
      return false;
    }
    flush_notifies();
    publish();
    return true;
  }

  // The thread's edge: nothing a driver or back-end causes may end the process (issue 14). A
  // failure stops this service with a report; its domain leaves the core as on a crash, so
  // its drivers see their rings vanish (spec "Peer failure and removal").
  void run_contained() {
    try {
      run();
      return;
    } catch (const std::exception& e) {
      report_failure(e.what());
    } catch (...) {
      report_failure("unknown exception");
    }
    try {
      if (!killed.exchange(true)) dom->destroy();
      publish();
    } catch (...) {
      // The report above stands; the domain may be half gone, the process goes on.
    }
  }
  void report_failure(const char* what) {
    {
      std::lock_guard lock(stats_mu);
      failure = what;
    }
    failed = true;
    try {
      log(std::string("service stopped: ") + what);
    } catch (...) {
    }
  }

  void run() {
    host_waiter& w = dom->waiter();
    uint64_t last_liveness = w.now_ns();
    uint64_t last_retry = last_liveness;
    while (!stopping.load() && !killed.load()) {
      // While rounds make progress, the event page's bits stay set: drivers' sends then raise
      // no notification (a futex wake on their vCPU's thread) for messages we will see anyway.
      const uint64_t before = activity();
      if (!round()) break;
      if (activity() != before) continue;
      // Idle: clear the bits, look once more (HMX-EVENT-030 HMX-EVENT-031: a message may have landed after
      // the round looked), then sleep until a notification or the next periodic check.
      const uint64_t token = w.prepare();
      (void)dom->take_events();
      if (!round()) break;
      if (activity() != before) continue;
      const uint64_t now = w.now_ns();
      if (!waiting.empty() && now - last_retry >= kRetryNs) {
        last_retry = now;
        open_buses(std::vector<ref::DomainId>(waiting));
      }
      if (conn != nullptr && now - last_liveness >= kLivenessNs) {
        last_liveness = now;
        // HMX-VTA-035: a driver whose ring vanished is gone even if it never sends again.
        if (!conn->chan.peer_alive()) continue;  // the next poll sees conn_refused
      }
      w.sleep(token, now + (waiting.empty() ? kIdleSleepNs : kRetryNs));
    }
    if (!killed.load()) shutdown();
    publish();
  }

  // HMX-VTA-005: REMOVED to every driver before the device's ring goes, then the domain leaves.
  void shutdown() {
    for (auto& b : buses) {
      b->server->remove(kDevNum);
      (void)b->server->poll();
    }
    close_connection("device removed");
    flush_notifies();
    for (auto& b : buses) (void)b->chan.close();
    dom->destroy();
  }

  void die() {
    killed = true;
    dom->destroy();  // rings gone at once; requests in flight are never answered
  }
};

std::unique_ptr<virtio_service> virtio_service::start(ref::Core& core, const virtio_service_options& o) {
  if (o.queues == 0 || o.name.empty()) throw std::runtime_error("virtio service: bad options");
  auto p = std::make_unique<impl>();
  p->opt = o;
  if (p->opt.budget_bytes == 0) p->opt.budget_bytes = o.memory_bytes / 3;
  if (p->opt.budget_entries == 0) p->opt.budget_entries = o.limits.max_in_flight * o.queues;
  device::blk_options b;
  b.path = o.blk_file;
  b.num_queues = o.queues;
  b.queue_size = o.queue_size;
  b.serial = "hmx-vta-" + o.name.substr(0, 12);
  result e = result::ok;
  if (o.vhost_socket.empty()) {
    p->blk = device::blk_device::open(b, e);
    if (p->blk == nullptr)
      throw std::runtime_error("virtio service " + o.name + ": cannot open " + o.blk_file + ": " + to_string(e));
    p->dev = std::make_unique<dying_device>(*p->blk, o.die_after);
    p->dom = std::make_unique<host_domain>(core, o.id, o.name, o.memory_bytes);
  } else {
    // The back-end maps this domain's memory and nothing else (a memfd: SET_MEM_TABLE).
    p->dom = std::make_unique<host_domain>(core, o.id, o.name, o.memory_bytes, true);
    if (!o.vhost_exec.empty()) p->backend = std::make_unique<vhost_user::backend_process>(o.vhost_exec);
    auto fe = std::make_unique<vhost_user::frontend>(o.vhost_socket, std::chrono::milliseconds(10000));
    vhost_user::blk_bridge_options bo;
    bo.queues = o.queues;
    bo.ring_size = o.queue_size;
    host_domain* dom = p->dom.get();
    bo.wake = [dom] { dom->waiter().wake(); };
    if (o.log) bo.log = o.log;
    std::string error;
    p->bridge = vhost_user::blk_bridge::connect(std::move(fe), *p->dom->memory().shared(), p->dom->resource(), bo, error);
    if (p->bridge == nullptr) throw std::runtime_error("virtio service " + o.name + ": " + o.vhost_socket + ": " + error);
    p->dev = std::make_unique<dying_device>(*p->bridge, o.die_after);
    p->log("vhost-user back-end at " + o.vhost_socket + ": features 0x" + hex(p->bridge->backend_features()) + ", " +
           std::to_string(p->bridge->num_queues()) + " queue(s), " +
           std::to_string(p->bridge->config_size()) + " config bytes");
  }
  if ((core.features() & HMX_FEATURE_EXPOSE_BIT) != 0) {
    p->exposures = std::make_unique<host_channel::exposures_t>(p->dom->client(), p->dom->env());
    if (p->exposures->init_status().ok()) p->transport_offer = HMX_VTA_TRANSPORT_F_EXPOSURES;
  }
  // The bus rings exist before any driver runs, so a driver's first request finds them.
  p->open_buses(o.drivers);
  p->publish();
  impl* raw = p.get();
  p->thread = std::thread([raw] { raw->run_contained(); });
  if (o.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(o.cpu, &set);
    (void)pthread_setaffinity_np(p->thread.native_handle(), sizeof set, &set);
  }
  return std::unique_ptr<virtio_service>(new virtio_service(std::move(p)));
}

virtio_service::virtio_service(std::unique_ptr<impl> p) : p_(std::move(p)) {}

virtio_service::~virtio_service() { stop(); }

void virtio_service::stop() {
  p_->stopping = true;
  p_->dom->waiter().wake();
  if (p_->thread.joinable()) p_->thread.join();
}

void virtio_service::kill() {
  if (!p_->killed.exchange(true)) p_->dom->destroy();
  stop();
}

bool virtio_service::dead() const { return p_->killed.load(); }

virtio_service_stats virtio_service::stats() const {
  std::lock_guard lock(p_->stats_mu);
  return p_->snapshot;
}

const virtio_service_options& virtio_service::options() const { return p_->opt; }

}  // namespace hmx::virtio_argo::service
