// SPDX-License-Identifier: MIT
// Freestanding compile test (docs/ARCHITECTURE.md decision 7): a guest-image-like TU that instantiates the
// whole library (probe, selection, every conduit its architecture offers, the client with every
// operation, a batch, the ring reader, the event helpers) with identity_cpl0, compiled with
// -ffreestanding -nostdlib -fno-exceptions -fno-rtti -O2 and linked -nostdlib -static with its own
// entry symbol and a runtime's memcpy/memmove/memset only; the freestanding check
// (cmake/HmxFreestanding.cmake) verifies that nothing else is undefined and that the privileged
// instructions are encoded as expected.
#include <hmx/hmx.h>
#include <hmx/env/identity_cpl0.h>

namespace {

hmx::static_arena<16> g_arena;
alignas(4096) unsigned char g_ring[2 * 4096];
alignas(4096) unsigned char g_xen_page[4096];
alignas(4096) hmx_event_page_t g_events;
unsigned char g_payload[512];
volatile uint32_t g_sink;

constexpr uint32_t kRingLen = 4096;

template <class Conduit, class Env>
hmx::status exercise(Conduit& conduit, Env& env, const hmx::probe_result& p) {
  hmx::client c(conduit, env);
  if (!c.init_status().ok()) return c.init_status();

  hmx::ring_reader::prepare(g_ring);
  hmx::ring_registration reg;
  reg.memory = g_ring;
  reg.len = kRingLen;
  reg.aport = 7;
  reg.partner_id = HMX_DOMID_ANY;
  if (hmx::status s = c.register_ring(reg); !s.ok()) return s;

  const hmx::buffer bufs[2] = {{g_payload, 100}, {g_payload + 100, 300}};
  const hmx::result<uint32_t> sent = c.sendv(hmx::make_addr(7, p.domain_id), bufs, 1234);
  if (!sent.ok()) return sent.error();

  hmx_ring_data_ent_t ent{};
  ent.ring = hmx::make_addr(7, p.domain_id);
  ent.space_required = 64;
  (void)c.notify(&ent, 1);
  (void)c.notify();
  (void)c.null();
  (void)c.set_event_page(&g_events);
  (void)c.set_vector(p.vcpu_index, hmx::vector_reg::unmasked(0x40));

  hmx::batch<Env> b(env);
  (void)b.add_null();
  (void)b.add_sendv(hmx::make_addr(7, p.domain_id), bufs, 2, 99);
  (void)b.add_notify(&ent, 1);
  (void)c.run(b, HMX_BATCH_FLAG_STOP_ON_ERROR);

  if (hmx::exposures_offered(p.features)) {
    hmx::exposures x(c, env);
    const hmx::result<uint64_t> h = x.expose(g_payload, 400, p.domain_id, HMX_EXPOSE_READ, 2);
    if (h.ok()) {
      (void)x.fetch(p.domain_id, *h, 0, g_payload + 400, 100);
      (void)x.add_deposit(b, p.domain_id, *h, 0, g_payload, 16);
      (void)x.revoke(*h);
    }
  }

  hmx::ring_reader reader(g_ring, kRingLen);
  (void)reader.for_each([](const hmx::message_view& m) { g_sink = g_sink + m.size; });
  unsigned char out[512];
  (void)reader.read(out, sizeof out);
  (void)hmx::take_ring_pending(&g_events, [](uint32_t i) { g_sink = g_sink + i; });
  (void)hmx::test_and_clear_ring_pending(&g_events, hmx::ring_event_index(
                                                        reinterpret_cast<hmx_ring_t*>(g_ring)));
  return c.unregister_ring(7, HMX_DOMID_ANY);
}

}  // namespace

extern "C" int hmx_guest_main() {
  hmx::env::identity_cpl0 env(g_arena);
  const hmx::probe_result p = hmx::probe_with_xen(env, g_xen_page);
  if (!p.present()) return 1;
  const hmx::result<hmx::conduit_choice> choice = hmx::select_conduit(p);
  if (!choice.ok()) return 2;

  // The preferred conduit of each architecture, by name, then whichever was selected.
#if defined(__x86_64__)
  hmx::msr_conduit msr(env, p.msr_base);
  if (!exercise(msr, env, p).ok()) return 3;
  (void)hmx::x86::write_event_page_msr(env, p.msr_base, &g_events);
  hmx::x86::write_vector_msr(env, p.msr_base, hmx::vector_reg::unmasked(0x41));
#elif defined(__aarch64__)
  hmx::smccc_conduit smccc(env);
  if (!exercise(smccc, env, p).ok()) return 3;
#endif
  const hmx::status s = hmx::visit_conduit(*choice, env, g_xen_page,
                                           [&](auto& conduit) { return exercise(conduit, env, p); });
  return s.ok() ? 0 : 4;
}

extern "C" [[noreturn]] void hmx_guest_entry() {
  g_sink = static_cast<uint32_t>(hmx_guest_main());
  for (;;) {
  }
}
