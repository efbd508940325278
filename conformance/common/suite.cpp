// SPDX-License-Identifier: Apache-2.0
// The tester's run (PROTOCOL.md): BEGIN, IDENT, PEERS, PLAN, TEST/CHECK/RESULT per test, DONE.
#include "conformance/suite.h"

#include "conformance/format.h"
#include "conformance/peer_link.h"

namespace conformance {

namespace {

bool in_scope(const test_case& t, const suite_options& o) {
  if (t.where == scope::library && !o.library_scope) return false;
  return o.want == nullptr || o.want(t, o.user);
}

void hex12(char* out, const hmx::cpuid_regs& r) {
  const uint32_t w[3] = {r.ebx, r.ecx, r.edx};
  for (unsigned i = 0; i < 12; ++i)
    format(out + 2 * i, 3, "%02x", (w[i / 4] >> (8 * (i % 4))) & 0xffu);
}

// The hypervisor's identity (CPUID 0x40000000) and HMX's. Hypervisor leaves are read only when
// CPUID.1:ECX[31] says a hypervisor is there (HMX-LIB-015 HMX-LIB-016).
void ident_line(context& ctx, bool present) {
  platform& p = ctx.plat();
  const bool hv = (p.cpuid(0, 1, 0).ecx & hmx::cpuid1_ecx_hypervisor_bit) != 0;
  char sig[32] = "-";
  uint32_t hv_max = 0;
  if (hv) {
    const hmx::cpuid_regs l0 = p.cpuid(0, 0x40000000, 0);
    hv_max = l0.eax;
    hex12(sig, l0);
  }
  const hmx::probe_result& r = ctx.probe();
  if (!present) {
    ctx.line("HMXC IDENT hmx=0 hv=%u hv_max=%#x hv_sig=%s vcpus=%u reason=%s", hv ? 1u : 0u, hv_max,
             sig, ctx.vcpus(), ctx.absent_reason());
    return;
  }
  ctx.line(
      "HMXC IDENT hmx=1 hv=1 hv_max=%#x hv_sig=%s base=%#x max_leaf=%#x version=%#x domid=%u "
      "vcpus=%u mechanisms=%#x features=%#x max_batch=%u msr_base=%#x msr_count=%u "
      "hypercall_nr=%#x vendor=%s conduit=%s%s%s",
      hv_max, sig, r.cpuid_base, r.max_leaf,
      static_cast<unsigned>(r.version_major) << 16 | r.version_minor, r.domain_id, ctx.vcpus(),
      r.mechanisms, r.features, r.max_batch, r.msr_base, r.msr_count, r.hypercall_nr,
      hmx::vendor_name(r.vendor), p.conduit_name(), ctx.xen_argo() ? " xen=" : "", ctx.xen_argo() ? p.xen_version() : "");
}

void skip_all(context& ctx, const suite_options& o, const char* why) {
  unsigned n = 0;
  const test_case* const* tests = all_tests(&n);
  unsigned planned = 0;
  for (unsigned i = 0; i < n; ++i) planned += in_scope(*tests[i], o) ? 1 : 0;
  ctx.line("HMXC PLAN %u", planned);
  for (unsigned i = 0; i < n; ++i) {
    if (!in_scope(*tests[i], o)) continue;
    ctx.begin_test(*tests[i]);
    ctx.skip("%s", why);
    ctx.end_test();
  }
}

}  // namespace

int run_tester(context& ctx, const suite_options& o) noexcept {
  ctx.line("HMXC BEGIN protocol=1 role=tester target=%s", o.target);
  const bool present = ctx.start();
  ident_line(ctx, present);
  if (!present) {
    // HMX absent: nothing of it applies; a clean "not present" is the expected outcome on a
    // hypervisor without HMX (docs/STYLE.md "Tests": negative).
    skip_all(ctx, o, ctx.absent_reason());
    const context::totals t = ctx.counts();
    ctx.line("HMXC DONE pass=%u fail=%u skip=%u status=77", t.pass, t.fail, t.skip);
    return 77;
  }

  peer_link link(ctx);
  ctx.use_persistent_memory(true);
  link.discover(o.discover_ms);
  if (ctx.peer_id() != no_domain) (void)link.connect(o.discover_ms);
  ctx.set_peer_link(&link);
  ctx.use_persistent_memory(false);
  ctx.line("HMXC PEERS peer=%d denied=%d connected=%u",
           ctx.peer_id() == no_domain ? -1 : static_cast<int>(ctx.peer_id()),
           ctx.denied_id() == no_domain ? -1 : static_cast<int>(ctx.denied_id()),
           link.connected() ? 1u : 0u);

  unsigned n = 0;
  const test_case* const* tests = all_tests(&n);
  unsigned planned = 0;
  for (unsigned i = 0; i < n; ++i) planned += in_scope(*tests[i], o) ? 1 : 0;
  ctx.line("HMXC PLAN %u", planned);
  for (unsigned i = 0; i < n; ++i) {
    if (!in_scope(*tests[i], o)) continue;
    ctx.begin_test(*tests[i]);
    tests[i]->body(ctx);
    ctx.end_test();
  }

  // Let the other domains end, so that the monitor can stop (the denied domain only listens to
  // the peer: the policy forbids the tester to send to it).
  if (link.alive()) {
    if (ctx.denied_id() != no_domain) (void)link.simple(peer::op_relay_exit, 0, ctx.denied_id());
    peer::command c{};
    c.op = peer::op_exit;
    (void)link.call(c, 2000);
  }
  const context::totals t = ctx.counts();
  const int status = t.fail != 0 ? 1 : t.pass != 0 ? 0 : 77;
  ctx.line("HMXC DONE pass=%u fail=%u skip=%u status=%d", t.pass, t.fail, t.skip, status);
  return status;
}

}  // namespace conformance
