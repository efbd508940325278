// SPDX-License-Identifier: Apache-2.0
#include "device_domain.h"

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <hmx/virtio_argo/device/any_channel.h>
#include <hmx/virtio_argo/device/argo_device_host.h>
#include <hmx/virtio_argo/device/bus_server.h>
#include <hmx/virtio_argo/device/console_device.h>
#include <hmx/virtio_argo/service/host_domain.h>

#include "net_switch.h"

namespace hmx::hostd {

namespace {

namespace vs = virtio_argo::service;
namespace vd = virtio_argo::device;

constexpr uint16_t kDevNum = 1;
constexpr uint32_t kDeviceAport = 0x56544200u | kDevNum;
constexpr uint32_t kBusRingLen = 4 * 4096 - 64;
constexpr uint32_t kDeviceRingLen = (256u << 10) - 64;
constexpr uint32_t kBounceBytes = 8192;
constexpr uint64_t kIdleSleepNs = 20'000'000;
constexpr uint64_t kLivenessNs = 100'000'000;
constexpr uint64_t kRetryNs = 5'000'000;

// virtio-console that answers the driver's first line with a greeting of the host's, after
// echoing it: the guest speaks first, once its tty is raw (a tty that still echoes would send
// the greeting back, and the echoing device would return it again, for ever).
class greeting_console final : public vd::virtio_device, private vd::config_listener {
 public:
  explicit greeting_console(std::string greeting) : greeting_(std::move(greeting)) {
    inner_.set_config_listener(this);
  }
  ~greeting_console() override { inner_.set_config_listener(nullptr); }
  uint32_t device_id() const override { return inner_.device_id(); }
  uint64_t device_features() const override { return inner_.device_features(); }
  uint16_t num_queues() const override { return inner_.num_queues(); }
  uint16_t max_queue_size(uint16_t q) const override { return inner_.max_queue_size(q); }
  uint32_t config_size() const override { return inner_.config_size(); }
  void read_config(uint32_t offset, void* dst, uint32_t len) const override { inner_.read_config(offset, dst, len); }
  bool write_config(uint32_t offset, const void* src, uint32_t len) override {
    return inner_.write_config(offset, src, len);
  }
  bool accept_features(uint64_t f) override { return inner_.accept_features(f); }
  void activate(uint64_t f) override { inner_.activate(f); }
  void reset() override {
    inner_.reset();
    greeted_ = false;
  }
  void reset_queue(uint16_t q) override { inner_.reset_queue(q); }
  void process(vd::request& r) override {
    inner_.process(r);
    if (!greeted_ && !greeting_.empty() && inner_.output().find('\n') != std::string::npos) {
      greeted_ = true;
      inner_.input(greeting_);
    }
  }
  const std::string& output() const { return inner_.output(); }

 private:
  void config_changed() override { notify_config_changed(); }
  vd::console_device inner_{true};
  std::string greeting_;
  bool greeted_ = false;
};

}  // namespace

bool is_device_domain_spec(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view kind = spec.substr(eq + 1, spec.find(',', eq) - eq - 1);
  return kind == "virtio-console" || kind == "virtio-net";
}

device_domain_spec parse_device_domain_spec(std::string_view spec) {
  device_domain_spec s;
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) throw std::invalid_argument("--service: expected NAME=KIND[,...]");
  s.name = spec.substr(0, eq);
  if (s.name.find_first_of(" *,:=") != std::string::npos) throw std::invalid_argument("--service: bad name '" + s.name + "'");
  std::string_view rest = spec.substr(eq + 1);
  bool first = true;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (first) {
      s.kind = item;
      first = false;
      continue;
    }
    const auto e = item.find('=');
    if (e == std::string_view::npos) throw std::invalid_argument("--service: expected KEY=VALUE, got '" + std::string(item) + "'");
    const std::string_view key = item.substr(0, e), val = item.substr(e + 1);
    if (key == "input" && s.kind == "virtio-console") s.input = val;
    else if (key == "remove-on" && s.kind == "virtio-console" && !val.empty()) s.remove_on = val;
    else throw std::invalid_argument("--service " + s.name + ": unknown option '" + std::string(key) + "'");
  }
  if (s.kind != "virtio-console" && s.kind != "virtio-net")
    throw std::invalid_argument("--service " + s.name + ": unknown device '" + s.kind + "'");
  return s;
}

