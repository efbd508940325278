/* SPDX-License-Identifier: MIT */
// A host-side environment: guest-physical memory is a window of host memory, and the privileged
// primitives are fakes a test programs (CPUID table, MSR file, hypercall hooks). Unit tests feed
// it fake CPUID tables; the loopback tests map it over a reference-core domain's arena so the
// library's GPAs are that domain's GPAs. Freestanding like the rest of libhmx (fixed tables, no
// heap), but not part of the umbrella header: guests use a real environment.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/environment.h>

namespace hmx::env {

class host {
 public:
  static constexpr size_t max_cpuid_entries = 64;
  static constexpr size_t max_msrs = 32;

  // Called for every wrmsr before it is stored; returning true consumes the write (e.g. the
  // HMX CALL MSR, which a test forwards to a hypervisor).
  using wrmsr_hook = bool (*)(void* ctx, uint32_t index, uint64_t value);
  // vmcall / vmmcall: returns RAX.
  using hypercall_hook = int64_t (*)(void* ctx, uint64_t nr, uint64_t rdi);
  using xen_hook = int64_t (*)(void* ctx, const void* entry, uint64_t cmd, uint64_t a1,
                               uint64_t a2, uint64_t a3, uint64_t a4);
  using smccc_hook = void (*)(void* ctx, smccc_regs& regs);

  // Host bytes [base, base + size) appear at guest-physical [gpa_base, gpa_base + size). Pages
  // are allocated from the part of the window at or above arena_offset.
  host(void* base, size_t size, uint64_t gpa_base = 0, size_t arena_offset = 0) noexcept
      : base_(static_cast<unsigned char*>(base)), size_(size), gpa_base_(gpa_base) {
    if (arena_offset < size) arena_.reset(base_ + arena_offset, size - arena_offset);
  }

  // --- Environment ---
  [[nodiscard]] uint64_t to_gpa(const void* p) const noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    if (b < base_ || b >= base_ + size_) return invalid_gpa;
    return gpa_base_ + static_cast<uint64_t>(b - base_);
  }
  [[nodiscard]] void* alloc_pages(size_t n) noexcept { return arena_.alloc_pages(n); }

  // Host pointer of guest-physical [gpa, gpa + len), or nullptr.
  [[nodiscard]] void* host_ptr(uint64_t gpa, uint64_t len = 1) const noexcept {
    if (gpa < gpa_base_ || gpa - gpa_base_ > size_ || len > size_ - (gpa - gpa_base_))
      return nullptr;
    return base_ + (gpa - gpa_base_);
  }
  [[nodiscard]] page_arena& arena() noexcept { return arena_; }

