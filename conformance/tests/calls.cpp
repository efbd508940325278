// SPDX-License-Identifier: Apache-2.0
// Rules common to every operation (spec 06-operations "Rules common to all operations";
// HMX-MECH-006..009, HMX-MECH-011): the common checks, unused arguments, the order of the error
// tables, and null.
#include "util.h"

namespace {

using namespace conformance;

constexpr uint64_t kWide = uint64_t{1} << 32;  // one more than fits arg3/arg4

struct feature_op {
  uint32_t bit;
  uint32_t op;
  const char* name;
};
constexpr feature_op kFeatureOps[] = {
    {HMX_FEATURE_NULL_OP_BIT, HMX_OP_NULL, "null"},
    {HMX_FEATURE_BATCH_BIT, HMX_OP_BATCH, "batch"},
    {HMX_FEATURE_EVENT_PAGE_BIT, HMX_OP_SET_EVENT_PAGE, "set_event_page"},
    {HMX_FEATURE_VECTOR_BIT, HMX_OP_SET_VECTOR, "set_vector"},
    {HMX_FEATURE_SUBMIT_QUEUE_BIT, HMX_OP_SET_SUBMIT_QUEUE, "set_submit_queue"},
    {HMX_FEATURE_SUBMIT_QUEUE_BIT, HMX_OP_SUBMIT, "submit"},
};

int64_t with_flags(context& ctx, uint32_t op, uint32_t flags, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                   uint64_t a4 = 0) {
  hmx_call_block_t b{};
  b.op = op;
  b.flags = flags;
  b.arg[0] = a1;
  b.arg[1] = a2;
  b.arg[2] = a3;
  b.arg[3] = a4;
  return ctx.call_block(b);
}

}  // namespace

// covers: HMX-MECH-031 HMX-MECH-032
HMX_GUEST_TEST(call_common_checks, "HMX-MECH-031 HMX-MECH-032") {
  // 1. flags (call-block conduits: Xen's hypercall has none), arg3, arg4: EINVAL before anything
  //    else, even for unknown operations.
  ctx.req("HMX-MECH-031");
  if (ctx.call_blocks()) {
    ctx.expect_rc(with_flags(ctx, HMX_OP_NOTIFY, 1), -HMX_EINVAL, "notify with call block flags 1");
    ctx.expect_rc(with_flags(ctx, HMX_OP_NOTIFY, 0x80000000u), -HMX_EINVAL, "notify with flags bit 31");
    ctx.expect_rc(with_flags(ctx, 999, 1), -HMX_EINVAL, "unknown op 999 with flags 1");
  }
  ctx.expect_rc(ctx.call(999, 0, 0, kWide), -HMX_EINVAL, "unknown op 999 with arg3 = 2^32");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, 0, 0, 0, kWide), -HMX_EINVAL, "notify with arg4 = 2^32");
  ctx.expect_rc(ctx.call(HMX_OP_UNREGISTER_RING, 0, 0, ~uint64_t{0}), -HMX_EINVAL, "unregister_ring with arg3 = ~0");
  // 2. unknown operations, and operations of features not offered: EOPNOTSUPP.
  ctx.req("HMX-MECH-032");
  const uint32_t unknown[] = {0, 5, 8, 15, 26, 27, 255, 0x7fffffff, 0xffffffff};
  for (uint32_t op : unknown) ctx.expect_rc(ctx.call(op), -HMX_EOPNOTSUPP, "unknown op %u", op);
  for (const feature_op& f : kFeatureOps)
    if (!ctx.has_feature(__builtin_ctz(f.bit)))
      ctx.expect_rc(ctx.call(f.op), -HMX_EOPNOTSUPP, "%s without its feature", f.name);
}

