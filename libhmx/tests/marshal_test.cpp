// SPDX-License-Identifier: MIT
// Typed operations marshalled through recording conduits: what exactly lands in the call block
// and the argument structs (spec `operations` and `structs`).
#include "test_support.h"

namespace hmx {
namespace {

using test::kGpaBase;
using test::recording_argo_conduit;
using test::recording_conduit;
using test::scrambled_env;
using test::test_env;

struct marshal_test : ::testing::Test {
  test_env t;
  recording_conduit<env::host> rec{t.env};
  client<recording_conduit<env::host>, env::host> c{rec, t.env};

  unsigned char* pages(size_t n) { return static_cast<unsigned char*>(t.env.alloc_pages(n)); }
  const hmx_call_block_t& last() { return rec.blocks.back(); }
};

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, CallBlockIsAlignedAndFresh) {
  ASSERT_TRUE(c.init_status().ok());
  EXPECT_TRUE(c.null().ok());
  ASSERT_EQ(rec.gpas.size(), 1u);
  EXPECT_EQ(rec.gpas[0] % HMX_CALL_BLOCK_ALIGN, 0u);
  EXPECT_EQ(rec.gpas[0], c.call_block_gpa());
  EXPECT_EQ(last().op, HMX_OP_NULL);
  EXPECT_EQ(last().flags, 0u);
  EXPECT_EQ(last().result, -HMX_ENOSYS);  // preset before the trap
  for (uint64_t a : last().arg) EXPECT_EQ(a, 0u);
}

// covers: HMX-LIB-010 HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, RegisterRingComputesNpagesAndGfnList) {
  unsigned char* ring = pages(3);
  ring_registration r;
  r.memory = ring;
  r.len = 2 * 4096;  // header + data span ceil((8192 + 64) / 4096) = 3 pages
  r.aport = 0x1234;
  r.partner_id = 3;
  r.flags = HMX_REGISTER_FLAG_FAIL_EXIST;
  ASSERT_TRUE(c.register_ring(r).ok());
  const hmx_call_block_t& cb = last();
  EXPECT_EQ(cb.op, HMX_OP_REGISTER_RING);
  EXPECT_EQ(cb.arg[2], 3u);
  EXPECT_EQ(cb.arg[3], HMX_REGISTER_FLAG_FAIL_EXIST);
  const auto* reg = rec.at<hmx_register_ring_t>(cb.arg[0]);
  ASSERT_NE(reg, nullptr);
  EXPECT_EQ(reg->aport, 0x1234u);
  EXPECT_EQ(reg->partner_id, 3);
  EXPECT_EQ(reg->pad, 0);
  EXPECT_EQ(reg->len, 8192u);
  const auto* gfns = rec.at<uint64_t>(cb.arg[1], 3);
  ASSERT_NE(gfns, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(gfns[i], (t.env.to_gpa(ring) >> 12) + i) << i;
}

// covers: HMX-LIB-030 HMX-LIB-031
TEST_F(marshal_test, RegisterRingZeroesTheIndicesOfANewRingOnly) {
  unsigned char* ring = pages(1);
  auto* hdr = reinterpret_cast<hmx_ring_t*>(ring);
  hdr->rx_ptr = 0x40;
  hdr->tx_ptr = 0x80;
  hdr->event_index = 7;
  ring_registration r;
  r.memory = ring;
  r.len = 256;
  ASSERT_TRUE(c.register_ring(r).ok());
  EXPECT_EQ(hdr->rx_ptr, 0u);
  EXPECT_EQ(hdr->tx_ptr, 0u);
  EXPECT_EQ(hdr->event_index, 7u);  // the hypervisor's field
  hdr->rx_ptr = 0x40;
  hdr->tx_ptr = 0x80;
  r.preserve = true;  // re-registration of a preserved ring
  ASSERT_TRUE(c.register_ring(r).ok());
  EXPECT_EQ(hdr->rx_ptr, 0x40u);
  EXPECT_EQ(hdr->tx_ptr, 0x80u);
}

// covers: HMX-SEND-011
TEST_F(marshal_test, QueryIsNotifyWithOneEntry) {
  rec.respond = [&](const hmx_call_block_t& cb) {
    auto* d = rec.at<hmx_ring_data_ent_t>(cb.arg[0] + sizeof(hmx_ring_data_t));
    EXPECT_EQ(d->space_required, 300u);
    d->flags = HMX_RING_EXISTS;
    d->max_message_size = 4064;
    return 0;
  };
  const result<hmx_ring_data_ent_t> q = c.query(make_addr(3, 4), 300);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->flags, HMX_RING_EXISTS);
  EXPECT_EQ(q->max_message_size, 4064u);
  EXPECT_EQ(q->ring.aport, 3u);
}

