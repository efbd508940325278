/* SPDX-License-Identifier: MIT */
// hmx::probe(): which HMX mechanisms does this hypervisor offer? (docs/ARCHITECTURE.md decision 2: probe,
// never assume.) Probing only reads CPUID or makes SMCCC discovery calls; it never faults and
// never changes hypervisor state. A guest that finds nothing gets a probe_result whose
// present() is false and whose hmx_status says why.
//
// x86 (spec `cpuid`; Intel SDM Vol. 2A CPUID; Linux arch/x86/kernel/cpu/hypervisor.c): CPUID.1:ECX[31] first, then one scan of
// HMX_CPUID_SCAN_FIRST..HMX_CPUID_SCAN_LAST in HMX_CPUID_SCAN_STEP steps for the HMX signature
// (max leaf >= base + HMX_CPUID_LEAF_MSR) and for Xen's (max leaf >= base + 2); then the VERSION,
// MECHANISMS and MSR leaves. Xen's Argo is confirmed separately (conduit/xen.h,
// probe_xen_argo()), because confirming it needs the hypercall page installed.
//
// aarch64 (spec `smccc`; Arm DEN0028 (SMCCC)): PSCI_FEATURES for SMCCC_VERSION, SMCCC_VERSION >= 1.1,
// HMX's own CALL_UID equal to HMX's UID and its REVISION major equal to HMX_SMCCC_REVISION_MAJOR
// before any other HMX function id (HMX-LIB-019 HMX-LIB-020), then HMX's VERSION and FEATURES functions. The SMCCC logic is plain C++ over the
// environment's smccc() primitive, so host tests drive it on any architecture; only the hvc
// instruction itself (arch/aarch64.h) is aarch64-only. The environment must only offer smccc()
// when EL2 exists (the PSCI conduit is "hvc"): an hvc without EL2 is UNDEFINED (Arm DEN0028 7 (SMCCC_VERSION, SMCCC_ARCH_FEATURES)).
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/cpuid.h>
#include <hmx/environment.h>

namespace hmx {

enum class arch_kind : uint8_t { x86_64, aarch64 };

enum class probe_status : uint8_t {
  found,             // HMX present and usable
  no_hypervisor,     // x86: CPUID.1:ECX[31] clear
  no_signature,      // x86: no HMX signature in the scanned leaves
  truncated,         // x86: HMX signature, but max leaf < base + HMX_CPUID_LEAF_MSR
  version_mismatch,  // the interface major version differs from HMX_VERSION_MAJOR
  smccc_absent,      // Arm: SMCCC_VERSION not supported or < 1.1
  uid_mismatch,      // Arm: the vendor hypervisor service is not HMX's
  revision_mismatch, // Arm: the service revision major differs from HMX_SMCCC_REVISION_MAJOR
  smccc_failed,      // Arm: HMX's VERSION or FEATURES call failed
};

[[nodiscard]] constexpr const char* describe(probe_status s) noexcept {
  switch (s) {
    case probe_status::found: return "HMX present";
    case probe_status::no_hypervisor: return "HMX not present: no hypervisor (CPUID.1:ECX[31] clear)";
    case probe_status::no_signature: return "HMX not present: no HMX CPUID signature";
    case probe_status::truncated: return "HMX not present: HMX CPUID block too short";
    case probe_status::version_mismatch: return "HMX not present: incompatible major version";
    case probe_status::smccc_absent: return "HMX not present: SMCCC v1.1 not available";
    case probe_status::uid_mismatch: return "HMX not present: vendor hypervisor UID is not HMX's";
    case probe_status::revision_mismatch: return "HMX not present: incompatible SMCCC service revision";
    case probe_status::smccc_failed: return "HMX not present: HMX SMCCC discovery call failed";
  }
  return "HMX not present";
}

// What the Argo probe found behind Xen's hypercall (HMX-LIB-017 HMX-LIB-018).
enum class argo_state : uint8_t {
  unknown,      // not probed
  present,      // -EINVAL: Argo answers; usable
  not_enabled,  // -ENODEV, -EPERM, -EACCES: Argo exists but not for this domain
  absent,       // -ENOSYS, -EOPNOTSUPP, anything else
};

// Xen, found by its own CPUID signature (x86) and confirmed by an Argo probe.
struct xen_info {
  bool present = false;        // "XenVMMXenVMM" block with at least base + 2
  uint32_t cpuid_base = 0;
  uint32_t version = 0;        // base+1 EAX: major << 16 | minor
  uint32_t hypercall_msr = 0;  // base+2 EBX: MSR that installs the hypercall page
  bool argo = false;           // probe_xen_argo() found Argo present (argo_state::present)
  argo_state argo_status = argo_state::unknown;
  int64_t argo_probe_result = 0;
};

struct probe_result {
  arch_kind arch = arch_kind::x86_64;
  cpu_vendor vendor = cpu_vendor::unknown;
  probe_status hmx_status = probe_status::no_signature;

