// SPDX-License-Identifier: Apache-2.0
// Hostile guests: out-of-range and overflowing addresses, overlapping rings, scribbled ring
// indices, absurd counts, and call blocks, batch lists and payloads rewritten while in use.
#include <set>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

// Every value a call may return: success counts or one of the defined error codes.
bool is_valid_result(int64_t rc) {
  static const std::set<int64_t> errors = {
      E(HMX_EPERM),  E(HMX_ENOENT), E(HMX_ESRCH),  E(HMX_E2BIG),     E(HMX_EAGAIN),
      E(HMX_ENOMEM), E(HMX_EACCES), E(HMX_EFAULT), E(HMX_EBUSY),     E(HMX_EEXIST),
      E(HMX_ENODEV), E(HMX_EINVAL), E(HMX_ENOSPC), E(HMX_EMSGSIZE),  E(HMX_EOPNOTSUPP),
      E(HMX_ECONNREFUSED)};
  return (rc >= 0 && rc <= HMX_MAX_MESSAGE_SIZE) || errors.count(rc) == 1;
}

// Relaxed atomic stores: the "guest" rewrites memory the core is reading, on purpose.
void racy_store(std::byte* p, uint64_t v) {
  std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(p)).store(v, std::memory_order_relaxed);
}

// covers: HMX-SEC-009 HMX-SEC-010 HMX-SEC-004
TEST_F(CoreTest, RingFramesThatAllAliasOnePage) {
  // Three frames, all the same page: data overwrites the header, rx_ptr is garbage. The core
  // must keep going without touching anything outside the page.
  const uint64_t page = a.alloc(4096, 4096);
  const uint64_t guard = a.alloc(4096, 4096);  // canary after the page
  std::memset(a.host(guard), 0xCC, 4096);
  std::memset(a.host(page - 64), 0xCC, 64);     // and right before it (the call block area)
  std::vector<uint64_t> gfns(3, page >> 12);
  hmx_register_ring_t reg{1, b.id, 0, 3 * 4096 - 64};
  ASSERT_EQ(a.call(HMX_OP_REGISTER_RING, a.put(reg), a.put_bytes(std::as_bytes(std::span(gfns)), 8), 3, 0), 0);
  for (uint32_t i = 0; i < 300; ++i) {
    const uint64_t m = b.mark();
    const int64_t rc = b.send_bytes(a.id, 1, pattern(1 + (i * 97) % 5000, i));
    EXPECT_TRUE(rc > 0 || rc == E(HMX_EAGAIN)) << rc;
    b.reset(m);
  }
  // Nothing outside the aliased page changed.
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(*a.host(guard + i), std::byte{0xCC}) << i;
  for (int i = 0; i < 64; ++i) ASSERT_EQ(*a.host(page - 64 + i), std::byte{0xCC}) << i;
}

// covers: HMX-SEC-009 HMX-SEC-010
TEST_F(CoreTest, RingOverlappingTheEventPageAndItsOwnCallBlocks) {
  const uint64_t page = a.alloc(4096, 4096);
  ASSERT_EQ(core.set_event_page(a.id, page | 1), 0);
  hmx_register_ring_t reg{1, a.id, 0, 4096 - 64};
  // The ring's only frame is the event page; the register argument and the call block live in it.
  const uint64_t gfn = a.put(page >> 12);
  std::memcpy(a.host(page + 1024), &reg, sizeof(reg));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_REGISTER_RING;
  blk.arg[0] = page + 1024;
  blk.arg[1] = gfn;
  blk.arg[2] = 1;
  std::memcpy(a.host(page + 2048), &blk, sizeof(blk));
  EXPECT_EQ(core.call(a.id, 0, page + 2048), 0);
  for (int i = 0; i < 100; ++i) {
    const uint64_t m = a.mark();
    const int64_t rc = a.send_bytes(a.id, 1, pattern(200, i));
    EXPECT_TRUE(rc == 200 || rc == E(HMX_EAGAIN)) << rc;
    a.reset(m);
  }
}

// covers: HMX-RING-014 HMX-SEC-009 HMX-SEC-010
TEST_F(CoreTest, RxPtrBeyondTheRingIsSanitized) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 256), 0);
  for (uint32_t bad : {0xFFFFFFFFu, 256u, 272u, 0x80000000u, 5u, 255u}) {
    a.set_rx(r, bad);
    const int64_t rc = b.send(a.id, 1, {"payload"});
    EXPECT_TRUE(rc == 7 || rc == E(HMX_EAGAIN)) << bad << " " << rc;
    EXPECT_LT(a.tx(r), 256u);
    EXPECT_EQ(a.tx(r) % 16, 0u);
    std::vector<hmx_ring_data_ent_t> out;
    EXPECT_EQ(b.notify({ent(a.id, 1, 1)}, &out), 0);
    EXPECT_LE(out[0].max_message_size, 224u);
  }
}

