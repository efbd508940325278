// SPDX-License-Identifier: Apache-2.0
#include "inproc.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

#include "hmx/reference/reference.h"
#include "hmx/virtio_argo/baseline/mailbox_transport.h"
#include "hmx/virtio_argo/device/blk_device.h"
#include "hmx/virtio_argo/service/driver_domain.h"
#include "hmx/virtio_argo/service/host_waiter.h"
#include "hmx/virtio_argo/service/virtio_service.h"
#include "hmx/virtio_argo/workload/blk_run.h"
#include "shm_mailbox_device.h"
#include "vhost_direct.h"

namespace hmx::virtio_argo::bench {

namespace {

namespace wl = workload;
constexpr uint16_t kQueueSize = 128;
constexpr uint32_t kMsrBase = 0x1000;  // any index: the "MSR write" is a function call here
// Bytes of a window row besides the data: the blk request header and the status byte, rounded.
constexpr uint32_t kWindowRowExtra = 32;

constexpr const char* kPolicy = R"(
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-drv" destination: "vta-blk" }
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-blk" destination: "vta-drv" }
)";

template <class Blk, class T, class Clock>
inproc_phase phase(Blk& blk, T& t, Clock& clock, const inproc_options& o, uint32_t type, wl::blk_slot* slots) {
  wl::blk_plan p;
  p.type = type;
  p.request_bytes = o.size;
  p.count = static_cast<uint32_t>((uint64_t{o.mib} << 20) / o.size);
  p.queues = blk.queues();
  p.depth = static_cast<uint16_t>(o.depth);
  p.fill = p.verify = false;
  const auto t0 = std::chrono::steady_clock::now();
  const wl::blk_outcome out = wl::run_plan(blk, t, clock, p, slots, [](uint32_t, result) {});
  inproc_phase ph;
  ph.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ph.bytes = out.bytes;
  ph.ok = out.ok;
  ph.requests = p.count;
  return ph;
}

inproc_result run_argo(const inproc_options& o) {
  ref::Policy policy;
  std::string error;
  if (!policy.load_text(kPolicy, &error)) throw std::runtime_error(error);
  policy.set_logger([](std::string_view) {});
  ref::Core core(policy);
  service::driver_domain_options d;
  d.id = 1;
  d.name = "vta-drv";
  d.memory_bytes = 96ull << 20;
  if (o.exposed) {
    core.offer_exposures(true);
    d.transport_features = HMX_VTA_TRANSPORT_F_EXPOSURES;
    d.exposure_window_bytes = o.queues * o.depth * (o.size + kWindowRowExtra);
  }
  service::driver_domain drv(core, d);
  service::virtio_service_options so;
  so.name = "vta-blk";
  so.id = 2;
  if (o.qsd) {
    so.vhost_socket = o.disk + ".argo.sock";
    so.vhost_exec = qsd_command(o.disk, so.vhost_socket, o.queues);
  } else {
    so.blk_file = o.disk;
  }
  so.queues = static_cast<uint16_t>(o.queues);
  so.drivers = {1};
  if (o.completion_batch != 0) so.completion_batch = o.completion_batch;
  auto svc = service::virtio_service::start(core, so);
  if (!drv.open_bus(2).ok() || drv.connect(1) != result::ok ||
      drv.init_blk(static_cast<uint16_t>(o.queues), kQueueSize) != result::ok)
    throw std::runtime_error("in-process virtio-argo: cannot bring the device up");
  auto* slots = drv.alloc_array<wl::blk_slot>(size_t{o.queues} * o.depth);
  for (size_t i = 0; i < size_t{o.queues} * o.depth; ++i) {
    if (!o.exposed) {
      slots[i].data = static_cast<uint8_t*>(drv.alloc(o.size));
      continue;
    }
    // One window row per slot, [header | data | status], as the VM guests lay it out: the
    // bookkeeping stays outside the window (HMX-VTA-169).
    uint8_t* row = drv.window_alloc(o.size + kWindowRowExtra);
    if (row == nullptr) throw std::runtime_error("in-process virtio-argo: the exposure window is full");
    slots[i].req.io_header = row;
    slots[i].data = row + virtio::BLK_REQ_HEADER;
    slots[i].req.io_status = slots[i].data + o.size;
  }
  inproc_result r;
  r.write = phase(drv.blk(), drv.transport(), drv.channel(), o, virtio::BLK_T_OUT, slots);
  r.read = phase(drv.blk(), drv.transport(), drv.channel(), o, virtio::BLK_T_IN, slots);
  return r;
}

// The baseline in-process: identity "guest memory", the interrupt wakes the driver's waiter.
struct inproc_guest final : shm_guest {
  service::host_waiter* waiter = nullptr;
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    if (gpa == 0 || gpa + len < gpa) return {};
    return {reinterpret_cast<std::byte*>(static_cast<uintptr_t>(gpa)), static_cast<size_t>(len)};
  }
  void interrupt() override { waiter->wake(); }
};

