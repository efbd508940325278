// SPDX-License-Identifier: Apache-2.0
// xen_echo: the x86 dom0 the harness test boots under real Xen. It prints its start_info
// version and command line, a line longer than any console buffer, and with "argo=1" what
// libhmx's probe finds (Xen's CPUID leaves, the hypercall page installed through the MSR of
// CPUID Xen-base+2, the Argo probe of spec 3.2 through the runtime's CPL0 hypercall gate). It
// exits with the status "status=N" of its command line; with "hang=1" it never exits.
#include <hmx/select.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

namespace {
alignas(4096) unsigned char g_hypercall_page[4096];
hmx::static_arena<4> g_arena;
}  // namespace

int guest_main(const hmx_guest::start_info& info) {
  using namespace hmx_guest;
  const char* line = cmdline_text(info);
  printf("xen_echo: start_info version %u, cmdline '%s'\n", info.version, line);
  char long_line[301];
  for (unsigned i = 0; i < 300; ++i) long_line[i] = static_cast<char>('a' + i % 26);
  long_line[300] = '\0';
  printf("%s\n", long_line);
  if (cmdline_uint(line, "argo", 0) != 0) {
    static hmx_env env(g_arena);
    const hmx::probe_result p = hmx::probe_with_xen(env, g_hypercall_page);
    printf("xen_echo: xen=%u base=%#x version=%#x msr=%#x argo_probe=%ld argo=%u\n", p.xen.present ? 1u : 0u,
           p.xen.cpuid_base, p.xen.version, p.xen.hypercall_msr, static_cast<long>(p.xen.argo_probe_result),
           p.xen.argo ? 1u : 0u);
  }
  if (cmdline_uint(line, "hang", 0) != 0)
    for (;;) cpu_relax();
  return static_cast<int>(cmdline_uint(line, "status", 1));
}
