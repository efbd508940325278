// SPDX-License-Identifier: Apache-2.0
// Vector registers, the event page and interrupt delivery (spec 07-notifications;
// HMX-EVENT-001..006).
#include "util.h"

namespace {

using namespace conformance;

constexpr uint64_t kMasked = HMX_MSR_VECTOR_RESET;  // 0x10000

struct msr_job {
  uint32_t index;
  uint64_t value;
  bool ok;
  bool write;
};
// The VECTOR MSR is per vCPU: vCPU 1's own accesses run on vCPU 1.
void msr_on_vcpu1(context& ctx, void* p) {
  auto* j = static_cast<msr_job*>(p);
  j->ok = j->write ? ctx.plat().wrmsr(1, j->index, j->value) : ctx.plat().rdmsr(1, j->index, &j->value);
}

bool read_vector(context& ctx, unsigned vcpu, uint64_t* v) {
  if (ctx.msr_conduit()) return ctx.plat().rdmsr(vcpu, ctx.msr(HMX_MSR_VECTOR), v);
  return false;
}

}  // namespace

// covers: HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013
HMX_GUEST_TEST(event_vector_register, "HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013") {
  if (!ctx.has_feature(HMX_FEATURE_VECTOR)) return ctx.skip("feature VECTOR is not offered");
  platform& p = ctx.plat();
  uint64_t v = 0;
  if (ctx.msr_conduit()) {
    const uint32_t msr = ctx.msr(HMX_MSR_VECTOR);
    ctx.check(p.wrmsr(0, msr, 0x30), "WRMSR VECTOR 0x30 raised #GP");
    ctx.check(read_vector(ctx, 0, &v) && v == 0x30, "VECTOR reads %#lx after writing 0x30", static_cast<unsigned long>(v));
    const uint64_t bad[] = {0x130, 0x20030, uint64_t{1} << 63, 0xf, 0x0, 0x8000};
    for (uint64_t b : bad) {
      ctx.check(!p.wrmsr(0, msr, b), "WRMSR VECTOR %#lx did not raise #GP", static_cast<unsigned long>(b));
      ctx.check(read_vector(ctx, 0, &v) && v == 0x30, "VECTOR changed to %#lx by a refused write", static_cast<unsigned long>(v));
    }
    ctx.check(p.wrmsr(0, msr, kMasked | 0x5), "WRMSR VECTOR masked vector 5 raised #GP");
    ctx.check(read_vector(ctx, 0, &v) && v == (kMasked | 0x5), "VECTOR reads %#lx", static_cast<unsigned long>(v));
    if (ctx.vcpus() > 1) {
      // Per vCPU: vCPU 1's register is its own.
      msr_job j{msr, 0xe1, false, true};
      ctx.check(ctx.run_on(1, msr_on_vcpu1, &j) && j.ok, "WRMSR VECTOR on vCPU 1");
      ctx.check(read_vector(ctx, 0, &v) && v == (kMasked | 0x5), "vCPU 1's write changed vCPU 0's register");
      j = msr_job{msr, 0, false, false};
      ctx.check(ctx.run_on(1, msr_on_vcpu1, &j) && j.ok && j.value == 0xe1, "vCPU 1 reads %#lx",
                static_cast<unsigned long>(j.value));
    }
  }
  // set_vector: the same rules as EINVAL.
  const uint8_t v44 = ctx.vector(0x44);
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, v44), 0, "set_vector(0, %#x)", v44);
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 0x144), -HMX_EINVAL, "set_vector(0, 0x144): reserved bit 8");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 0x0f), -HMX_EINVAL, "set_vector(0, 0x0f): unmasked vector < 16");
  if (!ctx.has_mech(HMX_MECH_ARM_PPI)) {
    // x86 vectors 16-31 are exceptions too (#MF, #AC, #MC, #XM, #VE, #CP) or reserved.
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, HMX_VECTOR_MIN - 1), -HMX_EINVAL, "set_vector(0, %#x): below VECTOR_MIN",
                  unsigned{HMX_VECTOR_MIN - 1});
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 0x12), -HMX_EINVAL, "set_vector(0, 0x12): #MC");
  }
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, uint64_t{1} << 40), -HMX_EINVAL, "set_vector(0, bit 40)");
  if (ctx.msr_conduit()) ctx.check(read_vector(ctx, 0, &v) && v == v44, "VECTOR after refused set_vector: %#lx",
                                   static_cast<unsigned long>(v));
  if (ctx.vcpus() > 1) {
    const uint8_t v22 = ctx.vector(0x22);
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 1, kMasked | v22), 0, "set_vector(1, masked %#x)", v22);
    if (ctx.msr_conduit()) {
      msr_job j{ctx.msr(HMX_MSR_VECTOR), 0, false, false};
      ctx.check(ctx.run_on(1, msr_on_vcpu1, &j) && j.ok && j.value == (kMasked | v22),
                "vCPU 1 reads %#lx after set_vector(1, ...)", static_cast<unsigned long>(j.value));
    }
  }
  for (unsigned i = 0; i < ctx.vcpus(); ++i) (void)ctx.call(HMX_OP_SET_VECTOR, i, kMasked);
}

