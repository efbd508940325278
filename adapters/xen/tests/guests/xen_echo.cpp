// SPDX-License-Identifier: Apache-2.0
// xen_echo: the x86 dom0 the harness test boots under real Xen. It prints its start_info
// version and command line, a line longer than any console buffer, and with "argo=1" what
// libhmx's probe finds (Xen's CPUID leaves, the hypercall page installed through the MSR of
// CPUID Xen-base+2, the Argo probe of spec 3.2 through the runtime's CPL0 hypercall gate), the
// conduit libhmx selects, and a message to itself through libhmx's typed client on that conduit
// (Argo's arguments as pointers, not call blocks). It exits with the status "status=N" of its
// command line; with "hang=1" it never exits.
#include <hmx/client.h>
#include <hmx/ring_reader.h>
#include <hmx/select.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

namespace {
alignas(4096) unsigned char g_hypercall_page[4096];
alignas(4096) unsigned char g_ring[2 * 4096];
hmx::static_arena<8> g_arena;

// A ring of dom0's (Xen's domain 0: the partner is the sender itself), one message to it, read
// back, the ring removed; every call through libhmx's client over the selected conduit.
void message_to_self(hmx_guest::hmx_env& env, const hmx::conduit_choice& choice) {
  using namespace hmx_guest;
  constexpr uint32_t aport = 0x7e57;
  const hmx::status s = hmx::visit_conduit(choice, env, g_hypercall_page, [&](auto& conduit) -> hmx::status {
    hmx::client cl(conduit, env);
    hmx::ring_registration reg;
    reg.memory = g_ring;
    reg.len = 256;
    reg.aport = aport;
    reg.partner_id = 0;
    if (const hmx::status r = cl.register_ring(reg); !r.ok()) return r;
    const hmx::result<uint32_t> sent = cl.send(hmx::make_addr(aport, 0), "hello", 5, 0x42);
    hmx::ring_reader reader(g_ring, 256);
    char text[8] = {};
    uint32_t from = 0xffff, type = 0;
    (void)reader.for_each([&](const hmx::message_view& m) {
      if (m.size < sizeof text) m.copy_to(text);
      from = m.source.domain_id;
      type = m.message_type;
    });
    printf("xen_echo: sendv %ld, message '%s' from domain %u type %#x\n",
           sent.ok() ? static_cast<long>(*sent) : static_cast<long>(sent.error().code()), text, from, type);
    return cl.unregister_ring(aport, 0);
  });
  printf("xen_echo: typed client %s\n", s.name());
}
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
    const hmx::result<hmx::conduit_choice> choice = hmx::select_conduit(p);
    printf("xen_echo: conduit %s\n", choice.ok() ? hmx::conduit_name(choice->id) : "none");
    if (choice.ok()) message_to_self(env, *choice);
  }
  if (cmdline_uint(line, "hang", 0) != 0)
    for (;;) cpu_relax();
  return static_cast<int>(cmdline_uint(line, "status", 1));
}
