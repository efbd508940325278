// SPDX-License-Identifier: Apache-2.0
// Event channels as far as an Argo guest needs them (public/event_channel.h, 2-level ABI):
// unbound local ports, VIRQ_ARGO, status, close, send, unmask, the pending and mask bits in the
// shared_info page the guest placed (memory_op add_to_physmap), and the upcall on the vector the
// guest set (hvm_op set_evtchn_upcall_vector or HVM_PARAM_CALLBACK_IRQ).
#include <cstring>

#include "hmx/xen/guest_abi.h"
#include "xen_public.h"

namespace hmx::xen {

namespace {

using namespace pub;

constexpr unsigned kBitsPerWord = 64;

// Atomic bit operations on guest memory (the guest updates the same words concurrently).
bool test_and_set(std::byte* word, unsigned bit) {
  const uint64_t mask = uint64_t{1} << bit;
  return (__atomic_fetch_or(reinterpret_cast<uint64_t*>(word), mask, __ATOMIC_SEQ_CST) & mask) != 0;
}
bool test_bit(const std::byte* word, unsigned bit) {
  return (__atomic_load_n(reinterpret_cast<const uint64_t*>(word), __ATOMIC_SEQ_CST) >> bit) & 1;
}
void clear_bit(std::byte* word, unsigned bit) {
  __atomic_fetch_and(reinterpret_cast<uint64_t*>(word), ~(uint64_t{1} << bit), __ATOMIC_SEQ_CST);
}

}  // namespace

int64_t guest_domain::event_channel_op(uint32_t, const hypercall_args& a) {
  switch (a.arg[0]) {
    case EVTCHNOP_alloc_unbound: return evtchn_alloc_unbound(a.arg[1]);
    case EVTCHNOP_bind_virq: return evtchn_bind_virq(a.arg[1]);
    case EVTCHNOP_status: return evtchn_status(a.arg[1]);
    case EVTCHNOP_close: return evtchn_close(a.arg[1]);
    case EVTCHNOP_send: return evtchn_send(a.arg[1]);
    case EVTCHNOP_unmask: return evtchn_unmask(a.arg[1]);
    default: return -XEN_ENOSYS;
  }
}

int64_t guest_domain::evtchn_alloc_unbound(uint64_t arg) {
  evtchn_alloc_unbound_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.dom != DOMID_SELF && x.dom != id_) return -XEN_EPERM;  // XSM: only a privileged domain allocates for another
  std::lock_guard lock(mutex_);
  for (uint32_t p = 1; p < kMaxPorts; ++p) {  // port 0 is reserved (event_channel.c)
    if (ports_[p].state != port_state::free) continue;
    ports_[p] = {port_state::unbound, 0, 0, uint16_t(x.remote_dom == DOMID_SELF ? id_ : x.remote_dom)};
    x.port = p;
    if (!memory_->write(arg, x)) {
      ports_[p] = {};
      return -XEN_EFAULT;
    }
    return 0;
  }
  return -XEN_ENOSPC;
}

int64_t guest_domain::evtchn_bind_virq(uint64_t arg) {
  evtchn_bind_virq_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.virq >= NR_VIRQS) return -XEN_EINVAL;
  // VIRQ_ARGO is a global VIRQ: bound on vCPU 0 only (event_channel.c evtchn_bind_virq).
  if (x.virq == VIRQ_ARGO && x.vcpu != 0) return -XEN_EINVAL;
  if (x.vcpu >= vcpus_) return -XEN_ENOENT;
  std::lock_guard lock(mutex_);
  for (uint32_t p = 1; p < kMaxPorts; ++p)
    if (ports_[p].state == port_state::virq && ports_[p].virq == x.virq) return -XEN_EEXIST;
  for (uint32_t p = 1; p < kMaxPorts; ++p) {
    if (ports_[p].state != port_state::free) continue;
    ports_[p] = {port_state::virq, x.vcpu, x.virq, 0};
    x.port = p;
    if (!memory_->write(arg, x)) {
      ports_[p] = {};
      return -XEN_EFAULT;
    }
    if (x.virq == VIRQ_ARGO) virq_argo_port_ = p;
    return 0;
  }
  return -XEN_ENOSPC;
}

int64_t guest_domain::evtchn_status(uint64_t arg) {
  evtchn_status_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.dom != DOMID_SELF && x.dom != id_) return -XEN_EPERM;
  if (x.port >= kMaxPorts) return -XEN_EINVAL;
  std::lock_guard lock(mutex_);
  const port& p = ports_[x.port];
  std::memset(&x.u, 0, sizeof x.u);
  x.vcpu = p.vcpu;
  switch (p.state) {
    case port_state::free: x.status = EVTCHNSTAT_closed; break;
    case port_state::unbound:
      x.status = EVTCHNSTAT_unbound;
      x.u.unbound.dom = p.remote;
      break;
    case port_state::virq:
      x.status = EVTCHNSTAT_virq;
      x.u.virq = p.virq;
      break;
  }
  return memory_->write(arg, x) ? 0 : -XEN_EFAULT;
}

