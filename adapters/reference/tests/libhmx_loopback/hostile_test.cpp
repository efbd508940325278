// SPDX-License-Identifier: Apache-2.0
// Hostile guests through libhmx's raw path (client::call, client::invoke_at): GPAs out of range,
// overlapping and repeated ring frames, absurd counts and widths, rx_ptr/tx_ptr games, and call
// blocks, batch lists and argument structs rewritten while the hypervisor processes them. The
// core must refuse or contain each, never touch memory outside the caller's RAM, and libhmx's
// ring reader must stay inside the ring whatever the ring holds.
#include <atomic>
#include <cstring>
#include <thread>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

class HostileTest : public LoopbackTest {
 protected:
  // A canary page in each other domain, checked after every test.
  void SetUp() override {
    for (domain* d : {&beta, &gamma}) {
      unsigned char* p = d->pages(1);
      std::memset(p, 0xA5, 4096);
      canaries.push_back(p);
    }
  }
  void TearDown() override {
    for (unsigned char* p : canaries)
      for (int i = 0; i < 4096; ++i) ASSERT_EQ(p[i], 0xA5) << "another domain's memory changed";
  }
  uint64_t beyond(uint64_t back = 0) const { return alpha.mem.size() - back; }
  std::vector<unsigned char*> canaries;
};

// covers: HMX-SEC-007 HMX-SEC-008 HMX-SEC-009 HMX-SEC-010
TEST_F(HostileTest, CallBlockGpaOutOfRangeOrMisaligned) {
  bound_client a(alpha);
  const uint64_t size = alpha.mem.size();
  for (uint64_t gpa : {size, size - 16, size + 4096, uint64_t{1} << 52, ~uint64_t{0} & ~uint64_t{15}}) {
    EXPECT_TRUE(a->invoke_at(gpa).ok());  // the loopback trap itself always "returns"
    EXPECT_EQ(a.core_return(), -HMX_EFAULT) << std::hex << gpa;
  }
  for (uint64_t gpa : {a->call_block_gpa() + 8, uint64_t{1}, size - 1}) {
    EXPECT_TRUE(a->invoke_at(gpa).ok());
    EXPECT_EQ(a.core_return(), -HMX_EINVAL) << std::hex << gpa;
  }
  EXPECT_TRUE(a->null().ok());  // and the domain still works
}

// covers: HMX-SEC-007 HMX-SEC-008 HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023
TEST_F(HostileTest, ArgumentGpasOutOfRange) {
  bound_client a(alpha);
  const uint64_t end = alpha.mem.size();
  auto* p = static_cast<unsigned char*>(alpha.env.alloc_pages(1));
  const uint64_t gp = alpha.env.to_gpa(p);
  // register_ring: the struct and the frame list outside RAM are EFAULT; a listed frame that is
  // not RAM (beyond the end, or a frame number whose << 12 overflows) is EINVAL (HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023).
  auto* reg = reinterpret_cast<hmx_register_ring_t*>(p);
  *reg = hmx_register_ring_t{1, beta.id, 0, 256};
  auto* gfns = reinterpret_cast<uint64_t*>(p + 64);
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, end - 4, gp + 64, 1, 0).error(), errc::fault);
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, gp, end - 4, 1, 0).error(), errc::fault);
  gfns[0] = end >> 12;
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, gp, gp + 64, 1, 0).error(), errc::inval);
  gfns[0] = uint64_t{1} << 60;
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, gp, gp + 64, 1, 0).error(), errc::inval);
  EXPECT_EQ(core.ring_count(alpha.id), 0u);
  // sendv: the address struct, the iov array, an iov's bytes, an iov wrapping around 2^64.
  ring r(beta, 1, alpha.id, 256);
  {
    bound_client b(beta);
    ASSERT_TRUE(b->register_ring(r.reg).ok());
  }
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(p + 1024);
  *sa = hmx_send_addr_t{any_source, make_addr(1, beta.id)};
  auto* iov = reinterpret_cast<hmx_iov_t*>(p + 2048);
  *iov = hmx_iov_t{gp, 8, 0};
  EXPECT_EQ(a->call(HMX_OP_SENDV, end, gp + 2048, 1, 0).error(), errc::fault);
  EXPECT_EQ(a->call(HMX_OP_SENDV, gp + 1024, end - 8, 1, 0).error(), errc::fault);
  for (uint64_t hnd : {end - 4, end, ~uint64_t{0} - 3}) {
    *iov = hmx_iov_t{hnd, 8, 0};
    EXPECT_EQ(a->call(HMX_OP_SENDV, gp + 1024, gp + 2048, 1, 0).error(), errc::fault)
        << std::hex << hnd;
  }
  EXPECT_TRUE(r.reader.empty());
  // notify, batch, set_event_page.
  EXPECT_EQ(a->call(HMX_OP_NOTIFY, end - 4).error(), errc::fault);
  // A ring_data whose head is the last 8 bytes of RAM: its entries lie beyond.
  alpha.at<hmx_ring_data_t>(end - 8)->nent = 1;
  EXPECT_EQ(a->call(HMX_OP_NOTIFY, end - 8).error(), errc::fault);
  EXPECT_EQ(a->call(HMX_OP_BATCH, end - 48, 2, 0).error(), errc::fault);
  EXPECT_EQ(a->call(HMX_OP_SET_EVENT_PAGE, end | 1).error(), errc::fault);
  EXPECT_TRUE(a->null().ok());
}

