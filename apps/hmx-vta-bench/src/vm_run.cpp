// SPDX-License-Identifier: Apache-2.0
#include "vm_run.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <memory_resource>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "hmx/host/vm_harness.h"
#include "hmx/kvm/hmx_service.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/monitor.h"
#include "hmx/vhost_user/backend_process.h"
#include "hmx/vhost_user/blk_bridge.h"
#include "hmx/virtio_argo/baseline/mailbox.h"
#include "hmx/virtio_argo/device/blk_device.h"
#include "hmx/virtio_argo/service/virtio_service.h"
#include "shm_mailbox_device.h"
#include "vhost_direct.h"

namespace hmx::virtio_argo::bench {

namespace {

constexpr const char* kDriver = "vta-drv";
constexpr const char* kDevice = "vta-blk";
constexpr ref::DomainId kDriverId = 1, kDeviceId = 2;  // VMs first (hmx_service), then the service
constexpr uint32_t kShmMsrOffset = 0x20;                // the baseline's MSRs: past the HMX block
constexpr uint8_t kShmVector = 0x52;

constexpr const char* kPolicy = R"(
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-drv" destination: "vta-blk" }
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "vta-blk" destination: "vta-drv" }
)";

// The VM as the baseline device sees it: memory by GPA (bounds-checked by the domain), and the
// completion vector injected into vCPU 0.
class vm_guest final : public shm_guest {
 public:
  explicit vm_guest(kvm::domain& vm) : vm_(vm) {}
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    const auto s = vm_.memory().translate(gpa, len);
    return s ? *s : std::span<std::byte>();
  }
  // Timed like hmx-kvm's core_notifier times the HMX path's injections.
  void interrupt() override {
    const auto t0 = std::chrono::steady_clock::now();
    (void)vm_.inject_interrupt(0, kShmVector);
    ns += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    ++count;
  }
  std::atomic<uint64_t> ns{0}, count{0};

 private:
  kvm::domain& vm_;
};

}  // namespace