  // --- CPUID ---
  bool set_cpuid(uint32_t leaf, cpuid_regs regs, uint32_t subleaf = 0) noexcept {
    for (size_t i = 0; i < ncpuid_; ++i)
      if (cpuid_[i].leaf == leaf && cpuid_[i].subleaf == subleaf) {
        cpuid_[i].regs = regs;
        return true;
      }
    if (ncpuid_ == max_cpuid_entries) return false;
    cpuid_[ncpuid_++] = {leaf, subleaf, regs};
    return true;
  }
  void clear_cpuid() noexcept { ncpuid_ = 0; }
  // Leaves not in the table read as zeros (a leaf beyond every block).
  [[nodiscard]] cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) noexcept {
    __atomic_fetch_add(&cpuid_calls_, 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < ncpuid_; ++i)
      if (cpuid_[i].leaf == leaf && cpuid_[i].subleaf == subleaf) return cpuid_[i].regs;
    return cpuid_regs{};
  }
  [[nodiscard]] cpu_vendor vendor() noexcept { return decode_vendor(cpuid(0, 0)); }
  [[nodiscard]] uint64_t cpuid_calls() const noexcept {
    return __atomic_load_n(&cpuid_calls_, __ATOMIC_RELAXED);
  }

  // --- MSRs: a small register file; unknown MSRs read as 0 ---
  void set_wrmsr_hook(wrmsr_hook hook, void* ctx) noexcept {
    wrmsr_hook_ = hook;
    wrmsr_ctx_ = ctx;
  }
  void wrmsr(uint32_t index, uint64_t value) noexcept {
    // Counters are atomic: several test threads may share one environment.
    __atomic_fetch_add(&wrmsr_calls_, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&last_wrmsr_index_, index, __ATOMIC_RELAXED);
    __atomic_store_n(&last_wrmsr_value_, value, __ATOMIC_RELAXED);
    if (wrmsr_hook_ != nullptr && wrmsr_hook_(wrmsr_ctx_, index, value)) return;
    for (size_t i = 0; i < nmsrs_; ++i)
      if (msrs_[i].index == index) {
        msrs_[i].value = value;
        return;
      }
    if (nmsrs_ < max_msrs) msrs_[nmsrs_++] = {index, value};
  }
  [[nodiscard]] uint64_t rdmsr(uint32_t index) noexcept {
    for (size_t i = 0; i < nmsrs_; ++i)
      if (msrs_[i].index == index) return msrs_[i].value;
    return 0;
  }
  [[nodiscard]] uint64_t wrmsr_calls() const noexcept {
    return __atomic_load_n(&wrmsr_calls_, __ATOMIC_RELAXED);
  }
  [[nodiscard]] uint32_t last_wrmsr_index() const noexcept {
    return __atomic_load_n(&last_wrmsr_index_, __ATOMIC_RELAXED);
  }
  [[nodiscard]] uint64_t last_wrmsr_value() const noexcept {
    return __atomic_load_n(&last_wrmsr_value_, __ATOMIC_RELAXED);
  }

  // --- hypercall instructions: without a hook they behave like a hypervisor that does not
  // implement them (-ENOSYS in RAX; SMCCC NOT_SUPPORTED in X0) ---
  void set_vmcall_hook(hypercall_hook hook, void* ctx) noexcept { vmcall_ = {hook, ctx}; }
  void set_vmmcall_hook(hypercall_hook hook, void* ctx) noexcept { vmmcall_ = {hook, ctx}; }
  void set_xen_hook(xen_hook hook, void* ctx) noexcept {
    xen_hook_ = hook;
    xen_ctx_ = ctx;
  }
  void set_smccc_hook(smccc_hook hook, void* ctx) noexcept {
    smccc_hook_ = hook;
    smccc_ctx_ = ctx;
  }
  [[nodiscard]] int64_t vmcall(uint64_t nr, uint64_t rdi) noexcept {
    return vmcall_.hook ? vmcall_.hook(vmcall_.ctx, nr, rdi) : -HMX_ENOSYS;
  }
  [[nodiscard]] int64_t vmmcall(uint64_t nr, uint64_t rdi) noexcept {
    return vmmcall_.hook ? vmmcall_.hook(vmmcall_.ctx, nr, rdi) : -HMX_ENOSYS;
  }
  [[nodiscard]] int64_t xen_hypercall(const void* entry, uint64_t cmd, uint64_t a1, uint64_t a2,
                                      uint64_t a3, uint64_t a4) noexcept {
    return xen_hook_ ? xen_hook_(xen_ctx_, entry, cmd, a1, a2, a3, a4) : -HMX_ENOSYS;
  }
  void smccc(smccc_regs& regs) noexcept {
    if (smccc_hook_ != nullptr) {
      smccc_hook_(smccc_ctx_, regs);
      return;
    }
    regs.x[0] = ~static_cast<uint64_t>(0);  // SMCCC NOT_SUPPORTED (-1)
  }

 private:
  struct cpuid_entry {
    uint32_t leaf;
    uint32_t subleaf;
    cpuid_regs regs;
  };
  struct msr_entry {
    uint32_t index;
    uint64_t value;
  };
  struct hc {
    hypercall_hook hook = nullptr;
    void* ctx = nullptr;
  };

  unsigned char* base_;
  size_t size_;
  uint64_t gpa_base_;
  page_arena arena_;
  cpuid_entry cpuid_[max_cpuid_entries] = {};
  size_t ncpuid_ = 0;
  uint64_t cpuid_calls_ = 0;
  msr_entry msrs_[max_msrs] = {};
  size_t nmsrs_ = 0;
  uint64_t wrmsr_calls_ = 0;
  uint32_t last_wrmsr_index_ = 0;
  uint64_t last_wrmsr_value_ = 0;
  wrmsr_hook wrmsr_hook_ = nullptr;
  void* wrmsr_ctx_ = nullptr;
  hc vmcall_, vmmcall_;
  xen_hook xen_hook_ = nullptr;
  void* xen_ctx_ = nullptr;
  smccc_hook smccc_hook_ = nullptr;
  void* smccc_ctx_ = nullptr;
};

}  // namespace hmx::env