// The mailbox transport's environment: a WRMSR is a call into the device.
struct inproc_env {
  shm_mailbox_device* dev = nullptr;
  uint64_t to_gpa(const void* p) const { return reinterpret_cast<uintptr_t>(p); }
  void wrmsr(uint32_t index, uint64_t value) {
    bool ours = false;
    (void)dev->write_msr(index, value, ours);
  }
};

inproc_result run_shm(const inproc_options& o) {
  device::blk_options b;
  b.path = o.disk;
  b.num_queues = static_cast<uint16_t>(o.queues);
  result e = result::ok;
  auto blk_dev = device::blk_device::open(b, e);
  if (blk_dev == nullptr) throw std::runtime_error("cannot open " + o.disk);
  service::host_waiter waiter;
  inproc_guest guest;
  guest.waiter = &waiter;
  shm_mailbox_device dev(*blk_dev, guest, kMsrBase, device::queue_limits{});
  inproc_env env{&dev};
  baseline::mailbox_block mailbox{};
  using mailbox_t = baseline::mailbox_transport<inproc_env, service::host_waiter, 8>;
  mailbox_t t(env, waiter, &mailbox, kMsrBase);
  blk_driver<mailbox_t, 8> blk;
  const size_t ring = (split_virtqueue::ring_bytes(kQueueSize) + 15) & ~size_t{15};
  std::vector<std::unique_ptr<uint8_t, decltype(&std::free)>> owned;
  auto alloc = [&](size_t n) {
    owned.emplace_back(static_cast<uint8_t*>(std::aligned_alloc(4096, (n + 4095) & ~size_t{4095})), &std::free);
    return owned.back().get();
  };
  std::vector<blk_queue_memory> mem(o.queues);
  std::vector<std::vector<split_virtqueue::slot>> vslots(o.queues, std::vector<split_virtqueue::slot>(kQueueSize));
  for (uint32_t q = 0; q < o.queues; ++q) mem[q] = {alloc(ring), vslots[q].data(), nullptr};
  if (blk.init(t, static_cast<uint16_t>(o.queues), kQueueSize, mem.data(), 0) != result::ok)
    throw std::runtime_error("in-process baseline: cannot bring the device up");
  std::vector<wl::blk_slot> slots(size_t{o.queues} * o.depth);
  for (auto& s : slots) s.data = alloc(o.size);
  inproc_result r;
  r.write = phase(blk, t, waiter, o, virtio::BLK_T_OUT, slots.data());
  r.read = phase(blk, t, waiter, o, virtio::BLK_T_IN, slots.data());
  dev.stop();
  return r;
}

}  // namespace

inproc_result run_inproc(const inproc_options& o) {
  if (o.argo) return run_argo(o);
  return o.qsd ? run_qsd_direct(o) : run_shm(o);
}

}  // namespace hmx::virtio_argo::bench
