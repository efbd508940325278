// SPDX-License-Identifier: Apache-2.0
// sendv (spec 06-operations; HMX-SEND-001..007, HMX-SEC-006).
#include "util.h"

namespace {

using namespace conformance;

// Ring bytes and tx_ptr, to show that a failed sendv changed nothing (HMX-SEND-006).
struct ring_state {
  uint32_t tx = 0;
  uint32_t sum = 0;
};
ring_state state_of(const ring& r) {
  ring_state s;
  s.tx = r.header()->tx_ptr;
  for (uint32_t i = 0; i < r.len; ++i) s.sum = s.sum * 31 + r.data()[i];
  return s;
}

}  // namespace

// covers: HMX-SEND-017 HMX-SEND-018 HMX-SEND-019 HMX-SEND-006
HMX_GUEST_TEST(sendv_einval, "HMX-SEND-017 HMX-SEND-018 HMX-SEND-019 HMX-SEND-006") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x60001, me, 512);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  ctx.expect_rc(ctx.send_pattern(me, 0x60001, 20, 1), 20, "a message already in the ring");
  const ring_state before = state_of(*r);
  ctx.req("HMX-SEND-017");
  hmx_iov_t iovs[HMX_MAXIOV + 1];
  for (uint32_t i = 0; i <= HMX_MAXIOV; ++i) iovs[i] = hmx_iov_t{ctx.gpa(buf + i), 1, 0};
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60001), iovs, HMX_MAXIOV + 1), -HMX_EINVAL, "niov MAXIOV + 1");
  ctx.req("HMX-SEND-018");
  hmx_send_addr_t a = util::to(me, 0x60001);
  a.src.pad = 1;
  ctx.expect_rc(util::sendv(ctx, a, iovs, 1), -HMX_EINVAL, "src.pad 1");
  a = util::to(me, 0x60001);
  a.dst.pad = 0x8000;
  ctx.expect_rc(util::sendv(ctx, a, iovs, 1), -HMX_EINVAL, "dst.pad 0x8000");
  ctx.req("HMX-SEND-019");
  hmx_iov_t bad[2] = {{ctx.gpa(buf), 4, 0}, {ctx.gpa(buf), 4, 1}};
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60001), bad, 2), -HMX_EINVAL, "second iov pad 1");
  bad[1] = hmx_iov_t{ctx.gpa(buf), HMX_MAX_MESSAGE_SIZE + 1, 0};
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60001), bad, 2), -HMX_EINVAL, "iov_len MAX_MESSAGE_SIZE + 1");
  bad[1] = hmx_iov_t{ctx.gpa(buf), 0xffffffffu, 0};
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60001), bad, 2), -HMX_EINVAL, "iov_len 0xffffffff");
  ctx.req("HMX-SEND-017");
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60001), iovs, HMX_MAXIOV), HMX_MAXIOV, "niov MAXIOV is accepted");
  ctx.req("HMX-SEND-006");
  const ring_state after = state_of(*r);
  ctx.check(after.tx == before.tx + 32 && r->reader.pending_bytes() == 80,
            "failed sendv calls changed the ring (tx %u -> %u)", before.tx, after.tx);
}

// covers: HMX-SEND-002 HMX-MAC-007
HMX_GUEST_TEST(sendv_source, "HMX-SEND-002 HMX-MAC-007") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x60010, me, 512);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  const hmx_iov_t iov{ctx.gpa(buf), 8, 0};
  ctx.req("HMX-SEND-002");
  const uint16_t others[] = {static_cast<uint16_t>(me + 1), static_cast<uint16_t>(me ^ 0x100), absent_domain, 0x7ff0,
                             0xffff};
  for (uint16_t other : others)
    if (other != me && other != HMX_DOMID_ANY)
      ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60010, 0, other), &iov, 1), -HMX_EPERM, "src.domain_id %#x", other);
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60010, 0, me), &iov, 1), 8, "src.domain_id = the caller");
  ctx.check(r->reader.pending_bytes() == 32, "only the allowed message arrived");

  // The hooks see the domain of the calling vCPU, never an id the guest names (HMX-MAC-007):
  // claiming to be the peer, which may send to the denied domain, must not let us.
  ctx.req("HMX-MAC-007");
  if (!util::need_peer(ctx, "HMX-MAC-007") || !util::need_denied(ctx, "HMX-MAC-007")) return;
  ctx.expect_rc(util::sendv(ctx, util::to(ctx.denied_id(), peer::cmd_port, 0, ctx.peer_id()), &iov, 1), -HMX_EPERM,
                "sendv to the denied domain claiming the peer's id");
  ctx.expect_rc(util::sendv(ctx, util::to(ctx.denied_id(), peer::cmd_port), &iov, 1), -HMX_EACCES,
                "sendv to the denied domain as ourselves");
  // The peer sees our real id as the source of our commands.
  peer::command c{};
  c.op = peer::op_ping;
  const peer::reply p = ctx.peer()->call(c);
  ctx.expect_eq(p.source, me, "source.domain_id of our command as the peer received it");
}

