// SPDX-License-Identifier: Apache-2.0
// Guest library: call blocks, rings, notifications (HMX-LIB-009..014, HMX-EVENT-030 HMX-EVENT-031, HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029,
// HMX-SEND-011, HMX-NOTIFY-006), run in-process against a fake hypervisor that records every
// call block libhmx traps with.
#define CONFORMANCE_SCOPE ::conformance::scope::library
#include <hmx/env/host.h>

#include "util.h"

namespace {

using namespace conformance;

alignas(4096) unsigned char g_mem[64 * 4096];

// The fake hypervisor: reads the block at the trapped GPA, records it with what its arguments
// point at, answers with `answer` (or the op's plain success).
struct fake_hv {
  hmx::env::host* env = nullptr;
  unsigned invokes = 0;
  uint64_t gpa = 0;
  hmx_call_block_t block{};
  bool ring_pointers_zero = false;  // register_ring: rx/tx were 0 when the call trapped
  bool event_page_zero = false;     // set_event_page: the page was zero when the call trapped
  bool pads_zero = true;
  int64_t answer = 0;
  uint32_t ops[32] = {};
};

struct fake_conduit {
  fake_hv* hv;
  hmx::status invoke(uint64_t gpa) noexcept {
    fake_hv& h = *hv;
    auto* b = static_cast<hmx_call_block_t*>(h.env->host_ptr(gpa, sizeof(hmx_call_block_t)));
    if (h.invokes < 32) h.ops[h.invokes] = b != nullptr ? b->op : 0;
    ++h.invokes;
    h.gpa = gpa;
    if (b == nullptr) return hmx::errc::fault;
    h.block = *b;
    const uint64_t a1 = b->arg[0];
    switch (b->op) {
      case HMX_OP_REGISTER_RING: {
        const auto* reg = static_cast<const hmx_register_ring_t*>(h.env->host_ptr(a1, sizeof(hmx_register_ring_t)));
        const auto* gfns = static_cast<const uint64_t*>(h.env->host_ptr(b->arg[1], 8));
        h.pads_zero &= reg != nullptr && reg->pad == 0;
        const auto* ring = gfns == nullptr ? nullptr : static_cast<const hmx_ring_t*>(h.env->host_ptr(gfns[0] << 12, 64));
        h.ring_pointers_zero = ring != nullptr && ring->rx_ptr == 0 && ring->tx_ptr == 0;
        break;
      }
      case HMX_OP_UNREGISTER_RING: {
        const auto* u = static_cast<const hmx_unregister_ring_t*>(h.env->host_ptr(a1, sizeof(hmx_unregister_ring_t)));
        h.pads_zero &= u != nullptr && u->pad == 0;
        break;
      }
      case HMX_OP_SENDV: {
        const auto* sa = static_cast<const hmx_send_addr_t*>(h.env->host_ptr(a1, sizeof(hmx_send_addr_t)));
        const auto* iov = static_cast<const hmx_iov_t*>(h.env->host_ptr(b->arg[1], sizeof(hmx_iov_t) * (b->arg[2] + 1)));
        h.pads_zero &= sa != nullptr && sa->src.pad == 0 && sa->dst.pad == 0;
        for (uint64_t i = 0; iov != nullptr && i < b->arg[2]; ++i) h.pads_zero &= iov[i].pad == 0;
        break;
      }
      case HMX_OP_NOTIFY:
        if (a1 != 0) {
          const auto* rd = static_cast<const hmx_ring_data_t*>(h.env->host_ptr(a1, sizeof(hmx_ring_data_t)));
          h.pads_zero &= rd != nullptr && rd->pad == 0;
        }
        break;
      case HMX_OP_SET_EVENT_PAGE: {
        const auto* page = static_cast<const unsigned char*>(h.env->host_ptr(a1 & ~uint64_t{0xfff}, 4096));
        h.event_page_zero = page != nullptr && util::all(page, 0, 4096);
        break;
      }
      default:
        break;
    }
    b->result = h.answer;
    return {};
  }
};

using fake_client = hmx::client<fake_conduit, hmx::env::host>;

// Not copyable: the client keeps pointers to the conduit and the environment.
struct rig {
  rig(const rig&) = delete;
  rig& operator=(const rig&) = delete;
  hmx::env::host env{g_mem, sizeof g_mem, 0, 4096};
  fake_hv hv;
  fake_conduit conduit{&hv};
  fake_client client{conduit, env};
  rig() { hv.env = &env; }
};

bool unused_zero(const hmx_call_block_t& b, unsigned first_unused) {
  for (unsigned i = first_unused; i < 4; ++i)
    if (b.arg[i] != 0) return false;
  return b.flags == 0;
}

}  // namespace