// covers: HMX-MECH-007
HMX_GUEST_TEST(call_unused_args, "HMX-MECH-007") {
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  if (page == nullptr) return;
  auto* unreg = reinterpret_cast<hmx_unregister_ring_t*>(page);
  *unreg = hmx_unregister_ring_t{0x30001, ctx.domid(), 0};  // no such ring: ENOENT if it got there
  ctx.expect_rc(ctx.call(HMX_OP_UNREGISTER_RING, ctx.gpa(unreg), 1), -HMX_EINVAL, "unregister_ring with arg2 = 1");
  ctx.expect_rc(ctx.call(HMX_OP_UNREGISTER_RING, ctx.gpa(unreg), 0, 0, 1), -HMX_EINVAL, "unregister_ring with arg4 = 1");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, 0, 1), -HMX_EINVAL, "notify with arg2 = 1");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, 0, 0, 1), -HMX_EINVAL, "notify with arg3 = 1");
  if (ctx.has_feature(HMX_FEATURE_NULL_OP)) {
    ctx.expect_rc(ctx.call(HMX_OP_NULL, 1), -HMX_EINVAL, "null with arg1 = 1");
    ctx.expect_rc(ctx.call(HMX_OP_NULL, 0, 0, 0, 1), -HMX_EINVAL, "null with arg4 = 1");
  }
  if (ctx.has_feature(HMX_FEATURE_BATCH)) {
    auto* list = reinterpret_cast<hmx_call_block_t*>(page + 1024);
    *list = hmx_call_block_t{};
    list->op = HMX_OP_NOTIFY;
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, ctx.gpa(list), 1, 0, 1), -HMX_EINVAL, "batch with arg4 = 1");
  }
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE))
    ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, 0, 1), -HMX_EINVAL, "set_event_page with arg2 = 1");
  if (ctx.has_feature(HMX_FEATURE_VECTOR))
    ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET, 1), -HMX_EINVAL, "set_vector with arg3 = 1");
}

