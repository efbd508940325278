// SPDX-License-Identifier: Apache-2.0
// The limits (spec 11-limits; HMX-LIMIT-003 HMX-LIMIT-004, HMX-LIMIT-002) and the ring count rules that
// depend on them (HMX-RING-004, HMX-RING-035 HMX-RING-036, HMX-EVENT-020 HMX-EVENT-021).
#include "util.h"

namespace {
using namespace conformance;
}  // namespace

// covers: HMX-RING-004 HMX-LIMIT-003 HMX-LIMIT-004 HMX-LIMIT-002 HMX-RING-035 HMX-RING-036 HMX-EVENT-020 HMX-EVENT-021
HMX_GUEST_TEST(limits_rings_per_domain, "HMX-RING-004 HMX-LIMIT-003 HMX-LIMIT-004 HMX-LIMIT-002 HMX-RING-035 HMX-RING-036 HMX-EVENT-020 HMX-EVENT-021") {
  const uint16_t me = ctx.domid();
  const unsigned have = ctx.persistent_rings();
  const unsigned room = HMX_MAX_RINGS_PER_DOMAIN - have;
  ring* rings[HMX_MAX_RINGS_PER_DOMAIN] = {};
  ctx.req("HMX-LIMIT-003 HMX-LIMIT-004");
  unsigned n = 0;
  for (; n < room; ++n) {
    rings[n] = ctx.new_ring(0xc0000 + n, me, 64);
    if (rings[n] == nullptr) return;
    if (!ctx.expect_rc(ctx.register_ring(rings[n]), 0, "ring %u of %u", n + have + 1, HMX_MAX_RINGS_PER_DOMAIN)) break;
  }
  ctx.req("HMX-RING-004");
  ring* extra = ctx.new_ring(0xc1000, me, 64);
  if (extra == nullptr) return;
  ctx.expect_rc(ctx.register_ring(extra), -HMX_ENOSPC, "ring %u", HMX_MAX_RINGS_PER_DOMAIN + 1);
  ctx.expect_rc(ctx.register_ring(rings[0], 0, true), -HMX_ENOSPC, "re-registering an existing ring at the limit");
  ctx.req("HMX-LIMIT-002");
  ctx.expect_rc(ctx.send_pattern(me, 0xc0000, 8, 1), 8, "the rings at the limit work");

  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ctx.req("HMX-EVENT-020 HMX-EVENT-021");
    uint64_t seen[2] = {0, 0};
    bool unique = true;
    for (unsigned i = 0; i < n; ++i) {
      const uint32_t x = rings[i]->header()->event_index;
      unique &= x < HMX_MAX_RINGS_PER_DOMAIN && (seen[x / 64] >> (x % 64) & 1) == 0;
      if (x < HMX_MAX_RINGS_PER_DOMAIN) seen[x / 64] |= uint64_t{1} << (x % 64);
    }
    ctx.check(unique, "event indices of %u rings are not unique in 0..127", n);
    // Freed on unregister (HMX-RING-035 HMX-RING-036): with every other index taken, a new ring must get
    // exactly the index just released.
    ctx.req("HMX-RING-035 HMX-RING-036");
    const uint32_t freed = rings[n / 2]->header()->event_index;
    ctx.expect_rc(ctx.unregister_ring(rings[n / 2]), 0, "unregister one ring");
    extra->header()->event_index = 0xffffffffu;
    ctx.expect_rc(ctx.register_ring(extra), 0, "register a new one in its place");
    ctx.expect_eq(extra->header()->event_index, freed, "event_index of the new ring (the only free one)");
  } else {
    ctx.req("HMX-RING-035 HMX-RING-036");
    ctx.expect_rc(ctx.unregister_ring(rings[n / 2]), 0, "unregister one ring");
    ctx.expect_rc(ctx.register_ring(extra), 0, "register a new one in its place");
    ctx.skip_req("HMX-EVENT-020 HMX-EVENT-021", "feature EVENT_PAGE is not offered");
  }
}

// covers: HMX-LIMIT-003 HMX-LIMIT-004
HMX_GUEST_TEST(limits_largest_requests, "HMX-LIMIT-003 HMX-LIMIT-004") {
  const uint16_t me = ctx.domid();
  // MAX_RING_LEN, when the domain has the memory (16 MiB + a header page).
  if (ctx.pages_left() > hmx::ring_npages(HMX_MAX_RING_LEN) + 64) {
    ring* big = ctx.make_ring(0xc2000, me, HMX_MAX_RING_LEN);
    if (big != nullptr) {
      const uint32_t size = 1u << 20;
      ctx.expect_rc(ctx.send_pattern(me, 0xc2000, size, 1), size, "a 1 MiB message into the MAX_RING_LEN ring");
      ctx.expect_rc(ctx.unregister_ring(big), 0, "unregister the MAX_RING_LEN ring");
    }
  } else {
    ctx.info("not enough memory for a MAX_RING_LEN ring (give the tester 128 MiB)");
  }
  // MAXIOV iovs, MAX_NOTIFY_COUNT entries, MAX_BATCH_ENTRIES entries.
  ring* r = ctx.make_ring(0xc2001, me, 8192 - 64);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  hmx_iov_t iovs[HMX_MAXIOV];
  for (uint32_t i = 0; i < HMX_MAXIOV; ++i) iovs[i] = hmx_iov_t{ctx.gpa(buf + 100 * i), 100, 0};
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0xc2001), iovs, HMX_MAXIOV), 100 * HMX_MAXIOV, "MAXIOV iovs");
  const size_t bytes = sizeof(hmx_ring_data_t) + HMX_MAX_NOTIFY_COUNT * sizeof(hmx_ring_data_ent_t);
  auto* rd = static_cast<hmx_ring_data_t*>(ctx.pages((bytes + 4095) / 4096));
  if (rd == nullptr) return;
  rd->nent = HMX_MAX_NOTIFY_COUNT;
  for (uint32_t i = 0; i < HMX_MAX_NOTIFY_COUNT; ++i) {
    rd->data[i] = hmx_ring_data_ent_t{};
    rd->data[i].ring = hmx::make_addr(0xc2001, me);
  }
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(rd)), 0, "MAX_NOTIFY_COUNT entries");
  ctx.check(rd->data[HMX_MAX_NOTIFY_COUNT - 1].flags & HMX_RING_EXISTS, "the last entry was processed");
  if (ctx.has_feature(HMX_FEATURE_BATCH)) {
    auto* l = static_cast<hmx_call_block_t*>(ctx.pages(1));
    if (l == nullptr) return;
    for (uint32_t i = 0; i < HMX_MAX_BATCH_ENTRIES; ++i) {
      l[i] = hmx_call_block_t{};
      l[i].op = HMX_OP_NOTIFY;
    }
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, ctx.gpa(l), HMX_MAX_BATCH_ENTRIES, 0), HMX_MAX_BATCH_ENTRIES,
                  "MAX_BATCH_ENTRIES entries");
  }
}
