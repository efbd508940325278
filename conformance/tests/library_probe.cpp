// SPDX-License-Identifier: Apache-2.0
// Guest library: discovery and conduit selection (spec 03-discovery guest requirements;
// HMX-LIB-001..008), run in-process against fake environments (libhmx's env::host with CPUID
// tables, a fake SMCCC firmware, a fake Xen conduit). Built into the guest images too, which is
// part of the evidence for HMX-LIB-010, but run only by --target reference.
#define CONFORMANCE_SCOPE ::conformance::scope::library
#include <hmx/env/host.h>

#include "util.h"

namespace {

using namespace conformance;
using hmx::cpuid_regs;

alignas(4096) unsigned char g_mem[16 * 4096];

// env::host plus a record of the highest hypervisor leaf queried.
struct recording_env {
  hmx::env::host h{g_mem, sizeof g_mem, 0, 4096};
  uint32_t hv_leaves = 0;
  uint64_t to_gpa(const void* p) noexcept { return h.to_gpa(p); }
  void* alloc_pages(size_t n) noexcept { return h.alloc_pages(n); }
  cpuid_regs cpuid(uint32_t leaf, uint32_t sub) noexcept {
    if (leaf >= 0x40000000u && leaf <= 0x4fffffffu) ++hv_leaves;
    return h.cpuid(leaf, sub);
  }
  uint64_t rdmsr(uint32_t i) noexcept { return h.rdmsr(i); }
  void wrmsr(uint32_t i, uint64_t v) noexcept { h.wrmsr(i, v); }
  hmx::cpu_vendor vendor() noexcept { return hmx::decode_vendor(cpuid(0, 0)); }
};

constexpr cpuid_regs sig(uint32_t eax, const char (&s)[13]) {
  return {eax, hmx::cpuid_word(s, 0), hmx::cpuid_word(s, 1), hmx::cpuid_word(s, 2)};
}

// A complete HMX block at `base` offering `mech` with the MSR block at msr_base.
void hmx_block(recording_env& e, uint32_t base, uint32_t mech, uint32_t msr_base, uint32_t major = HMX_VERSION_MAJOR,
               uint32_t hypercall_nr = 0) {
  e.h.set_cpuid(base, sig(base + 3, "HMXHMXHMXHMX"));
  e.h.set_cpuid(base + 1, {major << 16 | HMX_VERSION_MINOR, 7, 0, 0});
  e.h.set_cpuid(base + 2, {mech, 0, 0, 0});
  e.h.set_cpuid(base + 3, {msr_base, HMX_MSR_COUNT, hypercall_nr, 0});
}

void basic(recording_env& e, bool hypervisor_bit, const char (&vendor)[13] = "GenuineIntel") {
  e.h.clear_cpuid();
  const cpuid_regs v = sig(0x16, vendor);
  e.h.set_cpuid(0, {v.eax, v.ebx, v.edx, v.ecx});  // leaf 0: EBX EDX ECX order
  e.h.set_cpuid(1, {0, 0, hypervisor_bit ? hmx::cpuid1_ecx_hypervisor_bit : 0u, 0});
}

}  // namespace

// covers: HMX-LIB-015 HMX-LIB-016
HMX_GUEST_TEST(lib_probe_hypervisor_bit, "HMX-LIB-015 HMX-LIB-016") {
  static recording_env e;
  basic(e, false);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT, HMX_MSR_DEFAULT_BASE);
  const hmx::probe_result p = hmx::probe_x86(e);
  ctx.check(!p.present() && p.hmx_status == hmx::probe_status::no_hypervisor, "probe without CPUID.1:ECX[31]: %s",
            hmx::describe(p.hmx_status));
  ctx.expect_eq(e.hv_leaves, 0, "hypervisor leaves read without CPUID.1:ECX[31]");
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT, HMX_MSR_DEFAULT_BASE);
  ctx.check(hmx::probe_x86(e).hmx_present(), "probe with the bit and a block finds HMX");
}