// covers: HMX-LIB-010
TEST_F(marshal_test, RegisterRingTranslatesEachPage) {
  scrambled_env s(t.env);
  recording_conduit<scrambled_env> srec(s);
  client<recording_conduit<scrambled_env>, scrambled_env> sc(srec, s);
  ASSERT_EQ(sc.init_status(), errc::fault);  // a 2-page scratch is not contiguous here
  client<recording_conduit<scrambled_env>, scrambled_env> one(srec, s, 1);
  ASSERT_TRUE(one.init_status().ok());

  unsigned char* ring = pages(2);
  ring_registration r;
  r.memory = ring;
  r.len = 4096;
  ASSERT_TRUE(one.register_ring(r).ok());
  const auto* gfns = srec.at<uint64_t>(srec.blocks.back().arg[1], 2);
  ASSERT_NE(gfns, nullptr);
  EXPECT_EQ(gfns[0], s.to_gpa(ring) >> 12);
  EXPECT_EQ(gfns[1], s.to_gpa(ring + 4096) >> 12);
  EXPECT_NE(gfns[1], gfns[0] + 1);
}

TEST_F(marshal_test, RegisterRingLocalChecks) {
  ring_registration r;
  r.len = 4096;
  r.memory = pages(2) + 16;  // frame 0 must start with the header
  EXPECT_EQ(c.register_ring(r), errc::inval);
  r.memory = nullptr;
  EXPECT_EQ(c.register_ring(r), errc::inval);
  r.memory = pages(1);
  r.len = 0xFFFFFFF0;  // more frames than MAX_RING_PAGES
  EXPECT_EQ(c.register_ring(r), errc::inval);
  r.len = HMX_MAX_RING_LEN;  // 4096 frames: a gfn list larger than the 2 scratch pages
  EXPECT_EQ(c.register_ring(r), errc::nomem);
  alignas(4096) static int not_guest_memory[1024];
  r.memory = not_guest_memory;
  r.len = 64;
  EXPECT_EQ(c.register_ring(r), errc::fault);
  EXPECT_TRUE(rec.blocks.empty());  // none of these trapped
}

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, UnregisterRing) {
  ASSERT_TRUE(c.unregister_ring(77, HMX_DOMID_ANY).ok());
  EXPECT_EQ(last().op, HMX_OP_UNREGISTER_RING);
  const auto* u = rec.at<hmx_unregister_ring_t>(last().arg[0]);
  EXPECT_EQ(u->aport, 77u);
  EXPECT_EQ(u->partner_id, HMX_DOMID_ANY);
  EXPECT_EQ(u->pad, 0);
  EXPECT_EQ(last().arg[1] | last().arg[2] | last().arg[3], 0u);
}

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, SendvDefaultsToAnySourceAndReturnsBytes) {
  unsigned char* buf = pages(1);
  rec.respond = [](const hmx_call_block_t&) { return 100; };
  const result<uint32_t> r = c.send(make_addr(9, 2), buf, 100, 0xfeedu);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 100u);
  const hmx_call_block_t& cb = last();
  EXPECT_EQ(cb.op, HMX_OP_SENDV);
  const auto* sa = rec.at<hmx_send_addr_t>(cb.arg[0]);
  EXPECT_EQ(sa->src.domain_id, HMX_DOMID_ANY);
  EXPECT_EQ(sa->src.aport, 0u);
  EXPECT_EQ(sa->dst.domain_id, 2);
  EXPECT_EQ(sa->dst.aport, 9u);
  EXPECT_EQ(sa->src.pad | sa->dst.pad, 0);
  EXPECT_EQ(cb.arg[2], 1u);
  EXPECT_EQ(cb.arg[3], 0xfeedu);
  const auto* iov = rec.at<hmx_iov_t>(cb.arg[1]);
  EXPECT_EQ(iov->iov_hnd, t.env.to_gpa(buf));
  EXPECT_EQ(iov->iov_len, 100u);
  EXPECT_EQ(iov->pad, 0u);
}

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, SendvExplicitSourceAndPadsZeroed) {
  unsigned char* buf = pages(1);
  const hmx_addr_t src{55, 4, 0xBAD}, dst{1, 2, 0xBAD};
  ASSERT_TRUE(c.send(dst, buf, 1, 0, src).ok());
  const auto* sa = rec.at<hmx_send_addr_t>(last().arg[0]);
  EXPECT_EQ(sa->src.aport, 55u);
  EXPECT_EQ(sa->src.domain_id, 4);
  EXPECT_EQ(sa->src.pad, 0);
  EXPECT_EQ(sa->dst.pad, 0);
  // Unused iov slots are zero too.
  const auto* iov = rec.at<hmx_iov_t>(last().arg[1], HMX_MAXIOV);
  for (uint32_t i = 1; i < HMX_MAXIOV; ++i) EXPECT_EQ(iov[i].iov_hnd | iov[i].iov_len, 0u);
}