// covers: HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016
HMX_GUEST_TEST(event_set_vector_vcpu, "HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016") {
  if (!ctx.has_feature(HMX_FEATURE_VECTOR)) return ctx.skip("feature VECTOR is not offered");
  const uint64_t n = ctx.plat().vcpu_count();
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, n, kMasked), -HMX_EINVAL, "set_vector(vcpu = vCPU count %lu)",
                static_cast<unsigned long>(n));
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 255, kMasked), -HMX_EINVAL, "set_vector(vcpu 255)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0xffffffffu, kMasked), -HMX_EINVAL, "set_vector(vcpu 0xffffffff)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, uint64_t{1} << 32, kMasked), -HMX_EINVAL, "set_vector(vcpu 2^32)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, n - 1, kMasked), 0, "set_vector(last vCPU)");
  if (ctx.has_mech(HMX_MECH_ARM_PPI)) {
    // On Arm an unmasked vector is a PPI the architecture leaves free, ARM_PPI_MIN to ARM_PPI_MAX;
    // masked, any vector stays allowed.
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, HMX_ARM_PPI_MIN), 0, "set_vector(0, PPI 16)");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, HMX_ARM_PPI_MAX), 0, "set_vector(0, PPI %u)", unsigned{HMX_ARM_PPI_MAX});
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 23), -HMX_EINVAL, "set_vector(0, 23): the PMU's PPI");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 27), -HMX_EINVAL, "set_vector(0, 27): the virtual timer's PPI");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 32), -HMX_EINVAL, "set_vector(0, 32): an SPI, not a PPI");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 0xe0), -HMX_EINVAL, "set_vector(0, 0xe0): not a PPI");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, 15), -HMX_EINVAL, "set_vector(0, 15): an SGI");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kMasked | 0xe0), 0, "set_vector(0, masked 0xe0)");
    (void)ctx.call(HMX_OP_SET_VECTOR, 0, kMasked);
  }
}

