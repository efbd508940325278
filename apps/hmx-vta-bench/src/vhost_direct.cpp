// SPDX-License-Identifier: Apache-2.0
#include "vhost_direct.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <memory_resource>
#include <stdexcept>
#include <vector>

#include "hmx/vhost_user/backend_process.h"
#include "hmx/vhost_user/frontend.h"
#include "hmx/vhost_user/shared_memory.h"
#include "hmx/virtio_argo/driver/init.h"
#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/workload/blk_run.h"

namespace hmx::virtio_argo::bench {

namespace {

namespace vu = vhost_user;
namespace wl = workload;
constexpr uint16_t kQueueSize = 128;
constexpr uint16_t kMaxQueues = 8;

// A virtio_transport (driver/init.h) whose device is a vhost-user back-end: the transport is
// what a VMM's vhost-user front-end does for a guest whose RAM the back-end maps.
class direct_transport {
 public:
  direct_transport(vu::frontend& fe, vu::shared_memory& mem) : fe_(fe), mem_(mem) {
    for (auto& k : kick_) k = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    for (auto& c : call_) c = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~direct_transport() {
    for (int fd : kick_) ::close(fd);
    for (int fd : call_) ::close(fd);
  }

  result get_features(uint64_t& f) {
    f = fe_.features() & ~(uint64_t{1} << vu::kFProtocolFeatures);
    return result::ok;
  }
  result set_features(uint64_t f) {
    features_ = f;
    return result::ok;
  }
  result get_status(uint8_t& s) {
    s = status_;
    return result::ok;
  }
  result set_status(uint8_t s) {
    if ((s & virtio::STATUS_DRIVER_OK) != 0 && (status_ & virtio::STATUS_DRIVER_OK) == 0 && !start()) return result::io;
    status_ = s;
    return result::ok;
  }
  result reset() {
    for (uint16_t q = 0; q < kMaxQueues; ++q) {
      if (queues_[q] == nullptr || !started_) continue;
      uint32_t base = 0;
      if (!fe_.get_vring_base(q, base)) return result::io;
    }
    started_ = false;
    status_ = 0;
    return result::ok;
  }
  result read_config(uint32_t offset, void* p, uint32_t n) {
    return fe_.get_config(offset, {static_cast<uint8_t*>(p), n}) ? result::ok : result::io;
  }
  result write_config(uint32_t, const void*, uint32_t) { return result::not_supported; }
  result setup_queue(split_virtqueue& vq, inflight_slot*) {
    if (vq.index() >= kMaxQueues) return result::invalid;
    queues_[vq.index()] = &vq;
    return result::ok;
  }
  result reset_queue(uint16_t) { return result::not_supported; }
  result notify(uint16_t q) {
    const uint64_t one = 1;
    return ::write(kick_[q], &one, sizeof one) == sizeof one ? result::ok : result::io;
  }
  result poll() { return result::ok; }
  // Sleeps until a queue's call eventfd fires or the time-out.
  result wait(uint64_t ns) {
    std::vector<pollfd> p;
    for (uint16_t q = 0; q < kMaxQueues; ++q)
      if (queues_[q] != nullptr) p.push_back({call_[q], POLLIN, 0});
    if (::poll(p.data(), p.size(), static_cast<int>(ns / 1'000'000)) > 0) {
      for (const auto& x : p) {
        uint64_t n;
        if ((x.revents & POLLIN) != 0) (void)!::read(x.fd, &n, sizeof n);
      }
    }
    return result::ok;
  }
  bool broken() const { return !fe_.ok(); }
  uint64_t now_ns() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  }

