// SPDX-License-Identifier: Apache-2.0
// The batch operation (spec 08-batching; HMX-BATCH-001..005).
#include "util.h"

namespace {

using namespace conformance;

constexpr int64_t kUnrun = 0x0badc0de;

hmx_call_block_t* list(context& ctx, uint32_t n) {
  auto* l = static_cast<hmx_call_block_t*>(ctx.pages((n * sizeof(hmx_call_block_t) + 4095) / 4096));
  if (l == nullptr) return nullptr;
  for (uint32_t i = 0; i < n; ++i) {
    l[i] = hmx_call_block_t{};
    l[i].op = HMX_OP_NOTIFY;
    l[i].result = kUnrun;
  }
  return l;
}

int64_t run(context& ctx, hmx_call_block_t* l, uint64_t count, uint64_t flags = 0) {
  return ctx.call(HMX_OP_BATCH, ctx.gpa(l), count, flags);
}

bool none_run(const hmx_call_block_t* l, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (l[i].result != kUnrun) return false;
  return true;
}

}  // namespace

// covers: HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018
HMX_GUEST_TEST(batch_errors, "HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018") {
  if (!ctx.has_feature(HMX_FEATURE_BATCH)) return ctx.skip("feature BATCH is not offered");
  hmx_call_block_t* l = list(ctx, HMX_MAX_BATCH_ENTRIES + 2);
  if (l == nullptr) return;
  ctx.req("HMX-BATCH-010");
  ctx.expect_rc(run(ctx, l, HMX_MAX_BATCH_ENTRIES + 1), -HMX_E2BIG, "count MAX_BATCH_ENTRIES + 1");
  ctx.expect_rc(run(ctx, l, 0xffffffffu), -HMX_E2BIG, "count 0xffffffff");
  ctx.req("HMX-BATCH-011");
  ctx.expect_rc(run(ctx, l, 0), -HMX_EINVAL, "count 0");
  ctx.req("HMX-BATCH-012");
  ctx.expect_rc(run(ctx, l, 1, 2), -HMX_EINVAL, "flags bit 1");
  ctx.expect_rc(run(ctx, l, 1, 0x80000000u), -HMX_EINVAL, "flags bit 31");
  ctx.req("HMX-BATCH-013");
  ctx.expect_rc(ctx.call(HMX_OP_BATCH, ctx.gpa(l) + 8, 1, 0), -HMX_EINVAL, "entries 8 bytes off alignment");
  ctx.expect_rc(ctx.call(HMX_OP_BATCH, ctx.plat().non_ram_gpa(), 1, 0), -HMX_EFAULT, "entries not in RAM");
  if (auto* tail = static_cast<hmx_call_block_t*>(ctx.ram_tail(sizeof(hmx_call_block_t)))) {
    *tail = hmx_call_block_t{};
    tail->op = HMX_OP_NOTIFY;
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, ctx.gpa(tail), 2, 0), -HMX_EFAULT, "a list running past the end of RAM");
  }
  ctx.req("HMX-BATCH-018");
  ctx.check(none_run(l, HMX_MAX_BATCH_ENTRIES + 2), "a batch that failed as a whole ran or wrote an entry");
  ctx.req("HMX-BATCH-016 HMX-BATCH-017");
  ctx.expect_rc(run(ctx, l, HMX_MAX_BATCH_ENTRIES), HMX_MAX_BATCH_ENTRIES, "count MAX_BATCH_ENTRIES");
  ctx.check(l[HMX_MAX_BATCH_ENTRIES].result == kUnrun, "an entry past count was written");
}

