// SPDX-License-Identifier: Apache-2.0
// The aarch64 platform on Xen: Argo through Xen's hypercall, HVC #0xEA1 with the hypercall
// number in X16 (spec 3.2 and 4.5, mechanism xen_hypercall; libhmx's env::identity_cpl0, since
// the images run at EL1 on an identity map). Xen is found by its device tree node
// (`compatible = "xen,xen"`, which Xen writes for a dom0less domU whose node says
// `xen,enhanced = "no-xenstore"`), then the Argo probe decides (HMX-LIB-017 HMX-LIB-018).
//
// As on x86 (guest/xen_argo.cpp) the tests' call blocks are only the image's way of handing an
// operation to the platform: op and arguments become the hypercall's as they are (handles are
// addresses of the identity map), the result is written back, flags cannot be carried (ENOSYS).
//
// Xen/Arm gives a domU no hypercall that names its own domain id (Linux reads it from xenstore,
// which a dom0less system without dom0 does not have): the harness that builds the domains in
// device-tree order passes it as the boot argument `domid=N`.
#include <hmx/conduit/xen.h>
#include <hmx/env/identity_cpl0.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/runtime.h>

#include "guest_platform_a64.h"

namespace conformance::guest {

namespace {

using namespace hmx_guest;

// Xen's public xen.h __HYPERVISOR_xen_version; version.h XENVER_version (major << 16 | minor)
// and XENVER_extraversion (char[16]).
constexpr uint32_t kHypercallXenVersion = 17;
constexpr uint32_t kXenverVersion = 0;
constexpr uint32_t kXenverExtraversion = 1;

hmx::static_arena<1> g_env_arena;
hmx::env::identity_cpl0 g_env(g_env_arena);
hmx::xen_conduit<hmx::env::identity_cpl0> g_xen(g_env, nullptr, 0);

int64_t xen_version_call(uint64_t cmd, uint64_t arg) {
  return hmx::arch::aarch64::xen_hvc(kHypercallXenVersion, cmd, arg, 0, 0, 0);
}

uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

}  // namespace

bool device_tree_compatible(uint64_t dtb, const char* compatible) {
  // Header: magic, totalsize, off_dt_struct, off_dt_strings, ..., size_dt_strings, size_dt_struct.
  constexpr uint32_t kMagic = 0xd00dfeed, kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4;
  if (dtb == 0) return false;
  const auto* h = phys_to_virt<const uint8_t>(dtb);
  if (be32(h) != kMagic) return false;
  const uint8_t* structs = h + be32(h + 8);
  const char* strings = reinterpret_cast<const char*>(h + be32(h + 12));
  const uint32_t size = be32(h + 36);
  for (uint32_t at = 0; at + 4 <= size;) {
    const uint32_t token = be32(structs + at);
    at += 4;
    if (token == kBeginNode) {
      while (at < size && structs[at] != 0) ++at;
      at = (at + 4) & ~3u;  // past the NUL, aligned
    } else if (token == kProp) {
      const uint32_t len = be32(structs + at), name = be32(structs + at + 4);
      const uint8_t* value = structs + at + 8;
      if (same(strings + name, "compatible"))
        for (uint32_t i = 0; i < len;) {
          if (same(reinterpret_cast<const char*>(value + i), compatible)) return true;
          while (i < len && value[i] != 0) ++i;
          ++i;
        }
      at += 8 + ((len + 3) & ~3u);
    } else if (token == kEndNode || token == kNop) {
      continue;
    } else {
      break;  // kEnd, or a token this walk does not know
    }
  }
  return false;
}

bool a64_platform::configure_xen(hmx::probe_result& p) {
  if (!device_tree_compatible(boot_info().dtb, "xen,xen")) return false;
  p.xen.present = true;
  if (!hmx::probe_xen_argo(p, g_xen)) return false;
  p.domain_id = static_cast<uint16_t>(cmdline_uint(boot_info().cmdline, "domid", 0));
  const int64_t v = xen_version_call(kXenverVersion, 0);
  p.xen.version = static_cast<uint32_t>(v);
  char extra[16] = {};
  if (xen_version_call(kXenverExtraversion, virt_to_phys(extra)) != 0) extra[0] = '\0';
  extra[15] = '\0';
  snprintf(xen_version_, sizeof xen_version_, "%u.%u%s", static_cast<unsigned>(v >> 16) & 0xffffu,
           static_cast<unsigned>(v) & 0xffffu, extra);
  xen_ok_ = true;
  return true;
}

hmx::status a64_platform::invoke_xen(uint64_t gpa) {
  const start_info& si = boot_info();
  if (gpa < si.ram_base || gpa % HMX_CALL_BLOCK_ALIGN != 0 || gpa + sizeof(hmx_call_block_t) > si.ram_end)
    return hmx::errc::fault;
  auto* block = phys_to_virt<hmx_call_block_t>(gpa);
  const hmx_call_block_t c = *block;
  if (c.flags != 0) return hmx::errc::nosys;
  block->result = g_xen.argo_op(c.op, c.arg[0], c.arg[1], c.arg[2], c.arg[3]);
  return {};
}

int64_t a64_platform::xen_argo_raw(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
  if (!xen_ok_) return -HMX_ENOSYS;
  return g_env.xen_hypercall(nullptr, cmd, a1, a2, a3, a4);
}

}  // namespace conformance::guest
