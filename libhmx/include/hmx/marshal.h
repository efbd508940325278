/* SPDX-License-Identifier: MIT */
// Marshalling: turn typed operations into a call block's op and arguments, writing argument
// structs into scratch memory whose guest-physical address is known (spec `operations`).
//
// Two address forms exist (conduit/conduit.h): call-block conduits carry guest-physical
// addresses (handle_mode::gpa); Xen's hypercall carries guest handles, i.e. pointers the
// hypervisor resolves through the guest's page tables (handle_mode::pointer). The gfn list of a
// ring holds frame numbers in both.
//
// libhmx checks only what it must to build the arguments; everything else is left to the
// hypervisor, so the typed path reports the same codes the spec gives (README.md "Errors").
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <hmx/abi.h>
#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/events.h>
#include <hmx/status.h>

namespace hmx {

namespace detail {
template <class C>
constexpr handle_mode conduit_handles() noexcept {
  if constexpr (requires { C::handles; })
    return C::handles;  // a conduit may say so itself (loopback_argo_conduit: GPAs)
  else
    return CallBlockConduit<C> ? handle_mode::gpa : handle_mode::pointer;
}
}  // namespace detail

// How a conduit names memory: call-block conduits by GPA, Argo conduits by pointer (Xen's guest
// handles), unless the conduit declares `static constexpr handle_mode handles`.
template <class C>
inline constexpr handle_mode handle_mode_for = detail::conduit_handles<C>();

// One buffer of a message.
struct buffer {
  const void* data = nullptr;
  size_t size = 0;
};

// A ring to register: `memory` holds the 64-byte header followed by `len` bytes of data and
// starts on a 4 KiB page (frame 0 of the gfn list holds the header).
//
// A new ring starts empty: libhmx sets its rx_ptr and tx_ptr to 0 before registering it
// (HMX-LIB-030 HMX-LIB-031). Set `preserve` to re-register a ring whose contents were kept (resume after
// hibernate, Xen argo.c register_ring): its pointers are left alone and the hypervisor keeps a valid
// tx_ptr. Never register with preserve unset a ring that is registered right now: libhmx would
// write tx_ptr under the hypervisor.
struct ring_registration {
  void* memory = nullptr;
  uint32_t len = 0;
  uint32_t aport = 0;
  uint16_t partner_id = HMX_DOMID_ANY;
  uint32_t flags = 0;  // HMX_REGISTER_FLAG_*
  bool preserve = false;
};

// A marshalled operation: the call block's op and arg1..arg4.
struct op_args {
  uint32_t op = 0;
  uint64_t arg[4] = {};
};

// Bump allocator over guest-physically contiguous pages from the environment. Allocations are
// zeroed and CALL_BLOCK_ALIGN (16) aligned, so a call block may live anywhere in it.
class scratch {
 public:
  static constexpr size_t align = HMX_CALL_BLOCK_ALIGN;

  // Take `pages` pages from env. EFAULT if they have no GPA or are not contiguous in it (the
  // batch list and the gfn list are read as one guest-physical range), ENOMEM if none are left.
  template <Environment Env>
  status init(Env& env, size_t pages) noexcept {
    base_ = nullptr;
    size_ = used_ = 0;
    if (pages == 0) return errc::inval;
    auto* p = static_cast<unsigned char*>(env.alloc_pages(pages));
    if (p == nullptr) return errc::nomem;
    const uint64_t g = env.to_gpa(p);
    if (g == invalid_gpa || g % page_size != 0) return errc::fault;
    for (size_t i = 1; i < pages; ++i)
      if (env.to_gpa(p + i * page_size) != g + i * page_size) return errc::fault;
    base_ = p;
    gpa_ = g;
    size_ = pages * page_size;
    return {};
  }

  [[nodiscard]] bool valid() const noexcept { return base_ != nullptr; }
  [[nodiscard]] size_t used() const noexcept { return used_; }
  [[nodiscard]] size_t capacity() const noexcept { return size_; }
  // Drop every allocation made after the first `keep` bytes.
  void reset(size_t keep = 0) noexcept { used_ = keep < size_ ? keep : size_; }

  // n zeroed Ts, or nullptr when they do not fit.
  template <class T>
  [[nodiscard]] T* alloc(size_t n = 1) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= align);
    return static_cast<T*>(alloc_bytes(n, sizeof(T)));
  }
  [[nodiscard]] void* alloc_bytes(size_t n, size_t elem) noexcept {
    if (base_ == nullptr || (elem != 0 && n > (size_ - used_) / elem)) return nullptr;
    const size_t bytes = (n * elem + align - 1) & ~(align - 1);
    if (bytes > size_ - used_) return nullptr;
    unsigned char* p = base_ + used_;
    for (size_t i = 0; i < bytes; ++i) p[i] = 0;
    used_ += bytes;
    return p;
  }

  [[nodiscard]] bool contains(const void* p) const noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    return base_ != nullptr && b >= base_ && b < base_ + size_;
  }
  [[nodiscard]] uint64_t gpa_of(const void* p) const noexcept {
    return contains(p) ? gpa_ + static_cast<uint64_t>(static_cast<const unsigned char*>(p) - base_)
                       : invalid_gpa;
  }
  [[nodiscard]] uint64_t handle_of(const void* p, handle_mode m) const noexcept {
    return m == handle_mode::gpa ? gpa_of(p)
                                 : static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
  }

 private:
  unsigned char* base_ = nullptr;
  uint64_t gpa_ = 0;
  size_t size_ = 0;
  size_t used_ = 0;
};