// covers: HMX-MECH-008 HMX-RING-007
HMX_GUEST_TEST(call_error_order, "HMX-MECH-008 HMX-RING-007") {
  const uint64_t nonram = ctx.plat().non_ram_gpa();
  const uint64_t end = ctx.plat().ram_end();
  const uint16_t me = ctx.domid();
  ctx.req("HMX-MECH-008");

  // register_ring: rows 1-15 (06-operations, "Errors of register_ring, in order").
  ring* r = ctx.new_ring(0x30010, me, 256);
  if (r == nullptr) return;
  uint64_t* gfns = util::gfns_of(ctx, *r);
  auto* reg = ctx.alloc<hmx_register_ring_t>();
  if (gfns == nullptr || reg == nullptr) return;
  *reg = util::reg_of(*r);
  const uint64_t rg = ctx.gpa(reg), gg = ctx.gpa(gfns);
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, nonram, nonram, HMX_MAX_RING_PAGES + 1, 0x8), -HMX_EINVAL,
                "register_ring rows 1/2: npages > MAX_RING_PAGES before the frame list");
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, nonram, nonram, 1, 0x8), -HMX_EFAULT,
                "register_ring rows 2/3: frame list not in RAM before bad flags");
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, nonram, gg, 1, 0x8), -HMX_EINVAL,
                "register_ring rows 3/4: bad flags before the structure");
  reg->len = 40;
  reg->partner_id = absent_domain;
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, nonram, gg, 1, 0), -HMX_EFAULT,
                "register_ring rows 4/5: structure not in RAM");
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, rg, gg, 1, 0), -HMX_EINVAL,
                "register_ring rows 5/7: bad len before an absent partner");
  reg->len = r->len;
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, rg, gg, 1, 0), -HMX_ESRCH, "register_ring row 7: absent partner");
  if (ctx.denied_id() != no_domain) {
    reg->partner_id = ctx.denied_id();
    ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, rg, gg, 1, 0), -HMX_EACCES,
                  "register_ring row 8: partner the policy denies");
  }
  reg->partner_id = me;
  ctx.expect_rc(ctx.register_ring(r), 0, "register_ring valid");
  gfns[0] = end >> 12;
  ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, rg, gg, 1, HMX_REGISTER_FLAG_FAIL_EXIST), -HMX_EEXIST,
                "register_ring rows 13/15: FAIL_EXIST before a bad frame");

  // sendv: rows 1-14.
  auto* args = static_cast<unsigned char*>(ctx.pages(1));
  if (args == nullptr) return;
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
  const uint64_t sg = ctx.gpa(sa), ig = ctx.gpa(iov);
  *sa = util::to(me, 0x30010);
  sa->src.pad = 1;
  *iov = hmx_iov_t{ctx.gpa(args + 2048), 16, 0};
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, nonram, ig, HMX_MAXIOV + 1, 0), -HMX_EFAULT,
                "sendv rows 1/2: send_addr not in RAM before niov > MAXIOV");
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, nonram, HMX_MAXIOV + 1, 0), -HMX_EINVAL,
                "sendv rows 2/3: niov > MAXIOV before the iov array");
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, nonram, 1, 0), -HMX_EFAULT, "sendv rows 3/4: iov array before pads");
  sa->src = hmx::make_addr(0, static_cast<uint16_t>(me + 1));
  sa->dst.pad = 1;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EINVAL, "sendv rows 4/5: dst.pad before src.domain_id");
  sa->dst = hmx::make_addr(0x30010, absent_domain);
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EPERM, "sendv rows 5/6: src.domain_id before dst");
  sa->src = hmx::any_source;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_ESRCH, "sendv row 6: absent destination");
  if (ctx.denied_id() != no_domain) {
    sa->dst = hmx::make_addr(0x30011, ctx.denied_id());
    iov->pad = 1;
    ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EACCES, "sendv rows 7/10/11: policy before ring and iovs");
    iov->pad = 0;
  }
  sa->dst = hmx::make_addr(0x30011, me);
  iov->pad = 1;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_ECONNREFUSED, "sendv rows 10/11: no ring before iov pad");
  sa->dst = hmx::make_addr(0x30010, me);
  iov->iov_len = 4096;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EINVAL, "sendv rows 11/12: iov pad before EMSGSIZE");
  iov->pad = 0;
  iov->iov_hnd = nonram;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EMSGSIZE, "sendv rows 12/14: EMSGSIZE before the buffer");
  iov->iov_len = 16;
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, sg, ig, 1, 0), -HMX_EFAULT, "sendv row 14: buffer not in RAM");
  ctx.check(r->reader.empty() && r->header()->tx_ptr == 0, "failed sendv calls changed the ring");

  // notify: rows 1-7.
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, nonram, 1), -HMX_EINVAL, "notify rows 1/4: arg2 before ring_data");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, nonram), -HMX_EFAULT, "notify row 4: ring_data not in RAM");
  auto* rd = reinterpret_cast<hmx_ring_data_t*>(args + 4096 - sizeof(hmx_ring_data_t));
  rd->nent = HMX_MAX_NOTIFY_COUNT + 1;
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(rd)), -HMX_EACCES, "notify rows 5/6: nent before the entries");
  if (auto* tail = static_cast<hmx_ring_data_t*>(ctx.ram_tail(sizeof(hmx_ring_data_t)))) {
    // The header is the last 8 bytes of RAM, so no entry is: nent is still checked first.
    *tail = hmx_ring_data_t{HMX_MAX_NOTIFY_COUNT + 1, 0};
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(tail)), -HMX_EACCES, "notify rows 5/6: nent, entries past RAM");
    tail->nent = 1;
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(tail)), -HMX_EFAULT, "notify row 6: entries past the end of RAM");
  }

  // batch: rows 1-7.
  if (ctx.has_feature(HMX_FEATURE_BATCH)) {
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, nonram + 8, HMX_MAX_BATCH_ENTRIES + 1, 2), -HMX_EINVAL,
                  "batch rows 3/5: flags before E2BIG");
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, nonram + 8, 0, 0), -HMX_EINVAL, "batch row 4: count 0");
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, nonram + 8, HMX_MAX_BATCH_ENTRIES + 1, 0), -HMX_E2BIG,
                  "batch rows 5/6: E2BIG before alignment");
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, nonram + 8, 1, 0), -HMX_EINVAL, "batch rows 6/7: alignment before RAM");
    ctx.expect_rc(ctx.call(HMX_OP_BATCH, nonram, 1, 0), -HMX_EFAULT, "batch row 7: list not in RAM");
  }
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE))
    ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, nonram | 0x2 | 1), -HMX_EINVAL,
                  "set_event_page rows 3/4: reserved bits before RAM");

  // Failed registrations left no ring behind and did not count (HMX-RING-007).
  ctx.req("HMX-RING-007");
  ctx.expect_rc(ctx.unregister_raw(0x30010, absent_domain), -HMX_ENOENT, "no ring for the absent partner");
  if (ctx.denied_id() != no_domain)
    ctx.expect_rc(ctx.unregister_raw(0x30010, ctx.denied_id()), -HMX_ENOENT, "no ring for the denied partner");
  ctx.expect_rc(ctx.unregister_ring(r), 0, "the one valid ring unregisters");
  ctx.expect_rc(ctx.unregister_raw(0x30010, me), -HMX_ENOENT, "and only once");
}

// covers: HMX-MECH-011
HMX_GUEST_TEST(call_null, "HMX-MECH-011") {
  if (!ctx.has_feature(HMX_FEATURE_NULL_OP)) return ctx.skip("feature NULL_OP is not offered");
  ring* r = ctx.make_ring(0x30020, ctx.domid(), 256);
  if (r == nullptr) return;
  const uint32_t tx = r->header()->tx_ptr;
  for (int i = 0; i < 100; ++i)
    if (!ctx.expect_rc(ctx.call(HMX_OP_NULL), 0, "null, call %d", i)) break;
  ctx.check(r->header()->tx_ptr == tx && r->reader.empty(), "null changed a ring");
  ctx.expect_rc(ctx.unregister_ring(r), 0, "the ring is still there after null calls");
}
