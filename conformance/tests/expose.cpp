// SPDX-License-Identifier: Apache-2.0
// Exposures (spec exposures, feature EXPOSE): expose, fetch, deposit, revoke between the tester
// and the peer agent, and what the denied domain's exposure is worth to the tester (a third
// domain). Targets without EXPOSE must answer EOPNOTSUPP; the rest is then NOT SUPPORTED.
#include "util.h"

namespace {

using namespace conformance;

bool offered(context& ctx) { return ctx.call_blocks() && ctx.has_feature(HMX_FEATURE_EXPOSE); }

int64_t expose(context& ctx, const void* range, uint32_t len, uint16_t peer, uint16_t access, uint32_t uses = 1,
               uint32_t pad = 0) {
  auto* x = ctx.alloc<hmx_expose_t>();
  if (x == nullptr) return -HMX_ENOMEM;
  x->gpa = ctx.gpa(range);
  x->len = len;
  x->peer_id = peer;
  x->access = access;
  x->uses = uses;
  x->pad = pad;
  return ctx.call(HMX_OP_EXPOSE, ctx.gpa(x));
}

int64_t copy(context& ctx, uint32_t op, uint16_t owner, uint64_t handle, uint64_t offset, void* buf, uint32_t len,
             uint16_t pad = 0) {
  auto* x = ctx.alloc<hmx_expose_copy_t>();
  if (x == nullptr) return -HMX_ENOMEM;
  x->handle = handle;
  x->offset = offset;
  x->gpa = ctx.gpa(buf);
  x->len = len;
  x->owner_id = owner;
  x->pad = pad;
  return ctx.call(op, ctx.gpa(x));
}

// The agent's commands.
peer::reply agent_expose(context& ctx, uint16_t to, uint16_t access, uint32_t len, uint32_t seed, uint32_t uses) {
  peer::command c{};
  c.op = peer::op_expose;
  c.domain = to;
  c.flags = access;
  c.len = len;
  c.seed = seed;
  c.count = uses;
  return ctx.peer()->call(c);
}
peer::reply agent_copy(context& ctx, bool deposit, uint16_t owner, uint64_t handle, uint32_t offset, uint32_t len,
                       uint32_t seed = 0) {
  peer::command c{};
  c.op = peer::op_copy;
  c.flags = deposit ? 1 : 0;
  c.domain = owner;
  c.seed = static_cast<uint32_t>(handle);
  c.reserved = static_cast<uint32_t>(handle >> 32);
  c.aport = offset;
  c.len = len;
  c.count = seed;
  return ctx.peer()->call(c);
}
int64_t agent_revoke(context& ctx, uint64_t handle) {
  peer::command c{};
  c.op = peer::op_revoke;
  c.seed = static_cast<uint32_t>(handle);
  c.reserved = static_cast<uint32_t>(handle >> 32);
  return ctx.peer()->call(c).result;
}

uint32_t sum(const unsigned char* p, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; ++i) s += p[i];
  return s;
}
uint32_t pattern_sum(uint32_t seed, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; ++i) s += pattern_byte(seed, i);
  return s;
}

}  // namespace

// covers: HMX-XPOSE-013
HMX_GUEST_TEST(expose_not_offered, "HMX-XPOSE-013") {
  if (offered(ctx)) return ctx.skip("feature EXPOSE is offered: expose_* test the operations");
  if (!ctx.call_blocks()) return ctx.skip("operations 22-25 exist only behind call blocks (Xen's Argo has none)");
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  if (page == nullptr) return;
  ctx.expect_rc(expose(ctx, page, 64, ctx.peer_id(), HMX_EXPOSE_READ), -HMX_EOPNOTSUPP, "expose without EXPOSE");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, ctx.peer_id(), 1 << 16, 0, page, 16), -HMX_EOPNOTSUPP, "fetch without EXPOSE");
  ctx.expect_rc(copy(ctx, HMX_OP_DEPOSIT, ctx.peer_id(), 1 << 16, 0, page, 16), -HMX_EOPNOTSUPP, "deposit without EXPOSE");
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, 1 << 16), -HMX_EOPNOTSUPP, "revoke without EXPOSE");
}

