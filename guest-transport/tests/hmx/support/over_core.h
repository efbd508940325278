/* SPDX-License-Identifier: Apache-2.0 */
// virtio-argo over real HMX in one process: a reference core with a MAC policy, the device
// domain (virtio_service: virtio-blk on a scratch file, on its own thread) and driver domains
// (driver_domain), each with its own guest memory. Every byte between them is a sendv the core
// copies into the receiver's ring, exactly as in the VMs of hmx-kvm.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>
#include <mutex>
#include <string>
#include <vector>

#include <hmx/reference/reference.h>

#include "hmx/virtio_argo/service/driver_domain.h"
#include "hmx/virtio_argo/service/virtio_service.h"
#include "hmx/virtio_argo/workload/blk_run.h"

namespace hmx::virtio_argo::overcore {

using service::driver_domain;
using service::driver_domain_options;
using service::virtio_service;
using service::virtio_service_options;

inline constexpr ref::DomainId kDrv = 1, kDrv2 = 2, kIntruder = 3, kDevice = 10;

// drv and drv2 may talk to the device domain both ways; intruder has no rule (default deny).
inline constexpr const char* kPolicy = R"(
rule { name: "drv->blk" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "drv" destination: "vta-blk" }
rule { name: "blk->drv" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-blk" destination: "drv" }
rule { name: "drv2->blk" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "drv2" destination: "vta-blk" }
rule { name: "blk->drv2" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-blk" destination: "drv2" }
)";

class scratch_disk {
 public:
  explicit scratch_disk(uint64_t bytes) {
    char name[] = "/tmp/hmx-vta-disk-XXXXXX";
    fd_ = ::mkstemp(name);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::ftruncate(fd_, static_cast<off_t>(bytes)), 0);
    path_ = name;
  }
  ~scratch_disk() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<uint8_t> read(uint64_t offset, uint64_t len) const {
    std::vector<uint8_t> b(len);
    EXPECT_EQ(::pread(fd_, b.data(), len, static_cast<off_t>(offset)), static_cast<ssize_t>(len));
    return b;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// Collects a service's log lines (its thread writes them).
struct log_sink {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> fn() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  bool contains(const std::string& needle) {
    std::lock_guard lock(mu);
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

class OverCore : public ::testing::Test {
 protected:
  explicit OverCore(const char* policy_text = kPolicy) {
    std::string error;
    EXPECT_TRUE(policy.load_text(policy_text, &error)) << error;
    policy.set_logger([](std::string_view) {});
  }
  ~OverCore() override {
    if (!HasFailure()) return;
    std::lock_guard lock(log.mu);  // the service's view of what happened
    for (const auto& l : log.lines) std::printf("  service: %s\n", l.c_str());
  }

  virtio_service_options service_options(uint16_t queues = 2) {
    virtio_service_options o;
    o.name = "vta-blk";
    o.id = kDevice;
    o.blk_file = disk.path();
    o.queues = queues;
    o.drivers = {kDrv, kDrv2, kIntruder};
    o.log = log.fn();
    return o;
  }
  std::unique_ptr<virtio_service> start(const virtio_service_options& o) { return virtio_service::start(core, o); }
  std::unique_ptr<virtio_service> start(uint16_t queues = 2) { return start(service_options(queues)); }

  std::unique_ptr<driver_domain> driver(ref::DomainId id, const char* name, uint32_t ring_len = (1u << 20) - 64) {
    driver_domain_options o;
    o.id = id;
    o.name = name;
    o.ring_len = ring_len;
    return std::make_unique<driver_domain>(core, o);
  }

  // Bus, CONNECT and blk init: the whole path of a guest up to DRIVER_OK.
  void bring_up(driver_domain& d, uint16_t queues = 2, uint16_t queue_size = 64) {
    ASSERT_TRUE(d.open_bus(kDevice).ok());
    ASSERT_EQ(d.connect(1), result::ok);
    ASSERT_EQ(d.init_blk(queues, queue_size), result::ok);
  }

  // queues * depth slots with request_bytes buffers in the driver's memory.
  workload::blk_slot* slots(driver_domain& d, uint16_t queues, uint16_t depth, uint32_t request_bytes) {
    auto* s = d.alloc_array<workload::blk_slot>(size_t{queues} * depth);
    for (size_t i = 0; i < size_t{queues} * depth; ++i) s[i].data = static_cast<uint8_t*>(d.alloc(request_bytes));
    return s;
  }

  workload::blk_outcome run(driver_domain& d, const workload::blk_plan& p, std::vector<int>* acked = nullptr) {
    workload::blk_slot* s = slots(d, p.queues, p.depth, p.request_bytes);
    if (acked != nullptr) acked->assign(p.count, 0);
    return workload::run_plan(d.blk(), d.transport(), d.channel(), p, s, [&](uint32_t i, result r) {
      if (acked != nullptr && r == result::ok) (*acked)[i] = 1;
    });
  }

  // The service publishes its counters after each round of its loop: wait (up to 2 s) until they
  // satisfy `settled`, then return them.
  template <class Pred>
  service::virtio_service_stats stats_when(virtio_service& s, Pred settled) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    service::virtio_service_stats st = s.stats();
    while (!settled(st) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      st = s.stats();
    }
    return st;
  }

  scratch_disk disk{16ull << 20};
  ref::Policy policy;
  ref::Core core{policy};
  log_sink log;
};

}  // namespace hmx::virtio_argo::overcore