// covers: HMX-LIB-021 HMX-LIB-022 HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
HMX_GUEST_TEST(lib_call_blocks, "HMX-LIB-021 HMX-LIB-022 HMX-LIB-023 HMX-LIB-024 HMX-LIB-025") {
  rig r;
  ctx.req("HMX-LIB-023 HMX-LIB-024 HMX-LIB-025");
  auto block_ok = [&](const char* what, unsigned first_unused) {
    ctx.check(r.hv.gpa % HMX_CALL_BLOCK_ALIGN == 0 && r.env.host_ptr(r.hv.gpa, 48) != nullptr,
              "%s: call block GPA %#lx not aligned or not RAM", what, static_cast<unsigned long>(r.hv.gpa));
    ctx.check(unused_zero(r.hv.block, first_unused), "%s: flags or unused arguments not zero", what);
  };
  auto* mem = static_cast<unsigned char*>(r.env.alloc_pages(2));
  if (!ctx.check(mem != nullptr, "fake memory")) return;
  hmx::ring_registration reg;
  reg.memory = mem;
  reg.len = 256;
  reg.aport = 1;
  reg.partner_id = 2;
  (void)r.client.register_ring(reg);
  block_ok("register_ring", 4);
  (void)r.client.unregister_ring(1, 2);
  block_ok("unregister_ring", 1);
  (void)r.client.send(hmx::make_addr(5, 6), mem + 300, 4, 0);
  block_ok("sendv", 4);
  (void)r.client.notify();
  block_ok("notify(0)", 0);
  hmx_ring_data_ent_t e{};
  e.ring = hmx::make_addr(1, 2);
  (void)r.client.notify(&e, 1);
  block_ok("notify with an entry", 1);
  (void)r.client.null();
  block_ok("null", 0);
  (void)r.client.set_vector(1, hmx::vector_reg::unmasked(0x40));
  block_ok("set_vector", 2);
  (void)r.client.set_event_page(reinterpret_cast<hmx_event_page_t*>(mem + 4096));
  block_ok("set_event_page", 1);
  ctx.check(r.hv.pads_zero, "a pad field of an argument structure was not zero");

  // Failures are values; nothing traps for a request libhmx can refuse itself (HMX-LIB-021 HMX-LIB-022).
  ctx.req("HMX-LIB-021 HMX-LIB-022");
  const unsigned before = r.hv.invokes;
  reg.memory = mem + 8;  // not page aligned
  ctx.expect_rc(r.client.register_ring(reg).code(), -HMX_EINVAL, "register_ring of unaligned memory");
  ctx.expect_rc(r.client.send(hmx::make_addr(5, 6), nullptr, 8, 0).error().code(), -HMX_EFAULT, "send from nullptr");
  int outside = 0;
  ctx.expect_rc(r.client.send(hmx::make_addr(5, 6), &outside, 4, 0).error().code(), -HMX_EFAULT,
                "send from memory without a GPA");
  ctx.expect_eq(r.hv.invokes, before, "traps for requests refused by the library");
  r.hv.answer = -HMX_EACCES;
  ctx.expect_rc(r.client.notify().code(), -HMX_EACCES, "the hypervisor's error returned as a value");
  static_assert(noexcept(r.client.notify()) && noexcept(r.client.register_ring(reg)) &&
                    noexcept(r.client.send(hmx::make_addr(0, 0), nullptr, 0, 0)),
                "libhmx operations are noexcept (HMX-LIB-021 HMX-LIB-022)");
}

// covers: HMX-LIB-010
HMX_GUEST_TEST(lib_freestanding, "HMX-LIB-010") {
  // This file and every test file are compiled into the guest images with -ffreestanding
  // -fno-exceptions -fno-rtti -nostdlib and no heap (cmake/HmxGuest.cmake); the build defines
  // the macro below only where it built those images successfully.
#if defined(HMX_CONFORMANCE_FREESTANDING_BUILT)
  ctx.check(true, "built freestanding into hmx-conformance-tester.elf");
#else
  ctx.untestable("HMX-LIB-010", "the guest images (freestanding build) are not part of this build");
#endif
  // Translation is the environment's: libhmx uses to_gpa and never assumes identity.
  rig r;
  auto* mem = static_cast<unsigned char*>(r.env.alloc_pages(1));
  ctx.check(mem != nullptr && r.env.to_gpa(mem) != reinterpret_cast<uintptr_t>(mem), "fake memory is not identity mapped");
  (void)r.client.notify();
  ctx.check(r.env.host_ptr(r.hv.gpa, 48) != nullptr, "the call block GPA came from the environment's translation");
}

