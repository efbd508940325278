/* SPDX-License-Identifier: MIT */
// x86 CPUID vocabulary: register sets, CPU vendor, hypervisor signatures and the leaf-block scan.
//
// Signatures are compared as 32-bit words, never with memcmp: this code runs in early boot and
// freestanding guests where no memcmp may exist (Linux uses __builtin_memcmp for the same reason;
// Linux arch/x86/kernel/cpu/hypervisor.c).
#pragma once

#include <cstdint>

namespace hmx {

struct cpuid_regs {
  uint32_t eax = 0;
  uint32_t ebx = 0;
  uint32_t ecx = 0;
  uint32_t edx = 0;
};

enum class cpu_vendor : uint8_t { unknown, intel, amd, hygon };

[[nodiscard]] constexpr const char* vendor_name(cpu_vendor v) noexcept {
  switch (v) {
    case cpu_vendor::intel: return "GenuineIntel";
    case cpu_vendor::amd: return "AuthenticAMD";
    case cpu_vendor::hygon: return "HygonGenuine";
    default: return "unknown";
  }
}

// Bytes s[4i..4i+3] as the little-endian word CPUID returns them in.
[[nodiscard]] constexpr uint32_t cpuid_word(const char* s, unsigned i) noexcept {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[4 * i])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[4 * i + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[4 * i + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[4 * i + 3])) << 24;
}

// A 12-byte signature as three words in the order of the registers that carry it.
struct signature12 {
  uint32_t w0, w1, w2;
  [[nodiscard]] static constexpr signature12 from(const char (&s)[13]) noexcept {
    return {cpuid_word(s, 0), cpuid_word(s, 1), cpuid_word(s, 2)};
  }
};

// Hypervisor leaves (0x40000000 + n*0x100) carry their signature in EBX, ECX, EDX.
[[nodiscard]] constexpr bool hypervisor_signature_is(const cpuid_regs& r,
                                                     signature12 sig) noexcept {
  return r.ebx == sig.w0 && r.ecx == sig.w1 && r.edx == sig.w2;
}

// Xen's signature "XenVMMXenVMM" (Linux arch/x86/kernel/cpu/hypervisor.c (signatures)).
inline constexpr signature12 xen_signature = signature12::from("XenVMMXenVMM");

// Leaf 0 carries the vendor in EBX, EDX, ECX order ("Genu" "ineI" "ntel"), unlike the
// hypervisor leaves.
[[nodiscard]] constexpr cpu_vendor decode_vendor(const cpuid_regs& leaf0) noexcept {
  constexpr signature12 intel = signature12::from("GenuineIntel");
  constexpr signature12 amd = signature12::from("AuthenticAMD");
  constexpr signature12 hygon = signature12::from("HygonGenuine");
  auto is = [&](signature12 s) {
    return leaf0.ebx == s.w0 && leaf0.edx == s.w1 && leaf0.ecx == s.w2;
  };
  if (is(intel)) return cpu_vendor::intel;
  if (is(amd)) return cpu_vendor::amd;
  if (is(hygon)) return cpu_vendor::hygon;
  return cpu_vendor::unknown;
}

// CPUID.1:ECX[31]: "hypervisor present". Physical CPUs return 0, and without it leaves
// 0x40000000+ are undefined (Intel returns the highest basic leaf's data) (Intel SDM Vol. 2A CPUID (0x40000000-0x400000FF reserved)).
inline constexpr uint32_t cpuid1_ecx_hypervisor_bit = 1u << 31;

struct hypervisor_block {
  uint32_t base = 0;       // 0: not found
  uint32_t max_leaf = 0;   // EAX of the base leaf (absolute)
  bool truncated = false;  // the signature was found but max_leaf < base + min_leaves
};

// One signature looked for during a scan of the hypervisor leaves. Linux's rule
// (cpuid_base_hypervisor(), Linux arch/x86/kernel/cpu/hypervisor.c): the block must reach base + min_leaves. The first
// complete block wins; a block that carries the signature but is too short is remembered as
// truncated in case no complete block follows.
struct signature_match {
  signature12 sig;
  uint32_t min_leaves;
  hypervisor_block found{};

  [[nodiscard]] constexpr bool complete() const noexcept {
    return found.base != 0 && !found.truncated;
  }
  constexpr void offer(uint32_t base, const cpuid_regs& r) noexcept {
    if (complete() || !hypervisor_signature_is(r, sig)) return;
    // EAX is absolute; a value below base (e.g. 0 from old KVM hosts) never reaches
    // base + min_leaves.
    if (r.eax >= base && r.eax - base >= min_leaves)
      found = hypervisor_block{base, r.eax, false};
    else if (found.base == 0)
      found = hypervisor_block{base, r.eax, true};
  }
};

// Scan first..last (inclusive) in `step` increments, offering every leaf to each match, with
// one CPUID per base (each CPUID is an exit). Stops early once every match is complete.
// `cpuid(leaf)` returns cpuid_regs for subleaf 0.
template <class CpuidFn>
constexpr void scan_hypervisor_leaves(CpuidFn&& cpuid, signature_match* matches, unsigned n,
                                      uint32_t first, uint32_t last, uint32_t step) noexcept {
  if (step == 0) return;
  for (uint64_t base = first; base <= last; base += step) {
    const uint32_t b = static_cast<uint32_t>(base);
    const cpuid_regs r = cpuid(b);
    bool all = true;
    for (unsigned i = 0; i < n; ++i) {
      matches[i].offer(b, r);
      all = all && matches[i].complete();
    }
    if (all) return;
  }
}

}  // namespace hmx