TEST_F(marshal_test, SendvKeepsContiguousPagesInOneIov) {
  unsigned char* buf = pages(2);
  ASSERT_TRUE(c.send(make_addr(1, 2), buf + 4000, 200, 0).ok());
  EXPECT_EQ(last().arg[2], 1u);
  const auto* iov = rec.at<hmx_iov_t>(last().arg[1]);
  EXPECT_EQ(iov->iov_hnd, t.env.to_gpa(buf + 4000));
  EXPECT_EQ(iov->iov_len, 200u);
}

// covers: HMX-LIB-010
TEST_F(marshal_test, SendvSplitsBuffersWhosePagesAreNotContiguous) {
  scrambled_env s(t.env);
  recording_conduit<scrambled_env> srec(s);
  client<recording_conduit<scrambled_env>, scrambled_env> sc(srec, s, 1);
  ASSERT_TRUE(sc.init_status().ok());
  unsigned char* buf = pages(3);
  const buffer bufs[] = {{buf + 4000, 200 + 4096}};  // spans three pages
  ASSERT_TRUE(sc.sendv(make_addr(1, 2), bufs, 0).ok());
  const hmx_call_block_t& cb = srec.blocks.back();
  ASSERT_EQ(cb.arg[2], 3u);
  const auto* iov = srec.at<hmx_iov_t>(cb.arg[1], 3);
  EXPECT_EQ(iov[0].iov_hnd, s.to_gpa(buf + 4000));
  EXPECT_EQ(iov[0].iov_len, 96u);
  EXPECT_EQ(iov[1].iov_hnd, s.to_gpa(buf + 4096));
  EXPECT_EQ(iov[1].iov_len, 4096u);
  EXPECT_EQ(iov[2].iov_hnd, s.to_gpa(buf + 8192));
  EXPECT_EQ(iov[2].iov_len, 104u);
}

TEST_F(marshal_test, SendvSkipsEmptyBuffersAndMergesAdjacentOnes) {
  unsigned char* buf = pages(1);
  const buffer bufs[] = {{buf, 0}, {buf, 10}, {nullptr, 0}, {buf + 10, 20}, {buf + 100, 5}};
  ASSERT_TRUE(c.sendv(make_addr(1, 2), bufs, 7).ok());
  ASSERT_EQ(last().arg[2], 2u);
  const auto* iov = rec.at<hmx_iov_t>(last().arg[1], 2);
  EXPECT_EQ(iov[0].iov_len, 30u);
  EXPECT_EQ(iov[1].iov_hnd, t.env.to_gpa(buf + 100));
  EXPECT_EQ(iov[1].iov_len, 5u);
}

