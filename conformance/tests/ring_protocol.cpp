// SPDX-License-Identifier: Apache-2.0
// The ring memory protocol (spec 05-rings; HMX-RING-011..015) and the message header (HMX-SEND-008,
// HMX-SEND-009), observed in rings the tester owns and, for selection, in the peer's rings.
#include "util.h"

namespace {

using namespace conformance;

peer::reply peer_cmd(context& ctx, uint32_t op, uint32_t aport, uint16_t domain, uint32_t len = 0, uint32_t count = 0,
                     uint32_t size = 0) {
  peer::command c{};
  c.op = op;
  c.aport = aport;
  c.domain = domain;
  c.len = len;
  c.count = count;
  c.size = size;
  return ctx.peer()->call(c);
}

}  // namespace

// covers: HMX-RING-011 HMX-SEND-010
HMX_GUEST_TEST(ring_selection, "HMX-RING-011 HMX-SEND-010") {
  if (!util::need_peer(ctx, "HMX-RING-011") | !util::need_peer(ctx, "HMX-SEND-010")) return;
  const uint16_t me = ctx.domid(), peer_id = ctx.peer_id();
  constexpr uint32_t port = 0x50001;
  ctx.req("HMX-RING-011");
  ctx.expect_rc(peer_cmd(ctx, peer::op_register_ring, port, me, 1024).result, 0, "peer: ring (port, partner tester)");
  ctx.expect_rc(peer_cmd(ctx, peer::op_register_ring, port, HMX_DOMID_ANY, 1024).result, 0,
                "peer: ring (port, partner DOMID_ANY)");
  ctx.expect_rc(ctx.send_pattern(peer_id, port, 24, 8), 24, "send to the peer's port");
  ctx.expect_eq(peer_cmd(ctx, peer::op_drain, port, me).count, 1, "messages in the partner-specific ring");
  ctx.expect_eq(peer_cmd(ctx, peer::op_drain, port, HMX_DOMID_ANY).count, 0, "messages in the wildcard ring");
  ctx.expect_rc(peer_cmd(ctx, peer::op_unregister_ring, port, me).result, 0, "peer: drop the specific ring");
  ctx.expect_rc(ctx.send_pattern(peer_id, port, 24, 9), 24, "send again");
  ctx.expect_eq(peer_cmd(ctx, peer::op_drain, port, HMX_DOMID_ANY).count, 1, "now in the wildcard ring");

  // A domain sends into its own wildcard ring (the peer may register one; the tester may not).
  ctx.req("HMX-SEND-010");
  const peer::reply s = peer_cmd(ctx, peer::op_send, port, peer_id, 0, 2, 40);
  ctx.expect_rc(s.result, 40, "peer: sendv to its own wildcard ring");
  ctx.expect_eq(peer_cmd(ctx, peer::op_drain, port, HMX_DOMID_ANY).count, 2, "peer: its own messages arrived");
  ctx.expect_rc(peer_cmd(ctx, peer::op_unregister_ring, port, HMX_DOMID_ANY).result, 0, "peer: drop the wildcard ring");
  // And into a ring naming itself as partner.
  ring* self = ctx.make_ring(port, me, 256);
  if (self != nullptr) {
    ctx.expect_rc(ctx.send_pattern(me, port, 10, 10), 10, "sendv to our own ring (partner: ourselves)");
    ctx.expect_eq(util::drain(*self), 1, "our own message arrived");
  }
}