struct device_domain::impl {
  // One driver domain: its bus, its device, and at most one connection to it.
  struct port {
    port(vs::host_domain& d, ref::DomainId drv) : driver(drv), bus_chan(d.client(), d.waiter()), bus_ref(bus_chan) {}
    ref::DomainId driver;
    vs::host_channel bus_chan;
    vd::channel_ref<vs::host_channel> bus_ref;
    std::unique_ptr<vd::bus_server> bus;
    void* bus_ring = nullptr;
    uint8_t* bus_bounce = nullptr;
    std::unique_ptr<vd::virtio_device> device;
    void* device_ring = nullptr;
    uint8_t* device_bounce = nullptr;
    std::unique_ptr<vs::host_channel> conn_chan;
    std::unique_ptr<vd::channel_ref<vs::host_channel>> conn_ref;
    std::unique_ptr<vd::argo_device_host> host;
    uint64_t connections = 0;
    std::string console_line;  // virtio-console: the driver's output, logged line by line
    size_t console_seen = 0;
  };

  device_domain_spec spec;
  log_fn log;
  std::unique_ptr<vs::host_domain> dom;
  net_switch sw;
  std::map<ref::DomainId, std::unique_ptr<port>> ports;
  std::map<ref::DomainId, std::unique_ptr<port>> pending;  // driver domains that did not exist yet
  std::vector<ref::DomainId> waiting;
  std::thread thread;
  std::atomic<bool> stopping{false};
  bool removing = false;  // remove-on: the line arrived
  mutable std::mutex stats_mu;
  std::string stats;

  uint8_t* bounce() { return static_cast<uint8_t*>(dom->alloc_pages(kBounceBytes / 4096)); }

  virtio_argo::hmx_channel_options options(void* ring, uint32_t len, uint32_t aport, ref::DomainId peer, uint8_t* b) {
    virtio_argo::hmx_channel_options o;
    o.ring = ring;
    o.ring_len = len;
    o.aport = aport;
    o.peer = peer;
    o.events = dom->events();
    o.bounce = b;
    o.bounce_len = b != nullptr ? kBounceBytes : 0;
    return o;
  }

  std::unique_ptr<vd::virtio_device> make_device(ref::DomainId driver) {
    if (spec.kind == "virtio-net") return std::make_unique<net_port>(sw, static_cast<uint8_t>(driver));
    return std::make_unique<greeting_console>(spec.input.empty() ? std::string() : spec.input + "\n");
  }

  // HMX-VTA-042 HMX-VTA-043: a bus ring per driver domain; a domain that does not exist yet is tried again.
  void open_buses(const std::vector<ref::DomainId>& drivers) {
    std::vector<ref::DomainId> again;
    for (ref::DomainId d : drivers) {
      // One port per driver, its ring and bounce kept across retries.
      std::unique_ptr<port>& p = pending[d];
      if (p == nullptr) {
        p = std::make_unique<port>(*dom, d);
        p->bus_ring = dom->alloc_pages(hmx::ring_npages(kBusRingLen));
        p->bus_bounce = bounce();
      }
      auto o = options(p->bus_ring, kBusRingLen, virtio_argo::VTA_BUS_APORT, d, p->bus_bounce);
      o.peer_aport = virtio_argo::VTA_BUS_APORT;
      o.learn_peer_aport = true;
      const hmx::status s = p->bus_ring != nullptr && p->bus_bounce != nullptr ? p->bus_chan.open(o)
                                                                               : hmx::status(hmx::errc::nomem);
      if (s == hmx::errc::srch) {
        again.push_back(d);
        continue;
      }
      if (!s.ok()) {
        log(fmt::format("not serving domain {}: bus ring refused: {}", d, s.name()));
        pending.erase(d);
        continue;
      }
      port* raw = p.get();
      p->device = make_device(d);
      p->bus = std::make_unique<vd::bus_server>(
          p->bus_ref, [this, raw](const virtio_argo::bus_connect& c) { return connect(*raw, c); },
          [this, raw](uint16_t) { close(*raw, "driver disconnected"); });
      p->bus->add(kDevNum, p->device->device_id(), p->device->vendor_id());  // READY (HMX-VTA-005)
      ports[d] = std::move(p);
      pending.erase(d);
    }
    waiting = std::move(again);
  }