TEST_F(marshal_test, SendvLocalChecks) {
  unsigned char* buf = pages(1);
  buffer many[HMX_MAXIOV + 1];
  for (uint32_t i = 0; i <= HMX_MAXIOV; ++i) many[i] = {buf + 32 * i, 16};  // never adjacent
  EXPECT_EQ(c.sendv(make_addr(1, 2), many, HMX_MAXIOV + 1, 0).error(), errc::inval);
  EXPECT_TRUE(c.sendv(make_addr(1, 2), many, HMX_MAXIOV, 0).ok());  // exactly MAXIOV is fine
  rec.blocks.clear();

  static unsigned char outside[64];
  EXPECT_EQ(c.send(make_addr(1, 2), outside, sizeof outside, 0).error(), errc::fault);
  const buffer null_data[] = {{nullptr, 5}};
  EXPECT_EQ(c.sendv(make_addr(1, 2), null_data, 0).error(), errc::fault);
  const buffer huge[] = {{buf, HMX_MAX_MESSAGE_SIZE + 1ull}};
  EXPECT_EQ(c.sendv(make_addr(1, 2), huge, 0).error(), errc::inval);
  const buffer two[] = {{buf, HMX_MAX_MESSAGE_SIZE}, {buf, 1}};
  EXPECT_EQ(c.sendv(make_addr(1, 2), two, 0).error(), errc::msgsize);
  EXPECT_TRUE(rec.blocks.empty());
}

TEST_F(marshal_test, SendvErrorsComeFromTheCallBlock) {
  unsigned char* buf = pages(1);
  rec.respond = [](const hmx_call_block_t&) { return -HMX_EAGAIN; };
  const result<uint32_t> r = c.send(make_addr(1, 2), buf, 8, 0);
  EXPECT_EQ(r.error(), errc::again);
}

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST_F(marshal_test, NotifyCopiesEntriesInAndResultsOut) {
  hmx_ring_data_ent_t ents[2] = {};
  ents[0].ring = make_addr(1, 2);
  ents[0].ring.pad = 0x77;  // the library passes pads as 0
  ents[0].pad = 0x88;
  ents[0].space_required = 100;
  ents[1].ring = make_addr(3, 4);
  ents[1].space_required = 5;
  rec.respond = [&](const hmx_call_block_t& cb) {
    auto* rd = rec.at<hmx_ring_data_t>(cb.arg[0]);
    EXPECT_EQ(rd->nent, 2u);
    EXPECT_EQ(rd->pad, 0u);
    auto* d = rec.at<hmx_ring_data_ent_t>(cb.arg[0] + sizeof(hmx_ring_data_t), 2);
    EXPECT_EQ(d[0].ring.aport, 1u);
    EXPECT_EQ(d[0].ring.pad, 0);
    EXPECT_EQ(d[0].pad, 0);
    EXPECT_EQ(d[0].space_required, 100u);
    EXPECT_EQ(d[1].ring.domain_id, 4);
    d[0].flags = HMX_RING_EXISTS | HMX_RING_SUFFICIENT;
    d[0].max_message_size = 4064;
    d[1].flags = 0;
    return 0;
  };
  ASSERT_TRUE(c.notify(ents, 2).ok());
  EXPECT_EQ(last().op, HMX_OP_NOTIFY);
  EXPECT_EQ(ents[0].flags, HMX_RING_EXISTS | HMX_RING_SUFFICIENT);
  EXPECT_EQ(ents[0].max_message_size, 4064u);
  EXPECT_EQ(ents[1].flags, 0);
  EXPECT_EQ(ents[0].space_required, 100u);  // inputs untouched
}

TEST_F(marshal_test, NotifyWithoutEntriesPassesZero) {
  ASSERT_TRUE(c.notify().ok());
  EXPECT_EQ(last().op, HMX_OP_NOTIFY);
  EXPECT_EQ(last().arg[0], 0u);
  EXPECT_EQ(c.notify(nullptr, 3), errc::fault);
}