// covers: HMX-RING-037 HMX-RING-038 HMX-SEND-008 HMX-SEND-009
HMX_GUEST_TEST(ring_message_layout, "HMX-RING-037 HMX-RING-038 HMX-SEND-008 HMX-SEND-009") {
  const uint16_t me = ctx.domid();
  constexpr uint32_t port = 0x50010, len = 256;
  ring* r = ctx.make_ring(port, me, len);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  for (uint32_t i = 0; i < 256; ++i) buf[i] = pattern_byte(11, i);
  uint32_t tx = 0;

  // Header fields (HMX-SEND-008): src.aport is ours to choose; the domain is the caller's.
  ctx.req("HMX-SEND-008");
  const hmx_iov_t iov{ctx.gpa(buf), 5, 0};
  ctx.expect_rc(util::sendv(ctx, util::to(me, port, 0x1234, me), &iov, 1, 0x77), 5, "sendv 5 bytes");
  const unsigned char* h = r->data() + tx;
  ctx.expect_eq(*reinterpret_cast<const uint32_t*>(h), 21, "header len (payload + 16)");
  ctx.expect_eq(*reinterpret_cast<const uint32_t*>(h + 4), 0x1234, "header source.aport");
  ctx.expect_eq(*reinterpret_cast<const uint16_t*>(h + 8), me, "header source.domain_id");
  ctx.expect_eq(*reinterpret_cast<const uint16_t*>(h + 10), 0, "header source.pad");
  ctx.expect_eq(*reinterpret_cast<const uint32_t*>(h + 12), 0x77, "header message_type");
  ctx.check(util::same(h + 16, buf, 5), "payload bytes");
  ctx.expect_rc(util::sendv(ctx, util::to(me, port, 0x99), &iov, 1, 0), 5, "sendv with src DOMID_ANY");
  ctx.expect_eq(*reinterpret_cast<const uint16_t*>(r->data() + 32 + 8), me, "DOMID_ANY source written as the caller");

  // Results and empty iovs (HMX-SEND-009).
  ctx.req("HMX-SEND-009");
  util::drain(*r);
  const hmx_iov_t parts[3] = {{ctx.gpa(buf), 4, 0}, {ctx.plat().non_ram_gpa(), 0, 0}, {ctx.gpa(buf + 4), 3, 0}};
  ctx.expect_rc(util::sendv(ctx, util::to(me, port), parts, 3), 7, "sendv skipping an empty iov (not in RAM)");
  hmx::message_view m{};
  ctx.check(r->reader.peek().ok() && (m = *r->reader.peek(), m.size == 7) && util::same(m.first, buf, 7),
            "payload of the three iovs");
  util::drain(*r);
  ctx.expect_rc(util::sendv(ctx, util::to(me, port), parts, 0), 0, "sendv without payload");
  ctx.check(r->reader.peek().ok() && r->reader.peek()->size == 0, "a message of 16 bytes");
  util::drain(*r);

  // Offsets and wrapping (HMX-RING-037 HMX-RING-038): tx advances by 16 + roundup(len), modulo len; a payload
  // reaching len continues at 0.
  ctx.req("HMX-RING-037 HMX-RING-038");
  tx = r->header()->tx_ptr;
  const uint32_t sizes[] = {96, 80, 0, 64, 100, 1, 31, 150, 16, 200};
  for (uint32_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    const uint32_t size = sizes[i];
    util::drain(*r);
    if (!ctx.expect_rc(ctx.send_pattern(me, port, size, 20 + i), size, "sendv %u bytes at tx %u", size, tx)) break;
    const uint32_t next = static_cast<uint32_t>((tx + 16 + hmx::roundup_slot(size)) % len);
    ctx.expect_eq(r->header()->tx_ptr, next, "tx_ptr after %u bytes from %u", size, tx);
    ctx.expect_eq(*reinterpret_cast<const uint32_t*>(r->data() + tx), size + 16, "header at the old tx_ptr");
    const uint32_t start = (tx + 16) % len;
    bool ok = true;
    for (uint32_t k = 0; k < size; ++k) ok &= r->data()[(start + k) % len] == pattern_byte(20 + i, k);
    ctx.check(ok, "payload of %u bytes from ring offset %u (wrapping at %u)", size, start, len);
    tx = next;
  }
}