// covers: HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019
HMX_GUEST_TEST(event_page_register, "HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019") {
  if (!ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) return ctx.skip("feature EVENT_PAGE is not offered");
  auto* page = ctx.alloc<hmx_event_page_t>();
  if (page == nullptr) return;
  const uint64_t g = ctx.gpa(page);
  const uint64_t nonram = ctx.plat().non_ram_gpa(), end = ctx.plat().ram_end();
  platform& p = ctx.plat();
  if (ctx.msr_conduit()) {
    const uint32_t msr = ctx.msr(HMX_MSR_EVENT_PAGE);
    uint64_t v = 0;
    ctx.check(p.wrmsr(0, msr, g | 1), "WRMSR EVENT_PAGE of a RAM page raised #GP");
    ctx.check(p.rdmsr(0, msr, &v) && v == (g | 1), "EVENT_PAGE reads %#lx", static_cast<unsigned long>(v));
    const uint64_t refused[] = {g | 1 | 2, g | 0x800, g | 0x801, nonram | 1, end | 1, (uint64_t{1} << 52) | 1};
    for (uint64_t b : refused) {
      ctx.check(!p.wrmsr(0, msr, b), "WRMSR EVENT_PAGE %#lx did not raise #GP", static_cast<unsigned long>(b));
      ctx.check(p.rdmsr(0, msr, &v) && v == (g | 1), "EVENT_PAGE changed to %#lx", static_cast<unsigned long>(v));
    }
    // Disabled: the address bits are kept (07-notifications "The event page"); no RAM check.
    ctx.check(p.wrmsr(0, msr, nonram), "WRMSR EVENT_PAGE disabled with an MMIO address raised #GP");
    ctx.check(p.rdmsr(0, msr, &v) && v == nonram, "EVENT_PAGE reads %#lx", static_cast<unsigned long>(v));
    ctx.check(p.wrmsr(0, msr, 0), "WRMSR EVENT_PAGE 0");
  }
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, g | 1), 0, "set_event_page(page | ENABLE)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, g | 1 | 0x10), -HMX_EINVAL, "set_event_page with bit 4");
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, nonram | 1), -HMX_EFAULT, "set_event_page(MMIO page | ENABLE)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, end | 1), -HMX_EFAULT, "set_event_page(end of RAM | ENABLE)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, 0xfffffffffffff001ull), -HMX_EFAULT,
                "set_event_page(top of the address space | ENABLE)");
  if (ctx.msr_conduit()) {
    uint64_t v = 0;
    ctx.check(p.rdmsr(0, ctx.msr(HMX_MSR_EVENT_PAGE), &v) && v == (g | 1), "refused set_event_page changed it: %#lx",
              static_cast<unsigned long>(v));
  }
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, 0), 0, "set_event_page(0)");
}

// covers: HMX-EVENT-020 HMX-EVENT-021
HMX_GUEST_TEST(event_index_unique, "HMX-EVENT-020 HMX-EVENT-021") {
  if (!ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) return ctx.skip("feature EVENT_PAGE is not offered");
  constexpr unsigned kRings = 12;
  ring* rings[kRings];
  for (unsigned i = 0; i < kRings; ++i) {
    rings[i] = ctx.new_ring(0x80000 + i, ctx.domid(), 64);
    if (rings[i] == nullptr) return;
    rings[i]->header()->event_index = 0xfffffff0u;
    if (!ctx.expect_rc(ctx.register_ring(rings[i]), 0, "register ring %u", i)) return;
  }
  uint64_t seen[2] = {0, 0};
  for (unsigned i = 0; i < kRings; ++i) {
    const uint32_t x = rings[i]->header()->event_index;
    if (!ctx.check(x < HMX_MAX_RINGS_PER_DOMAIN, "ring %u: event_index %u out of range", i, x)) continue;
    ctx.check((seen[x / 64] >> (x % 64) & 1) == 0, "ring %u: event_index %u used twice", i, x);
    seen[x / 64] |= uint64_t{1} << (x % 64);
  }
}

namespace {
struct seen_job {
  uint8_t vector;
  uint32_t before;
  bool got;
};
// Runs on vCPU 1: wait for an interrupt there.
void wait_vcpu1(context& ctx, void* p) {
  auto* j = static_cast<seen_job*>(p);
  j->got = ctx.wait_until([&] { return ctx.plat().vector_count(1, j->vector) > j->before; }, 2000);
}
}  // namespace