// covers: HMX-XPOSE-002 HMX-XPOSE-003 HMX-XPOSE-004 HMX-XPOSE-005 HMX-XPOSE-006 HMX-XPOSE-007 HMX-XPOSE-008 HMX-XPOSE-011 HMX-XPOSE-012 HMX-XPOSE-031 HMX-XPOSE-033 HMX-XPOSE-001
HMX_GUEST_TEST(expose_errors, "HMX-XPOSE-002 HMX-XPOSE-003 HMX-XPOSE-004 HMX-XPOSE-005 HMX-XPOSE-006 HMX-XPOSE-007 HMX-XPOSE-008 HMX-XPOSE-011 HMX-XPOSE-012 HMX-XPOSE-031 HMX-XPOSE-033 HMX-XPOSE-001") {
  if (!offered(ctx)) return ctx.skip("feature EXPOSE is not offered");
  if (!util::need_peer(ctx, "HMX-XPOSE-002")) return;
  const uint16_t peer_id = ctx.peer_id();
  auto* range = static_cast<unsigned char*>(ctx.pages(1));
  auto* x = ctx.alloc<hmx_expose_t>();
  if (range == nullptr || x == nullptr) return;
  *x = hmx_expose_t{ctx.gpa(range), 4096, peer_id, HMX_EXPOSE_READ, 1, 0};
  ctx.req("HMX-XPOSE-002");
  ctx.expect_rc(ctx.call(HMX_OP_EXPOSE, ctx.gpa(x), 1), -HMX_EINVAL, "arg2 nonzero");
  ctx.expect_rc(ctx.call(HMX_OP_EXPOSE, ctx.gpa(x), 0, 0, 1), -HMX_EINVAL, "arg4 nonzero");
  ctx.req("HMX-XPOSE-003");
  ctx.expect_rc(ctx.call(HMX_OP_EXPOSE, ctx.plat().non_ram_gpa()), -HMX_EFAULT, "expose structure not in RAM");
  ctx.req("HMX-XPOSE-004");
  ctx.expect_rc(expose(ctx, range, 4096, peer_id, 0), -HMX_EINVAL, "access 0");
  ctx.expect_rc(expose(ctx, range, 4096, peer_id, 0x4), -HMX_EINVAL, "access bit 2");
  ctx.req("HMX-XPOSE-005");
  ctx.expect_rc(expose(ctx, range, 0, peer_id, HMX_EXPOSE_READ), -HMX_EINVAL, "len 0");
  ctx.expect_rc(expose(ctx, range, HMX_EXPOSE_MAX_BYTES + 1, peer_id, HMX_EXPOSE_READ), -HMX_EINVAL, "len above EXPOSE_MAX_BYTES");
  ctx.req("HMX-XPOSE-006");
  ctx.expect_rc(expose(ctx, range, 4096, peer_id, HMX_EXPOSE_READ, 0), -HMX_EINVAL, "uses 0");
  ctx.expect_rc(expose(ctx, range, 4096, peer_id, HMX_EXPOSE_READ, 1, 1), -HMX_EINVAL, "pad nonzero");
  ctx.req("HMX-XPOSE-007");
  ctx.expect_rc(expose(ctx, range, 4096, ctx.domid(), HMX_EXPOSE_READ), -HMX_EINVAL, "peer = the caller");
  ctx.expect_rc(expose(ctx, range, 4096, HMX_DOMID_ANY, HMX_EXPOSE_READ), -HMX_EINVAL, "peer DOMID_ANY");
  ctx.req("HMX-XPOSE-008");
  // no_domain (0xFFFF) is at or above DOMID_SELF_ASSIGNED_LIMIT (EINVAL above); the id just below the
  // limit is assignable, and no domain of a conformance run has it.
  ctx.expect_rc(expose(ctx, range, 4096, HMX_DOMID_SELF_ASSIGNED_LIMIT - 1, HMX_EXPOSE_READ), -HMX_ESRCH,
                "peer: no such domain");
  ctx.req("HMX-XPOSE-011");
  if (void* tail = ctx.ram_tail(4096)) {
    auto* e = ctx.alloc<hmx_expose_t>();
    if (e != nullptr) {
      *e = hmx_expose_t{ctx.gpa(tail), 8192, peer_id, HMX_EXPOSE_READ, 1, 0};
      ctx.expect_rc(ctx.call(HMX_OP_EXPOSE, ctx.gpa(e)), -HMX_EFAULT, "a range running past the end of RAM");
    }
  }
  ctx.req("HMX-XPOSE-001 HMX-XPOSE-012 HMX-XPOSE-031 HMX-XPOSE-033");
  // Fill the table: every handle nonzero and positive; one more is ENOSPC; revoke them all.
  static int64_t handles[HMX_EXPOSE_MAX_PER_DOMAIN];
  uint32_t n = 0;
  bool good = true;
  for (; n < HMX_EXPOSE_MAX_PER_DOMAIN; ++n) {
    handles[n] = expose(ctx, range, 4096, peer_id, HMX_EXPOSE_READ);
    if (handles[n] <= 0) break;
    for (uint32_t k = 0; k < n && good; ++k) good = handles[k] != handles[n];
  }
  ctx.check(good, "two live exposures share a handle");
  ctx.expect_eq(n, HMX_EXPOSE_MAX_PER_DOMAIN, "live exposures when the table filled");
  ctx.expect_rc(n < HMX_EXPOSE_MAX_PER_DOMAIN ? handles[n] : expose(ctx, range, 4096, peer_id, HMX_EXPOSE_READ),
                -HMX_ENOSPC, "one exposure more than EXPOSE_MAX_PER_DOMAIN");
  const uint32_t made = n < HMX_EXPOSE_MAX_PER_DOMAIN ? n : HMX_EXPOSE_MAX_PER_DOMAIN;
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(handles[0]), 1), -HMX_EINVAL, "revoke arg2 nonzero");
  for (uint32_t k = 0; k < made; ++k)
    if (!ctx.expect_rc(ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(handles[k])), 0, "revoke")) break;
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(handles[0])), -HMX_ENOENT, "revoke twice");
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, 0), -HMX_ENOENT, "revoke 0");
}

