// SPDX-License-Identifier: Apache-2.0
// A virtio-argo device domain whose devices are per driver: `virtio-console` (one echoing console
// per driver domain, guest-transport's console_device) and `virtio-net` (one switch port per
// driver domain, net_switch.h). It is built like guest-transport/service's virtio_service, from
// the same parts (host_domain, bus_server, argo_device_host): a domain of the reference core with
// its own memory, a bus ring per driver domain (HMX-VTA-042 HMX-VTA-043), one connection per device
// (HMX-VTA-044 HMX-VTA-045), one thread; the MAC policy decides which driver domains may reach it.
//
//   NAME=virtio-console[,input=TEXT][,remove-on=LINE]   NAME=virtio-net
//
// remove-on=LINE: when a guest writes LINE to its console, the domain removes its devices (EVENT_
// DEVICE REMOVED on every bus, HMX-VTA-005) and leaves the core: device removal under a running
// driver (HMX-VTA-034).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hmx/reference/core.h>

namespace hmx::hostd {

struct device_domain_spec {
  std::string name;
  std::string kind;   // "virtio-console" or "virtio-net"
  std::string input;  // virtio-console: bytes each console receives first (a host-to-guest line)
  std::string remove_on;  // virtio-console: the line that makes the domain remove its devices
  uint64_t memory_bytes = 64ull << 20;
};

// True when `spec` names one of this file's kinds (else it is guest-transport's service_set's).
bool is_device_domain_spec(std::string_view spec);
// Throws std::invalid_argument naming the bad part.
device_domain_spec parse_device_domain_spec(std::string_view spec);

class device_domain {
 public:
  using log_fn = std::function<void(const std::string&)>;

  // Creates domain `id` in `core` offering a device to each of `drivers`, and starts its thread.
  // Throws std::runtime_error when the core refuses the domain.
  static std::unique_ptr<device_domain> start(ref::Core& core, ref::DomainId id, const device_domain_spec& spec,
                                              const std::vector<ref::DomainId>& drivers, log_fn log);
  ~device_domain();  // stop()
  device_domain(const device_domain&) = delete;
  device_domain& operator=(const device_domain&) = delete;

  // EVENT_DEVICE REMOVED to every driver, then the domain leaves the core. Idempotent.
  void stop();
  // One line of statistics.
  std::string stats_line() const;

 private:
  struct impl;
  explicit device_domain(std::unique_ptr<impl> p);
  std::unique_ptr<impl> p_;
};

}  // namespace hmx::hostd
