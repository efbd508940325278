// SPDX-License-Identifier: MIT
// The x86 instruction encodings of arch/x86.h, read from the compiled functions' bytes (never
// executed: vmcall/vmmcall do not return on this host, wrmsr/rdmsr fault at CPL3). The aarch64
// hvc encodings are checked in libhmx.freestanding.aarch64's disassembly.
#include <cstring>

#include <hmx/arch/x86.h>

#include "test_support.h"

#if defined(__x86_64__)

namespace {

namespace x86 = hmx::arch::x86;

// The inline functions themselves, taken by address (so they exist out of line at any -O level).
const void* addr(auto* fn) { return reinterpret_cast<const void*>(fn); }

bool contains(const void* fn, std::initializer_list<unsigned char> bytes, size_t window = 512) {
  const auto* p = reinterpret_cast<const unsigned char*>(fn);
  const std::vector<unsigned char> want(bytes);
  for (size_t i = 0; i + want.size() <= window; ++i)
    if (std::memcmp(p + i, want.data(), want.size()) == 0) return true;
  return false;
}

TEST(Encoding, X86PrivilegedInstructions) {
  EXPECT_TRUE(contains(addr(&x86::wrmsr), {0x0f, 0x30}));
  EXPECT_TRUE(contains(addr(&x86::rdmsr), {0x0f, 0x32}));
  EXPECT_TRUE(contains(addr(&x86::cpuid), {0x0f, 0xa2}));
  EXPECT_TRUE(contains(addr(&x86::vmcall), {0x0f, 0x01, 0xc1}));
  EXPECT_TRUE(contains(addr(&x86::vmmcall), {0x0f, 0x01, 0xd9}));
}

TEST(Encoding, XenHypercallPageCallSkipsTheRedZone) {
  // lea -0x80(%rsp),%rsp = 48 8d 64 24 80; call *%reg = ff /2 (ff d0..d7 / 41 ff d0..d7).
  const void* f = addr(&x86::xen_hypercall_page);
  EXPECT_TRUE(contains(f, {0x48, 0x8d, 0x64, 0x24, 0x80}));
  const auto* p = static_cast<const unsigned char*>(f);
  bool call = false;
  for (size_t i = 0; i + 1 < 512; ++i)
    if (p[i] == 0xff && (p[i + 1] & 0xf8) == 0xd0) call = true;
  EXPECT_TRUE(call);
}

TEST(Encoding, CpuidRunsNatively) {
  // CPUID is safe to execute at CPL3: leaf 0 names a vendor libhmx knows or not, but never faults.
  const hmx::cpuid_regs r = hmx::arch::x86::cpuid(0, 0);
  EXPECT_GE(r.eax, 1u);
  const hmx::cpuid_regs one = hmx::arch::x86::cpuid(1, 0);
  // This build host runs nested under KVM: the hypervisor bit is set.
  std::printf("host vendor %s, hypervisor bit %u\n",
              hmx::vendor_name(hmx::decode_vendor(r)), one.ecx >> 31);
}

}  // namespace

#endif