// covers: HMX-SEND-020 HMX-SEND-022
HMX_GUEST_TEST(sendv_destination, "HMX-SEND-020 HMX-SEND-022") {
  const uint16_t me = ctx.domid();
  // A destination with HMX disabled (HMX-SEND-021) needs such a domain, which a conformance
  // setup has not.
  ctx.req("HMX-SEND-020");
  ctx.expect_rc(ctx.send_pattern(absent_domain, 0x60020, 8, 1), -HMX_ESRCH, "no domain %#x", absent_domain);
  ctx.expect_rc(ctx.send_pattern(0x7ff0, 0x60020, 8, 1), -HMX_ESRCH, "reserved domain id 0x7ff0");
  ctx.req("HMX-SEND-022");
  ctx.expect_rc(ctx.send_pattern(me, 0x60020, 8, 1), -HMX_ECONNREFUSED, "no ring at the aport (ourselves)");
  if (ctx.peer() != nullptr && ctx.peer()->alive()) {
    ctx.expect_rc(ctx.send_pattern(ctx.peer_id(), 0x60021, 8, 1), -HMX_ECONNREFUSED, "no ring at the peer's aport");
    // Our own ring at the aport, but for the peer as partner: not selected for us.
    if (ctx.make_ring(0x60020, ctx.peer_id(), 256) != nullptr)
      ctx.expect_rc(ctx.send_pattern(me, 0x60020, 8, 1), -HMX_ECONNREFUSED, "a ring for another partner");
  }
}

// covers: HMX-SEND-023 HMX-SEND-024
HMX_GUEST_TEST(sendv_emsgsize, "HMX-SEND-023 HMX-SEND-024") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x60030, me, 4096 - 64);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  // The sum is checked before any buffer is read (row 11 before row 14): the buffers need not exist.
  const uint32_t half = HMX_MAX_MESSAGE_SIZE / 2 + 8;
  const hmx_iov_t big[2] = {{ctx.plat().non_ram_gpa(), half, 0}, {ctx.plat().non_ram_gpa(), half, 0}};
  ctx.req("HMX-SEND-023");
  ctx.expect_rc(util::sendv(ctx, util::to(me, 0x60030), big, 2), -HMX_EMSGSIZE, "iov sum above MAX_MESSAGE_SIZE");
  ctx.req("HMX-SEND-024");
  const uint32_t len = r->len;  // 4032: the largest payload is len - 32
  ctx.expect_rc(ctx.send_pattern(me, 0x60030, len - 16, 1), -HMX_EMSGSIZE, "16 + (len - 16) >= len");
  ctx.expect_rc(ctx.send_pattern(me, 0x60030, len - 31, 1), -HMX_EMSGSIZE, "payload len - 31 rounds up to len - 16");
  ctx.expect_rc(ctx.send_pattern(me, 0x60030, len - 32, 1), len - 32, "payload len - 32 fits an empty ring");
}