TEST_F(marshal_test, NotifyListLargerThanScratchIsNomem) {
  client<recording_conduit<env::host>, env::host> small(rec, t.env, 1);
  std::vector<hmx_ring_data_ent_t> ents(HMX_MAX_NOTIFY_COUNT);
  EXPECT_EQ(small.notify(ents.data(), HMX_MAX_NOTIFY_COUNT), errc::nomem);
  EXPECT_TRUE(c.notify(ents.data(), HMX_MAX_NOTIFY_COUNT).ok());  // default scratch holds it
}

// covers: HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029
TEST_F(marshal_test, EventPageAndVector) {
  auto* page = static_cast<hmx_event_page_t*>(t.env.alloc_pages(1));
  page->ring_pending[0] = ~uint64_t{0};  // stale bits
  page->reserved[3] = 9;
  ASSERT_TRUE(c.set_event_page(page).ok());
  EXPECT_EQ(page->ring_pending[0] | page->reserved[3], 0u);  // zeroed before enabling
  EXPECT_EQ(last().op, HMX_OP_SET_EVENT_PAGE);
  EXPECT_EQ(last().arg[0], t.env.to_gpa(page) | 1u);
  ASSERT_TRUE(c.set_event_page(nullptr).ok());
  EXPECT_EQ(last().arg[0], 0u);
  ASSERT_TRUE(c.set_vector(3, vector_reg::unmasked(0xF3)).ok());
  EXPECT_EQ(last().op, HMX_OP_SET_VECTOR);
  EXPECT_EQ(last().arg[0], 3u);
  EXPECT_EQ(last().arg[1], 0xF3u);
  ASSERT_TRUE(c.set_vector(1, vector_reg{}).ok());
  EXPECT_EQ(last().arg[1], HMX_MSR_VECTOR_RESET);
}

TEST_F(marshal_test, BatchListIsOneCallWithResultsReadBack) {
  batch<env::host> b(t.env, 8);
  ASSERT_TRUE(b.init_status().ok());
  unsigned char* buf = pages(1);
  hmx_ring_data_ent_t ent{};
  ent.ring = make_addr(5, 6);
  ASSERT_EQ(*b.add_null(), 0u);
  const buffer one[] = {{buf, 40}};
  ASSERT_EQ(*b.add_sendv(make_addr(1, 2), one, 1, 0x77), 1u);
  ASSERT_EQ(*b.add_notify(&ent, 1), 2u);
  ASSERT_EQ(*b.add_set_vector(0, vector_reg::unmasked(0x30)), 3u);
  EXPECT_EQ(b.size(), 4u);

  rec.respond = [&](const hmx_call_block_t& cb) -> int64_t {
    EXPECT_EQ(cb.op, HMX_OP_BATCH);
    EXPECT_EQ(cb.arg[0] % HMX_CALL_BLOCK_ALIGN, 0u);
    EXPECT_EQ(cb.arg[1], 4u);
    EXPECT_EQ(cb.arg[2], HMX_BATCH_FLAG_STOP_ON_ERROR);
    auto* e = rec.at<hmx_call_block_t>(cb.arg[0], 4);
    EXPECT_EQ(e[0].op, HMX_OP_NULL);
    EXPECT_EQ(e[1].op, HMX_OP_SENDV);
    EXPECT_EQ(e[1].arg[2], 1u);
    EXPECT_EQ(e[1].arg[3], 0x77u);
    EXPECT_EQ(rec.at<hmx_iov_t>(e[1].arg[1])->iov_hnd, t.env.to_gpa(buf));
    EXPECT_EQ(e[2].op, HMX_OP_NOTIFY);
    EXPECT_EQ(e[3].op, HMX_OP_SET_VECTOR);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(e[i].result, -HMX_ENOSYS);
    e[0].result = 0;
    e[1].result = 40;
    auto* d = rec.at<hmx_ring_data_ent_t>(e[2].arg[0] + sizeof(hmx_ring_data_t));
    d->flags = HMX_RING_EXISTS;
    e[2].result = 0;
    e[3].result = -HMX_EINVAL;
    return 4;
  };
  const result<uint32_t> ran = c.run(b, HMX_BATCH_FLAG_STOP_ON_ERROR);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(*ran, 4u);
  EXPECT_EQ(rec.blocks.size(), 1u);  // one exit
  EXPECT_EQ(b.entry_result(1), 40);
  EXPECT_EQ(b.entry_status(3), errc::inval);
  EXPECT_EQ(ent.flags, HMX_RING_EXISTS);
  EXPECT_EQ(b.entry_result(99), -HMX_EINVAL);
}