// covers: HMX-LIB-026 HMX-LIB-027 HMX-LIB-028 HMX-LIB-029
HMX_GUEST_TEST(lib_ring_reader, "HMX-LIB-026 HMX-LIB-027 HMX-LIB-028 HMX-LIB-029") {
  alignas(4096) static unsigned char mem[4096];
  constexpr uint32_t len = 256;
  auto* hdr = reinterpret_cast<hmx_ring_t*>(mem);
  unsigned char* data = mem + 64;
  auto put = [&](uint32_t at, uint32_t hlen, uint32_t type) {
    const uint32_t words[4] = {hlen, 0x10, 3, type};
    __builtin_memcpy(data + at, words, 16);
  };
  util::fill(mem, 0, sizeof mem);
  hmx::ring_reader rd(mem, len);
  ctx.req("HMX-LIB-028 HMX-LIB-029");
  put(0, 16 + 5, 1);  // 5 bytes: occupies 32
  put(32, 16, 2);     // empty message
  hdr->tx_ptr = 48;
  hmx::result<hmx::message_view> m = rd.peek();
  ctx.check(m.ok() && m->size == 5 && m->next == 32, "first message: size 5, next rx 32");
  ctx.check(rd.peek().ok() && hdr->rx_ptr == 0, "peek does not move rx_ptr");
  if (m.ok()) (void)rd.consume(*m);
  ctx.expect_eq(hdr->rx_ptr, 32, "rx_ptr after consuming 21 bytes (rounded up to 32)");
  m = rd.peek();
  ctx.check(m.ok() && m->size == 0 && m->next == 48, "second message: empty, next rx 48");
  if (m.ok()) (void)rd.consume(*m);
  ctx.check(rd.peek().error() == hmx::errc::again, "empty ring after both");
  // Wrapping: header at 224, 16 payload bytes to the end, 4 more from 0; rx moves modulo len.
  put(224, 16 + 20, 3);
  hdr->rx_ptr = 224;
  hdr->tx_ptr = 32;
  m = rd.peek();
  ctx.check(m.ok() && m->size == 20 && m->next == 16 && m->wraps(), "a wrapping message, next rx 16");
  // Corrupt headers: len below 16, a message past tx_ptr, pointers out of range.
  hdr->rx_ptr = 0;
  hdr->tx_ptr = 48;
  put(0, 15, 4);
  ctx.check(rd.peek().error() == hmx::errc::inval, "header len 15 accepted");
  put(0, 16 + 40, 4);  // 64 bytes, but tx_ptr is 48
  ctx.check(rd.peek().error() == hmx::errc::inval, "a message extending past tx_ptr accepted");
  put(0, 0xfffffff0u, 4);
  ctx.check(rd.peek().error() == hmx::errc::inval, "header len 0xfffffff0 accepted");
  hdr->tx_ptr = 300;
  ctx.check(rd.peek().error() == hmx::errc::inval, "tx_ptr beyond len accepted");
  hdr->tx_ptr = 40;
  ctx.check(rd.peek().error() == hmx::errc::inval, "tx_ptr not slot aligned accepted");
  ctx.expect_eq(hdr->rx_ptr, 0, "rx_ptr after refusing corrupt messages");

  // Ordering (HMX-LIB-026 HMX-LIB-027): acquire on tx_ptr, release on rx_ptr are code properties, checked by
  // review (ring_reader.h); here: rx_ptr moves only by consume, to the message's end.
  ctx.req("HMX-LIB-026 HMX-LIB-027");
  put(0, 16 + 8, 5);
  hdr->tx_ptr = 32;
  const hmx::result<uint32_t> n = rd.for_each([](const hmx::message_view&) {});
  ctx.check(n.ok() && *n == 1 && hdr->rx_ptr == 32, "for_each consumed one message, rx_ptr %u", hdr->rx_ptr);
}

