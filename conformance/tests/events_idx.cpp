// SPDX-License-Identifier: Apache-2.0
// Interrupt moderation by the ring header's rx_event (feature EVENT_IDX; spec 07-notifications
// "Interrupt moderation", HMX-EVENT-040..057). Targets without EVENT_IDX report NOT SUPPORTED,
// except for the refusal of the flag, which every target must show.
#include "util.h"

namespace {

using namespace conformance;

constexpr uint64_t kMasked = HMX_MSR_VECTOR_RESET;
constexpr uint32_t kLen = 1024;
constexpr uint32_t kQuietMs = 100;  // how long "no interrupt" is watched for

uint32_t* rx_event(ring* r) { return &r->header()->rx_event; }
void store_rx_event(ring* r, uint32_t v) { __atomic_store_n(rx_event(r), v, __ATOMIC_SEQ_CST); }

// Interrupts of `vector` on vCPU 0 that one send of `size` bytes to the test's own ring raised.
// Waits up to 2 s for the first one when `expect` is 1, kQuietMs when it is 0.
uint32_t send_and_count(context& ctx, ring* r, uint8_t vector, uint32_t size, uint32_t seed, unsigned expect) {
  platform& p = ctx.plat();
  p.poll();
  const uint32_t before = p.vector_count(0, vector);
  if (!ctx.expect_rc(ctx.send_pattern(ctx.domid(), r->aport, size, seed), size, "send %u bytes", size)) return ~0u;
  if (expect != 0)
    (void)ctx.wait_until([&] { return p.vector_count(0, vector) > before; }, 2000);
  else
    (void)ctx.wait_until([] { return false; }, kQuietMs);
  p.poll();
  return p.vector_count(0, vector) - before;
}

bool offered(context& ctx) {
  if (!ctx.has_feature(HMX_FEATURE_EVENT_IDX)) {
    ctx.skip("feature EVENT_IDX is not offered");
    return false;
  }
  if (!ctx.has_feature(HMX_FEATURE_VECTOR)) {
    ctx.skip("feature VECTOR is not offered: interrupts cannot be counted");
    return false;
  }
  return true;
}

}  // namespace

// covers: HMX-EVENT-040 HMX-EVENT-041
HMX_GUEST_TEST(event_idx_flag, "HMX-EVENT-040 HMX-EVENT-041") {
  ring* r = ctx.new_ring(0x80200, ctx.domid(), kLen);
  if (r == nullptr) return;
  if (ctx.has_feature(HMX_FEATURE_EVENT_IDX)) {
    ctx.req("HMX-EVENT-040");
    ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_EVENT_IDX), 0, "register_ring(REGISTER_FLAG_EVENT_IDX)");
  } else {
    ctx.req("HMX-EVENT-041");
    ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_EVENT_IDX), -HMX_EINVAL,
                  "register_ring(REGISTER_FLAG_EVENT_IDX) without the feature EVENT_IDX");
  }
}

// An armed ring gets exactly the interrupts the rule says; the slot before rx_ptr suppresses them
// all while the event bit is still set for every message.
// covers: HMX-EVENT-045 HMX-EVENT-046 HMX-EVENT-047 HMX-EVENT-049 HMX-EVENT-058
HMX_GUEST_TEST(event_idx_moderation, "HMX-EVENT-045 HMX-EVENT-046 HMX-EVENT-047 HMX-EVENT-049 HMX-EVENT-058") {
  if (!offered(ctx)) return;
  const uint8_t v = ctx.vector(0x55);
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, v), 0, "set_vector(0, %#x)", v);
  ring* r = ctx.make_ring(0x80201, ctx.domid(), kLen, HMX_REGISTER_FLAG_EVENT_IDX);
  if (r == nullptr) return;

  ctx.req("HMX-EVENT-047");
  store_rx_event(r, 0);  // the first message starts at 0
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 1, 1), 1u, "interrupts for the message at rx_event 0");
  ctx.req("HMX-EVENT-046");
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 2, 0), 0u, "interrupts for a message past rx_event");
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 3, 0), 0u, "interrupts for a second message past rx_event");
  ctx.req("HMX-EVENT-047");
  // Not slot-aligned, inside the next message (header at 144, payload to 192).
  store_rx_event(r, 150);
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 4, 1), 1u, "interrupts for the message covering rx_event 150");
  ctx.req("HMX-EVENT-046");
  store_rx_event(r, 192 + 48);  // the next message (192..240) stops just before it
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 5, 0), 0u, "interrupts for a message ending at rx_event");
  ctx.req("HMX-EVENT-047");
  ctx.expect_eq(send_and_count(ctx, r, v, 32, 6, 1), 1u, "interrupts for the message starting at rx_event");
  (void)util::drain(*r);

  // A message that wraps the ring covers an rx_event near 0.
  ctx.req("HMX-EVENT-047");
  while (r->header()->tx_ptr + 64 + 48 < kLen) {
    store_rx_event(r, (r->header()->tx_ptr + kLen - 16) % kLen);  // suppress while filling
    (void)send_and_count(ctx, r, v, 48, 7, 0);
    (void)util::drain(*r);
  }
  store_rx_event(r, 16);
  ctx.expect_eq(send_and_count(ctx, r, v, 200, 8, 1), 1u, "interrupts for a wrapping message covering rx_event 16");
  (void)util::drain(*r);

  // The slot before rx_ptr: no message can cover it; the event bit is set for each one.
  ctx.req("HMX-EVENT-049");
  hmx_event_page_t* ev = nullptr;
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ev = ctx.alloc<hmx_event_page_t>();
    if (ev == nullptr || !ctx.expect_rc(ctx.client(0).set_event_page(ev).code(), 0, "set_event_page")) return;
  }
  const uint32_t index = r->header()->event_index;
  store_rx_event(r, (r->reader.rx() + kLen - HMX_MSG_SLOT_SIZE) % kLen);
  uint32_t raised = 0;
  for (uint32_t i = 0; i < 4; ++i) {
    if (ev != nullptr) (void)hmx::test_and_clear_ring_pending(ev, index);
    raised += send_and_count(ctx, r, v, 64, 10 + i, 0);
    if (ev != nullptr)
      ctx.check(hmx::test_and_clear_ring_pending(ev, index), "message %u: ring bit %u not set", i, index);
  }
  ctx.req("HMX-EVENT-046");
  ctx.expect_eq(raised, 0u, "interrupts with rx_event in the slot before rx_ptr");
  if (ev != nullptr) {
    // A bit left set by a message nobody asked for does not skip the one rx_event asks for.
    ctx.req("HMX-EVENT-058");
    ctx.expect_eq(send_and_count(ctx, r, v, 16, 20, 0), 0u, "interrupts for a message nobody asked for");
    store_rx_event(r, __atomic_load_n(&r->header()->tx_ptr, __ATOMIC_ACQUIRE));
    ctx.expect_eq(send_and_count(ctx, r, v, 16, 21, 1), 1u, "interrupts for the armed message, its ring bit already set");
    (void)ctx.client(0).set_event_page(nullptr);
  }
  (void)ctx.call(HMX_OP_SET_VECTOR, 0, kMasked);
}

