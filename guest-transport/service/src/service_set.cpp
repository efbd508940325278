// SPDX-License-Identifier: Apache-2.0
#include "hmx/virtio_argo/service/service_set.h"

#include <stdexcept>

#include "hmx/host/key_value.h"
#include "hmx/host/size.h"

namespace hmx::virtio_argo::service {

namespace {

uint64_t number(std::string_view key, std::string_view v, uint64_t max) {
  const std::optional<unsigned long long> n = host::parse_decimal(v, max);
  if (!n) throw std::invalid_argument("--service: bad " + std::string(key) + "=" + std::string(v));
  return *n;
}

// SIZE (hmx/host/size.h), MiB without a unit as hmx-kvm's mem=.
uint64_t memory_size(std::string_view v) {
  uint64_t bytes = 0;
  try {
    bytes = host::parse_size(v, host::kMiB);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--service: mem: ") + e.what());
  }
  if (bytes < (8ull << 20) || bytes > (2ull << 30)) throw std::invalid_argument("--service: mem out of range");
  return bytes;
}

}  // namespace

service_spec parse_service_spec(std::string_view spec) {
  // exec= is last: the rest of the spec is the command, commas included.
  const std::optional<host::named_spec> parts = host::split_named_spec(spec, {"exec"});
  if (!parts || parts->name.empty())
    throw std::invalid_argument("--service: expected NAME=virtio-blk,file=PATH[,...], got '" + std::string(spec) + "'");
  service_spec s;
  s.name = parts->name;
  if (s.name.find_first_of(" *,:=") != std::string::npos)
    throw std::invalid_argument("--service: bad name '" + s.name + "'");
  s.kind = parts->head;
  for (const host::key_value& item : parts->options) {
    const std::string_view key = item.key, val = item.value;
    if (item.has_value && key == "exec") {
      s.exec = val;
      if (s.exec.empty()) throw std::invalid_argument("--service: empty exec=");
      continue;
    }
    if (!item.has_value || val.empty())
      throw std::invalid_argument("--service: expected KEY=VALUE, got '" + std::string(item.item) + "'");
    if (key == "file") s.file = val;
    else if (key == "socket") s.socket = val;
    else if (key == "queues") s.queues = static_cast<uint16_t>(number(key, val, 64));
    else if (key == "queue-size") s.queue_size = static_cast<uint16_t>(number(key, val, 32768));
    else if (key == "die-after") s.die_after = number(key, val, UINT32_MAX);
    else if (key == "mem") s.memory_bytes = memory_size(val);
    else throw std::invalid_argument("--service: unknown option '" + std::string(key) + "'");
  }
  if (s.kind == "vhost-user-blk") {
    if (s.socket.empty()) throw std::invalid_argument("--service " + s.name + ": socket=PATH is required");
    if (!s.file.empty() || s.die_after != 0)
      throw std::invalid_argument("--service " + s.name + ": vhost-user-blk takes no file= or die-after=");
  } else if (s.kind == "virtio-blk") {
    if (s.file.empty()) throw std::invalid_argument("--service " + s.name + ": file=PATH is required");
    if (!s.socket.empty() || !s.exec.empty())
      throw std::invalid_argument("--service " + s.name + ": socket= and exec= are for vhost-user-blk");
  } else {
    throw std::invalid_argument("--service " + s.name + ": unknown device '" + s.kind +
                                "' (virtio-blk, vhost-user-blk)");
  }
  if (s.queues == 0 || s.queue_size == 0 || (s.queue_size & (s.queue_size - 1)) != 0)
    throw std::invalid_argument("--service " + s.name + ": queues >= 1, queue-size a power of two");
  return s;
}

service_set::service_set(std::vector<service_spec> specs, log_fn log) : specs_(std::move(specs)), log_(std::move(log)) {}

service_set::~service_set() { stop(); }

std::vector<std::string> service_set::names() const {
  std::vector<std::string> out;
  for (const auto& s : specs_) out.push_back(s.name);
  return out;
}

void service_set::start(ref::Core& core, ref::DomainId first_id, const std::vector<ref::DomainId>& drivers) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const service_spec& s = specs_[i];
    virtio_service_options o;
    o.name = s.name;
    o.id = static_cast<ref::DomainId>(first_id + i);
    o.blk_file = s.file;
    o.vhost_socket = s.socket;
    o.vhost_exec = s.exec;
    o.queues = s.queues;
    o.queue_size = s.queue_size;
    o.die_after = s.die_after;
    o.memory_bytes = s.memory_bytes;
    o.drivers = drivers;
    if (log_) o.log = [log = log_, name = s.name](const std::string& line) { log(name, line); };
    running_.push_back(virtio_service::start(core, o));
  }
}

void service_set::stop() {
  for (auto& s : running_) s->stop();
}

std::vector<std::string> service_set::stats_lines() const {
  std::vector<std::string> out;
  for (const auto& s : running_) {
    const virtio_service_stats st = s->stats();
    const std::string kind = s->options().vhost_socket.empty() ? std::string("virtio-blk")
                                                               : "vhost-user-blk at " + s->options().vhost_socket;
    out.push_back("service " + s->options().name + " (id " + std::to_string(s->options().id) + "): " + kind + ", " +
                  std::to_string(st.connections) + " connection(s), " +
                  std::to_string(st.requests) + " requests (" + std::to_string(st.writes) + " writes, " +
                  std::to_string(st.reads) + " reads, " + std::to_string(st.bytes_written) + " bytes written, " +
                  std::to_string(st.bytes_read) + " read), " + std::to_string(st.avail_messages) + " AVAIL / " +
                  std::to_string(st.used_messages) + " USED messages, " + std::to_string(st.eagain) + " EAGAIN, " +
                  std::to_string(st.drivers_served) + " driver(s) served, " + std::to_string(st.drivers_refused) +
                  " refused by the policy" + (st.dead ? ", died" : "") +
                  (st.backend_failed ? ", back-end failed" : "") + (st.failed ? ", failed" : "") + ", budget " +
                  std::to_string(st.budget_bytes) + " bytes / " + std::to_string(st.budget_entries) +
                  " requests held per connection (" + std::to_string(st.budget_hits) + " hits), outbox peak " +
                  std::to_string(st.outbox_peak) + ", bus outbox peak " + std::to_string(st.bus_outbox_peak) + " (" +
                  std::to_string(st.bus_dropped) + " bus requests dropped)");
  }
  return out;
}

}  // namespace hmx::virtio_argo::service