// covers: HMX-SEC-007 HMX-SEC-008 HMX-SEC-009 HMX-SEC-010
TEST_F(CoreTest, AbsurdCountsAndAddresses) {
  const std::vector<uint64_t> gpas = {0, 8, a.mem.size() - 8, a.mem.size(), a.mem.size() + 4096,
                                      1ull << 40, ~0ull - 47, ~0ull & ~15ull, ~0ull};
  const std::vector<uint64_t> counts = {0, 1, 9, 257, 0xFFFF, 0xFFFFFFFF, 1ull << 32, ~0ull};
  for (uint32_t op = 0; op <= 20; ++op) {
    for (uint64_t g : gpas) {
      for (uint64_t c : counts) {
        const int64_t r1 = a.call(op, g, g, c, c);
        EXPECT_TRUE(is_valid_result(r1)) << op << " " << r1;
        const int64_t r2 = core.argo_op(a.id, 0, op, g, c, c, g);
        EXPECT_TRUE(is_valid_result(r2)) << op << " " << r2;
      }
    }
  }
}

// covers: HMX-SEND-010 HMX-SEC-009 HMX-SEC-010
TEST_F(CoreTest, SelfSendFromInsideItsOwnRing) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, a.id, 2 * 4096 - 64), 0);
  // The iov covers the ring's own data, including where the message will land (overlap).
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  hmx_iov_t iov{r.frames[0] + 32, 3000, 0};
  const uint64_t addr_gpa = a.put(addr), iov_gpa = a.put(iov);
  for (int i = 0; i < 20; ++i) {
    const int64_t rc = a.call(HMX_OP_SENDV, addr_gpa, iov_gpa, 1, 0);
    EXPECT_TRUE(rc == 3000 || rc == E(HMX_EAGAIN)) << rc;
    if (rc == E(HMX_EAGAIN)) {
      while (a.receive(r)) {
      }
    }
  }
}

// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-SEC-002 HMX-SEC-009 HMX-SEC-010
TEST_F(CoreTest, CallBlockRewrittenWhileBeingProcessed) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1024), 0);
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  hmx_iov_t iov{b.put_string("flip"), 4, 0};
  const uint64_t addr_gpa = b.put(addr), iov_gpa = b.put(iov);
  const uint64_t blk = b.alloc(sizeof(hmx_call_block_t), 64);
  std::atomic<bool> stop{false};
  std::thread guest([&] {
    // Alternate between a valid sendv, a batch, garbage and addresses outside RAM.
    const uint64_t variants[4][5] = {
        {HMX_OP_SENDV, addr_gpa, iov_gpa, 1, 0},
        {HMX_OP_BATCH, blk, 64, 0, 0},
        {0xDEADBEEF, ~0ull, ~0ull, ~0ull, ~0ull},
        {HMX_OP_SENDV, b.mem.size() - 8, iov_gpa, 0xFFFFFFFF, 0}};
    for (uint32_t i = 0; !stop; ++i) {
      const auto& v = variants[i % 4];
      racy_store(b.host(blk), v[0]);  // op, flags 0
      for (int k = 0; k < 4; ++k) racy_store(b.host(blk + 16 + 8 * k), v[k + 1]);
    }
  });
  for (int i = 0; i < 20000; ++i) {
    const int64_t rc = core.call(b.id, 0, blk);
    ASSERT_TRUE(is_valid_result(rc)) << rc;
    if (rc == 4 && (i % 64) == 0) {
      while (a.receive(r)) {
      }
    }
  }
  stop = true;
  guest.join();
  // Whatever arrived is a well-formed message of a block as it was read once: the valid sendv
  // ("flip"), or a torn mix of the variants the core read consistently, e.g. the sendv's op and
  // addresses with the batch's zero count (niov 0) or an iov array at GPA 64 that holds zeros:
  // an empty message. Never a torn or out-of-ring message (receive() checks the framing).
  while (auto m = a.receive(r)) {
    const std::string payload = to_string(m->payload);
    EXPECT_TRUE(payload == "flip" || payload.empty()) << payload;
  }
}