  // HMX-VTA-002/003: one connection per device; the device ring has the driver as only partner.
  virtio_argo::bus_connect_result connect(port& p, const virtio_argo::bus_connect& c) {
    virtio_argo::bus_connect_result r{c.dev_num, 0, 0, 0, 0};
    if (c.dev_num != kDevNum) {
      r.error = HMX_ENODEV;
      return r;
    }
    if (p.host != nullptr) {
      r.error = HMX_EBUSY;
      return r;
    }
    if (p.device_ring == nullptr) p.device_ring = dom->alloc_pages(hmx::ring_npages(kDeviceRingLen));
    if (p.device_bounce == nullptr) p.device_bounce = bounce();
    if (p.device_ring == nullptr || p.device_bounce == nullptr) {
      r.error = HMX_ENOMEM;
      return r;
    }
    p.conn_chan = std::make_unique<vs::host_channel>(dom->client(), dom->waiter());
    auto o = options(p.device_ring, kDeviceRingLen, kDeviceAport, p.driver, p.device_bounce);
    o.peer_aport = c.driver_aport;
    o.peer_max_message = c.driver_max_message;
    if (const hmx::status s = p.conn_chan->open(o); !s.ok()) {
      log(fmt::format("connection from domain {} refused: device ring: {}", p.driver, s.name()));
      r.error = static_cast<uint32_t>(-s.code());
      p.conn_chan.reset();
      return r;
    }
    p.conn_ref = std::make_unique<vd::channel_ref<vs::host_channel>>(*p.conn_chan);
    vd::argo_host_options h;
    h.dev_num = kDevNum;
    h.limits = vd::queue_limits{64, 65536 + 4096};
    h.rx_capacity = p.conn_chan->own_max_message();
    h.memory = dom->resource();
    p.host = std::make_unique<vd::argo_device_host>(*p.device, *p.conn_ref, h);
    r.device_aport = kDeviceAport;
    r.device_max_message = p.conn_chan->own_max_message();
    ++p.connections;
    log(fmt::format("domain {} connected to its {}", p.driver, spec.kind));
    return r;
  }

  void close(port& p, const std::string& why) {
    if (p.host == nullptr) return;
    log(fmt::format("connection of domain {} closed: {}", p.driver, why));
    p.host.reset();  // resets the device, forgets every request (HMX-VTA-035)
    p.conn_ref.reset();
    (void)p.conn_chan->close();
    p.conn_chan.reset();
  }

  uint64_t activity() const {
    uint64_t n = 0;
    for (const auto& [d, p] : ports) {
      n += p->bus_chan.stats().received + p->bus_chan.stats().sent;
      if (p->conn_chan) n += p->conn_chan->stats().received + p->conn_chan->stats().sent;
    }
    return n;
  }

  void flush_notifies() {
    bool any = false;
    for (auto& [d, p] : ports) {
      any = any || p->bus_chan.notify_pending();
      if (p->conn_chan) any = any || p->conn_chan->notify_pending();
    }
    if (!any) return;
    (void)dom->client().notify();
    for (auto& [d, p] : ports) {
      p->bus_chan.notify_done();
      if (p->conn_chan) p->conn_chan->notify_done();
    }
  }

  void log_console(port& p) {
    auto* c = dynamic_cast<greeting_console*>(p.device.get());
    if (c == nullptr) return;
    const std::string& out = c->output();
    for (; p.console_seen < out.size(); ++p.console_seen) {
      const char ch = out[p.console_seen];
      if (ch == '\n') {
        log(fmt::format("console of domain {}: {}", p.driver, p.console_line));
        if (!spec.remove_on.empty() && p.console_line == spec.remove_on) removing = true;
        p.console_line.clear();
      } else if (ch != '\r' && p.console_line.size() < 256) {
        p.console_line.push_back(ch);
      }
    }
  }