// covers: HMX-XPOSE-014 HMX-XPOSE-015 HMX-XPOSE-026 HMX-XPOSE-032
HMX_GUEST_TEST(expose_peer_copies, "HMX-XPOSE-014 HMX-XPOSE-015 HMX-XPOSE-026 HMX-XPOSE-032") {
  if (!offered(ctx)) return ctx.skip("feature EXPOSE is not offered");
  if (!util::need_peer(ctx, "HMX-XPOSE-014")) return;
  auto* range = static_cast<unsigned char*>(ctx.pages(2));
  if (range == nullptr) return;
  for (uint32_t i = 0; i < 8192; ++i) range[i] = pattern_byte(31, i);
  // The peer fetches out of our range, twice; the third fetch finds the exposure ended.
  ctx.req("HMX-XPOSE-014 HMX-XPOSE-026");
  const int64_t h = expose(ctx, range, 8192, ctx.peer_id(), HMX_EXPOSE_READ, 2);
  if (!ctx.check(h > 0, "expose READ to the peer: %ld", static_cast<long>(h))) return;
  peer::reply r = agent_copy(ctx, false, ctx.domid(), static_cast<uint64_t>(h), 100, 4000);
  ctx.expect_rc(r.result, 4000, "peer: fetch 4000 bytes at offset 100");
  ctx.expect_eq(r.checksum, sum(range + 100, 4000), "the bytes the peer fetched");
  ctx.expect_rc(agent_copy(ctx, false, ctx.domid(), static_cast<uint64_t>(h), 0, 8192).result, 8192, "peer: second use");
  ctx.expect_rc(agent_copy(ctx, false, ctx.domid(), static_cast<uint64_t>(h), 0, 16).result, -HMX_ENOENT, "peer: third use");
  // The peer deposits into our range at an offset; the bytes around stay.
  ctx.req("HMX-XPOSE-015");
  __builtin_memset(range, 0, 8192);
  const int64_t w = expose(ctx, range, 4096, ctx.peer_id(), HMX_EXPOSE_WRITE, 1);
  if (!ctx.check(w > 0, "expose WRITE to the peer")) return;
  ctx.expect_rc(agent_copy(ctx, true, ctx.domid(), static_cast<uint64_t>(w), 50, 1000, 33).result, 1000, "peer: deposit");
  bool same = range[49] == 0 && range[1050] == 0;
  for (uint32_t i = 0; i < 1000 && same; ++i) same = range[50 + i] == pattern_byte(33, i);
  ctx.check(same, "the deposited bytes, at offset 50 and nowhere else");
  // After revoke, the peer's copy finds nothing and our memory stays ours.
  ctx.req("HMX-XPOSE-032");
  const int64_t v = expose(ctx, range, 4096, ctx.peer_id(), HMX_EXPOSE_WRITE, 10);
  if (!ctx.check(v > 0, "expose WRITE to the peer")) return;
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(v)), 0, "revoke");
  __builtin_memset(range, 0x5a, 4096);
  ctx.expect_rc(agent_copy(ctx, true, ctx.domid(), static_cast<uint64_t>(v), 0, 4096, 34).result, -HMX_ENOENT,
                "peer: deposit after revoke");
  ctx.check(util::all(range, 0x5a, 4096), "a revoked range was written");
}