// covers: HMX-RING-013 HMX-SEND-024
HMX_GUEST_TEST(ring_free_space, "HMX-RING-013 HMX-SEND-024") {
  const uint16_t me = ctx.domid();
  constexpr uint32_t port = 0x50020, len = 128;
  ring* r = ctx.make_ring(port, me, len);
  if (r == nullptr) return;
  ctx.req("HMX-SEND-024");
  ctx.expect_rc(ctx.send_pattern(me, port, 112, 1), -HMX_EMSGSIZE, "16 + 112 is not less than len 128");
  ctx.req("HMX-RING-013");
  ctx.expect_rc(ctx.send_pattern(me, port, 96, 1), 96, "16 + 96 < 128 into the empty ring");
  ctx.expect_rc(ctx.send_pattern(me, port, 0, 1), -HMX_EAGAIN, "free space 16: not even a header fits");
  util::drain(*r);  // rx = tx = 112: empty, free space len
  ctx.expect_rc(ctx.send_pattern(me, port, 0, 2), 0, "an empty message at 112 wraps tx to 0");
  // The empty message stays unread: rx 112, tx 0, free space 112 - 0 = 112.
  ctx.expect_rc(ctx.send_pattern(me, port, 96, 3), -HMX_EAGAIN, "16 + 96 = 112 is not less than free space 112");
  ctx.expect_rc(ctx.send_pattern(me, port, 80, 3), 80, "16 + 80 = 96 is less than free space 112");
  ctx.expect_eq(r->header()->tx_ptr, 96, "tx_ptr");
}

// covers: HMX-RING-014
HMX_GUEST_TEST(ring_rx_ptr_rounding, "HMX-RING-014") {
  // Rounding rx_ptr up to a slot cannot be told apart from using it as is (message sizes are
  // slot multiples), but rounding down can, and so can an rx_ptr at or beyond len, which the
  // hypervisor must take as 0.
  const uint16_t me = ctx.domid();
  constexpr uint32_t len = 128;
  // rx 17 -> 32. With tx 64 the free space is 96: 16 + 64 fits (rounded down to 16 it would not).
  ring* b = ctx.make_ring(0x50031, me, len);
  if (b == nullptr) return;
  ctx.expect_rc(ctx.send_pattern(me, 0x50031, 16, 2), 16, "first message");
  ctx.expect_rc(ctx.send_pattern(me, 0x50031, 16, 3), 16, "second message (tx 64)");
  b->header()->rx_ptr = 17;
  ctx.expect_rc(ctx.send_pattern(me, 0x50031, 64, 4), 64, "rx_ptr 17 is taken as 32");
  ctx.expect_rc(ctx.send_pattern(me, 0x50031, 0, 5), -HMX_EAGAIN, "and the ring is then full");
  // rx at or beyond len -> 0. With tx 64 the free space is 64: 16 + 32 fits, 16 + 48 does not.
  const uint32_t beyond[] = {len, 1000, 0xfffffff8u, 0xffffffffu};
  uint32_t port = 0x50032;
  for (uint32_t rx : beyond) {
    ring* r = ctx.make_ring(port, me, len);
    if (r == nullptr) return;
    ctx.expect_rc(ctx.send_pattern(me, port, 16, 6), 16, "first message");
    ctx.expect_rc(ctx.send_pattern(me, port, 16, 7), 16, "second message (tx 64)");
    r->header()->rx_ptr = rx;
    ctx.expect_rc(ctx.send_pattern(me, port, 48, 8), -HMX_EAGAIN, "rx_ptr %#x taken as 0: 16 + 48 does not fit", rx);
    ctx.expect_rc(ctx.send_pattern(me, port, 32, 8), 32, "rx_ptr %#x taken as 0: 16 + 32 fits", rx);
    ++port;
  }
}

// covers: HMX-RING-015
HMX_GUEST_TEST(ring_tx_ptr_private, "HMX-RING-015") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x50040, me, 256);
  if (r == nullptr) return;
  ctx.expect_rc(ctx.send_pattern(me, 0x50040, 8, 1), 8, "first message (tx 32)");
  r->header()->tx_ptr = 128;  // a guest write the hypervisor must ignore
  ctx.expect_rc(ctx.send_pattern(me, 0x50040, 8, 2), 8, "second message");
  ctx.expect_eq(*reinterpret_cast<const uint32_t*>(r->data() + 32), 24, "second header at the hypervisor's tx_ptr 32");
  ctx.expect_eq(r->header()->tx_ptr, 64, "tx_ptr published after the second message");
  ctx.check(util::all(r->data() + 128, 0, 16), "the hypervisor wrote at the guest's tx_ptr");
}