  void round() {
    for (auto& [d, p] : ports) {
      (void)p->bus->poll();
      if (p->host && p->host->poll() == virtio_argo::result::conn_refused) close(*p, "driver gone");
      log_console(*p);
    }
    flush_notifies();
  }

  void publish() {
    std::string s = fmt::format("{} ({}): {} driver domain(s)", spec.name, spec.kind, ports.size());
    uint64_t conns = 0, requests = 0, avail = 0, used = 0;
    for (auto& [d, p] : ports) {
      conns += p->connections;
      if (p->host) {
        requests += p->host->stats().requests;
        avail += p->host->stats().avail_messages;
        used += p->host->stats().used_messages;
      }
    }
    s += fmt::format(", {} connection(s), {} requests, {} AVAIL / {} USED messages (open connections)", conns,
                     requests, avail, used);
    if (spec.kind == "virtio-net") {
      for (auto& [d, p] : ports) {
        const auto& st = static_cast<net_port*>(p->device.get())->stats();
        s += fmt::format("; port of domain {}: {} frames out, {} in, {} dropped", d, st.tx_frames, st.rx_frames,
                         st.dropped);
      }
    }
    std::lock_guard lock(stats_mu);
    stats = s;
  }

  void run() {
    vs::host_waiter& w = dom->waiter();
    uint64_t last_liveness = w.now_ns(), last_retry = last_liveness, last_publish = 0;
    while (!stopping.load() && !removing) {
      const uint64_t before = activity();
      round();
      const uint64_t now = w.now_ns();
      if (now - last_publish > 100'000'000) {
        publish();
        last_publish = now;
      }
      if (activity() != before) continue;
      const uint64_t token = w.prepare();
      (void)dom->take_events();
      round();
      if (activity() != before) continue;
      if (!waiting.empty() && now - last_retry >= kRetryNs) {
        last_retry = now;
        open_buses(std::vector<ref::DomainId>(waiting));
      }
      if (now - last_liveness >= kLivenessNs) {
        last_liveness = now;
        for (auto& [d, p] : ports)
          if (p->conn_chan && !p->conn_chan->peer_alive()) close(*p, "driver gone");  // HMX-VTA-035
      }
      w.sleep(token, now + (waiting.empty() ? kIdleSleepNs : kRetryNs));
    }
    publish();
    if (removing) log("removing its devices (remove-on)");
    // HMX-VTA-005: REMOVED to every driver before the device rings go, then the domain leaves.
    for (auto& [d, p] : ports) {
      p->bus->remove(kDevNum);
      (void)p->bus->poll();
      close(*p, "device removed");
    }
    flush_notifies();
    for (auto& [d, p] : ports) (void)p->bus_chan.close();
    dom->destroy();
  }
};

std::unique_ptr<device_domain> device_domain::start(ref::Core& core, ref::DomainId id, const device_domain_spec& spec,
                                                    const std::vector<ref::DomainId>& drivers, log_fn log) {
  auto p = std::make_unique<impl>();
  p->spec = spec;
  p->log = log ? std::move(log) : [](const std::string&) {};
  p->dom = std::make_unique<vs::host_domain>(core, id, spec.name, spec.memory_bytes);
  p->open_buses(drivers);
  p->publish();
  impl* raw = p.get();
  p->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<device_domain>(new device_domain(std::move(p)));
}

device_domain::device_domain(std::unique_ptr<impl> p) : p_(std::move(p)) {}

device_domain::~device_domain() { stop(); }

void device_domain::stop() {
  p_->stopping = true;
  p_->dom->waiter().wake();
  if (p_->thread.joinable()) p_->thread.join();
}

std::string device_domain::stats_line() const {
  std::lock_guard lock(p_->stats_mu);
  return p_->stats;
}

}  // namespace hmx::hostd
