// SPDX-License-Identifier: Apache-2.0
// The hypercall dispatch of a Xen domain and the small hypercalls: console_io, xen_version,
// sched_op, memory_op, hvm_op (guest_abi.h). Event channels: events.cpp; argo_op: argo.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "hmx/xen/guest_abi.h"
#include "xen_public.h"

namespace hmx::xen {

namespace {

using namespace pub;

constexpr uint32_t kXenVersion = 4u << 16 | 17u;
constexpr char kExtraversion[] = "-hmx-kvm";
constexpr uint64_t kPage = 4096;
constexpr uint32_t kConsoleChunk = 256;
// memory_op's cmd carries a continuation's start extent above bit 6 (Xen's memory.c,
// MEMOP_EXTENT_SHIFT; not in the public headers).
constexpr uint64_t kMemopCmdMask = (1u << 6) - 1;

bool self_or(domid_t domid, ref::DomainId id) { return domid == DOMID_SELF || domid == id; }

}  // namespace

guest_domain::guest_domain(ref::Core& core, ref::DomainId id, uint32_t vcpus, uint64_t ram_bytes)
    : core_(core), id_(id), vcpus_(vcpus), ram_bytes_(ram_bytes) {}

void guest_domain::attach(ref::GuestMemory& memory, guest_host& host) {
  std::lock_guard lock(mutex_);
  memory_ = &memory;
  host_ = &host;
}

int64_t guest_domain::hypercall(uint32_t vcpu, unsigned cpl, const hypercall_args& a) {
  if (a.number < kCountedHypercalls)
    stats_.by_number[a.number].fetch_add(1, std::memory_order_relaxed);
  else
    stats_.beyond.fetch_add(1, std::memory_order_relaxed);
  if (memory_ == nullptr || host_ == nullptr || vcpu >= vcpus_) return -XEN_EINVAL;
  // Xen refuses hypercalls from user mode of an HVM guest (arch/x86/hvm/hypercall.c).
  if (cpl != 0) return -XEN_EPERM;
  switch (a.number) {
    case __HYPERVISOR_console_io: return console_io(a);
    case __HYPERVISOR_xen_version: return xen_version(a);
    case __HYPERVISOR_sched_op: return sched_op(a);
    case __HYPERVISOR_memory_op: return memory_op(a);
    case __HYPERVISOR_argo_op: return argo_op(vcpu, a);
    case __HYPERVISOR_event_channel_op: return event_channel_op(vcpu, a);
    case __HYPERVISOR_hvm_op: return hvm_op(a);
    default:
      stats_.enosys.fetch_add(1, std::memory_order_relaxed);
      return -XEN_ENOSYS;
  }
}

// do_console_io(cmd, count, buffer): a domain writes to its console; reading Xen's console is
// the hardware domain's privilege (XSM default action).
int64_t guest_domain::console_io(const hypercall_args& a) {
  const uint32_t cmd = uint32_t(a.arg[0]);
  const uint32_t count = uint32_t(a.arg[1]);
  if (cmd == CONSOLEIO_read) return -XEN_EPERM;
  if (cmd != CONSOLEIO_write) return -XEN_ENOSYS;
  if (a.arg[0] >> 32 || a.arg[1] >> 32) return -XEN_EINVAL;
  char chunk[kConsoleChunk];
  for (uint32_t done = 0; done < count;) {
    const uint32_t n = std::min<uint32_t>(count - done, kConsoleChunk);
    if (!memory_->read_bytes(a.arg[2] + done, chunk, n)) return -XEN_EFAULT;
    host_->console_write(std::string_view(chunk, n));
    done += n;
  }
  return 0;
}

int64_t guest_domain::xen_version(const hypercall_args& a) {
  const uint64_t out = a.arg[1];
  switch (a.arg[0]) {
    case XENVER_version: return kXenVersion;
    case XENVER_extraversion: {
      xen_extraversion_t v{};
      std::memcpy(v, kExtraversion, sizeof kExtraversion);
      return memory_->write_bytes(out, v, sizeof v) ? 0 : -XEN_EFAULT;
    }
    case XENVER_compile_info: {
      xen_compile_info_t info{};
      std::snprintf(info.compiler, sizeof info.compiler, "hmx-kvm");
      std::snprintf(info.compile_by, sizeof info.compile_by, "hmx");
      std::snprintf(info.compile_domain, sizeof info.compile_domain, "hmx");
      std::snprintf(info.compile_date, sizeof info.compile_date, "%s", __DATE__);
      return memory_->write(out, info) ? 0 : -XEN_EFAULT;
    }
    case XENVER_capabilities: {
      xen_capabilities_info_t caps{};
      std::snprintf(caps, sizeof caps, "hvm-3.0-x86_64 ");
      return memory_->write_bytes(out, caps, sizeof caps) ? 0 : -XEN_EFAULT;
    }
    case XENVER_changeset: {
      xen_changeset_info_t cs{};
      std::snprintf(cs, sizeof cs, "hmx-kvm guest ABI");
      return memory_->write_bytes(out, cs, sizeof cs) ? 0 : -XEN_EFAULT;
    }
    case XENVER_get_features: {
      xen_feature_info_t fi{};
      if (!memory_->read_once(out, fi)) return -XEN_EFAULT;
      // What Xen 4.17 sets for an HVM guest (common/kernel.c): the callback vector, a safe
      // pvclock and vnode memory ops on submap 0; nothing beyond it.
      fi.submap = fi.submap_idx == 0 ? (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
                                           (1u << XENFEAT_memory_op_vnode_supported)
                                     : 0;
      return memory_->write(out, fi) ? 0 : -XEN_EFAULT;
    }
    case XENVER_pagesize: return kPage;
    case XENVER_guest_handle: {
      xen_domain_handle_t handle{};
      handle[15] = uint8_t(id_);
      return memory_->write_bytes(out, handle, sizeof handle) ? 0 : -XEN_EFAULT;
    }
    case XENVER_commandline:
    case XENVER_build_id: return -XEN_EPERM;  // the hardware domain's only (XSM default)
    default: return -XEN_ENOSYS;
  }
}

int64_t guest_domain::sched_op(const hypercall_args& a) {
  switch (a.arg[0]) {
    case SCHEDOP_yield: return 0;
    // The guest's own halt waits for the upcall; returning at once is a spurious wake-up, which
    // Xen's block permits (sched.h: "may return early").
    case SCHEDOP_block: return 0;
    case SCHEDOP_shutdown: {
      sched_shutdown_t s{};
      if (!memory_->read_once(a.arg[1], s)) return -XEN_EFAULT;
      host_->shutdown(s.reason);
      return 0;
    }
    default: return -XEN_ENOSYS;
  }
}

int64_t guest_domain::memory_op(const hypercall_args& a) {
  const uint64_t cmd = a.arg[0] & kMemopCmdMask;
  if (cmd == XENMEM_memory_map) {
    // The domain's e820: one RAM range [0, RAM end), as the PVH start_info memory map says.
    struct {
      uint32_t nr_entries;
      uint32_t pad;
      uint64_t buffer;
    } map{};
    static_assert(sizeof map == sizeof(xen_memory_map_t));
    if (!memory_->read_once(a.arg[1], map)) return -XEN_EFAULT;
    struct __attribute__((packed)) {
      uint64_t addr, size;
      uint32_t type;
    } ram{0, ram_bytes_, 1};
    map.nr_entries = std::min<uint32_t>(map.nr_entries, 1);
    if (map.nr_entries == 1 && !memory_->write(map.buffer, ram)) return -XEN_EFAULT;
    return memory_->write(a.arg[1], map) ? 0 : -XEN_EFAULT;
  }
  if (cmd == XENMEM_add_to_physmap) {
    xen_add_to_physmap_t x{};
    if (!memory_->read_once(a.arg[1], x)) return -XEN_EFAULT;
    if (!self_or(x.domid, id_)) return -XEN_EPERM;
    if (x.space != XENMAPSPACE_shared_info) return -XEN_ENOSYS;
    if (x.idx != 0) return -XEN_EINVAL;
    const uint64_t gpa = uint64_t(x.gpfn) * kPage;
    if (x.gpfn >= ram_bytes_ / kPage || !memory_->contains(gpa, kPage)) return -XEN_EINVAL;
    std::lock_guard lock(mutex_);
    static const std::byte zero[kPage] = {};
    if (!memory_->write_bytes(gpa, zero, kPage)) return -XEN_EFAULT;
    shared_info_gpa_ = gpa;
    return 0;
  }
  return -XEN_ENOSYS;
}

int64_t guest_domain::hvm_op(const hypercall_args& a) {
  switch (a.arg[0]) {
    case HVMOP_set_param:
    case HVMOP_get_param: {
      xen_hvm_param_t p{};
      if (!memory_->read_once(a.arg[1], p)) return -XEN_EFAULT;
      if (!self_or(p.domid, id_)) return -XEN_ESRCH;
      if (p.index >= HVM_NR_PARAMS) return -XEN_EINVAL;
      const bool set = a.arg[0] == HVMOP_set_param;
      std::lock_guard lock(mutex_);
      // What a guest may read or write of its own parameters (hvm.c hvm_allow_get_param /
      // hvm_allow_set_param): the callback, and the store and console rings it is given (none);
      // the readable rest reads 0 here, the deprecated ones are EINVAL, all others EPERM.
      switch (p.index) {
        case HVM_PARAM_CALLBACK_IRQ:
          if (set) {
            // Only the vector form is served (HVM_PARAM_CALLBACK_TYPE_VECTOR in bits 63:56).
            if ((p.value >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR) {
              const uint8_t vector = uint8_t(p.value);
              if (vector < 0x10) return -XEN_EINVAL;
              upcall_vector_ = vector;
            } else if (p.value != 0) {
              return -XEN_EINVAL;
            } else {
              upcall_vector_ = 0;
            }
            params_[p.index] = p.value;
            return 0;
          }
          break;
        case HVM_PARAM_STORE_PFN:
        case HVM_PARAM_STORE_EVTCHN:
        case HVM_PARAM_CONSOLE_PFN:
        case HVM_PARAM_CONSOLE_EVTCHN:
        case HVM_PARAM_VM86_TSS:
        case HVM_PARAM_VM86_TSS_SIZED:
        case HVM_PARAM_ACPI_IOPORTS_LOCATION:
        case HVM_PARAM_VM_GENERATION_ID_ADDR:
        case HVM_PARAM_ALTP2M:
        case HVM_PARAM_X87_FIP_WIDTH:
          if (set) return -XEN_EPERM;
          break;
        case HVM_PARAM_PAE_ENABLED:
        case HVM_PARAM_DM_DOMAIN:
        case HVM_PARAM_MEMORY_EVENT_CR0:
        case HVM_PARAM_MEMORY_EVENT_CR3:
        case HVM_PARAM_MEMORY_EVENT_CR4:
        case HVM_PARAM_MEMORY_EVENT_INT3:
        case HVM_PARAM_NESTEDHVM:
        case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
        case HVM_PARAM_BUFIOREQ_EVTCHN:
        case HVM_PARAM_MEMORY_EVENT_MSR:
          return -XEN_EINVAL;
        default: return -XEN_EPERM;
      }
      p.value = params_[p.index];
      return memory_->write(a.arg[1], p) ? 0 : -XEN_EFAULT;
    }
    case HVMOP_set_evtchn_upcall_vector: {
      xen_hvm_evtchn_upcall_vector_t v{};
      if (!memory_->read_once(a.arg[1], v)) return -XEN_EFAULT;
      if (v.vector < 0x10) return -XEN_EINVAL;
      if (v.vcpu >= vcpus_) return -XEN_ENOENT;
      std::lock_guard lock(mutex_);
      upcall_vector_ = v.vector;
      return 0;
    }
    default: return -XEN_ENOSYS;
  }
}

std::vector<std::string> guest_domain::stats_lines() const {
  std::vector<std::string> out;
  std::string by;
  for (unsigned i = 0; i < kCountedHypercalls; ++i)
    if (uint64_t n = stats_.by_number[i].load(std::memory_order_relaxed))
      by += fmt::format("{}{}={}", by.empty() ? "" : " ", i, n);
  if (uint64_t n = stats_.beyond.load(std::memory_order_relaxed))
    by += fmt::format("{}>={}={}", by.empty() ? "" : " ", kCountedHypercalls, n);
  out.push_back(fmt::format("xen hypercalls by number: {}", by.empty() ? "none" : by));
  out.push_back(fmt::format("xen hypercalls answered -ENOSYS: {}; upcalls injected: {}",
                            stats_.enosys.load(std::memory_order_relaxed),
                            stats_.upcalls.load(std::memory_order_relaxed)));
  return out;
}

}  // namespace hmx::xen