// covers: HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-SEND-006 HMX-SEC-006
HMX_GUEST_TEST(sendv_full_ring, "HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-SEND-006 HMX-SEC-006") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x60040, me, 1024);
  if (r == nullptr) return;
  unsigned sent = 0;
  while (sent < 100 && ctx.send_pattern(me, 0x60040, 100, sent) == 100) ++sent;
  ctx.req("HMX-SEND-012 HMX-SEND-013 HMX-SEND-014");
  // 16 + 112 = 128 bytes each; the eighth would need 128 < 128 (HMX-RING-013).
  ctx.check(sent == 7, "%u messages of 100 bytes in a 1024-byte ring, want 7", sent);
  const ring_state full = state_of(*r);
  // A full ring: EAGAIN at once, never a suspended vCPU (HMX-SEC-006).
  for (int i = 0; i < 20; ++i) {
    const uint64_t t0 = ctx.plat().now_us();
    ctx.req("HMX-SEND-012 HMX-SEND-013 HMX-SEND-014");
    ctx.expect_rc(ctx.send_pattern(me, 0x60040, 100 + i, 50), -HMX_EAGAIN, "sendv into the full ring, try %d", i);
    ctx.req("HMX-SEC-006");
    const uint64_t us = ctx.plat().now_us() - t0;
    ctx.check(us < 2000000, "sendv into a full ring took %lu us", static_cast<unsigned long>(us));
  }
  ctx.req("HMX-SEND-006");
  const ring_state after = state_of(*r);
  ctx.check(after.tx == full.tx && after.sum == full.sum, "EAGAIN changed the ring");
  // The wait was queued: freeing space and calling notify signals us (the wait's observable effect).
  ctx.req("HMX-SEND-012 HMX-SEND-013 HMX-SEND-014");
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    auto* ev = ctx.alloc<hmx_event_page_t>();
    if (ev == nullptr) return;
    ctx.expect_rc(ctx.client(0).set_event_page(ev).code(), 0, "set_event_page");
    util::drain(*r);
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify after consuming");
    ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) != 0, "no space-available signal: was a wait queued?");
    (void)ctx.client(0).set_event_page(nullptr);
  }
  ctx.info("EBUSY needs MAX_PENDING_PER_RING + 1 waiting domains: not tested");
}

namespace {
struct concurrent_job {
  uint16_t dst;
  uint32_t port;
  uint32_t count;
  uint32_t sent;
  unsigned char* buf;  // 8 bytes per message: vCPU and sequence
};
void send_many(context& ctx, void* p) {
  auto* j = static_cast<concurrent_job*>(p);
  client_t& c = ctx.client(1);
  for (uint32_t k = 0; k < j->count; ++k) {
    uint32_t words[2] = {1, k};
    __builtin_memcpy(j->buf, words, 8);
    if (!c.send(hmx::make_addr(j->port, j->dst), j->buf, 8, 1).ok()) break;
    ++j->sent;
  }
}
}  // namespace

// covers: HMX-SEND-015 HMX-SEND-016
HMX_GUEST_TEST(sendv_concurrent, "HMX-SEND-015 HMX-SEND-016") {
  if (ctx.vcpus() < 2) return ctx.untestable("HMX-SEND-015 HMX-SEND-016", "needs 2 vCPUs");
  const uint16_t me = ctx.domid();
  constexpr uint32_t kCount = 300;
  ring* r = ctx.make_ring(0x60050, me, 65536 - 64);
  auto* bufs = static_cast<unsigned char*>(ctx.pages(2));
  if (r == nullptr || bufs == nullptr) return;
  static concurrent_job job;
  job = concurrent_job{me, 0x60050, kCount, 0, bufs + 4096};
  if (!ctx.check(ctx.start_on(1, send_many, &job), "cannot start vCPU 1")) return;
  uint32_t mine = 0;
  for (uint32_t k = 0; k < kCount; ++k) {
    const uint32_t words[2] = {0, k};
    __builtin_memcpy(bufs, words, 8);
    if (!ctx.client(0).send(hmx::make_addr(0x60050, me), bufs, 8, 1).ok()) break;
    ++mine;
  }
  ctx.check(ctx.join(1, 30000), "vCPU 1 did not finish");
  ctx.expect_eq(mine, kCount, "messages sent by vCPU 0");
  ctx.expect_eq(job.sent, kCount, "messages sent by vCPU 1");
  // Every message whole, and each vCPU's in call order.
  uint32_t next[2] = {0, 0}, total = 0;
  bool whole = true, ordered = true;
  (void)r->reader.for_each([&](const hmx::message_view& m) {
    uint32_t words[2] = {9, 0};
    if (m.size != 8 || m.message_type != 1) {
      whole = false;
      return;
    }
    m.copy_to(words);
    if (words[0] > 1) {
      whole = false;
      return;
    }
    ordered &= words[1] == next[words[0]];
    next[words[0]] = words[1] + 1;
    ++total;
  });
  ctx.check(whole, "a message was torn or interleaved");
  ctx.check(ordered, "a vCPU's messages are out of call order");
  ctx.expect_eq(total, 2 * kCount, "messages in the ring");
}