vm_run_result run_vm(const vm_run_options& o) {
  vm_run_result result;
  host::vm_harness harness;
  kvm::console out(harness.guest_stream(), harness.monitor_stream());
  kvm::hmx_service service(out);
  std::string error;
  if (!service.load_policy_text(kPolicy, &error)) throw std::runtime_error("bench policy: " + error);
  kvm::kvm_system system;
  kvm::monitor mon(system, out);

  const uint32_t shm_msr = HMX_MSR_DEFAULT_BASE + kShmMsrOffset;
  std::string spec = fmt::format(
      "{}={},vcpus=1,mem=64M{},arg=path={},arg=size={},arg=mib={},arg=depth={},arg=queues={},arg=poll-us={},"
      "arg=kick-batch={}",
      kDriver, o.image, o.pin ? ",pin=0" : "", o.argo ? "argo" : "shm", o.size, o.mib, o.depth, o.queues, o.poll_us,
      o.kick_batch);
  spec += o.argo ? fmt::format(",arg=dev-id={},arg=exposures={},arg=window={}", kDeviceId, o.exposures ? 1 : 0,
                               o.window ? 1 : 0)
                 : fmt::format(",arg=shm-msr={},arg=shm-vector={}", shm_msr, kShmVector);
  std::vector<kvm::domain_config> configs{kvm::parse_domain_spec(spec)};

  // The baseline's device and its MSRs (only on the shm path). With qsd the device is the same
  // vhost-user bridge the argo path's device domain runs, over a memfd of its own.
  std::atomic<shm_mailbox_device*> shm_for_wake{nullptr};
  std::unique_ptr<vhost_user::backend_process> qsd;
  std::unique_ptr<vhost_user::shared_memory> qsd_mem;
  std::unique_ptr<std::pmr::monotonic_buffer_resource> qsd_arena;
  std::unique_ptr<std::pmr::synchronized_pool_resource> qsd_pool;
  std::unique_ptr<vhost_user::blk_bridge> bridge;
  std::unique_ptr<device::blk_device> blk;
  std::unique_ptr<vm_guest> guest;
  std::unique_ptr<shm_mailbox_device> shm;
  if (!o.argo && o.qsd) {
    const std::string socket = o.disk + ".vm-shm.sock";
    qsd = std::make_unique<vhost_user::backend_process>(qsd_command(o.disk, socket, o.queues));
    qsd_mem = std::make_unique<vhost_user::shared_memory>(96ull << 20, "hmx-vta-bench-shm-qsd");
    qsd_arena = std::make_unique<std::pmr::monotonic_buffer_resource>(qsd_mem->data() + 4096, qsd_mem->size() - 4096,
                                                                        std::pmr::null_memory_resource());
    qsd_pool = std::make_unique<std::pmr::synchronized_pool_resource>(
        std::pmr::pool_options{0, size_t{4} << 20}, qsd_arena.get());
    vhost_user::blk_bridge_options bo;
    bo.queues = static_cast<uint16_t>(o.queues);
    bo.wake = [&shm_for_wake] {
      if (shm_mailbox_device* d = shm_for_wake.load()) d->wake();
    };
    auto fe = std::make_unique<vhost_user::frontend>(socket, std::chrono::milliseconds(10000));
    bridge = vhost_user::blk_bridge::connect(std::move(fe), *qsd_mem, qsd_pool.get(), bo, error);
    if (bridge == nullptr) throw std::runtime_error("qemu-storage-daemon: " + error);
  } else if (!o.argo) {
    device::blk_options b;
    b.path = o.disk;
    b.num_queues = static_cast<uint16_t>(o.queues);
    virtio_argo::result e = virtio_argo::result::ok;
    blk = device::blk_device::open(b, e);
    if (blk == nullptr) throw std::runtime_error("cannot open " + o.disk);
  }
  service.add_domains(mon, std::move(configs), [&](const kvm::service_domain&, kvm::domain_hooks& hooks) {
    if (o.argo) return;
    const uint32_t base = hooks.msr_exits->base;
    hooks.msr_exits->count = kShmMsrOffset + baseline::kMsrCount;
    hooks.on_msr = [inner = hooks.on_msr, base, &shm](kvm::domain& d, kvm::msr_access& a) {
      if (a.index < base + HMX_MSR_COUNT) return inner(d, a);
      bool ours = false;
      const bool ok = a.write && shm != nullptr && shm->write_msr(a.index, a.value, ours);
      return ours && ok;  // anything else in the range: #GP
    };
  });
  std::unique_ptr<service::virtio_service> svc;
  if (o.argo) {
    service::virtio_service_options so;
    so.name = kDevice;
    so.id = kDeviceId;
    if (o.qsd) {
      so.vhost_socket = o.disk + ".vm.sock";
      so.vhost_exec = qsd_command(o.disk, so.vhost_socket, o.queues);
    } else {
      so.blk_file = o.disk;
    }
    so.queues = static_cast<uint16_t>(o.queues);
    so.drivers = {kDriverId};
    if (o.completion_batch != 0) so.completion_batch = o.completion_batch;
    so.cpu = o.pin ? 1 : -1;  // the device's thread on the other CPU than the vCPU
    so.log = [&out](const std::string& line) { out.monitor_message(kDevice, line); };
    svc = service::virtio_service::start(service.core(), so);
  } else {
    guest = std::make_unique<vm_guest>(*service.find(kDriver)->vm);
    device::virtio_device& dev = bridge != nullptr ? static_cast<device::virtio_device&>(*bridge) : *blk;
    shm = std::make_unique<shm_mailbox_device>(dev, *guest, shm_msr, device::queue_limits{}, o.pin ? 1 : -1);
    if (bridge != nullptr) {
      shm->set_pump([b = bridge.get()] { (void)b->pump(); });
      shm_for_wake = shm.get();
    }
  }

  result.exit_code =
      harness.run([&] { return mon.run(std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000))); });
  result.tsc_hz = harness.tsc_hz();
  if (shm != nullptr) {
    shm_for_wake = nullptr;
    shm->stop();
    const shm_stats s = shm->stats();
    result.doorbells = s.doorbells;
    result.interrupts = s.interrupts;
    result.passes = s.passes;
  }
  if (svc != nullptr) {
    // The device domain's fetches and deposits (the driver's domain, and its exposure
    // accounting, leave the core when its VM exits).
    svc->stop();
    const service::virtio_service_stats st = svc->stats();
    result.exposure_bytes = st.bytes_fetched + st.bytes_deposited;
  }
  svc.reset();
  if (guest != nullptr) {
    result.injections = guest->count;
    result.injection_us = guest->count ? double(guest->ns) / 1e3 / double(guest->count) : 0;
  } else if (const kvm::service_domain* d = service.find(kDriver); d != nullptr && d->notifier != nullptr) {
    result.injections = d->notifier->injections();
    result.injection_us = result.injections ? double(d->notifier->injection_ns()) / 1e3 / double(result.injections) : 0;
  }
  service.remove_all_domains();
  const ref::CoreStats cs = service.core().stats();
  result.core_messages = cs.messages;
  result.core_bytes = cs.bytes;
  result.core_calls = cs.calls;
  result.core_interrupts = cs.interrupts;
  result.output = harness.output();
  for (const host::console::result_line& line : harness.results("vta-bench", kDriver))
    if (!line.fields.empty()) result.results.push_back(line.as_map());
  return result;
}

}  // namespace hmx::virtio_argo::bench