// covers: HMX-XPOSE-014 HMX-XPOSE-015 HMX-XPOSE-018 HMX-XPOSE-019 HMX-XPOSE-020 HMX-XPOSE-021 HMX-XPOSE-022 HMX-XPOSE-023 HMX-XPOSE-027 HMX-XPOSE-028 HMX-XPOSE-029 HMX-XPOSE-031
HMX_GUEST_TEST(expose_tester_copies, "HMX-XPOSE-014 HMX-XPOSE-015 HMX-XPOSE-018 HMX-XPOSE-019 HMX-XPOSE-020 HMX-XPOSE-021 HMX-XPOSE-022 HMX-XPOSE-023 HMX-XPOSE-027 HMX-XPOSE-028 HMX-XPOSE-029 HMX-XPOSE-031") {
  if (!offered(ctx)) return ctx.skip("feature EXPOSE is not offered");
  if (!util::need_peer(ctx, "HMX-XPOSE-014")) return;
  const uint16_t owner = ctx.peer_id();
  auto* buf = static_cast<unsigned char*>(ctx.pages(2));
  if (buf == nullptr) return;
  // The peer offers 4096 bytes of pattern 41 to us, read and write, 3 uses.
  const peer::reply e = agent_expose(ctx, ctx.domid(), HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 4096, 41, 3);
  if (!ctx.check(e.result > 0, "peer: expose to us: %ld", static_cast<long>(e.result))) return;
  const auto h = static_cast<uint64_t>(e.result);
  ctx.req("HMX-XPOSE-020 HMX-XPOSE-027");
  __builtin_memset(buf, 0x77, 8192);
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 4096, buf, 1), -HMX_EINVAL, "offset at the end");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 1, buf, 4096), -HMX_EINVAL, "one byte past the end");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, ~uint64_t{0} - 8, buf, 16), -HMX_EINVAL, "offset + len wraps");
  ctx.expect_rc(copy(ctx, HMX_OP_DEPOSIT, owner, h, ~uint64_t{0}, buf, 1), -HMX_EINVAL, "deposit: offset + len wraps");
  ctx.req("HMX-XPOSE-021 HMX-XPOSE-027");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 0, buf, 0), -HMX_EINVAL, "len 0");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 0, buf, HMX_CALL_BYTE_BUDGET + 1), -HMX_EINVAL, "len above CALL_BYTE_BUDGET");
  ctx.req("HMX-XPOSE-022 HMX-XPOSE-027");
  if (void* tail = ctx.ram_tail(16)) {
    auto* x = ctx.alloc<hmx_expose_copy_t>();
    if (x != nullptr) {
      *x = hmx_expose_copy_t{h, 0, ctx.gpa(tail), 32, owner, 0};
      ctx.expect_rc(ctx.call(HMX_OP_FETCH, ctx.gpa(x)), -HMX_EFAULT, "our buffer runs past the end of RAM");
    }
  }
  ctx.req("HMX-XPOSE-028");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 0, buf, 16, /*pad=*/1), -HMX_EINVAL, "pad nonzero");
  if (auto* x = ctx.alloc<hmx_expose_copy_t>()) {
    *x = hmx_expose_copy_t{h, 0, ctx.gpa(buf), 16, owner, 0};
    ctx.expect_rc(ctx.call(HMX_OP_FETCH, ctx.gpa(x), 1), -HMX_EINVAL, "arg2 nonzero");
    ctx.expect_rc(ctx.call(HMX_OP_DEPOSIT, ctx.gpa(x), 0, 1), -HMX_EINVAL, "arg3 nonzero");
  }
  ctx.req("HMX-XPOSE-029");
  ctx.expect_rc(ctx.call(HMX_OP_FETCH, ctx.plat().non_ram_gpa()), -HMX_EFAULT, "structure not in RAM");
  ctx.req("HMX-XPOSE-023");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, no_domain, h, 0, buf, 16), -HMX_ESRCH, "owner: no such domain");
  ctx.req("HMX-XPOSE-027");
  ctx.check(util::all(buf, 0x77, 8192), "a failed copy wrote our buffer");
  // All three uses are still there.
  ctx.req("HMX-XPOSE-014");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 0, buf, 4096), 4096, "fetch the whole exposure");
  bool same = true;
  for (uint32_t i = 0; i < 4096 && same; ++i) same = buf[i] == pattern_byte(41, i);
  ctx.check(same, "the fetched bytes are the peer's");
  ctx.req("HMX-XPOSE-015");
  for (uint32_t i = 0; i < 512; ++i) buf[i] = pattern_byte(42, i);
  ctx.expect_rc(copy(ctx, HMX_OP_DEPOSIT, owner, h, 1024, buf, 512), 512, "deposit 512 bytes at 1024");
  peer::command q{};
  q.op = peer::op_expose_sum;
  q.len = 4096;
  const uint32_t expect = pattern_sum(41, 4096) - [] {
    uint32_t s = 0;
    for (uint32_t i = 1024; i < 1536; ++i) s += pattern_byte(41, i);
    return s;
  }() + pattern_sum(42, 512);
  ctx.expect_eq(ctx.peer()->call(q).checksum, expect, "the peer's range after our deposit");
  ctx.req("HMX-XPOSE-031");
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, h), -HMX_ENOENT, "revoke of the peer's exposure by us");
  ctx.expect_rc(agent_revoke(ctx, h), 0, "peer: revoke");
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, h, 0, buf, 16), -HMX_ENOENT, "fetch after the peer revoked");
  // Access per direction.
  ctx.req("HMX-XPOSE-018 HMX-XPOSE-019");
  const peer::reply ro = agent_expose(ctx, ctx.domid(), HMX_EXPOSE_READ, 4096, 43, 2);
  const peer::reply wo = agent_expose(ctx, ctx.domid(), HMX_EXPOSE_WRITE, 4096, 44, 2);
  if (ctx.check(ro.result > 0 && wo.result > 0, "peer: read-only and write-only exposures")) {
    ctx.expect_rc(copy(ctx, HMX_OP_DEPOSIT, owner, static_cast<uint64_t>(ro.result), 0, buf, 16), -HMX_EPERM,
                  "deposit into a read-only exposure");
    ctx.expect_rc(copy(ctx, HMX_OP_FETCH, owner, static_cast<uint64_t>(wo.result), 0, buf, 16), -HMX_EPERM,
                  "fetch from a write-only exposure");
    (void)agent_revoke(ctx, static_cast<uint64_t>(ro.result));
    (void)agent_revoke(ctx, static_cast<uint64_t>(wo.result));
  }
}