// Hostile rx_event values: any value not below len asks for every message; the hypervisor never
// writes the field.
// covers: HMX-EVENT-048 HMX-EVENT-043
HMX_GUEST_TEST(event_idx_hostile, "HMX-EVENT-048 HMX-EVENT-043") {
  if (!offered(ctx)) return;
  const uint8_t v = ctx.vector(0x56);
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, v), 0, "set_vector(0, %#x)", v);
  ring* r = ctx.make_ring(0x80202, ctx.domid(), kLen, HMX_REGISTER_FLAG_EVENT_IDX);
  if (r == nullptr) return;
  const uint32_t hostile[] = {kLen, kLen + 16, 0x7fffffffu, 0x80000000u, 0xfffffff0u, 0xffffffffu};
  uint32_t seed = 1;
  for (uint32_t h : hostile) {
    store_rx_event(r, h);
    for (int i = 0; i < 3; ++i) {
      ctx.req("HMX-EVENT-048");
      ctx.expect_eq(send_and_count(ctx, r, v, 40, seed++, 1), 1u, "interrupts with rx_event %#x", h);
      (void)util::drain(*r);
    }
    ctx.req("HMX-EVENT-043");
    ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_EVENT_IDX, true), 0, "re-register");
    ctx.expect_eq(__atomic_load_n(rx_event(r), __ATOMIC_SEQ_CST), h, "rx_event after sends and re-registration");
  }
  (void)ctx.call(HMX_OP_SET_VECTOR, 0, kMasked);
}

// A ring without the flag ignores rx_event; a re-registration's flags decide.
// covers: HMX-EVENT-044 HMX-EVENT-042
HMX_GUEST_TEST(event_idx_unflagged, "HMX-EVENT-044 HMX-EVENT-042") {
  if (!offered(ctx)) return;
  const uint8_t v = ctx.vector(0x57);
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, v), 0, "set_vector(0, %#x)", v);
  ring* r = ctx.make_ring(0x80203, ctx.domid(), kLen);
  if (r == nullptr) return;
  ctx.req("HMX-EVENT-044");
  store_rx_event(r, kLen - HMX_MSG_SLOT_SIZE);
  ctx.expect_eq(send_and_count(ctx, r, v, 16, 1, 1), 1u, "interrupts on a ring without the flag (1)");
  (void)util::drain(*r);
  ctx.expect_eq(send_and_count(ctx, r, v, 16, 2, 1), 1u, "interrupts on a ring without the flag (2)");
  (void)util::drain(*r);
  ctx.req("HMX-EVENT-042");
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_EVENT_IDX, true), 0, "re-register with the flag");
  store_rx_event(r, (r->reader.rx() + kLen - HMX_MSG_SLOT_SIZE) % kLen);
  ctx.expect_eq(send_and_count(ctx, r, v, 16, 3, 0), 0u, "interrupts after re-registering with the flag");
  (void)util::drain(*r);
  ctx.expect_rc(ctx.register_ring(r, 0, true), 0, "re-register without the flag");
  ctx.expect_eq(send_and_count(ctx, r, v, 16, 4, 1), 1u, "interrupts after re-registering without the flag");
  (void)ctx.call(HMX_OP_SET_VECTOR, 0, kMasked);
}