TEST_F(marshal_test, BatchCapacityAndClear) {
  batch<env::host> b(t.env, 2);
  EXPECT_TRUE(b.add_null().ok());
  EXPECT_TRUE(b.add_null().ok());
  EXPECT_EQ(b.add_null().error(), errc::too_big);
  unsigned char* buf = pages(1);
  const buffer one[] = {{buf, 1}};
  EXPECT_EQ(b.add_sendv(make_addr(1, 2), one, 1, 0).error(), errc::too_big);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.add_sendv(make_addr(1, 2), one, 1, 0).ok());
  // A failed add leaves no entry behind.
  static unsigned char outside[4];
  const buffer bad[] = {{outside, 4}};
  EXPECT_EQ(b.add_sendv(make_addr(1, 2), bad, 1, 0).error(), errc::fault);
  EXPECT_EQ(b.size(), 1u);
}

// covers: HMX-LIB-021 HMX-LIB-022
TEST_F(marshal_test, IgnoredCallIsNotSuccess) {
  rec.write_result = false;  // a hypervisor that drops the call
  EXPECT_EQ(c.null(), errc::nosys);
}

// covers: HMX-LIB-021 HMX-LIB-022
TEST_F(marshal_test, ConduitStatusWins) {
  rec.conduit_status = errc::nosys;
  EXPECT_EQ(c.null(), errc::nosys);
  EXPECT_EQ(c.unregister_ring(1, 2), errc::nosys);
}

TEST_F(marshal_test, RawCallsPassEverythingThrough) {
  rec.respond = [](const hmx_call_block_t& cb) { return static_cast<int64_t>(cb.arg[3]); };
  const result<int64_t> r = c.call(0x999, 1, 2, 3, 4);
  EXPECT_EQ(*r, 4);
  EXPECT_EQ(last().op, 0x999u);
  hmx_call_block_t cb{};
  cb.op = HMX_OP_NULL;
  cb.flags = 0x5;
  cb.arg[3] = 8;
  EXPECT_EQ(*c.call(cb), 8);
  EXPECT_EQ(last().flags, 0x5u);
  EXPECT_TRUE(c.invoke_at(kGpaBase + 8).ok());
  EXPECT_EQ(rec.gpas.back(), kGpaBase + 8);
}

// covers: HMX-LIB-021 HMX-LIB-022 HMX-LIB-010
TEST(MarshalScratch, EnvironmentWithoutPagesMakesEveryOperationNomem) {
  test::host_memory mem(4096);
  env::host e(mem.data(), mem.size(), kGpaBase, 4096);  // no arena pages at all
  recording_conduit<env::host> rec(e);
  client cl(rec, e);
  EXPECT_EQ(cl.init_status(), errc::nomem);
  EXPECT_EQ(cl.null(), errc::nomem);
  EXPECT_EQ(cl.send(make_addr(1, 1), mem.data(), 1, 0).error(), errc::nomem);
  batch<env::host> b(e);
  EXPECT_EQ(b.init_status(), errc::nomem);
  EXPECT_EQ(b.add_null().error(), errc::nomem);
  EXPECT_TRUE(rec.blocks.empty());
}