namespace {

uint32_t pattern_sum(uint32_t seed, uint32_t size) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < size; ++i) s += pattern_byte(seed, i);
  return s;
}

// The peer sends `count` messages of `size` bytes (patterns seed, seed + 1, ...) to our ring.
peer::reply peer_sends(context& ctx, uint32_t aport, uint32_t count, uint32_t size, uint32_t seed) {
  peer::command c{};
  c.op = peer::op_send;
  c.domain = ctx.domid();
  c.aport = aport;
  c.count = count;
  c.size = size;
  c.seed = seed;
  c.message_type = 0x5151;
  return ctx.peer()->call(c);
}

// Our ring's messages: each from the peer, of type 0x5151, `size` bytes of pattern seed + k.
uint32_t check_from_peer(context& ctx, ring& r, uint32_t size, uint32_t seed, unsigned char* buf) {
  uint32_t k = 0;
  bool good = true, wrapped = false;
  (void)r.reader.for_each([&](const hmx::message_view& m) {
    good &= m.source.domain_id == ctx.peer_id() && m.message_type == 0x5151 && m.size == size;
    wrapped |= m.wraps();
    if (m.size == size) {
      m.copy_to(buf);
      for (uint32_t i = 0; i < size; ++i) good &= buf[i] == pattern_byte(seed + k, i);
    }
    ++k;
  });
  ctx.check(good, "a message from the peer with another source, type, size or payload (seed %u)", seed);
  if (wrapped) ctx.info("payload of seed %u wrapped at the ring's end and arrived whole", seed);
  return k;
}

}  // namespace