 private:
  // DRIVER_OK: the VMM's part (vhost-user.rst "Starting and stopping rings").
  bool start() {
    uint64_t f = features_;
    if ((fe_.features() >> vu::kFProtocolFeatures) & 1) f |= uint64_t{1} << vu::kFProtocolFeatures;
    const auto base = reinterpret_cast<uintptr_t>(mem_.data());
    const vu::mem_region region{base, mem_.size(), base, 0};  // GPA = this process's address
    const int fds[1] = {mem_.fd()};
    if (!fe_.set_features(f) || !fe_.set_mem_table({&region, 1}, fds)) return false;
    for (uint16_t q = 0; q < kMaxQueues; ++q) {
      if (queues_[q] == nullptr) continue;
      const split_ring& r = queues_[q]->ring();
      const vu::vring_addr a{q, 0, reinterpret_cast<uintptr_t>(r.desc), reinterpret_cast<uintptr_t>(r.used),
                             reinterpret_cast<uintptr_t>(r.avail), 0};
      if (!fe_.set_vring_num(q, queues_[q]->size()) || !fe_.set_vring_base(q, 0) || !fe_.set_vring_addr(a) ||
          !fe_.set_vring_kick(q, kick_[q]) || !fe_.set_vring_call(q, call_[q]) || !fe_.set_vring_enable(q, true))
        return false;
    }
    started_ = true;
    return true;
  }

  vu::frontend& fe_;
  vu::shared_memory& mem_;
  split_virtqueue* queues_[kMaxQueues] = {};
  int kick_[kMaxQueues], call_[kMaxQueues];
  uint64_t features_ = 0;
  uint8_t status_ = 0;
  bool started_ = false;
};

template <class Blk, class T>
inproc_phase phase(Blk& blk, T& t, const inproc_options& o, uint32_t type, wl::blk_slot* slots) {
  wl::blk_plan p;
  p.type = type;
  p.request_bytes = o.size;
  p.count = static_cast<uint32_t>((uint64_t{o.mib} << 20) / o.size);
  p.queues = blk.queues();
  p.depth = static_cast<uint16_t>(o.depth);
  p.fill = p.verify = false;
  const auto t0 = std::chrono::steady_clock::now();
  const wl::blk_outcome out = wl::run_plan(blk, t, t, p, slots, [](uint32_t, result) {});
  inproc_phase ph;
  ph.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ph.bytes = out.bytes;
  ph.ok = out.ok;
  ph.requests = p.count;
  return ph;
}

}  // namespace

std::string qsd_command(const std::string& disk, const std::string& socket, uint32_t queues) {
  return "qemu-storage-daemon --blockdev driver=file,node-name=file0,filename=" + disk +
         " --export type=vhost-user-blk,id=exp0,node-name=file0,addr.type=unix,addr.path=" + socket +
         ",writable=on,num-queues=" + std::to_string(queues);
}

inproc_result run_qsd_direct(const inproc_options& o) {
  const std::string socket = o.disk + ".direct.sock";
  vu::backend_process qsd(qsd_command(o.disk, socket, o.queues));
  vu::frontend fe(socket, std::chrono::milliseconds(10000));
  if (!fe.ok() || !fe.handshake()) throw std::runtime_error("qemu-storage-daemon: " + fe.error());
  // Everything the back-end touches lives in the shared memory: rings, requests, data.
  vu::shared_memory mem(64ull << 20, "hmx-vta-bench-driver");
  std::pmr::monotonic_buffer_resource pool(mem.data(), mem.size(), std::pmr::null_memory_resource());
  direct_transport t(fe, mem);
  blk_driver<direct_transport, kMaxQueues> blk;
  std::vector<blk_queue_memory> qm(o.queues);
  for (uint32_t q = 0; q < o.queues; ++q)
    qm[q] = {pool.allocate(split_virtqueue::ring_bytes(kQueueSize), 4096),
             static_cast<split_virtqueue::slot*>(pool.allocate(sizeof(split_virtqueue::slot) * kQueueSize)), nullptr};
  if (blk.init(t, static_cast<uint16_t>(o.queues), kQueueSize, qm.data(), 0) != result::ok)
    throw std::runtime_error("qemu-storage-daemon (direct): cannot bring the device up: " + fe.error());
  const size_t n = size_t{o.queues} * o.depth;
  auto* slots = static_cast<wl::blk_slot*>(pool.allocate(sizeof(wl::blk_slot) * n, alignof(wl::blk_slot)));
  for (size_t i = 0; i < n; ++i) {
    new (&slots[i]) wl::blk_slot();
    slots[i].data = static_cast<uint8_t*>(pool.allocate(o.size, 4096));
  }
  inproc_result r;
  r.write = phase(blk, t, o, virtio::BLK_T_OUT, slots);
  r.read = phase(blk, t, o, virtio::BLK_T_IN, slots);
  (void)t.reset();
  return r;
}

}  // namespace hmx::virtio_argo::bench