// covers: HMX-LIB-002 HMX-LIB-003
HMX_GUEST_TEST(lib_probe_scan, "HMX-LIB-002 HMX-LIB-003") {
  static recording_env e;
  ctx.req("HMX-LIB-002");
  basic(e, true);
  e.h.set_cpuid(0x40000000, sig(0x40000001, "KVMKVMKVM\0\0\0"));
  e.h.set_cpuid(0x40000100, sig(0x40000102, "HMXHMXHMXHMX"));  // too short: max leaf < base + 3
  hmx_block(e, 0x40000300, HMX_MECH_X86_MSR_BIT, 0x40001000);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT, HMX_MSR_DEFAULT_BASE);
  hmx::probe_result p = hmx::probe_x86(e);
  ctx.check(p.hmx_present(), "probe: %s", hmx::describe(p.hmx_status));
  ctx.expect_eq(p.cpuid_base, 0x40000300, "the first complete block in ascending order");
  basic(e, true);
  e.h.set_cpuid(0x40010000, sig(0x40010003, "HMXHMXHMXHMX"));  // beyond 0x4000FF00
  hmx_block(e, 0x4000ff00, HMX_MECH_X86_MSR_BIT, 0x40001000);
  p = hmx::probe_x86(e);
  ctx.expect_eq(p.cpuid_base, 0x4000ff00, "the last base of the scan is included, 0x40010000 is not");

  // The MSR base comes from the MSR leaf, wherever it is (HMX-LIB-003).
  ctx.req("HMX-LIB-003");
  basic(e, true);
  hmx_block(e, 0x40003400, HMX_MECH_X86_MSR_BIT, 0x40001230);
  p = hmx::probe_x86(e);
  const hmx::result<hmx::conduit_choice> c = hmx::select_conduit(p);
  ctx.check(c.ok() && c->id == hmx::conduit_id::x86_msr && c->msr_base == 0x40001230,
            "conduit from a relocated block: MSR base %#x", c.ok() ? c->msr_base : 0u);
  hmx::msr_conduit<recording_env> m(e, c.value_or({}).msr_base);
  (void)m.invoke(0x1000);
  ctx.expect_eq(e.h.last_wrmsr_index(), 0x40001230 + HMX_MSR_CALL, "the CALL MSR written");
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_VMCALL_BIT, 0, HMX_VERSION_MAJOR, 0x5a5a);
  p = hmx::probe_x86(e);
  const hmx::result<hmx::conduit_choice> v = hmx::select_conduit(p);
  ctx.check(v.ok() && v->id == hmx::conduit_id::x86_vmcall && v->hypercall_nr == 0x5a5a,
            "hypercall number from the MSR leaf");
}

// covers: HMX-LIB-017 HMX-LIB-018
HMX_GUEST_TEST(lib_xen_probe, "HMX-LIB-017 HMX-LIB-018") {
  struct fake_argo {
    int64_t answer;
    uint32_t cmd = 0;
    uint64_t a[4] = {};
    hmx_register_ring_t reg{};
    int64_t argo_op(uint32_t c, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) noexcept {
      cmd = c;
      a[0] = a1, a[1] = a2, a[2] = a3, a[3] = a4;
      reg = *reinterpret_cast<const hmx_register_ring_t*>(static_cast<uintptr_t>(a1));
      return answer;
    }
  };
  struct kase {
    int64_t answer;
    hmx::argo_state want;
  };
  const kase cases[] = {{-HMX_EINVAL, hmx::argo_state::present},     {-HMX_ENODEV, hmx::argo_state::not_enabled},
                        {-HMX_EPERM, hmx::argo_state::not_enabled},   {-HMX_EACCES, hmx::argo_state::not_enabled},
                        {-HMX_ENOSYS, hmx::argo_state::absent},       {-HMX_EOPNOTSUPP, hmx::argo_state::absent},
                        {0, hmx::argo_state::absent},                 {-1000, hmx::argo_state::absent}};
  for (const kase& k : cases) {
    fake_argo f{k.answer};
    hmx::probe_result p;
    const bool usable = hmx::probe_xen_argo(p, f);
    ctx.check(p.xen.argo_status == k.want, "Argo probe answered %ld: state %u, want %u", static_cast<long>(k.answer),
              static_cast<unsigned>(p.xen.argo_status), static_cast<unsigned>(k.want));
    ctx.check(usable == (k.want == hmx::argo_state::present), "Argo probe answered %ld: usable %d",
              static_cast<long>(k.answer), usable);
    const hmx_register_ring_t zero_but_len{0, 0, 0, 1};
    ctx.check(f.cmd == HMX_OP_REGISTER_RING && f.a[1] == 0 && f.a[2] == 0 && f.a[3] == 0 &&
                  util::same(&f.reg, &zero_but_len, sizeof f.reg),
              "the probe is register_ring(len 1, no frames, npages 0, flags 0)");
  }
}