// covers: HMX-SEND-017 HMX-SEND-018 HMX-SEND-019 HMX-MECH-031 HMX-MECH-032 HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013 HMX-BATCH-014 HMX-BATCH-015 HMX-NOTIFY-002 HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016
TEST_F(HostileTest, AbsurdCountsAndWidths) {
  bound_client a(alpha);
  auto* p = static_cast<unsigned char*>(alpha.env.alloc_pages(1));
  const uint64_t gp = alpha.env.to_gpa(p);
  for (uint64_t niov : {uint64_t{HMX_MAXIOV + 1}, uint64_t{0xFFFFFFFF}, uint64_t{1} << 32,
                        ~uint64_t{0}}) {
    EXPECT_EQ(a->call(HMX_OP_SENDV, gp, gp + 64, niov, 0).error(), errc::inval) << niov;
  }
  EXPECT_EQ(a->call(HMX_OP_SENDV, gp, gp + 64, 1, uint64_t{1} << 32).error(), errc::inval);
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, gp, gp + 64, HMX_MAX_RING_PAGES + 1, 0).error(),
            errc::inval);
  EXPECT_EQ(a->call(HMX_OP_REGISTER_RING, gp, gp + 64, 1, 0x80000000u).error(), errc::inval);
  EXPECT_EQ(a->call(HMX_OP_BATCH, gp, ~uint64_t{0}, 0).error(), errc::too_big);
  EXPECT_EQ(a->call(HMX_OP_BATCH, gp, 1, 0xFE).error(), errc::inval);
  EXPECT_EQ(a->call(HMX_OP_BATCH, gp + 8, 1, 0).error(), errc::inval);  // misaligned list
  auto* rd = reinterpret_cast<hmx_ring_data_t*>(p);
  rd->nent = 0xFFFFFFFF;
  EXPECT_EQ(a->call(HMX_OP_NOTIFY, gp).error(), errc::acces);
  EXPECT_EQ(a->call(HMX_OP_SET_VECTOR, 1000, 0x40).error(), errc::inval);  // no such vCPU
  EXPECT_EQ(a->call(HMX_OP_SET_VECTOR, uint64_t{1} << 32, 0x40).error(), errc::inval);
  EXPECT_EQ(a->call(HMX_OP_UNREGISTER_RING, gp, 1).error(), errc::inval);
  // A batch whose entry is a batch: never nested.
  batch_t inner(alpha.env);
  ASSERT_TRUE(inner.add_null().ok());
  batch_t outer(alpha.env);
  ASSERT_TRUE(outer.add_raw(HMX_OP_BATCH, inner.entries_gpa(), 1, 0).ok());
  EXPECT_EQ(*a->run(outer), 1u);
  EXPECT_EQ(outer.entry_status(0), errc::inval);
}

