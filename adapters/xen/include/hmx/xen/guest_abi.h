/* SPDX-License-Identifier: Apache-2.0 */
// Xen's guest ABI served on any monitor (issue 11): what an x86 HVM/PVH guest of Xen 4.17 sees,
// translated onto the reference core. The monitor traps a hypercall stub, hands the registers
// here and writes the result back into RAX; it supplies the domain's console, its shutdown and
// interrupt injection through guest_host.
//
// Served (Xen's public headers: xen.h, argo.h, event_channel.h, hvm/hvm_op.h, hvm/params.h,
// memory.h, sched.h, version.h): argo_op (39) onto ref::Core::argo_op; console_io write;
// xen_version; sched_op yield/block/shutdown; memory_op memory_map and add_to_physmap of the
// shared_info page; event_channel_op for VIRQ_ARGO and unbound local ports; hvm_op get/set_param
// and set_evtchn_upcall_vector. Every other number answers -ENOSYS and is counted. Arguments
// are read once into host memory and bounds-checked; answers are Xen's error codes.
// Guest handles are resolved as guest-physical addresses: exact for the identity-mapped PVH
// images hmx-kvm runs (docs/guide-xen-guests.md).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <hmx/reference/core.h>
#include <hmx/reference/guest_memory.h>
#include <hmx/reference/notifier.h>

namespace hmx::xen {

// Hypercall numbers the stubs of the page cover (Xen fills 4096 / 32 = 128 stubs).
inline constexpr unsigned kHypercallStubs = 128;
inline constexpr unsigned kHypercallStubSize = 32;
// Hypercalls counted one by one in the statistics; larger numbers are counted together.
inline constexpr unsigned kCountedHypercalls = 64;

// One leaf of the Xen CPUID block, as a monitor installs it.
struct cpuid_values {
  uint32_t function = 0;
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// The Xen leaves at 0x40000000..0x40000005 as Xen 4.17 fills them for an HVM/PVH guest
// (public/arch-x86/cpuid.h): signature "XenVMMXenVMM" with max leaf base+5, version 4.17,
// one hypercall page installed through MSR `hypercall_msr`, leaf 4 with the vCPU id and the
// domain id flagged present, and the upcall-vector feature.
std::vector<cpuid_values> cpuid_leaves(uint16_t domain_id, uint32_t vcpu, uint32_t hypercall_msr);

// Fill a 4096-byte hypercall page: stub i is `mov $i, %eax; out %eax, $port; ret`, padded with
// int3, in 32-byte slots (Xen's layout, hvm_hypercall_page_initialise). The `out` replaces
// vmcall/vmmcall, which do not return to a userspace monitor on nested KVM.
bool write_hypercall_page(std::span<std::byte> page, uint8_t port);

// What the monitor does on the ABI's behalf. Called on the calling vCPU's thread.
class guest_host {
 public:
  virtual ~guest_host() = default;
  virtual void console_write(std::string_view text) = 0;
  // SCHEDOP_shutdown: reason as sched.h SHUTDOWN_* (poweroff 0, reboot 1, suspend 2, crash 3,
  // watchdog 4, soft_reset 5).
  virtual void shutdown(unsigned reason) = 0;
  // Deliver `vector` to `vcpu` (the event-channel upcall). Any thread.
  virtual void inject(uint32_t vcpu, uint8_t vector) = 0;
};

struct hypercall_args {
  uint64_t number = 0;  // RAX
  uint64_t arg[5] = {};  // RDI, RSI, RDX, R10, R8
};

struct abi_stats {
  std::array<std::atomic<uint64_t>, kCountedHypercalls> by_number{};
  std::atomic<uint64_t> beyond{0};   // numbers >= kCountedHypercalls
  std::atomic<uint64_t> enosys{0};   // answered -ENOSYS (not served)
  std::atomic<uint64_t> upcalls{0};  // event-channel upcalls injected
};

// One Xen domain. Create it after the domain exists in the core; it is the core's Notifier for
// that domain (rings it owns raise VIRQ_ARGO through it).
class guest_domain final : public ref::Notifier {
 public:
  guest_domain(ref::Core& core, ref::DomainId id, uint32_t vcpus, uint64_t ram_bytes);
  guest_domain(const guest_domain&) = delete;
  guest_domain& operator=(const guest_domain&) = delete;

  // Attach the domain's memory and host before its first hypercall; until then nothing runs.
  void attach(ref::GuestMemory& memory, guest_host& host);

  // Run one hypercall for `vcpu`, entered at privilege level `cpl`; the value for RAX.
  int64_t hypercall(uint32_t vcpu, unsigned cpl, const hypercall_args& a);

  // The core's notifier: a message, a notify answer or space in a ring of this domain.
  void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override;

  const abi_stats& stats() const { return stats_; }
  std::vector<std::string> stats_lines() const;
  ref::DomainId id() const { return id_; }

  // The vector the core's register for vCPU 0 holds so that it calls raise() (any valid vector:
  // raise() never injects it; the guest's own upcall vector is injected instead).
  static constexpr uint8_t kCoreVector = 0xf0;

 private:
  int64_t console_io(const hypercall_args& a);
  int64_t xen_version(const hypercall_args& a);
  int64_t sched_op(const hypercall_args& a);
  int64_t memory_op(const hypercall_args& a);
  int64_t argo_op(uint32_t vcpu, const hypercall_args& a);
  int64_t event_channel_op(uint32_t vcpu, const hypercall_args& a);
  int64_t hvm_op(const hypercall_args& a);
  // Event channels (abi/events.cpp).
  int64_t evtchn_alloc_unbound(uint64_t arg);
  int64_t evtchn_bind_virq(uint64_t arg);
  int64_t evtchn_status(uint64_t arg);
  int64_t evtchn_close(uint64_t arg);
  int64_t evtchn_send(uint64_t arg);
  int64_t evtchn_unmask(uint64_t arg);
  bool set_pending(uint32_t port);  // with mutex_ held; true: announce it to the vCPU
  bool deliver_upcall(uint32_t vcpu);

  enum class port_state : uint8_t { free, unbound, virq };
  struct port {
    port_state state = port_state::free;
    uint32_t vcpu = 0;
    uint32_t virq = 0;
    uint16_t remote = 0;
  };
  static constexpr uint32_t kMaxPorts = 1024;

  ref::Core& core_;
  ref::DomainId id_;
  uint32_t vcpus_;
  uint64_t ram_bytes_;
  ref::GuestMemory* memory_ = nullptr;
  guest_host* host_ = nullptr;
  abi_stats stats_;
  std::mutex mutex_;  // event channels, shared_info, params
  std::array<port, kMaxPorts> ports_{};
  uint64_t shared_info_gpa_ = 0;  // 0: not placed
  uint8_t upcall_vector_ = 0;     // 0: none set
  uint32_t virq_argo_port_ = 0;   // 0: VIRQ_ARGO not bound
  std::array<uint64_t, 64> params_{};
};

}  // namespace hmx::xen