// covers: HMX-LIB-019 HMX-LIB-020
HMX_GUEST_TEST(lib_smccc_probe, "HMX-LIB-019 HMX-LIB-020") {
  struct fake_firmware {
    uint32_t calls[16] = {};
    unsigned n = 0;
    bool good_uid = true;
    uint32_t revision = HMX_SMCCC_REVISION_MAJOR;
    uint64_t to_gpa(const void*) noexcept { return 0; }
    void* alloc_pages(size_t) noexcept { return nullptr; }
    void smccc(hmx::smccc_regs& r) noexcept {
      const auto fn = static_cast<uint32_t>(r.x[0]);
      if (n < 16) calls[n++] = fn;
      r = hmx::smccc_regs{};
      if (fn == 0x8400000Au) r.x[0] = 0;  // PSCI_FEATURES(SMCCC_VERSION): present
      else if (fn == 0x80000000u) r.x[0] = 0x10002;
      else if (fn == HMX_SMCCC_FN_CALL_UID && good_uid)
        r.x[0] = HMX_SMCCC_UID_W0, r.x[1] = HMX_SMCCC_UID_W1, r.x[2] = HMX_SMCCC_UID_W2, r.x[3] = HMX_SMCCC_UID_W3;
      else if (fn == HMX_SMCCC_FN_CALL_UID) r.x[0] = 0x12345678, r.x[1] = 1;
      else if (fn == HMX_SMCCC_FN_REVISION) r.x[0] = revision;
      else if (fn == HMX_SMCCC_FN_VERSION) r.x[0] = HMX_VERSION;
      else if (fn == HMX_SMCCC_FN_FEATURES) r.x[0] = 0, r.x[1] = HMX_MECH_ARM_SMCCC_HVC_BIT;  // spec smccc FEATURES
      else r.x[0] = ~uint64_t{0};
    }
  };
  auto is_hmx_fn = [](uint32_t fn) { return fn == HMX_SMCCC_FN_VERSION || fn == HMX_SMCCC_FN_FEATURES || fn == HMX_SMCCC_FN_CALL; };
  fake_firmware good;
  const hmx::probe_result p = hmx::probe_smccc(good);
  ctx.check(p.hmx_present(), "probe with SMCCC 1.2, the HMX UID and revision %u: %s", HMX_SMCCC_REVISION_MAJOR,
            hmx::describe(p.hmx_status));
  ctx.check(good.n >= 4 && good.calls[0] == 0x8400000Au && good.calls[1] == 0x80000000u &&
                good.calls[2] == HMX_SMCCC_FN_CALL_UID && good.calls[3] == HMX_SMCCC_FN_REVISION,
            "PSCI_FEATURES, SMCCC_VERSION, CALL_UID and REVISION come first");
  fake_firmware wrong_uid;
  wrong_uid.good_uid = false;
  (void)hmx::probe_smccc(wrong_uid);
  bool leaked = false;
  for (unsigned i = 0; i < wrong_uid.n; ++i) leaked |= is_hmx_fn(wrong_uid.calls[i]);
  ctx.check(!leaked, "an HMX function id issued to a service with another UID");
  fake_firmware wrong_rev;
  wrong_rev.revision = HMX_SMCCC_REVISION_MAJOR + 1;
  const hmx::probe_result q = hmx::probe_smccc(wrong_rev);
  leaked = false;
  for (unsigned i = 0; i < wrong_rev.n; ++i) leaked |= is_hmx_fn(wrong_rev.calls[i]);
  ctx.check(!leaked && !q.present(), "an HMX function id issued to another service revision");
}

// covers: HMX-LIB-006 HMX-LIB-007 HMX-LIB-008
HMX_GUEST_TEST(lib_conduit_selection, "HMX-LIB-006 HMX-LIB-007 HMX-LIB-008") {
  static recording_env e;
  ctx.req("HMX-LIB-006");
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_VECTOR_BIT, 0);  // a block, but no call mechanism
  hmx::probe_result p = hmx::probe_x86(e);
  const uint64_t writes = e.h.wrmsr_calls();
  ctx.check(!hmx::select_conduit(p).ok(), "a conduit selected although none is offered");
  ctx.expect_eq(e.h.wrmsr_calls(), writes, "WRMSRs during probe and selection");
  basic(e, false);
  p = hmx::probe_x86(e);
  ctx.check(!p.present() && !hmx::select_conduit(p).ok(), "no hypervisor: HMX not present, no conduit");

  ctx.req("HMX-LIB-007");
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMCALL_BIT, HMX_MSR_DEFAULT_BASE,
            HMX_VERSION_MAJOR, 7);
  hmx::result<hmx::conduit_choice> c = hmx::select_conduit(hmx::probe_x86(e));
  ctx.check(c.ok() && c->id == hmx::conduit_id::x86_msr, "x86_msr (preference 1) over x86_vmcall (2)");
  basic(e, true, "AuthenticAMD");
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_VMCALL_BIT | HMX_MECH_X86_VMMCALL_BIT, 0, HMX_VERSION_MAJOR, 7);
  c = hmx::select_conduit(hmx::probe_x86(e));
  ctx.check(c.ok() && c->id == hmx::conduit_id::x86_vmmcall, "AMD: vmmcall, the instruction this CPU has");
  basic(e, true, "AuthenticAMD");
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_VMCALL_BIT, 0, HMX_VERSION_MAJOR, 7);
  ctx.check(!hmx::select_conduit(hmx::probe_x86(e)).ok(), "AMD: Intel's vmcall is not usable");

  ctx.req("HMX-LIB-008");
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT, HMX_MSR_DEFAULT_BASE, HMX_VERSION_MAJOR + 1);
  p = hmx::probe_x86(e);
  ctx.check(!p.present() && p.hmx_status == hmx::probe_status::version_mismatch && !hmx::select_conduit(p).ok(),
            "major version %u: %s", HMX_VERSION_MAJOR + 1, hmx::describe(p.hmx_status));
  basic(e, true);
  hmx_block(e, HMX_CPUID_DEFAULT_BASE, HMX_MECH_X86_MSR_BIT, HMX_MSR_DEFAULT_BASE);
  e.h.set_cpuid(HMX_CPUID_DEFAULT_BASE + 1, {HMX_VERSION_MAJOR << 16 | 0x7fff, 7, 0, 0});
  ctx.check(hmx::probe_x86(e).hmx_present(), "a newer minor version is accepted");
}