// covers: HMX-LIB-023 HMX-LIB-024 HMX-LIB-025
TEST(MarshalScratch, AllocationsAreAlignedZeroedAndBounded) {
  test_env t;
  scratch s;
  ASSERT_TRUE(s.init(t.env, 1).ok());
  auto* a = s.alloc<uint8_t>(3);
  auto* b = s.alloc<hmx_call_block_t>();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 16, 0u);
  EXPECT_EQ(s.gpa_of(b) % 16, 0u);
  EXPECT_EQ(s.alloc_bytes(SIZE_MAX / 2, 4), nullptr);  // no overflow
  EXPECT_EQ(s.alloc<uint8_t>(4096), nullptr);
  s.reset();
  EXPECT_NE(s.alloc<uint8_t>(4096), nullptr);
  EXPECT_EQ(s.gpa_of(&s), invalid_gpa);
}

// --- the Xen-shaped path: Argo's arguments as guest handles ----------------------------------

struct argo_marshal_test : ::testing::Test {
  test_env t;
  recording_argo_conduit rec;
  client<recording_argo_conduit, env::host> c{rec, t.env};
};

TEST_F(argo_marshal_test, HandlesArePointersAndNoCallBlockIsUsed) {
  static_assert(client<recording_argo_conduit, env::host>::mode == handle_mode::pointer);
  auto* ring = static_cast<unsigned char*>(t.env.alloc_pages(2));
  ring_registration r;
  r.memory = ring;
  r.len = 1024;
  r.aport = 5;
  r.partner_id = 1;
  ASSERT_TRUE(c.register_ring(r).ok());
  ASSERT_EQ(rec.calls.size(), 1u);
  EXPECT_EQ(rec.calls[0].cmd, HMX_OP_REGISTER_RING);
  const auto* reg = reinterpret_cast<const hmx_register_ring_t*>(rec.calls[0].a[0]);
  EXPECT_EQ(reg->aport, 5u);
  EXPECT_EQ(reg->len, 1024u);
  const auto* gfns = reinterpret_cast<const uint64_t*>(rec.calls[0].a[1]);
  EXPECT_EQ(gfns[0], t.env.to_gpa(ring) >> 12);  // frame numbers stay frame numbers
  EXPECT_EQ(rec.calls[0].a[2], 1u);

  unsigned char* buf = ring + 4096;
  rec.respond = [](const recording_argo_conduit::call&) { return 12; };
  const result<uint32_t> sent = c.send(make_addr(5, 1), buf, 12, 0xabc);
  EXPECT_EQ(*sent, 12u);
  const auto& s = rec.calls.back();
  EXPECT_EQ(s.cmd, HMX_OP_SENDV);
  const auto* iov = reinterpret_cast<const hmx_iov_t*>(s.a[1]);
  EXPECT_EQ(iov->iov_hnd, reinterpret_cast<uint64_t>(buf));  // a pointer, not a GPA
  EXPECT_EQ(s.a[2], 1u);
  EXPECT_EQ(s.a[3], 0xabcu);

  rec.respond = [](const recording_argo_conduit::call&) { return -HMX_ECONNREFUSED; };
  EXPECT_EQ(c.unregister_ring(5, 1), errc::connrefused);
  EXPECT_EQ(c.notify(), errc::connrefused);
  EXPECT_EQ(rec.calls.back().a[0], 0u);
}

TEST_F(argo_marshal_test, HmxOnlyOperationsAreNotOfferedOnXen) {
  batch<env::host> b(t.env, 2);
  EXPECT_EQ(c.null(), errc::opnotsupp);
  EXPECT_EQ(c.set_event_page(nullptr), errc::opnotsupp);
  EXPECT_EQ(c.set_vector(0, vector_reg{}), errc::opnotsupp);
  EXPECT_EQ(c.run(b).error(), errc::opnotsupp);
  EXPECT_TRUE(rec.calls.empty());
  // The raw path still reaches the hypervisor, which answers for itself.
  rec.respond = [](const recording_argo_conduit::call& k) { return k.cmd == 16 ? -95 : 0; };
  EXPECT_EQ(c.call(HMX_OP_NULL).error(), errc::opnotsupp);
}

}  // namespace
}  // namespace hmx