// --- builders (spec `operations`: argument order arg1..arg4) ---

// register_ring: arg1 register_ring struct, arg2 gfn list, arg3 npages, arg4 flags. npages and
// the gfn list come from the ring's memory: one frame per 4 KiB page, translated page by page.
template <Environment Env>
[[nodiscard]] result<op_args> marshal_register_ring(Env& env, scratch& s, handle_mode m,
                                                    const ring_registration& r) noexcept {
  const auto va = reinterpret_cast<uintptr_t>(r.memory);
  if (r.memory == nullptr || va % page_size != 0) return errc::inval;
  const uint64_t npages = ring_npages(r.len);
  if (npages > HMX_MAX_RING_PAGES) return errc::inval;

  auto* reg = s.alloc<hmx_register_ring_t>();
  auto* gfns = s.alloc<uint64_t>(static_cast<size_t>(npages));
  if (reg == nullptr || gfns == nullptr) return errc::nomem;
  if (!r.preserve) {
    auto* hdr = static_cast<hmx_ring_t*>(r.memory);
    __atomic_store_n(&hdr->rx_ptr, 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&hdr->tx_ptr, 0u, __ATOMIC_RELEASE);
  }
  reg->aport = r.aport;
  reg->partner_id = r.partner_id;
  reg->len = r.len;
  const auto* mem = static_cast<const unsigned char*>(r.memory);
  for (uint64_t i = 0; i < npages; ++i) {
    const uint64_t g = env.to_gpa(mem + i * page_size);
    if (g == invalid_gpa) return errc::fault;
    if (g % page_size != 0) return errc::inval;
    gfns[i] = g >> page_shift;
  }
  op_args a;
  a.op = HMX_OP_REGISTER_RING;
  a.arg[0] = s.handle_of(reg, m);
  a.arg[1] = s.handle_of(gfns, m);
  a.arg[2] = npages;
  a.arg[3] = r.flags;
  return a;
}

[[nodiscard]] inline result<op_args> marshal_unregister_ring(scratch& s, handle_mode m,
                                                             uint32_t aport,
                                                             uint16_t partner_id) noexcept {
  auto* u = s.alloc<hmx_unregister_ring_t>();
  if (u == nullptr) return errc::nomem;
  u->aport = aport;
  u->partner_id = partner_id;
  op_args a;
  a.op = HMX_OP_UNREGISTER_RING;
  a.arg[0] = s.handle_of(u, m);
  return a;
}

// Fill `out` (capacity `cap`) with iovs for `bufs`. Empty buffers are skipped (Argo skips
// zero-length iovs). In gpa mode a buffer is split where its pages stop being guest-physically
// contiguous, and adjacent contiguous pieces are merged. More than `cap` iovs: EINVAL, the
// hypervisor's answer for niov > MAXIOV; a buffer beyond MAX_MESSAGE_SIZE: EINVAL; a total
// beyond it: EMSGSIZE (Xen argo.c sendv).
template <Environment Env>
[[nodiscard]] result<uint32_t> build_iovs(Env& env, handle_mode m, const buffer* bufs, size_t n,
                                          hmx_iov_t* out, uint32_t cap) noexcept {
  // Sizes first, as Argo's iov_count() does, so the size errors do not depend on memory.
  uint64_t total = 0;
  for (size_t b = 0; b < n; ++b) {
    if (bufs[b].size > HMX_MAX_MESSAGE_SIZE) return errc::inval;
    total += bufs[b].size;
    if (total > HMX_MAX_MESSAGE_SIZE) return errc::msgsize;
  }
  uint32_t niov = 0;
  for (size_t b = 0; b < n; ++b) {
    if (bufs[b].size == 0) continue;
    if (bufs[b].data == nullptr) return errc::fault;
    if (m == handle_mode::pointer) {
      if (niov == cap) return errc::inval;
      out[niov++] = hmx_iov_t{static_cast<uint64_t>(reinterpret_cast<uintptr_t>(bufs[b].data)),
                              static_cast<uint32_t>(bufs[b].size), 0};
      continue;
    }
    const auto* p = static_cast<const unsigned char*>(bufs[b].data);
    size_t left = bufs[b].size;
    while (left != 0) {
      const size_t in_page = page_size - reinterpret_cast<uintptr_t>(p) % page_size;
      const size_t chunk = left < in_page ? left : in_page;
      const uint64_t g = env.to_gpa(p);
      if (g == invalid_gpa) return errc::fault;
      if (niov != 0 && out[niov - 1].iov_hnd + out[niov - 1].iov_len == g) {
        out[niov - 1].iov_len += static_cast<uint32_t>(chunk);
      } else {
        if (niov == cap) return errc::inval;
        out[niov++] = hmx_iov_t{g, static_cast<uint32_t>(chunk), 0};
      }
      p += chunk;
      left -= chunk;
    }
  }
  return niov;
}

