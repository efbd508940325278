/* SPDX-License-Identifier: MIT */
// Shared pieces of libhmx's host unit tests: guest memory for a host environment, fake CPUID
// tables, a scrambled (non-contiguous) address map, and recording conduits that decode what the
// library marshalled.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <hmx/env/host.h>
#include <hmx/hmx.h>

namespace hmx {
// gtest prints statuses and errcs by name.
inline void PrintTo(status s, std::ostream* os) { *os << s.name() << " (" << s.code() << ")"; }
inline void PrintTo(errc e, std::ostream* os) { PrintTo(status(e), os); }
}  // namespace hmx

namespace hmx::test {

// Page-aligned, zeroed host memory.
class host_memory {
 public:
  // aligned_alloc wants a size that is a multiple of the alignment.
  explicit host_memory(size_t bytes)
      : size_((bytes + 4095) & ~size_t{4095}),
        p_(static_cast<unsigned char*>(std::aligned_alloc(4096, size_))) {
    std::memset(p_, 0, size_);
  }
  ~host_memory() { std::free(p_); }
  host_memory(const host_memory&) = delete;
  host_memory& operator=(const host_memory&) = delete;
  unsigned char* data() { return p_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  unsigned char* p_;
};

// Guest-physical base of the unit tests' window: not 0 and not the host address, so a pointer
// passed where a GPA belongs shows up.
inline constexpr uint64_t kGpaBase = 0x10000000;

// A host environment over 1 MiB (256 pages) of its own memory.
struct test_env {
  host_memory mem{1 << 20};
  env::host env{mem.data(), mem.size(), kGpaBase};
};

// A 12-byte signature as (EBX, ECX, EDX) words.
inline cpuid_regs hv_leaf(uint32_t max_leaf, const char (&sig)[13]) {
  const signature12 s = signature12::from(sig);
  return cpuid_regs{max_leaf, s.w0, s.w1, s.w2};
}

// Leaf 0 with a vendor string (EBX, EDX, ECX order).
inline cpuid_regs vendor_leaf(const char (&v)[13]) {
  const signature12 s = signature12::from(v);
  return cpuid_regs{0xd, s.w0, s.w2, s.w1};
}

struct hmx_block {
  uint32_t base = HMX_CPUID_DEFAULT_BASE;
  uint32_t max_leaf_offset = HMX_CPUID_LEAF_MSR;
  uint32_t major = HMX_VERSION_MAJOR, minor = HMX_VERSION_MINOR;
  uint32_t domain_ebx = 5;
  uint32_t vcpu = 0;
  uint32_t mechanisms = HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VECTOR_BIT;
  uint32_t features = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT;
  uint32_t max_batch = HMX_MAX_BATCH_ENTRIES;
  uint32_t msr_base = HMX_MSR_DEFAULT_BASE, msr_count = HMX_MSR_COUNT, hypercall_nr = 0;
};

// Program a machine: vendor, hypervisor bit, and an HMX block.
inline void set_hypervisor_bit(env::host& e, bool on) {
  e.set_cpuid(1, cpuid_regs{0x000806c1, 0, on ? (1u << 31) : 0u, 0});
}
inline void install_hmx(env::host& e, const hmx_block& b) {
  e.set_cpuid(b.base, cpuid_regs{b.base + b.max_leaf_offset, HMX_CPUID_SIGNATURE_EBX,
                                 HMX_CPUID_SIGNATURE_ECX, HMX_CPUID_SIGNATURE_EDX});
  e.set_cpuid(b.base + HMX_CPUID_LEAF_VERSION,
              cpuid_regs{b.major << 16 | b.minor, b.domain_ebx, b.vcpu, 0});
  e.set_cpuid(b.base + HMX_CPUID_LEAF_MECHANISMS,
              cpuid_regs{b.mechanisms, b.features, b.max_batch, 0});
  e.set_cpuid(b.base + HMX_CPUID_LEAF_MSR,
              cpuid_regs{b.msr_base, b.msr_count, b.hypercall_nr, 0});
}
inline void install_xen(env::host& e, uint32_t base, uint32_t hypercall_msr) {
  e.set_cpuid(base, hv_leaf(base + 5, "XenVMMXenVMM"));
  e.set_cpuid(base + 1, cpuid_regs{4 << 16 | 17, 0, 0, 0});
  e.set_cpuid(base + 2, cpuid_regs{1, hypercall_msr, 0, 0});
}

// An environment whose pages are not guest-physically contiguous: host page i maps to guest
// frame kGpaBase/4096 + perm(i), perm reversing each pair of pages (0<->1, 2<->3, ...).
struct scrambled_env {
  explicit scrambled_env(env::host& inner) : h(&inner) {}
  env::host* h;
  uint64_t to_gpa(const void* p) const noexcept {
    const uint64_t g = h->to_gpa(p);
    if (g == invalid_gpa) return g;
    const uint64_t page = (g - kGpaBase) / 4096, off = g % 4096;
    return kGpaBase + (page ^ 1) * 4096 + off;
  }
  void* alloc_pages(size_t n) noexcept { return h->alloc_pages(n); }
  // The hypervisor's view: host pointer of a (scrambled) GPA.
  void* host_ptr(uint64_t gpa, uint64_t len = 1) const noexcept {
    const uint64_t page = (gpa - kGpaBase) / 4096, off = gpa % 4096;
    return h->host_ptr(kGpaBase + (page ^ 1) * 4096 + off, len);
  }
};

// A call-block conduit that records every call block (and the GPA it came from) and answers with
// `respond` (default: result 0). The hypervisor's view of memory is env.host_ptr.
template <class Env>
struct recording_conduit {
  explicit recording_conduit(Env& e) : env(&e) {}
  Env* env;
  std::vector<uint64_t> gpas;
  std::vector<hmx_call_block_t> blocks;
  std::function<int64_t(const hmx_call_block_t&)> respond;
  status conduit_status;
  bool write_result = true;

  status invoke(uint64_t gpa) noexcept {
    gpas.push_back(gpa);
    auto* cb = static_cast<hmx_call_block_t*>(env->host_ptr(gpa, sizeof(hmx_call_block_t)));
    if (cb == nullptr) {
      ADD_FAILURE() << "call block GPA " << std::hex << gpa << " outside guest memory";
      return errc::fault;
    }
    blocks.push_back(*cb);
    if (write_result) cb->result = respond ? respond(*cb) : 0;
    return conduit_status;
  }

  template <class T>
  T* at(uint64_t gpa, size_t n = 1) {
    return static_cast<T*>(env->host_ptr(gpa, sizeof(T) * n));
  }
};

// An Argo conduit that records the five arguments; handles are pointers (Xen's guest handles).
struct recording_argo_conduit {
  struct call {
    uint32_t cmd;
    uint64_t a[4];
  };
  std::vector<call> calls;
  std::function<int64_t(const call&)> respond;
  int64_t argo_op(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) noexcept {
    calls.push_back({cmd, {a1, a2, a3, a4}});
    return respond ? respond(calls.back()) : 0;
  }
};

}  // namespace hmx::test