// covers: HMX-EVENT-022 HMX-EVENT-023 HMX-EVENT-024 HMX-EVENT-025
HMX_GUEST_TEST(event_delivery, "HMX-EVENT-022 HMX-EVENT-023 HMX-EVENT-024 HMX-EVENT-025") {
  const bool page = ctx.has_feature(HMX_FEATURE_EVENT_PAGE), vec = ctx.has_feature(HMX_FEATURE_VECTOR);
  if (!page && !vec) return ctx.skip("neither EVENT_PAGE nor VECTOR is offered");
  const uint16_t me = ctx.domid();
  platform& p = ctx.plat();
  const uint8_t kV0 = ctx.vector(0x53), kV1 = ctx.vector(0x54);
  hmx_event_page_t* ev = nullptr;
  if (page) {
    ev = ctx.alloc<hmx_event_page_t>();
    if (ev == nullptr || !ctx.expect_rc(ctx.client(0).set_event_page(ev).code(), 0, "set_event_page")) return;
    ev->ring_pending[1] = uint64_t{1} << 63;  // a bit the hypervisor must never clear
  }
  if (vec) ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kV0), 0, "set_vector(0, %#x)", kV0);
  ring* r = ctx.make_ring(0x80100, me, 1024);
  if (r == nullptr) return;
  const uint32_t index = r->header()->event_index;

  ctx.req("HMX-EVENT-022 HMX-EVENT-023");
  p.poll();
  uint32_t before = p.vector_count(0, kV0);
  ctx.expect_rc(ctx.send_pattern(me, 0x80100, 8, 1), 8, "send");
  if (page) ctx.check((ev->ring_pending[index / 64] >> (index % 64) & 1) != 0, "ring bit %u not set", index);
  if (vec) ctx.check(ctx.wait_until([&] { return p.vector_count(0, kV0) > before; }, 2000), "no interrupt on vCPU 0");
  // HMX-EVENT-024 HMX-EVENT-025: when the interrupt is taken, the message and the bit are already visible.
  ctx.req("HMX-EVENT-024 HMX-EVENT-025");
  ctx.check(!r->reader.empty(), "interrupt taken, but the message is not visible");
  ctx.req("HMX-EVENT-022 HMX-EVENT-023");
  if (page) {
    ctx.check((ev->ring_pending[1] >> 63 & 1) != 0, "the hypervisor cleared a bit of the event page");
    (void)hmx::test_and_clear_ring_pending(ev, index);
  }

  // The notification vCPU named at registration (feature RING_VCPU).
  if (vec && ctx.vcpus() > 1 && ctx.has_feature(HMX_FEATURE_RING_VCPU)) {
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 1, kV1), 0, "set_vector(1, %#x)", kV1);
    ring* r1 = ctx.new_ring(0x80101, me, 1024);
    if (r1 == nullptr) return;
    ctx.expect_rc(ctx.register_ring(r1, HMX_REGISTER_FLAG_NOTIFY_VCPU | 1u << HMX_REGISTER_FLAG_VCPU_SHIFT), 0,
                  "register with notification vCPU 1");
    static seen_job job;
    job = seen_job{kV1, p.vector_count(1, kV1), false};
    p.poll();
    const uint32_t v0 = p.vector_count(0, kV0) + p.vector_count(0, kV1);
    ctx.check(ctx.start_on(1, wait_vcpu1, &job), "start vCPU 1");
    ctx.expect_rc(ctx.send_pattern(me, 0x80101, 8, 2), 8, "send to the vCPU 1 ring");
    ctx.check(ctx.join(1, 5000) && job.got, "no interrupt on vCPU 1");
    p.poll();
    ctx.expect_eq(p.vector_count(0, kV0) + p.vector_count(0, kV1), v0, "interrupts on vCPU 0 for the vCPU 1 ring");
    (void)ctx.call(HMX_OP_SET_VECTOR, 1, kMasked);
  }

  // Masked: bits still set, no interrupt, and none later when unmasked (HMX-EVENT-024 HMX-EVENT-025).
  if (vec) {
    ctx.req("HMX-EVENT-024 HMX-EVENT-025");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kMasked | kV0), 0, "mask vCPU 0's vector");
    p.poll();
    before = p.vector_count(0, kV0);
    ctx.expect_rc(ctx.send_pattern(me, 0x80100, 8, 3), 8, "send while masked");
    if (page) ctx.check((ev->ring_pending[index / 64] >> (index % 64) & 1) != 0, "masked: ring bit not set");
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kV0), 0, "unmask");
    (void)ctx.wait_until([] { return false; }, 100);
    ctx.expect_eq(p.vector_count(0, kV0), before, "interrupts delivered for the masked message");
    (void)ctx.call(HMX_OP_SET_VECTOR, 0, kMasked);
  }
  if (page) (void)ctx.client(0).set_event_page(nullptr);
}