// covers: HMX-BATCH-002 HMX-SEC-002
TEST_F(CoreTest, BatchListRewrittenWhileBeingProcessed) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1 << 16), 0);
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  hmx_iov_t iov{b.put_string("batched!"), 8, 0};
  const uint64_t addr_gpa = b.put(addr), iov_gpa = b.put(iov);
  const uint64_t list = b.alloc(HMX_MAX_BATCH_ENTRIES * sizeof(hmx_call_block_t), 64);
  const uint64_t blk = b.alloc(sizeof(hmx_call_block_t), 64);
  hmx_call_block_t outer{};
  outer.op = HMX_OP_BATCH;
  outer.arg[0] = list;
  outer.arg[1] = HMX_MAX_BATCH_ENTRIES;
  std::memcpy(b.host(blk), &outer, sizeof(outer));
  std::atomic<bool> stop{false};
  std::thread guest([&] {
    uint32_t x = 1;
    while (!stop) {
      x = x * 1664525u + 1013904223u;
      const uint64_t e = list + ((x >> 8) % HMX_MAX_BATCH_ENTRIES) * sizeof(hmx_call_block_t);
      const uint64_t ops[4] = {HMX_OP_SENDV, HMX_OP_BATCH, HMX_OP_NULL, x};
      racy_store(b.host(e), ops[x % 4]);
      racy_store(b.host(e + 16), (x & 16) ? addr_gpa : list);
      racy_store(b.host(e + 24), (x & 32) ? iov_gpa : ~0ull);
      racy_store(b.host(e + 32), (x >> 6) % 3);
      racy_store(b.host(e + 40), 0);
      racy_store(b.host(blk + 24), (x & 64) ? HMX_MAX_BATCH_ENTRIES : 100000);  // outer count
    }
  });
  for (int i = 0; i < 3000; ++i) {
    const int64_t rc = core.call(b.id, 0, blk);
    ASSERT_TRUE(rc == E(HMX_E2BIG) || (rc >= 1 && rc <= HMX_MAX_BATCH_ENTRIES)) << rc;
    while (a.receive(r)) {
    }
  }
  stop = true;
  guest.join();
}

// covers: HMX-SEC-002 HMX-SEND-008
TEST_F(CoreTest, PayloadRewrittenWhileBeingCopied) {
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, b.id, 1 << 20), 0);
  const uint32_t len = 32 * 1024;
  const uint64_t buf = b.alloc(len, 4096);
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, a.id, 0}};
  hmx_iov_t iov{buf, len, 0};
  const uint64_t addr_gpa = b.put(addr), iov_gpa = b.put(iov);
  std::atomic<bool> stop{false};
  std::thread guest([&] {
    for (uint64_t v = 0; !stop; ++v) {
      for (uint32_t off = 0; off < len && !stop; off += 512) racy_store(b.host(buf + off), v);
    }
  });
  for (int i = 0; i < 64; ++i) {
    const int64_t rc = core.call(b.id, 0, [&] {
      hmx_call_block_t blk{};
      blk.op = HMX_OP_SENDV;
      blk.arg[0] = addr_gpa;
      blk.arg[1] = iov_gpa;
      blk.arg[2] = 1;
      const uint64_t gpa = b.alloc(sizeof(blk), 64);
      std::memcpy(b.host(gpa), &blk, sizeof(blk));
      return gpa;
    }());
    ASSERT_EQ(rc, len);
    auto m = a.receive(r);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->payload.size(), len);  // the length never depends on the racing bytes
    EXPECT_EQ(m->len, len + 16);
  }
  stop = true;
  guest.join();
}

// A deterministic mini-fuzzer: random operations with interesting arguments against two domains.
// covers: HMX-SEC-009 HMX-SEC-010
TEST(Hostile, RandomCallBlocksNeverBreakTheCore) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a", 1 << 20), b(core, 2, "b", 1 << 20);
  GuestRing r;
  ASSERT_EQ(a.register_ring(r, 1, HMX_DOMID_ANY, 4096 - 64), 0);
  ASSERT_EQ(b.register_ring(r, 1, a.id, 2 * 4096 - 64), 0);
  // A pool of argument blocks of every kind, some valid, some not.
  std::vector<uint64_t> pool = {0, 16, a.mem.size() - 16, a.mem.size(), ~0ull, 1ull << 63};
  uint32_t x = 12345;
  auto rnd = [&] { return x = x * 1103515245u + 12345u, x >> 4; };
  for (int i = 0; i < 64; ++i) {
    const uint64_t gpa = a.alloc(256, 16);
    for (int k = 0; k < 256; k += 4) {
      uint32_t v = rnd();
      switch (v % 6) {
        case 0: v = 0; break;
        case 1: v = 1 + v % 3; break;
        case 2: v = 0x7FF4; break;
        case 3: v = 48 + 16 * (v % 300); break;
        case 4: v = 0x1000 + (v % 200) * 16; break;
        default: break;
      }
      std::memcpy(a.host(gpa + k), &v, 4);
    }
    pool.push_back(gpa);
    pool.push_back(gpa + 4);
  }
  const uint64_t scratch = a.mark();
  for (int i = 0; i < 20000; ++i) {
    const uint32_t ops[] = {1, 2, 3, 4, 16, 17, 18, 19, rnd()};
    const uint32_t op = ops[rnd() % 9];
    uint64_t args[4];
    for (auto& g : args) g = (rnd() % 4 == 0) ? rnd() % 300 : pool[rnd() % pool.size()];
    if (op == 18) args[0] &= ~0xFFEull;
    const int64_t rc = (i % 2) ? a.call(op, args[0], args[1], args[2], args[3], rnd() % 2)
                               : core.argo_op(a.id, rnd() % 2, op, args[0], args[1], args[2], args[3]);
    ASSERT_TRUE(is_valid_result(rc)) << "op " << op << " -> " << rc;
    if ((i % 1000) == 0) a.reset(scratch);
  }
}

}  // namespace
}  // namespace hmx::ref::test