// covers: HMX-BATCH-014 HMX-BATCH-015 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018 HMX-BATCH-019 HMX-BATCH-020
HMX_GUEST_TEST(batch_semantics, "HMX-BATCH-014 HMX-BATCH-015 HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018 HMX-BATCH-019 HMX-BATCH-020") {
  if (!ctx.has_feature(HMX_FEATURE_BATCH)) return ctx.skip("feature BATCH is not offered");
  const uint16_t me = ctx.domid();
  ring* r = ctx.new_ring(0x90001, me, 512);
  auto* payload = static_cast<unsigned char*>(ctx.pages(1));
  hmx::batch<env> b(ctx.environment(0), 8);
  if (r == nullptr || payload == nullptr || !ctx.check(b.init_status().ok(), "batch scratch")) return;
  for (int i = 0; i < 64; ++i) payload[i] = pattern_byte(5, i);

  // In order, each complete before the next: register, send twice, query, unregister.
  ctx.req("HMX-BATCH-014 HMX-BATCH-015");
  const hmx::buffer buf{payload, 20};
  hmx_ring_data_ent_t q{};
  q.ring = hmx::make_addr(0x90001, me);
  (void)b.add_register_ring(r->registration());
  (void)b.add_sendv(hmx::make_addr(0x90001, me), &buf, 1, 7);
  (void)b.add_sendv(hmx::make_addr(0x90001, me), &buf, 1, 8);
  (void)b.add_notify(&q, 1);
  (void)b.add_raw(HMX_OP_BATCH, 0, 1, 0);
  (void)b.add_unregister_ring(0x90001, me);
  const hmx::result<uint32_t> n = ctx.client(0).run(b);
  ctx.check(n.ok() && *n == 6, "batch ran %u entries, want 6", n.value_or(0));
  ctx.expect_rc(b.entry_result(0), 0, "entry 0 register_ring");
  ctx.expect_rc(b.entry_result(1), 20, "entry 1 sendv");
  ctx.expect_rc(b.entry_result(2), 20, "entry 2 sendv");
  ctx.expect_rc(b.entry_result(3), 0, "entry 3 notify");
  ctx.check((q.flags & HMX_RING_EXISTS) != 0 && (q.flags & HMX_RING_EMPTY) == 0,
            "entry 3 saw the ring with the two messages (flags %#x)", q.flags);
  ctx.expect_rc(b.entry_result(4), -HMX_EINVAL, "entry 4: a nested batch");
  ctx.expect_rc(b.entry_result(5), 0, "entry 5 unregister_ring");
  uint32_t order = 0;
  (void)r->reader.for_each([&](const hmx::message_view& m) { order = order * 10 + m.message_type; });
  ctx.expect_eq(order, 78, "message types in ring order");
  // Each entry as if alone: the common checks too.
  hmx_call_block_t* l = list(ctx, 3);
  if (l == nullptr) return;
  l[0].flags = 1;
  l[1].arg[3] = uint64_t{1} << 32;
  l[2].op = 999;
  ctx.expect_rc(run(ctx, l, 3), 3, "batch of three refused entries");
  ctx.expect_rc(l[0].result, -HMX_EINVAL, "entry with flags 1");
  ctx.expect_rc(l[1].result, -HMX_EINVAL, "entry with arg4 = 2^32");
  ctx.expect_rc(l[2].result, -HMX_EOPNOTSUPP, "entry with op 999");

  // Only result fields are written (HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018).
  ctx.req("HMX-BATCH-016 HMX-BATCH-017 HMX-BATCH-018");
  hmx_call_block_t* w = list(ctx, 4);
  if (w == nullptr) return;
  for (uint32_t i = 0; i < 4; ++i) w[i].arg[1] = 0;  // notify(0): arg2..4 zero
  unsigned char* copy = util::snapshot(ctx, w, 4096);
  ctx.expect_rc(run(ctx, w, 3), 3, "batch of three notify(0)");
  bool only_results = copy != nullptr;
  for (uint32_t i = 0; i < 4 && only_results; ++i) {
    const auto* c = reinterpret_cast<const hmx_call_block_t*>(copy) + i;
    only_results &= w[i].op == c->op && w[i].flags == c->flags && util::same(w[i].arg, c->arg, sizeof c->arg);
  }
  only_results &= copy != nullptr && util::same(w + 4, copy + 4 * sizeof(hmx_call_block_t), 4096 - 4 * sizeof(hmx_call_block_t));
  ctx.check(only_results, "the batch wrote more than the result fields");
  ctx.check(w[0].result == 0 && w[2].result == 0 && w[3].result == kUnrun, "results of entries 0..2 only");

  // STOP_ON_ERROR (HMX-BATCH-019 HMX-BATCH-020).
  ctx.req("HMX-BATCH-019 HMX-BATCH-020");
  hmx_call_block_t* s = list(ctx, 4);
  if (s == nullptr) return;
  s[1].op = 999;
  ctx.expect_rc(run(ctx, s, 4, HMX_BATCH_FLAG_STOP_ON_ERROR), 2, "STOP_ON_ERROR stops after the failing entry");
  ctx.check(s[0].result == 0 && s[1].result == -HMX_EOPNOTSUPP && s[2].result == kUnrun && s[3].result == kUnrun,
            "STOP_ON_ERROR: results %ld %ld %ld %ld", static_cast<long>(s[0].result), static_cast<long>(s[1].result),
            static_cast<long>(s[2].result), static_cast<long>(s[3].result));
  for (uint32_t i = 0; i < 4; ++i) s[i].result = kUnrun;
  ctx.expect_rc(run(ctx, s, 4), 4, "without the flag every entry runs");
  ctx.check(s[2].result == 0 && s[3].result == 0, "without STOP_ON_ERROR the entries after the failure ran");
}

// covers: HMX-BATCH-002 HMX-SEC-002
HMX_GUEST_TEST(batch_read_once, "HMX-BATCH-002 HMX-SEC-002") {
  // The list lies in a ring's data; entry 0 sends a message that overwrites entry 1 with an
  // unknown op. Copied once before entry 0 runs, entry 1 still runs as null/notify.
  if (!ctx.has_feature(HMX_FEATURE_BATCH)) return ctx.skip("feature BATCH is not offered");
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x90010, me, 4096 - 64);
  auto* args = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || args == nullptr) return;
  // Message header at ring data 0, payload from 16: entries 0 and 1 (96 bytes) from data + 16.
  auto* l = reinterpret_cast<hmx_call_block_t*>(r->data() + 16);
  auto* image = reinterpret_cast<hmx_call_block_t*>(args + 1024);
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
  *sa = util::to(me, 0x90010);
  *iov = hmx_iov_t{ctx.gpa(image), 2 * sizeof(hmx_call_block_t), 0};
  l[0] = hmx_call_block_t{};
  l[0].op = HMX_OP_SENDV;
  l[0].arg[0] = ctx.gpa(sa);
  l[0].arg[1] = ctx.gpa(iov);
  l[0].arg[2] = 1;
  l[1] = hmx_call_block_t{};
  l[1].op = HMX_OP_NOTIFY;
  l[1].result = kUnrun;
  image[0] = l[0];
  image[1] = hmx_call_block_t{};
  image[1].op = 999;
  image[1].result = kUnrun;  // stays if entry 1 does not run at all
  ctx.expect_rc(run(ctx, l, 2), 2, "batch of two");
  ctx.expect_rc(l[0].result, 2 * sizeof(hmx_call_block_t), "entry 0 sendv over the list");
  ctx.expect_eq(l[1].op, 999, "entry 1's op in memory after the batch (the payload's)");
  ctx.expect_rc(l[1].result, 0, "entry 1 ran as read before entry 0 (notify), not as rewritten (op 999)");
}