// Between two domains, both ways: whole messages with their sender's id and bytes (checksums
// computed on each side), EMSGSIZE and the notify flags of a ring in another domain, and a full
// ring that its owner drains.
// covers: HMX-SEND-024 HMX-SEND-008 HMX-SEND-009 HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004
HMX_GUEST_TEST(sendv_between_domains, "HMX-SEND-024 HMX-SEND-008 HMX-SEND-009 HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004") {
  const char* reqs[] = {"HMX-SEND-024", "HMX-SEND-008", "HMX-SEND-009", "HMX-NOTIFY-007 HMX-NOTIFY-008", "HMX-NOTIFY-004"};
  bool have_peer = true;
  for (const char* id : reqs) have_peer &= util::need_peer(ctx, id);
  if (!have_peer) return;
  const uint16_t me = ctx.domid(), peer_id = ctx.peer_id();
  constexpr uint32_t to_us = 0x60001, to_peer = 0x60002, absent_port = 0x60003, len = 2048;
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  ring* mine = ctx.make_ring(to_us, peer_id, len);
  if (buf == nullptr || mine == nullptr) return;

  // Peer to us: 4 x 100 bytes, 2 x 700 (the ring is then at 1952 of 2048), 1 x 700 that wraps.
  ctx.req("HMX-SEND-008");
  ctx.expect_rc(peer_sends(ctx, to_us, 4, 100, 40).result, 100, "peer: 4 messages of 100 bytes to our ring");
  ctx.expect_eq(check_from_peer(ctx, *mine, 100, 40, buf), 4, "messages of 100 bytes from the peer");
  ctx.expect_rc(peer_sends(ctx, to_us, 2, 700, 50).result, 700, "peer: 2 messages of 700 bytes");
  ctx.expect_eq(check_from_peer(ctx, *mine, 700, 50, buf), 2, "messages of 700 bytes from the peer");
  ctx.expect_rc(peer_sends(ctx, to_us, 1, 700, 60).result, 700, "peer: 1 message of 700 bytes across the ring's end");
  ctx.expect_eq(check_from_peer(ctx, *mine, 700, 60, buf), 1, "the message across the ring's end");
  ctx.expect_rc(ctx.client(0).notify().code(), 0, "notify after consuming");

  // Us to the peer: what the peer drains sums to what we sent.
  ctx.req("HMX-SEND-009");
  ctx.expect_rc(ctx.peer()->simple(peer::op_register_ring, to_peer, me, len).result, 0, "peer: a ring for us");
  uint32_t want = 0;
  for (uint32_t k = 0; k < 5; ++k) {
    ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, 300, 70 + k), 300, "send 300 bytes to the peer, message %u", k);
    want += pattern_sum(70 + k, 300);
  }
  const peer::reply drained = ctx.peer()->simple(peer::op_drain, to_peer, me);
  ctx.expect_eq(drained.count, 5, "peer: messages drained");
  ctx.expect_eq(drained.checksum, want, "peer: checksum of the payload bytes it drained");

  // The peer's ring seen from here.
  ctx.req("HMX-SEND-024");
  ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, len - 16, 1), -HMX_EMSGSIZE, "%u bytes into the peer's %u-byte ring",
                len - 16, len);
  ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, len - 32, 2), len - 32, "%u bytes (the largest) into it", len - 32);
  ctx.expect_eq(ctx.peer()->simple(peer::op_drain, to_peer, me).count, 1, "peer: the largest message arrived");
  constexpr uint32_t flags = HMX_RING_EXISTS | HMX_RING_SUFFICIENT | HMX_RING_EMSGSIZE;
  ctx.req("HMX-NOTIFY-007 HMX-NOTIFY-008");
  hmx::result<hmx_ring_data_ent_t> q = ctx.client(0).query(hmx::make_addr(absent_port, peer_id), 16);
  ctx.check(q.ok() && q->flags == 0, "notify: a port of the peer without a ring has flags %#x, want 0",
            q.ok() ? q->flags : 0xffffu);
  q = ctx.client(0).query(hmx::make_addr(to_peer, peer_id), 100);
  ctx.check(q.ok() && (q->flags & flags) == (HMX_RING_EXISTS | HMX_RING_SUFFICIENT),
            "notify: the peer's empty ring for 100 bytes: flags %#x, want EXISTS|SUFFICIENT", q.ok() ? q->flags : 0u);
  ctx.check(q.ok() && q->max_message_size == len - 32, "notify: the peer's ring's max_message_size %u, want %u",
            q.ok() ? q->max_message_size : 0u, len - 32);
  ctx.req("HMX-NOTIFY-004");
  q = ctx.client(0).query(hmx::make_addr(to_peer, peer_id), len);
  ctx.check(q.ok() && (q->flags & flags) == (HMX_RING_EXISTS | HMX_RING_EMSGSIZE),
            "notify: %u bytes into the peer's ring: flags %#x, want EXISTS|EMSGSIZE", len, q.ok() ? q->flags : 0u);

  // A full ring of the peer: EAGAIN, not sufficient, until the peer drains it.
  ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, 1000, 3), 1000, "1000 bytes into the peer's empty ring");
  ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, 1000, 4), -HMX_EAGAIN, "1000 more: the ring is full");
  q = ctx.client(0).query(hmx::make_addr(to_peer, peer_id), 1000);
  ctx.check(q.ok() && (q->flags & flags) == HMX_RING_EXISTS, "notify: 1000 bytes into the full ring: flags %#x, want EXISTS",
            q.ok() ? q->flags : 0u);
  ctx.expect_eq(ctx.peer()->simple(peer::op_drain, to_peer, me).count, 1, "peer: drains its ring");
  q = ctx.client(0).query(hmx::make_addr(to_peer, peer_id), 1000);
  ctx.check(q.ok() && (q->flags & flags) == (HMX_RING_EXISTS | HMX_RING_SUFFICIENT),
            "notify: 1000 bytes after the drain: flags %#x, want EXISTS|SUFFICIENT", q.ok() ? q->flags : 0u);
  ctx.expect_rc(ctx.send_pattern(peer_id, to_peer, 1000, 5), 1000, "1000 bytes into the drained ring");
  ctx.expect_rc(ctx.peer()->simple(peer::op_unregister_ring, to_peer, me).result, 0, "peer: drops its ring");
}