// covers: HMX-XPOSE-009 HMX-XPOSE-010 HMX-XPOSE-016 HMX-XPOSE-039
HMX_GUEST_TEST(expose_third_domain, "HMX-XPOSE-009 HMX-XPOSE-010 HMX-XPOSE-016 HMX-XPOSE-039") {
  if (!offered(ctx)) return ctx.skip("feature EXPOSE is not offered");
  if (!util::need_peer(ctx, "HMX-XPOSE-016") || !util::need_denied(ctx, "HMX-XPOSE-009")) return;
  auto* range = static_cast<unsigned char*>(ctx.pages(1));
  if (range == nullptr) return;
  // policy.textproto: the tester may not send to the denied domain, nor it to us.
  ctx.req("HMX-XPOSE-009");
  ctx.expect_rc(expose(ctx, range, 4096, ctx.denied_id(), HMX_EXPOSE_READ), -HMX_EACCES, "READ to a domain we may not send to");
  ctx.req("HMX-XPOSE-010");
  ctx.expect_rc(expose(ctx, range, 4096, ctx.denied_id(), HMX_EXPOSE_WRITE), -HMX_EACCES,
                "WRITE for a domain that may not send to us");
  // The peer may send to the denied domain (not the reverse): it exposes READ to it, and we hold
  // the handle.
  ctx.req("HMX-XPOSE-016 HMX-XPOSE-039");
  const peer::reply e = agent_expose(ctx, ctx.denied_id(), HMX_EXPOSE_READ, 4096, 51, 100);
  if (!ctx.check(e.result > 0, "peer: expose to the denied domain: %ld", static_cast<long>(e.result))) return;
  const auto h = static_cast<uint64_t>(e.result);
  __builtin_memset(range, 0x66, 4096);
  ctx.expect_rc(copy(ctx, HMX_OP_FETCH, ctx.peer_id(), h, 0, range, 64), -HMX_ENOENT, "fetch with another domain's handle");
  ctx.expect_rc(copy(ctx, HMX_OP_DEPOSIT, ctx.peer_id(), h, 0, range, 64), -HMX_ENOENT, "deposit with another domain's handle");
  // Guesses around it answer the same.
  const uint64_t guesses[] = {h + 1, h - 1, h ^ (uint64_t{1} << 20), h | (uint64_t{1} << 63), 1, ~uint64_t{0}};
  for (uint64_t g : guesses)
    ctx.expect_rc(copy(ctx, HMX_OP_FETCH, ctx.peer_id(), g, 0, range, 64), -HMX_ENOENT, "a guessed handle");
  ctx.check(util::all(range, 0x66, 4096), "a refused copy wrote our buffer");
  ctx.expect_rc(agent_revoke(ctx, h), 0, "peer: revoke");
}

