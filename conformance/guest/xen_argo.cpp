// SPDX-License-Identifier: Apache-2.0
// The guest platform on Xen: Argo through Xen's hypercall (spec 3.2 and 4.5, mechanism
// xen_hypercall). The hypercall page is installed through the MSR that CPUID Xen-base+2 names,
// the Argo probe (HMX-LIB-017 HMX-LIB-018) decides, and every operation the tests' clients marshal is made
// as hypercall 39 at CPL0 through the runtime's gate (Xen answers CPL3 callers with -EPERM).
//
// The tests' clients marshal into call blocks (conformance::conduit). On this conduit a call
// block is only the image's own way of handing an operation to the platform: its op and
// arguments become the hypercall's five arguments as they are, and the hypercall's result is
// written back; nothing is translated. Argo takes guest handles, which for a PVH guest are
// virtual addresses; this runtime's memory is identity mapped, so the guest-physical addresses
// libhmx marshals are those handles. libhmx's xen_conduit reads Xen's sendv result the way Xen
// encodes it (conduit/xen.h sendv_result). Argo has no call-block flags: a block with flags
// cannot be carried and fails with the conduit status ENOSYS, never reaching Xen; the tests of
// call blocks do not run on this conduit (context::call_blocks()).
#include <hmx/conduit/xen.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

#include "guest_platform.h"

namespace conformance::guest {

namespace {

using namespace hmx_guest;

// Xen's public headers: xen.h __HYPERVISOR_xen_version; version.h XENVER_version (major << 16 |
// minor) and XENVER_extraversion (char[16], e.g. ".5"); arch-x86/cpuid.h leaf base+4 EAX bit 4
// XEN_HVM_CPUID_DOMID_PRESENT with the domain id in ECX.
constexpr uint32_t kHypercallXenVersion = 17;
constexpr uint32_t kXenverVersion = 0;
constexpr uint32_t kXenverExtraversion = 1;
constexpr uint32_t kHvmLeaf = 4;
constexpr uint32_t kHvmDomidPresent = 1u << 4;

alignas(4096) unsigned char g_hypercall_page[4096];
hmx::static_arena<1> g_env_arena;
hmx_env g_env(g_env_arena);
hmx::xen_conduit<hmx_env> g_xen(g_env, g_hypercall_page, 0);

void append(char* out, size_t size, const char* s) {
  size_t n = 0;
  while (n + 1 < size && out[n] != '\0') ++n;
  for (; n + 1 < size && *s != '\0'; ++s) out[n++] = *s;
  out[n] = '\0';
}

// Xen's public memory.h: XENMEM_memory_map (9) through __HYPERVISOR_memory_op (12) fills a
// buffer with the domain's e820 map (struct e820entry, 20 bytes: addr, size, type 1 = RAM).
constexpr uint32_t kHypercallMemoryOp = 12;
constexpr uint32_t kXenmemMemoryMap = 9;
struct xen_memory_map {
  uint32_t nr_entries;
  uint32_t pad;
  uint64_t buffer;
};
struct __attribute__((packed)) e820_entry {
  uint64_t addr, size;
  uint32_t type;
};

// XenVMMXenVMM at 0x40000000, or at 0x40000100 with Viridian (probe.md 1.6): that base.
uint32_t xen_cpuid_base() {
  if ((privileged_cpuid(1).ecx & hmx::cpuid1_ecx_hypervisor_bit) == 0) return 0;
  constexpr uint32_t kBases[] = {0x40000000u, 0x40000100u};
  for (uint32_t base : kBases) {
    const cpuid_result r = privileged_cpuid(base);
    if (hmx::hypervisor_signature_is(hmx::cpuid_regs{r.eax, r.ebx, r.ecx, r.edx}, hmx::xen_signature) &&
        r.eax >= base + 2)
      return base;
  }
  return 0;
}

}  // namespace

bool xen_pvh_ram_end(uint64_t image_end, uint64_t* ram_end) {
  const uint32_t base = xen_cpuid_base();
  if (base == 0 || !privileged_wrmsr(privileged_cpuid(base + 2).ebx, virt_to_phys(g_hypercall_page))) return false;
  static e820_entry entries[64];
  xen_memory_map map{64, 0, virt_to_phys(entries)};
  const void* entry = g_hypercall_page + kHypercallMemoryOp * hmx::xen_hypercall_stub_size;
  if (g_env.xen_hypercall(entry, kXenmemMemoryMap, virt_to_phys(&map), 0, 0, 0) != 0) return false;
  for (uint32_t i = 0; i < map.nr_entries && i < 64; ++i) {
    const e820_entry e = entries[i];
    // Xen 4.17 ends a PVH dom0's RAM where it put dom0's ACPI tables, inside a page (measured:
    // RAM up to 0x10060f2e, ACPI tables behind it): that page is backed, the next one is not.
    if (e.type == 1 && e.addr <= image_end && image_end < e.addr + e.size) {
      *ram_end = (e.addr + e.size + 4095) & ~uint64_t{4095};
      return true;
    }
  }
  return false;
}

bool guest_platform::configure_xen(hmx::probe_result& p) {
  if (!p.xen.present) return false;
  g_xen = hmx::xen_conduit<hmx_env>(g_env, g_hypercall_page, p.xen.hypercall_msr);
  if (!g_xen.install().ok() || g_env.take_msr_fault()) return false;
  if (!hmx::probe_xen_argo(p, g_xen)) return false;

  const cpuid_result top = privileged_cpuid(p.xen.cpuid_base);
  if (top.eax >= p.xen.cpuid_base + kHvmLeaf) {
    const cpuid_result hvm = privileged_cpuid(p.xen.cpuid_base + kHvmLeaf);
    if ((hvm.eax & kHvmDomidPresent) != 0) p.domain_id = static_cast<uint16_t>(hvm.ecx);
  }
  const void* version_entry = g_hypercall_page + kHypercallXenVersion * hmx::xen_hypercall_stub_size;
  const int64_t v = g_env.xen_hypercall(version_entry, kXenverVersion, 0, 0, 0, 0);
  char extra[16] = {};
  if (g_env.xen_hypercall(version_entry, kXenverExtraversion, virt_to_phys(extra), 0, 0, 0) != 0) extra[0] = '\0';
  extra[15] = '\0';
  snprintf(xen_version_, sizeof xen_version_, "%u.%u", static_cast<unsigned>(v >> 16) & 0xffffu,
           static_cast<unsigned>(v) & 0xffffu);
  append(xen_version_, sizeof xen_version_, extra);
  xen_ok_ = true;
  return true;
}

hmx::status guest_platform::invoke_xen(uint64_t gpa) {
  if (gpa < 4096 || gpa % HMX_CALL_BLOCK_ALIGN != 0 || gpa + sizeof(hmx_call_block_t) > ram_end_)
    return hmx::errc::fault;
  auto* block = phys_to_virt<hmx_call_block_t>(gpa);
  const hmx_call_block_t c = *block;
  if (c.flags != 0) return hmx::errc::nosys;
  block->result = g_xen.argo_op(c.op, c.arg[0], c.arg[1], c.arg[2], c.arg[3]);
  return {};
}

int64_t guest_platform::xen_argo_raw(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
  if (!xen_ok_) return -HMX_ENOSYS;
  return g_env.xen_hypercall(g_xen.entry(), cmd, a1, a2, a3, a4);
}

}  // namespace conformance::guest