// Rings sharing frames, a ring listing one frame twice, and a ring over the client's own scratch
// page: the core accepts them (they only scramble the guest's own memory), keeps writing only
// inside them, and libhmx's reader never leaves its ring whatever it finds there.
// covers: HMX-SEC-009 HMX-SEC-010 HMX-SEC-004
TEST_F(HostileTest, OverlappingAndRepeatedRingFrames) {
  bound_client a(alpha), b(beta);
  auto* frames = static_cast<unsigned char*>(alpha.env.alloc_pages(3));
  unsigned char* guard = alpha.pages(1);
  std::memset(guard, 0x5A, 4096);
  const uint64_t f0 = alpha.env.to_gpa(frames) >> 12;
  auto* p = static_cast<unsigned char*>(alpha.env.alloc_pages(1));
  const uint64_t gp = alpha.env.to_gpa(p);
  auto* gfns = reinterpret_cast<uint64_t*>(p + 512);

  // Ring 1: frames f0, f0+1 (len 4096). Ring 2: f0+1, f0 (reversed, overlapping ring 1).
  // Ring 3: f0+2 twice.
  auto reg_raw = [&](uint32_t aport, std::initializer_list<uint64_t> list) {
    auto* reg = reinterpret_cast<hmx_register_ring_t*>(p);
    *reg = hmx_register_ring_t{aport, beta.id, 0, 4096};
    size_t i = 0;
    for (uint64_t g : list) gfns[i++] = g;
    return a->call(HMX_OP_REGISTER_RING, gp, gp + 512, list.size(), 0).error();
  };
  ASSERT_TRUE(reg_raw(1, {f0, f0 + 1}).ok());
  ASSERT_TRUE(reg_raw(2, {f0 + 1, f0}).ok());
  ASSERT_TRUE(reg_raw(3, {f0 + 2, f0 + 2}).ok());

  // Ring 4 over the client's own scratch page (call block and argument structs).
  ASSERT_TRUE(reg_raw(4, {a->call_block_gpa() >> 12, f0 + 2}).ok());

  unsigned char* buf = beta.pages(2);
  for (int i = 0; i < 300; ++i) {
    const std::string s = pattern(1 + i * 13 % 900, i);
    std::memcpy(buf, s.data(), s.size());
    for (uint32_t port : {1u, 2u, 3u, 4u}) {
      const result<uint32_t> r = b->send(make_addr(port, alpha.id), buf, s.size(), i);
      // Shared frames mean a ring's header may be overwritten by the other ring's data: any
      // spec answer is fine, a crash or a write outside the frames is not.
      EXPECT_TRUE(r.ok() || r.error() == errc::again || r.error() == errc::msgsize)
          << r.error().name();
    }
    // The guest's readers on the same memory: whatever they see, they stay inside.
    ring_reader r1(frames, 4096);
    unsigned char out[8192];
    (void)r1.read(out, sizeof out);
    ring_reader r3(frames + 2 * 4096, 4096);  // virtually one page: len 4096 spans 2 frames
    (void)r3.pending_bytes();
    (void)a->null();  // the client rewrites its call block each call; ring 4's data is noise
  }
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(guard[i], 0x5A) << "written outside the ring frames";
  EXPECT_TRUE(a->null().ok());
}

// covers: HMX-RING-014 HMX-RING-015 HMX-LIB-028 HMX-LIB-029
TEST_F(HostileTest, RxBeyondTheRingAndTxGames) {
  bound_client a(alpha), b(beta);
  ring r(beta, 1, alpha.id, 256);
  ASSERT_TRUE(b->register_ring(r.reg).ok());
  unsigned char* buf = alpha.pages(1);
  std::memcpy(buf, "payload!", 8);

  // rx_ptr beyond the ring: the core treats it as 0 (Xen docs/designs/argo.pandoc, ring protocol); libhmx's reader refuses it.
  ASSERT_TRUE(a->send(make_addr(1, beta.id), buf, 8, 1).ok());
  __atomic_store_n(&r.header()->rx_ptr, 0xFFFFFFF0u, __ATOMIC_RELEASE);
  EXPECT_EQ(r.reader.peek().error(), errc::inval);
  EXPECT_TRUE(a->send(make_addr(1, beta.id), buf, 8, 2).ok());  // the core copes
  ASSERT_TRUE(r.reader.discard_all().ok());                     // the guest resynchronises
  EXPECT_TRUE(r.reader.empty());
  ASSERT_TRUE(a->send(make_addr(1, beta.id), buf, 8, 3).ok());
  message_view m;
  EXPECT_EQ(receive(r.reader, &m), "payload!");
  EXPECT_EQ(m.message_type, 3u);

  // An unaligned rx_ptr: the core rounds it up; the reader refuses it.
  __atomic_store_n(&r.header()->rx_ptr, r.reader.rx() + 4, __ATOMIC_RELEASE);
  EXPECT_EQ(r.reader.peek().error(), errc::inval);
  ASSERT_TRUE(r.reader.discard_all().ok());

  // The guest scribbling tx_ptr: the core keeps its own copy and republishes it on the next send.
  const uint32_t tx = r.reader.tx();
  __atomic_store_n(&r.header()->tx_ptr, 0x1234567u, __ATOMIC_RELEASE);
  EXPECT_EQ(r.reader.peek().error(), errc::inval);
  ASSERT_TRUE(a->send(make_addr(1, beta.id), buf, 8, 4).ok());
  EXPECT_EQ(r.reader.tx(), (tx + 32) % 256);
  EXPECT_EQ(receive(r.reader, &m), "payload!");
  EXPECT_EQ(m.message_type, 4u);

  // rx_ptr claiming more free space than there is (rx just behind tx): the core believes it
  // (the ring is the guest's) and writes only within the ring.
  for (int i = 0; i < 50; ++i) {
    __atomic_store_n(&r.header()->rx_ptr, r.reader.tx(), __ATOMIC_RELEASE);
    EXPECT_TRUE(a->send(make_addr(1, beta.id), buf, 8, 5).ok());
  }
}