// covers: HMX-LIB-030 HMX-LIB-031
HMX_GUEST_TEST(lib_new_ring_pointers, "HMX-LIB-030 HMX-LIB-031") {
  rig r;
  auto* mem = static_cast<unsigned char*>(r.env.alloc_pages(1));
  if (!ctx.check(mem != nullptr, "fake memory")) return;
  auto* hdr = reinterpret_cast<hmx_ring_t*>(mem);
  hdr->rx_ptr = 0x30;
  hdr->tx_ptr = 0x50;
  hmx::ring_registration reg;
  reg.memory = mem;
  reg.len = 256;
  (void)r.client.register_ring(reg);
  ctx.check(r.hv.ring_pointers_zero, "a new ring was registered with rx/tx not 0");
  hdr->rx_ptr = 0x30;
  hdr->tx_ptr = 0x50;
  hdr->event_index = 9;
  reg.preserve = true;
  (void)r.client.register_ring(reg);
  ctx.check(!r.hv.ring_pointers_zero && hdr->rx_ptr == 0x30 && hdr->tx_ptr == 0x50,
            "a preserved ring's pointers were changed");
  // Consuming writes rx_ptr only.
  const uint32_t words[4] = {16 + 4, 0, 0, 0};
  __builtin_memcpy(mem + 64 + 0x30, words, 16);
  hdr->tx_ptr = 0x50;
  hmx::ring_reader rd(mem, 256);
  (void)rd.for_each([](const hmx::message_view&) {});
  ctx.check(hdr->tx_ptr == 0x50 && hdr->event_index == 9, "the reader wrote tx_ptr or event_index");
}

// covers: HMX-EVENT-030 HMX-EVENT-031 HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029
HMX_GUEST_TEST(lib_event_page, "HMX-EVENT-030 HMX-EVENT-031 HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029") {
  alignas(4096) static hmx_event_page_t page;
  ctx.req("HMX-EVENT-030 HMX-EVENT-031");
  util::fill(&page, 0, sizeof page);
  page.ring_pending[0] = (uint64_t{1} << 3) | (uint64_t{1} << 40);
  page.ring_pending[1] = uint64_t{1} << 63;
  unsigned seen = 0;
  bool cleared_first = true;
  const uint32_t n = hmx::take_ring_pending(&page, [&](uint32_t index) {
    cleared_first &= (page.ring_pending[index / 64] >> (index % 64) & 1) == 0;
    seen |= index == 3 ? 1u : index == 40 ? 2u : index == 127 ? 4u : 8u;
  });
  ctx.check(n == 3 && seen == 7, "pending bits handed out: %u (mask %#x)", n, seen);
  ctx.check(cleared_first, "a bit was still set when its ring was handed out for consumption");
  page.ring_pending[0] = 0x5;
  ctx.check(hmx::test_and_clear_ring_pending(&page, 0) && page.ring_pending[0] == 0x4,
            "test_and_clear clears exactly its bit");

  ctx.req("HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029");
  rig r;
  auto* ev = static_cast<hmx_event_page_t*>(r.env.alloc_pages(1));
  if (ev == nullptr) return;
  util::fill(ev, 0xff, sizeof *ev);
  (void)r.client.set_event_page(ev);
  ctx.check(r.hv.event_page_zero, "the event page was not zero when it was enabled");
  ctx.info("handler before unmask, EOI and the check of every ring are the driver's sequence: see libhmx");
}

// covers: HMX-SEND-011 HMX-NOTIFY-006
HMX_GUEST_TEST(lib_space_waits, "HMX-SEND-011 HMX-NOTIFY-006") {
  rig r;
  auto* buf = static_cast<unsigned char*>(r.env.alloc_pages(2));
  if (buf == nullptr) return;
  ctx.req("HMX-SEND-011");
  r.hv.answer = -HMX_EAGAIN;
  ctx.expect_rc(r.client.send(hmx::make_addr(1, 2), buf, 8, 0).error().code(), -HMX_EAGAIN, "send into a full ring");
  ctx.expect_eq(r.hv.invokes, 1, "traps for one send that got EAGAIN (no retry loop)");
  r.hv.answer = 0;

  ctx.req("HMX-NOTIFY-006");
  unsigned char* ringmem = buf + 4096;
  auto* hdr = reinterpret_cast<hmx_ring_t*>(ringmem);
  const uint32_t words[4] = {16 + 4, 0, 0, 0};
  __builtin_memcpy(ringmem + 64, words, 16);
  hdr->tx_ptr = 32;
  hmx::ring_reader rd(ringmem, 256);
  const unsigned before = r.hv.invokes;
  const hmx::result<uint32_t> n = r.client.drain(rd, [](const hmx::message_view&) {});
  ctx.check(n.ok() && *n == 1, "drain consumed one message");
  ctx.check(r.hv.invokes == before + 1 && r.hv.block.op == HMX_OP_NOTIFY && r.hv.block.arg[0] == 0,
            "no notify(0) after advancing rx_ptr");
  (void)r.client.drain(rd, [](const hmx::message_view&) {});
  ctx.expect_eq(r.hv.invokes, before + 1, "traps when nothing was consumed");
}