// covers: HMX-XPOSE-017
HMX_GUEST_TEST(expose_stale_handle, "HMX-XPOSE-017") {
  if (!offered(ctx)) return ctx.skip("feature EXPOSE is not offered");
  if (!util::need_peer(ctx, "HMX-XPOSE-017")) return;
  auto* range = static_cast<unsigned char*>(ctx.pages(1));
  if (range == nullptr) return;
  // Whatever a handle encodes, a hypervisor reuses its table: after enough exposures every slot
  // has been taken again, and the first handle must still be dead, for its own peer too.
  const int64_t first = expose(ctx, range, 4096, ctx.peer_id(), HMX_EXPOSE_READ, 10);
  if (!ctx.check(first > 0, "expose")) return;
  ctx.expect_rc(ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(first)), 0, "revoke");
  bool reissued = false, ok = true;
  for (uint32_t i = 0; i < 3 * HMX_EXPOSE_MAX_PER_DOMAIN && ok; ++i) {
    const int64_t h = expose(ctx, range, 4096, ctx.peer_id(), HMX_EXPOSE_READ, 10);
    ok = h > 0 && ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(h)) == 0;
    reissued = reissued || h == first;
  }
  ctx.check(ok, "expose and revoke in a loop");
  ctx.check(!reissued, "an ended exposure's handle was issued again");
  const int64_t live = expose(ctx, range, 4096, ctx.peer_id(), HMX_EXPOSE_READ, 10);
  ctx.expect_rc(agent_copy(ctx, false, ctx.domid(), static_cast<uint64_t>(first), 0, 16).result, -HMX_ENOENT,
                "peer: fetch with the first, ended handle");
  ctx.expect_rc(agent_copy(ctx, false, ctx.domid(), static_cast<uint64_t>(live), 0, 16).result, 16,
                "peer: fetch with the live one");
  (void)ctx.call(HMX_OP_REVOKE, static_cast<uint64_t>(live));
}