// Call blocks, batch lists and argument structs rewritten by another vCPU while the core runs
// them: the core reads each once, so every outcome is one of the versions' outcomes, and nothing
// outside the guest's RAM is touched.
// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-SEC-002 HMX-BATCH-002
TEST_F(HostileTest, StructuresChangedWhileBeingProcessed) {
  ring r(beta, 1, alpha.id, 64 * 1024);
  {
    bound_client b(beta);
    ASSERT_TRUE(b->register_ring(r.reg).ok());
  }
  auto* p = static_cast<unsigned char*>(alpha.env.alloc_pages(2));
  const uint64_t gp = alpha.env.to_gpa(p);
  auto* cb = reinterpret_cast<hmx_call_block_t*>(p);
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(p + 256);
  auto* iov = reinterpret_cast<hmx_iov_t*>(p + 512);
  auto* list = reinterpret_cast<hmx_call_block_t*>(p + 1024);  // 4 entries
  unsigned char* data = p + 4096;
  std::memset(data, 'x', 4096);
  auto st64 = [](void* at, uint64_t v) {
    __atomic_store_n(static_cast<uint64_t*>(at), v, __ATOMIC_RELAXED);
  };
  auto st32 = [](void* at, uint32_t v) {
    __atomic_store_n(static_cast<uint32_t*>(at), v, __ATOMIC_RELAXED);
  };
  // Version A: sendv of 100 bytes to ring 1. Version B: garbage (op 0x99, wild GPAs).
  auto write_a = [&] {
    st32(&cb->op, HMX_OP_SENDV);
    st32(&cb->flags, 0);
    st64(&cb->arg[0], gp + 256);
    st64(&cb->arg[1], gp + 512);
    st64(&cb->arg[2], 1);
    st64(&cb->arg[3], 7);
    st32(&sa->dst.aport, 1);
    st64(&iov->iov_hnd, gp + 4096);
    st32(&iov->iov_len, 100);
  };
  auto write_b = [&] {
    st32(&cb->op, 0x99);
    st64(&cb->arg[0], ~uint64_t{0});
    st64(&cb->arg[1], uint64_t{1} << 50);
    st64(&cb->arg[2], 1000);
    st32(&sa->dst.aport, 2);  // no such ring
    st64(&iov->iov_hnd, alpha.mem.size() - 10);
    st32(&iov->iov_len, 0xFFFFFFFF);
  };
  *sa = hmx_send_addr_t{any_source, make_addr(1, beta.id)};
  iov->pad = 0;
  write_a();
  for (int i = 0; i < 4; ++i) {
    list[i] = hmx_call_block_t{};
    list[i].op = HMX_OP_NULL;
  }

  std::atomic<bool> stop{false};
  std::thread tamper([&] {
    for (uint64_t n = 0; !stop; ++n) {
      if (n % 2) write_a();
      else write_b();
      st32(&list[n % 4].op, n % 3 ? HMX_OP_NULL : HMX_OP_BATCH);
      st64(&list[n % 4].arg[0], n % 5 ? 0 : gp);
    }
  });

  bound_client a(alpha, 1);
  uint32_t delivered = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    (void)a->invoke_at(gp);
    const int64_t rc = a.core_return();
    const int64_t stored = __atomic_load_n(&cb->result, __ATOMIC_RELAXED);
    (void)stored;  // the tamperer may have overwritten it already
    if (rc == 100) {
      ++delivered;
    } else {
      ++refused;
      EXPECT_TRUE(rc == -HMX_EOPNOTSUPP || rc == -HMX_EFAULT || rc == -HMX_EINVAL ||
                  rc == -HMX_ECONNREFUSED || rc == -HMX_EAGAIN)
          << rc;
    }
    if (i % 64 == 0) {
      while (receive(r.reader)) {
      }
      (void)a->notify();
    }
    // The batch list under attack: entries are run as read once; nested batches are refused.
    const result<int64_t> ran = a->call(HMX_OP_BATCH, gp + 1024, 4, 0);
    EXPECT_TRUE(ran.ok() && *ran == 4) << ran.error().name();
  }
  stop = true;
  tamper.join();
  // Everything that arrived is an intact version-A message.
  while (auto m = receive(r.reader)) EXPECT_EQ(*m, std::string(100, 'x'));
  EXPECT_GT(delivered + refused, 0u);
  std::printf("tampered call block: %u delivered, %u refused\n", delivered, refused);
}

}  // namespace
}  // namespace hmx::loopback