// sendv: arg1 send_addr, arg2 iov list, arg3 niov, arg4 message_type. Unused iov slots and every
// pad are zero (scratch allocations are zeroed).
template <Environment Env>
[[nodiscard]] result<op_args> marshal_sendv(Env& env, scratch& s, handle_mode m,
                                            const hmx_addr_t& src, const hmx_addr_t& dst,
                                            const buffer* bufs, size_t n,
                                            uint32_t message_type) noexcept {
  auto* sa = s.alloc<hmx_send_addr_t>();
  auto* iovs = s.alloc<hmx_iov_t>(HMX_MAXIOV);
  if (sa == nullptr || iovs == nullptr) return errc::nomem;
  // Pads are always passed as 0 (HMX-LIB-023 HMX-LIB-024 HMX-LIB-025), whatever the caller's addresses hold.
  sa->src = hmx_addr_t{src.aport, src.domain_id, 0};
  sa->dst = hmx_addr_t{dst.aport, dst.domain_id, 0};
  const result<uint32_t> niov = build_iovs(env, m, bufs, n, iovs, HMX_MAXIOV);
  if (!niov) return niov.error();
  op_args a;
  a.op = HMX_OP_SENDV;
  a.arg[0] = s.handle_of(sa, m);
  a.arg[1] = s.handle_of(iovs, m);
  a.arg[2] = *niov;
  a.arg[3] = message_type;
  return a;
}

// notify: arg1 ring_data (nent + entries) or 0. The scratch copy is returned in *copy so the
// caller can read flags and max_message_size back.
[[nodiscard]] inline result<op_args> marshal_notify(scratch& s, handle_mode m,
                                                    const hmx_ring_data_ent_t* ents, uint32_t n,
                                                    hmx_ring_data_t** copy) noexcept {
  op_args a;
  a.op = HMX_OP_NOTIFY;
  if (copy != nullptr) *copy = nullptr;
  if (ents == nullptr && n == 0) return a;  // arg1 = 0: only wake senders waiting on our rings
  if (ents == nullptr) return errc::fault;
  auto* rd = static_cast<hmx_ring_data_t*>(
      s.alloc_bytes(1, sizeof(hmx_ring_data_t) + static_cast<size_t>(n) * sizeof(hmx_ring_data_ent_t)));
  if (rd == nullptr) return errc::nomem;
  rd->nent = n;
  for (uint32_t i = 0; i < n; ++i) {
    hmx_ring_data_ent_t& e = rd->data[i];
    e = ents[i];
    e.ring.pad = 0;  // pads are passed as 0 (HMX-LIB-023 HMX-LIB-024 HMX-LIB-025)
    e.pad = 0;
  }
  if (copy != nullptr) *copy = rd;
  a.arg[0] = s.handle_of(rd, m);
  return a;
}

// Copy notify's outputs (flags, max_message_size) from the scratch copy to the caller's entries.
inline void notify_copy_back(const hmx_ring_data_t* copy, hmx_ring_data_ent_t* ents,
                             uint32_t n) noexcept {
  if (copy == nullptr || ents == nullptr) return;
  for (uint32_t i = 0; i < n; ++i) {
    ents[i].flags = copy->data[i].flags;
    ents[i].max_message_size = copy->data[i].max_message_size;
  }
}

[[nodiscard]] constexpr op_args marshal_null() noexcept {
  op_args a;
  a.op = HMX_OP_NULL;
  return a;
}

// set_event_page: arg1 = page GPA | ENABLE, or 0 to disable (page == nullptr). The page is
// zeroed first (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029): a stale bit would announce a message that is not there.
template <Environment Env>
[[nodiscard]] result<op_args> marshal_set_event_page(Env& env, hmx_event_page_t* page) noexcept {
  op_args a;
  a.op = HMX_OP_SET_EVENT_PAGE;
  if (page != nullptr) {
    const uint64_t g = env.to_gpa(page);
    if (g == invalid_gpa) return errc::fault;
    if (g % page_size == 0) clear_event_page(page);  // a misaligned one is refused: leave it
    a.arg[0] = event_page_value(g, true);
  }
  return a;
}

// set_vector: arg1 vCPU index, arg2 register value (VECTOR MSR layout).
[[nodiscard]] constexpr op_args marshal_set_vector(uint32_t vcpu, uint64_t value) noexcept {
  op_args a;
  a.op = HMX_OP_SET_VECTOR;
  a.arg[0] = vcpu;
  a.arg[1] = value;
  return a;
}

// batch: arg1 call block list GPA, arg2 count, arg3 flags.
[[nodiscard]] constexpr op_args marshal_batch(uint64_t entries_gpa, uint32_t count,
                                              uint32_t flags) noexcept {
  op_args a;
  a.op = HMX_OP_BATCH;
  a.arg[0] = entries_gpa;
  a.arg[1] = count;
  a.arg[2] = flags;
  return a;
}

}  // namespace hmx