int64_t guest_domain::evtchn_close(uint64_t arg) {
  evtchn_close_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.port >= kMaxPorts) return -XEN_EINVAL;
  std::lock_guard lock(mutex_);
  if (x.port == 0 || ports_[x.port].state == port_state::free) return -XEN_EINVAL;
  if (x.port == virq_argo_port_) virq_argo_port_ = 0;
  ports_[x.port] = {};
  return 0;
}

int64_t guest_domain::evtchn_send(uint64_t arg) {
  evtchn_send_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.port >= kMaxPorts) return -XEN_EINVAL;
  std::lock_guard lock(mutex_);
  switch (ports_[x.port].state) {
    case port_state::unbound: return 0;  // nobody listens: dropped (event_channel.c evtchn_send)
    default: return -XEN_EINVAL;         // free, or a VIRQ (only Xen raises those)
  }
}

int64_t guest_domain::evtchn_unmask(uint64_t arg) {
  evtchn_unmask_t x{};
  if (!memory_->read_once(arg, x)) return -XEN_EFAULT;
  if (x.port >= kMaxPorts) return -XEN_EINVAL;
  uint32_t deliver_to = ~0u;
  {
    std::lock_guard lock(mutex_);
    if (shared_info_gpa_ == 0) return 0;
    const std::span<std::byte> si = memory_->map(shared_info_gpa_, sizeof(shared_info_t));
    if (si.empty()) return -XEN_EFAULT;
    const unsigned word = x.port / kBitsPerWord, bit = x.port % kBitsPerWord;
    std::byte* mask = si.data() + offsetof(shared_info_t, evtchn_mask) + word * 8;
    std::byte* pending = si.data() + offsetof(shared_info_t, evtchn_pending) + word * 8;
    clear_bit(mask, bit);
    // An event that arrived while masked is announced now (evtchn_2l_unmask).
    const uint32_t vcpu = ports_[x.port].vcpu;
    if (test_bit(pending, bit) && vcpu < XEN_LEGACY_MAX_VCPUS) {
      std::byte* vi = si.data() + offsetof(shared_info_t, vcpu_info) + vcpu * sizeof(vcpu_info_t);
      if (!test_and_set(vi + offsetof(vcpu_info_t, evtchn_pending_sel), word)) deliver_to = vcpu;
    }
  }
  if (deliver_to != ~0u) deliver_upcall(deliver_to);
  return 0;
}

// evtchn_2l_set_pending: the pending bit, then (unmasked) the vCPU's selector bit and its
// upcall-pending flag; only a 0->1 change of that flag injects the upcall vector.
// Without a shared_info page the guest has nowhere to look: the upcall alone is its news.
bool guest_domain::set_pending(uint32_t port_number) {
  if (shared_info_gpa_ == 0) return true;
  const std::span<std::byte> si = memory_->map(shared_info_gpa_, sizeof(shared_info_t));
  if (si.empty()) return false;
  const unsigned word = port_number / kBitsPerWord, bit = port_number % kBitsPerWord;
  if (test_and_set(si.data() + offsetof(shared_info_t, evtchn_pending) + word * 8, bit)) return false;
  if (test_bit(si.data() + offsetof(shared_info_t, evtchn_mask) + word * 8, bit)) return false;
  const uint32_t vcpu = ports_[port_number].vcpu;
  if (vcpu >= XEN_LEGACY_MAX_VCPUS) return false;
  std::byte* vi = si.data() + offsetof(shared_info_t, vcpu_info) + vcpu * sizeof(vcpu_info_t);
  return !test_and_set(vi + offsetof(vcpu_info_t, evtchn_pending_sel), word);
}

bool guest_domain::deliver_upcall(uint32_t vcpu) {
  uint8_t vector = 0;
  {
    std::lock_guard lock(mutex_);
    if (shared_info_gpa_ != 0 && vcpu < XEN_LEGACY_MAX_VCPUS) {
      const std::span<std::byte> si = memory_->map(shared_info_gpa_, sizeof(shared_info_t));
      if (si.empty()) return false;
      auto* flag = reinterpret_cast<uint8_t*>(si.data() + offsetof(shared_info_t, vcpu_info) +
                                              vcpu * sizeof(vcpu_info_t) + offsetof(vcpu_info_t, evtchn_upcall_pending));
      if (__atomic_exchange_n(flag, uint8_t{1}, __ATOMIC_SEQ_CST) != 0) return false;
    }
    vector = upcall_vector_;
  }
  if (vector == 0 || host_ == nullptr) return false;
  host_->inject(vcpu, vector);
  stats_.upcalls.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// The core raised this domain's ring event (a message arrived, a notify answered, space opened):
// Argo's signal_domain() sends VIRQ_ARGO.
void guest_domain::raise(ref::DomainId, uint32_t, uint8_t) {
  uint32_t vcpu = 0;
  {
    std::lock_guard lock(mutex_);
    if (memory_ == nullptr || virq_argo_port_ == 0) return;
    vcpu = ports_[virq_argo_port_].vcpu;
    if (!set_pending(virq_argo_port_)) return;
  }
  deliver_upcall(vcpu);
}

}  // namespace hmx::xen