  // HMX identity (x86: CPUID leaves; Arm: SMCCC VERSION/FEATURES).
  uint32_t cpuid_base = 0;  // x86
  uint32_t max_leaf = 0;    // x86, absolute
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  uint16_t domain_id = 0;
  uint32_t vcpu_index = 0;  // the vCPU that ran the probe: x86 VERSION ECX, Arm VERSION X1
  uint32_t mechanisms = 0;  // bit n: mechanism id n (HMX_MECH_*)
  uint32_t features = 0;    // HMX_FEATURE_*_BIT
  uint32_t max_batch = 0;
  uint32_t msr_base = 0;    // x86
  uint32_t msr_count = 0;   // x86
  uint32_t hypercall_nr = 0;  // x86 vmcall/vmmcall RAX
  uint32_t smccc_version = 0; // Arm: SMCCC_VERSION result

  xen_info xen;

  [[nodiscard]] constexpr bool hmx_present() const noexcept {
    return hmx_status == probe_status::found;
  }
  // Some conduit can carry HMX operations: native HMX, or Xen with Argo confirmed.
  [[nodiscard]] constexpr bool present() const noexcept { return hmx_present() || xen.argo; }
  [[nodiscard]] constexpr bool has_mechanism(uint32_t id) const noexcept {
    return hmx_present() && id < 32 && (mechanisms >> id & 1u) != 0;
  }
  [[nodiscard]] constexpr bool has_feature(uint32_t bit) const noexcept {
    return hmx_present() && bit < 32 && (features >> bit & 1u) != 0;
  }
};

// HMX's CPUID signature as words (the generated header gives them in EBX, ECX, EDX order).
inline constexpr signature12 hmx_cpuid_signature = {
    HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_ECX, HMX_CPUID_SIGNATURE_EDX};

// The x86 discovery of spec 3: CPUID only, never an MSR or a hypercall (HMX-LIB-006).
template <X86Environment E>
[[nodiscard]] probe_result probe_x86(E& env) noexcept {
  probe_result p;
  p.arch = arch_kind::x86_64;
  p.vendor = env.vendor();
  // HMX-LIB-015 HMX-LIB-016: no hypervisor leaf is read unless CPUID.1:ECX[31] says a hypervisor is there.
  if ((env.cpuid(1, 0).ecx & cpuid1_ecx_hypervisor_bit) == 0) {
    p.hmx_status = probe_status::no_hypervisor;
    return p;
  }

  // HMX-LIB-002: the bases in ascending order, the first with HMX's signature and enough leaves.
  signature_match m[2] = {{hmx_cpuid_signature, HMX_CPUID_LEAF_MSR},
                          {xen_signature, 2}};
  scan_hypervisor_leaves([&](uint32_t leaf) { return env.cpuid(leaf, 0); }, m, 2,
                         HMX_CPUID_SCAN_FIRST, HMX_CPUID_SCAN_LAST, HMX_CPUID_SCAN_STEP);

  if (m[1].complete()) {
    const uint32_t xb = m[1].found.base;
    p.xen.present = true;
    p.xen.cpuid_base = xb;
    p.xen.version = env.cpuid(xb + 1, 0).eax;
    p.xen.hypercall_msr = env.cpuid(xb + 2, 0).ebx;
  }

  const hypervisor_block& h = m[0].found;
  if (h.base == 0) {
    p.hmx_status = probe_status::no_signature;
    return p;
  }
  p.cpuid_base = h.base;
  p.max_leaf = h.max_leaf;
  if (h.truncated) {
    p.hmx_status = probe_status::truncated;
    return p;
  }

  const cpuid_regs ver = env.cpuid(h.base + HMX_CPUID_LEAF_VERSION, 0);
  p.version_major = static_cast<uint16_t>(ver.eax >> HMX_CPUID_VERSION_EAX_MAJOR_SHIFT &
                                          HMX_CPUID_VERSION_EAX_MAJOR_MASK);
  p.version_minor = static_cast<uint16_t>(ver.eax >> HMX_CPUID_VERSION_EAX_MINOR_SHIFT &
                                          HMX_CPUID_VERSION_EAX_MINOR_MASK);
  p.domain_id = static_cast<uint16_t>(ver.ebx >> HMX_CPUID_VERSION_EBX_DOMAIN_ID_SHIFT &
                                      HMX_CPUID_VERSION_EBX_DOMAIN_ID_MASK);
  p.vcpu_index = ver.ecx;

  const cpuid_regs mech = env.cpuid(h.base + HMX_CPUID_LEAF_MECHANISMS, 0);
  p.mechanisms = mech.eax;
  p.features = mech.ebx;
  p.max_batch = mech.ecx;

  // HMX-LIB-003: the MSR base and the hypercall number come from the MSR leaf, never a constant.
  const cpuid_regs msr = env.cpuid(h.base + HMX_CPUID_LEAF_MSR, 0);
  p.msr_base = msr.eax;
  p.msr_count = msr.ebx;
  p.hypercall_nr = msr.ecx;

  // HMX-LIB-008: minor versions are additive (new features are advertised by bits); a different
  // major version is a different interface.
  p.hmx_status = p.version_major == HMX_VERSION_MAJOR ? probe_status::found
                                                      : probe_status::version_mismatch;
  return p;
}

// SMCCC architecture calls (DEN0028; Arm DEN0028 7 (SMCCC_VERSION, SMCCC_ARCH_FEATURES)), and
// PSCI_FEATURES (Arm DEN0022 5.1.14), through which SMCCC_VERSION is discovered: a PSCI
// implementation without it (QEMU's own PSCI with no EL2) may not survive an unknown HVC.
inline constexpr uint32_t psci_features_fn = 0x8400000Au;
inline constexpr uint32_t smccc_version_fn = 0x80000000u;
inline constexpr uint32_t smccc_min_version = 0x10001u;  // v1.1
inline constexpr uint64_t smccc_not_supported = ~static_cast<uint64_t>(0);

template <SmcccEnvironment E>
[[nodiscard]] probe_result probe_smccc(E& env) noexcept {
  probe_result p;
  p.arch = arch_kind::aarch64;

  auto call = [&](uint32_t fn, uint64_t x1 = 0) {
    smccc_regs r;
    r.x[0] = fn;
    r.x[1] = x1;
    env.smccc(r);
    return r;
  };

  // PSCI_FEATURES(SMCCC_VERSION) answers 0 when SMCCC_VERSION exists, NOT_SUPPORTED otherwise.
  const smccc_regs pf = call(psci_features_fn, smccc_version_fn);
  if (static_cast<int32_t>(static_cast<uint32_t>(pf.x[0])) < 0) {
    p.hmx_status = probe_status::smccc_absent;
    return p;
  }

  // SMCCC_VERSION answers in W0; NOT_SUPPORTED (-1) means v1.0.
  const smccc_regs v = call(smccc_version_fn);
  const int32_t smccc_ver = static_cast<int32_t>(static_cast<uint32_t>(v.x[0]));
  if (smccc_ver < 0 || static_cast<uint32_t>(smccc_ver) < smccc_min_version) {
    p.hmx_status = probe_status::smccc_absent;
    return p;
  }
  p.smccc_version = static_cast<uint32_t>(smccc_ver);

  // HMX's CALL_UID (not the vendor service's Call UID 0x8600FF01, which stays the
  // hypervisor's own): W0..W3; W0 == 0xFFFFFFFF is "unknown function" and matches no UID.
  const smccc_regs uid = call(HMX_SMCCC_FN_CALL_UID);
  if (static_cast<uint32_t>(uid.x[0]) != HMX_SMCCC_UID_W0 ||
      static_cast<uint32_t>(uid.x[1]) != HMX_SMCCC_UID_W1 ||
      static_cast<uint32_t>(uid.x[2]) != HMX_SMCCC_UID_W2 ||
      static_cast<uint32_t>(uid.x[3]) != HMX_SMCCC_UID_W3) {
    p.hmx_status = probe_status::uid_mismatch;
    return p;
  }

  // The revision of HMX's function numbers (W0 major, W1 minor) before any other HMX function id:
  // another major may number its functions differently (HMX-LIB-019 HMX-LIB-020).
  const smccc_regs rev = call(HMX_SMCCC_FN_REVISION);
  if (static_cast<uint32_t>(rev.x[0]) != HMX_SMCCC_REVISION_MAJOR) {
    p.hmx_status = probe_status::revision_mismatch;
    return p;
  }

  const smccc_regs ver = call(HMX_SMCCC_FN_VERSION);
  if (static_cast<int64_t>(ver.x[0]) < 0) {
    p.hmx_status = probe_status::smccc_failed;
    return p;
  }
  p.version_major = static_cast<uint16_t>(ver.x[0] >> 16);
  p.version_minor = static_cast<uint16_t>(ver.x[0]);

  // VERSION: X1 = the calling vCPU's index, X2 = the domain id.
  p.vcpu_index = static_cast<uint32_t>(ver.x[1]);
  p.domain_id = static_cast<uint16_t>(ver.x[2]);

  // FEATURES: X0 SMCCC status (0), X1 mechanisms, X2 features, X3 max batch; every result in
  // X0..X3 (SMCCC v1.1). The bitmaps never share X0 with the status.
  const smccc_regs f = call(HMX_SMCCC_FN_FEATURES);
  if (f.x[0] != 0) {
    p.hmx_status = probe_status::smccc_failed;
    return p;
  }
  p.mechanisms = static_cast<uint32_t>(f.x[1]);
  p.features = static_cast<uint32_t>(f.x[2]);
  p.max_batch = static_cast<uint32_t>(f.x[3]);

  p.hmx_status = p.version_major == HMX_VERSION_MAJOR ? probe_status::found
                                                      : probe_status::version_mismatch;
  return p;
}

// Probe the architecture this code is compiled for.
template <class E>
[[nodiscard]] probe_result probe(E& env) noexcept {
#if defined(__x86_64__)
  static_assert(X86Environment<E>, "probe() on x86_64 needs cpuid/rdmsr/wrmsr/vendor");
  return probe_x86(env);
#elif defined(__aarch64__)
  static_assert(SmcccEnvironment<E>, "probe() on aarch64 needs smccc()");
  return probe_smccc(env);
#else
  static_assert(sizeof(E) == 0, "libhmx: probe() supports x86_64 and aarch64");
  return {};
#endif
}

}  // namespace hmx
