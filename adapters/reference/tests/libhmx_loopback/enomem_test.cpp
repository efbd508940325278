// SPDX-License-Identifier: Apache-2.0
// ENOMEM is an allocation failing, nothing else, and it changes nothing: with the reference
// core's bookkeeping allocations failing (test_switches.h), calls that allocate nothing still
// succeed, and a call answered ENOMEM leaves every ring and space wait as it was.
#include <hmx/reference/test_switches.h>

#include <cstring>
#include <vector>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

struct allocation_failure {
  allocation_failure() { hmx::ref::testing::set_allocation_failure(true); }
  ~allocation_failure() { hmx::ref::testing::set_allocation_failure(false); }
  allocation_failure(const allocation_failure&) = delete;
  allocation_failure& operator=(const allocation_failure&) = delete;
};

using EnomemTest = LoopbackTest;

// Sends from alpha until beta's ring of 256 bytes has no room for another 48-byte message.
void fill(client_t& c, domain& from, uint16_t to) {
  unsigned char* buf = from.pages(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.send(make_addr(1, to), buf, 48, 0).ok()) << i;
  ASSERT_EQ(c.send(make_addr(1, to), buf, 48, 0).error(), errc::again);
}

// covers: HMX-MECH-029
TEST_F(EnomemTest, CallsThatAllocateNothingNeverFailWithEnomem) {
  ring big(beta, 2, alpha.id, 4096);
  ring small(beta, 1, alpha.id, 256);
  bound_client a(alpha), b(beta);
  ASSERT_TRUE(b->register_ring(big.reg).ok());
  ASSERT_TRUE(b->register_ring(small.reg).ok());
  ASSERT_NO_FATAL_FAILURE(fill(a.c, alpha, beta.id));  // alpha's space wait on `small` is queued now
  ASSERT_EQ(core.ring_info(beta.id, 1, alpha.id)->pending, 1u);
  unsigned char* buf = alpha.pages(1);

  const allocation_failure oom;
  // A copy into a ring with room allocates nothing.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(a->send(make_addr(2, beta.id), buf, 100, 0).ok()) << i;
  // A full ring where alpha already waits: the wait is refreshed, not allocated again.
  EXPECT_EQ(a->send(make_addr(1, beta.id), buf, 48, 0).error(), errc::again);
  // A notify query that needs no new space wait.
  hmx_ring_data_ent_t ent{};
  ent.ring = make_addr(2, beta.id);
  ent.space_required = 64;
  EXPECT_TRUE(a->notify(&ent, 1).ok());
  EXPECT_NE(ent.flags & HMX_RING_SUFFICIENT, 0u);
  // Unregistering frees; it allocates nothing.
  EXPECT_TRUE(b->unregister_ring(2, alpha.id).ok());
  // The allocating row itself does fail: the switch is on.
  ring another(beta, 3, alpha.id, 256);
  EXPECT_EQ(b->register_ring(another.reg), errc::nomem);
}

// covers: HMX-MECH-030
TEST_F(EnomemTest, AnEnomemCallLeavesRingsAndSpaceWaitsAsTheyWere) {
  bound_client a(alpha), b(beta);
  unsigned char* buf = alpha.pages(1);

  // register_ring: no ring appears, the domain's ring count is unchanged, and the same
  // registration succeeds afterwards (nothing half-registered answers EEXIST).
  ring r(beta, 1, alpha.id, 256);
  const uint32_t rings_before = core.ring_count(beta.id);
  {
    const allocation_failure oom;
    EXPECT_EQ(b->register_ring(r.reg), errc::nomem);
  }
  EXPECT_EQ(core.ring_count(beta.id), rings_before);
  EXPECT_FALSE(core.ring_info(beta.id, 1, alpha.id).has_value());
  EXPECT_EQ(a->send(make_addr(1, beta.id), buf, 48, 0).error(), errc::connrefused);
  r.reg.flags = HMX_REGISTER_FLAG_FAIL_EXIST;
  ASSERT_TRUE(b->register_ring(r.reg).ok());

  // sendv on a full ring: the space wait it could not queue does not exist, the ring's tx_ptr
  // and bytes are unchanged.
  ASSERT_NO_FATAL_FAILURE(fill(a.c, alpha, beta.id));
  // fill() queued alpha's wait; drop it by consuming, so the failing call would have to queue anew.
  while (receive(r.reader)) {
  }
  EXPECT_TRUE(b->notify(nullptr, 0).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a->send(make_addr(1, beta.id), buf, 48, 0).ok()) << i;
  const ref::RingInfo before = *core.ring_info(beta.id, 1, alpha.id);
  ASSERT_EQ(before.pending, 0u);
  std::vector<unsigned char> bytes(reinterpret_cast<unsigned char*>(r.header()),
                                   reinterpret_cast<unsigned char*>(r.header()) + 256 + sizeof(hmx_ring_t));
  {
    const allocation_failure oom;
    EXPECT_EQ(a->send(make_addr(1, beta.id), buf, 48, 0).error(), errc::nomem);
  }
  const ref::RingInfo after = *core.ring_info(beta.id, 1, alpha.id);
  EXPECT_EQ(after.tx_ptr, before.tx_ptr);
  EXPECT_EQ(after.pending, 0u) << "no space wait was left behind";
  EXPECT_EQ(std::memcmp(bytes.data(), r.header(), bytes.size()), 0) << "the ring's memory is untouched";
}

}  // namespace
}  // namespace hmx::loopback
