// SPDX-License-Identifier: Apache-2.0
// Exposures (spec exposures, feature EXPOSE): expose, fetch, deposit, revoke, their error tables,
// and what a hostile peer or a third domain can and cannot do with a handle (security-exposures).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

class ExposeTest : public ::testing::Test {
 protected:
  ExposeTest() { core.offer_exposures(true); }

  TestPolicy policy;
  Core core{policy};
  Guest a{core, 1, "alpha", 16 << 20};  // the owner
  Guest b{core, 2, "beta", 16 << 20};   // the peer
  Guest c{core, 3, "gamma"};            // a third domain

  // expose from `g` of [gpa, gpa + len) to `peer`.
  int64_t expose(Guest& g, uint64_t gpa, uint32_t len, DomainId peer, uint16_t access, uint32_t uses = 1,
                 uint32_t pad = 0) {
    hmx_expose_t x{};
    x.gpa = gpa;
    x.len = len;
    x.peer_id = peer;
    x.access = access;
    x.uses = uses;
    x.pad = pad;
    const uint64_t m = g.mark();
    const int64_t rc = g.call(HMX_OP_EXPOSE, g.put(x));
    g.reset(m);
    return rc;
  }
  int64_t copy(Guest& g, uint32_t op, DomainId owner, uint64_t handle, uint64_t offset, uint64_t gpa, uint32_t len,
               uint16_t pad = 0) {
    hmx_expose_copy_t x{};
    x.handle = handle;
    x.offset = offset;
    x.gpa = gpa;
    x.len = len;
    x.owner_id = owner;
    x.pad = pad;
    const uint64_t m = g.mark();
    const int64_t rc = g.call(op, g.put(x));
    g.reset(m);
    return rc;
  }
  int64_t fetch(Guest& g, DomainId owner, uint64_t handle, uint64_t offset, uint64_t gpa, uint32_t len) {
    return copy(g, HMX_OP_FETCH, owner, handle, offset, gpa, len);
  }
  int64_t deposit(Guest& g, DomainId owner, uint64_t handle, uint64_t offset, uint64_t gpa, uint32_t len) {
    return copy(g, HMX_OP_DEPOSIT, owner, handle, offset, gpa, len);
  }
  int64_t revoke(Guest& g, uint64_t handle) {
    const uint64_t m = g.mark();
    const int64_t rc = g.call(HMX_OP_REVOKE, handle);
    g.reset(m);
    return rc;
  }
  // A buffer of `n` pattern bytes in `g`.
  uint64_t filled(Guest& g, size_t n, uint32_t seed) { return g.put_bytes(pattern(n, seed), 4096); }
  uint32_t live(DomainId d) { return core.exposure_stats(d)->live; }
};

// covers: HMX-XPOSE-001 HMX-XPOSE-014
TEST_F(ExposeTest, FetchCopiesExactlyTheBytesAskedFor) {
  const uint64_t src = filled(a, 8192, 7);
  const int64_t h = expose(a, src, 8192, b.id, HMX_EXPOSE_READ);
  ASSERT_GT(h, 0);  // nonzero, below 2^63
  EXPECT_NE(static_cast<uint64_t>(h), src);
  const uint64_t dst = b.alloc(8192, 4096);
  std::memset(b.host(dst), 0xEE, 8192);
  EXPECT_EQ(fetch(b, a.id, static_cast<uint64_t>(h), 100, dst + 1, 5000), 5000);
  EXPECT_EQ(std::memcmp(b.host(dst + 1), a.host(src + 100), 5000), 0);
  EXPECT_EQ(static_cast<unsigned char>(*b.host(dst)), 0xEE);
  EXPECT_EQ(static_cast<unsigned char>(*b.host(dst + 5001)), 0xEE);
}

// covers: HMX-XPOSE-015
TEST_F(ExposeTest, DepositCopiesIntoTheRangeAtTheOffset) {
  const uint64_t range = a.alloc(4096, 4096);
  std::memset(a.host(range), 0, 4096);
  const int64_t h = expose(a, range, 4096, b.id, HMX_EXPOSE_WRITE);
  ASSERT_GT(h, 0);
  const uint64_t src = filled(b, 1000, 3);
  EXPECT_EQ(deposit(b, a.id, static_cast<uint64_t>(h), 96, src, 1000), 1000);
  EXPECT_EQ(std::memcmp(a.host(range + 96), b.host(src), 1000), 0);
  EXPECT_EQ(*a.host(range + 95), std::byte{0});
  EXPECT_EQ(*a.host(range + 1096), std::byte{0});
}

// covers: HMX-XPOSE-002 HMX-XPOSE-003 HMX-XPOSE-004 HMX-XPOSE-005 HMX-XPOSE-006 HMX-XPOSE-007 HMX-XPOSE-008 HMX-XPOSE-011
TEST_F(ExposeTest, ExposeErrorTable) {
  const uint64_t r = a.alloc(4096, 4096);
  hmx_expose_t ok{r, 4096, b.id, HMX_EXPOSE_READ, 1, 0};
  EXPECT_EQ(a.call(HMX_OP_EXPOSE, a.put(ok), 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_EXPOSE, a.put(ok), 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_EXPOSE, a.mem.size() - 8), E(HMX_EFAULT));
  EXPECT_EQ(expose(a, r, 4096, b.id, 0), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, b.id, 4), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 0, b.id, HMX_EXPOSE_READ), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, 0, HMX_EXPOSE_MAX_BYTES + 1, b.id, HMX_EXPOSE_READ), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 0), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 1, 1), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, a.id, HMX_EXPOSE_READ), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, HMX_DOMID_ANY, HMX_EXPOSE_READ), E(HMX_EINVAL));
  EXPECT_EQ(expose(a, r, 4096, 77, HMX_EXPOSE_READ), E(HMX_ESRCH));
  EXPECT_EQ(expose(a, a.mem.size() - 4096, 8192, b.id, HMX_EXPOSE_READ), E(HMX_EFAULT));
  EXPECT_EQ(expose(a, ~uint64_t{0} - 10, 4096, b.id, HMX_EXPOSE_READ), E(HMX_EFAULT));
  EXPECT_EQ(live(a.id), 0u);
  EXPECT_GT(expose(a, 0, HMX_EXPOSE_MAX_BYTES, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE), 0);
}

// covers: HMX-XPOSE-036 HMX-XPOSE-037
TEST_F(ExposeTest, DisabledDomainsAreRefused) {
  ArenaGuestMemory off_mem{1 << 20};
  RecordingNotifier off_notifier;
  ASSERT_EQ(core.create_domain(9, "off", off_mem, 1, off_notifier, /*hmx_enabled=*/false), 0);
  const uint64_t r = a.alloc(4096, 4096);
  EXPECT_EQ(expose(a, r, 4096, 9, HMX_EXPOSE_READ), E(HMX_ECONNREFUSED));
  // The disabled domain's own calls: ENODEV in their place.
  hmx_expose_t x{0x3000, 16, a.id, HMX_EXPOSE_READ, 1, 0};
  off_mem.write(0x2000, x);
  hmx_call_block_t blk{};
  blk.op = HMX_OP_EXPOSE;
  blk.arg[0] = 0x2000;
  off_mem.write(0x1000, blk);
  EXPECT_EQ(core.call(9, 0, 0x1000), E(HMX_ENODEV));
  hmx_expose_copy_t cp{1, 0, 0x3000, 16, a.id, 0};
  off_mem.write(0x2000, cp);
  blk.op = HMX_OP_FETCH;
  off_mem.write(0x1000, blk);
  EXPECT_EQ(core.call(9, 0, 0x1000), E(HMX_ENODEV));
  blk.op = HMX_OP_REVOKE;
  blk.arg[0] = 1;
  off_mem.write(0x1000, blk);
  EXPECT_EQ(core.call(9, 0, 0x1000), E(HMX_ENODEV));
  core.destroy_domain(9);
}

// covers: HMX-XPOSE-009 HMX-XPOSE-010 HMX-XPOSE-024 HMX-XPOSE-025
TEST_F(ExposeTest, ThePolicyIsCheckedInTheDirectionTheBytesFlowAtEveryCopy) {
  // alpha may send to beta, not the other way round.
  std::string err;
  ASSERT_TRUE(policy.load_text(R"(rule { name: "a-b" action: ALLOW hook: SEND source: "alpha" destination: "beta" })", &err)) << err;
  const uint64_t r = filled(a, 4096, 1);
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_WRITE), E(HMX_EACCES));
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE), E(HMX_EACCES));
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 10);
  ASSERT_GT(h, 0);
  const uint64_t dst = b.alloc(4096, 4096);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), 16);
  // beta exposes to alpha for writing: the bytes flow alpha -> beta, allowed.
  const int64_t hb = expose(b, dst, 4096, a.id, HMX_EXPOSE_WRITE, 10);
  ASSERT_GT(hb, 0);
  EXPECT_EQ(deposit(a, b.id, hb, 0, r, 16), 16);
  // Withdraw every rule: the next copy is refused, whatever the exposure said.
  ASSERT_TRUE(policy.load_text("", &err)) << err;
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), E(HMX_EACCES));
  EXPECT_EQ(deposit(a, b.id, hb, 0, r, 16), E(HMX_EACCES));
  // A denied copy consumed no use: with the rule back, all 9 remaining uses work.
  ASSERT_TRUE(policy.load_text(kAllowAll, &err)) << err;
  for (int i = 0; i < 9; ++i) EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), 16) << i;
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), E(HMX_ENOENT));
}

// covers: HMX-XPOSE-012
TEST_F(ExposeTest, TheTableIsBoundedPerDomain) {
  const uint64_t r = a.alloc(4096, 4096);
  std::vector<int64_t> handles;
  for (uint32_t i = 0; i < HMX_EXPOSE_MAX_PER_DOMAIN; ++i) {
    handles.push_back(expose(a, r, 4096, b.id, HMX_EXPOSE_READ));
    ASSERT_GT(handles.back(), 0) << i;
  }
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_READ), E(HMX_ENOSPC));
  EXPECT_EQ(live(a.id), HMX_EXPOSE_MAX_PER_DOMAIN);
  // Another domain's table is its own.
  EXPECT_GT(expose(b, b.alloc(16), 16, a.id, HMX_EXPOSE_READ), 0);
  EXPECT_EQ(revoke(a, handles[17]), 0);
  EXPECT_GT(expose(a, r, 4096, b.id, HMX_EXPOSE_READ), 0);
}

// covers: HMX-XPOSE-013
TEST_F(ExposeTest, NotOfferedMeansEopnotsuppAndNoFeatureBit) {
  EXPECT_NE(core.features() & HMX_FEATURE_EXPOSE_BIT, 0u);
  core.offer_exposures(false);
  EXPECT_EQ(core.features() & HMX_FEATURE_EXPOSE_BIT, 0u);
  const uint64_t r = a.alloc(4096, 4096);
  EXPECT_EQ(expose(a, r, 4096, b.id, HMX_EXPOSE_READ), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(fetch(b, a.id, 1 << 16, 0, r, 1), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(deposit(b, a.id, 1 << 16, 0, r, 1), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(revoke(a, 1 << 16), E(HMX_EOPNOTSUPP));
  core.offer_exposures(true);
  // Argo's conduit never carries them.
  EXPECT_EQ(core.argo_op(a.id, 0, HMX_OP_EXPOSE, 0x1000, 0, 0, 0), E(HMX_EOPNOTSUPP));
  EXPECT_EQ(core.argo_op(b.id, 0, HMX_OP_FETCH, 0x1000, 0, 0, 0), E(HMX_EOPNOTSUPP));
}

// covers: HMX-XPOSE-016 HMX-XPOSE-039
TEST_F(ExposeTest, AThirdDomainOrAGuessGetsTheAnswerOfAHandleThatNeverExisted) {
  const uint64_t r = filled(a, 4096, 9);
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 1000);
  ASSERT_GT(h, 0);
  const uint64_t cdst = c.alloc(4096, 4096);
  std::memset(c.host(cdst), 0x11, 4096);
  // The real handle in the wrong hands.
  EXPECT_EQ(fetch(c, a.id, h, 0, cdst, 64), E(HMX_ENOENT));
  EXPECT_EQ(deposit(c, a.id, h, 0, cdst, 64), E(HMX_ENOENT));
  // Guesses: every slot of every small generation, high bits, bit 63, the range's GPA itself.
  std::mt19937_64 rng(42);
  const uint64_t guesses[] = {0, 1, r, ~uint64_t{0}, uint64_t{1} << 63, static_cast<uint64_t>(h) | (uint64_t{1} << 63),
                              static_cast<uint64_t>(h) + 1, static_cast<uint64_t>(h) + (1u << 16), rng(), rng()};
  const uint64_t bdst = b.alloc(64);
  for (uint64_t g : guesses) {
    EXPECT_EQ(fetch(c, a.id, g, 0, cdst, 64), E(HMX_ENOENT)) << std::hex << g;
    if (g != static_cast<uint64_t>(h)) {
      EXPECT_EQ(fetch(b, a.id, g, 0, bdst, 64), E(HMX_ENOENT)) << std::hex << g;
    }
  }
  for (uint64_t gen = 0; gen < 4; ++gen)
    for (uint32_t i = 0; i < HMX_EXPOSE_MAX_PER_DOMAIN + 4; ++i)
      ASSERT_EQ(fetch(c, a.id, (gen << 16) | i, 0, cdst, 64), E(HMX_ENOENT));
  // The handle is good only with its owner.
  EXPECT_EQ(fetch(b, c.id, h, 0, bdst, 64), E(HMX_ENOENT));
  EXPECT_EQ(fetch(b, 555, h, 0, bdst, 64), E(HMX_ESRCH));  // HMX-XPOSE-023
  // Nothing was written to the third domain, and the real peer still has every use.
  EXPECT_TRUE(std::all_of(c.host(cdst), c.host(cdst) + 4096, [](std::byte x) { return x == std::byte{0x11}; }));
  EXPECT_EQ(fetch(b, a.id, h, 0, bdst, 64), 64);
}

// covers: HMX-XPOSE-023
TEST_F(ExposeTest, AnUnknownOwnerIsEsrch) {
  EXPECT_EQ(fetch(b, 999, 1 << 16, 0, b.alloc(16), 16), E(HMX_ESRCH));
  EXPECT_EQ(deposit(b, 999, 1 << 16, 0, b.alloc(16), 16), E(HMX_ESRCH));
}

// covers: HMX-XPOSE-017 HMX-XPOSE-031
TEST_F(ExposeTest, AStaleGenerationIsNeverAcceptedAgain) {
  const uint64_t r = filled(a, 4096, 2);
  const uint64_t dst = b.alloc(4096, 4096);
  const int64_t first = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 5);
  ASSERT_GT(first, 0);
  EXPECT_EQ(revoke(a, first), 0);
  EXPECT_EQ(revoke(a, first), E(HMX_ENOENT));
  // Cycle through every slot until the first one is taken again.
  int64_t again = 0;
  for (uint32_t i = 0; i < 2 * HMX_EXPOSE_MAX_PER_DOMAIN && again == 0; ++i) {
    const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 5);
    ASSERT_GT(h, 0);
    if ((static_cast<uint64_t>(h) & 0xffff) == (static_cast<uint64_t>(first) & 0xffff)) {
      again = h;
    } else {
      EXPECT_EQ(revoke(a, h), 0);
    }
  }
  ASSERT_NE(again, 0);
  ASSERT_NE(again, first);
  EXPECT_EQ(fetch(b, a.id, first, 0, dst, 16), E(HMX_ENOENT));
  EXPECT_EQ(revoke(a, first), E(HMX_ENOENT));
  EXPECT_EQ(fetch(b, a.id, again, 0, dst, 16), 16);
  // A used-up exposure's handle is just as dead.
  const int64_t once = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 1);
  EXPECT_EQ(fetch(b, a.id, once, 0, dst, 16), 16);
  EXPECT_EQ(fetch(b, a.id, once, 0, dst, 16), E(HMX_ENOENT));
  EXPECT_EQ(revoke(a, once), E(HMX_ENOENT));
  // Only the owner revokes.
  EXPECT_EQ(revoke(b, again), E(HMX_ENOENT));
  EXPECT_EQ(revoke(a, 0), E(HMX_ENOENT));
  EXPECT_EQ(revoke(a, ~uint64_t{0}), E(HMX_ENOENT));
}

// covers: HMX-XPOSE-018 HMX-XPOSE-019
TEST_F(ExposeTest, AccessIsEnforcedPerDirection) {
  const uint64_t r = filled(a, 4096, 4);
  const uint64_t buf = filled(b, 4096, 5);
  const int64_t ro = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 3);
  const int64_t wo = expose(a, r, 4096, b.id, HMX_EXPOSE_WRITE, 3);
  ASSERT_GT(ro, 0);
  ASSERT_GT(wo, 0);
  const auto before = pattern(4096, 4);
  EXPECT_EQ(deposit(b, a.id, ro, 0, buf, 64), E(HMX_EPERM));
  EXPECT_EQ(fetch(b, a.id, wo, 0, buf + 64, 64), E(HMX_EPERM));
  EXPECT_EQ(std::memcmp(a.host(r), before.data(), 4096), 0);
}

// covers: HMX-XPOSE-020 HMX-XPOSE-021 HMX-XPOSE-022 HMX-XPOSE-027
TEST_F(ExposeTest, BoundsAreCheckedWithoutOverflowAndFailuresCostNothing) {
  const uint64_t r = filled(a, 8192, 6);
  const int64_t h = expose(a, r, 8192, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 2);
  ASSERT_GT(h, 0);
  const uint64_t dst = b.alloc(8192, 4096);
  std::memset(b.host(dst), 0x33, 8192);
  EXPECT_EQ(fetch(b, a.id, h, 8192, dst, 1), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, 1, dst, 8192), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, ~uint64_t{0} - 8, dst, 16), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, uint64_t{1} << 63, dst, 16), E(HMX_EINVAL));
  EXPECT_EQ(deposit(b, a.id, h, ~uint64_t{0}, dst, 1), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 0), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, HMX_CALL_BYTE_BUDGET + 1), E(HMX_EINVAL));
  EXPECT_EQ(fetch(b, a.id, h, 0, b.mem.size() - 8, 16), E(HMX_EFAULT));
  EXPECT_EQ(deposit(b, a.id, h, 0, b.mem.size() - 8, 16), E(HMX_EFAULT));
  EXPECT_EQ(fetch(b, a.id, h, 0, ~uint64_t{0} - 4, 16), E(HMX_EFAULT));
  // Nothing was copied and no use was consumed: both uses remain, the last byte is reachable.
  EXPECT_TRUE(std::all_of(b.host(dst), b.host(dst) + 8192, [](std::byte x) { return x == std::byte{0x33}; }));
  EXPECT_EQ(fetch(b, a.id, h, 8191, dst, 1), 1);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 8192), 8192);
  EXPECT_EQ(live(a.id), 0u);
}

// covers: HMX-XPOSE-026
TEST_F(ExposeTest, AnExposureEndsAfterItsUses) {
  const uint64_t r = filled(a, 4096, 8);
  const uint64_t dst = b.alloc(4096, 4096);
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 3);
  EXPECT_EQ(live(a.id), 1u);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 100), 100);
  EXPECT_EQ(deposit(b, a.id, h, 0, dst, 100), 100);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 100), 100);
  EXPECT_EQ(live(a.id), 0u);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 100), E(HMX_ENOENT));
  EXPECT_EQ(deposit(b, a.id, h, 0, dst, 100), E(HMX_ENOENT));
}

// covers: HMX-XPOSE-028 HMX-XPOSE-029 HMX-XPOSE-033
TEST_F(ExposeTest, CopyAndRevokeArgumentChecks) {
  const uint64_t r = filled(a, 4096, 8);
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 4);
  const uint64_t dst = b.alloc(64);
  hmx_expose_copy_t x{static_cast<uint64_t>(h), 0, dst, 16, a.id, 0};
  const uint64_t xg = b.put(x);
  EXPECT_EQ(b.call(HMX_OP_FETCH, xg, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_DEPOSIT, xg, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_FETCH, xg, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(copy(b, HMX_OP_FETCH, a.id, h, 0, dst, 16, /*pad=*/1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_FETCH, b.mem.size() - 16), E(HMX_EFAULT));
  EXPECT_EQ(b.call(HMX_OP_DEPOSIT, ~uint64_t{0} - 15), E(HMX_EFAULT));
  EXPECT_EQ(a.call(HMX_OP_REVOKE, h, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REVOKE, h, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(a.call(HMX_OP_REVOKE, h, 0, 0, 1), E(HMX_EINVAL));
  EXPECT_EQ(b.call(HMX_OP_FETCH, xg), 16);
  EXPECT_EQ(revoke(a, h), 0);
}

// covers: HMX-XPOSE-030
TEST_F(ExposeTest, ABatchCountsEachCopyAgainstTheByteBudget) {
  constexpr uint32_t kChunk = 3 << 20;  // two of them exceed CALL_BYTE_BUDGET (4 MiB)
  const uint64_t r = a.alloc(HMX_EXPOSE_MAX_BYTES / 2, 4096);
  const int64_t h = expose(a, r, HMX_EXPOSE_MAX_BYTES / 2, b.id, HMX_EXPOSE_READ, 8);
  ASSERT_GT(h, 0);
  const uint64_t dst = b.alloc(2 * kChunk, 4096);
  hmx_expose_copy_t x0{static_cast<uint64_t>(h), 0, dst, kChunk, a.id, 0};
  hmx_expose_copy_t x1{static_cast<uint64_t>(h), kChunk, dst + kChunk, kChunk, a.id, 0};
  const uint64_t list = b.alloc(2 * sizeof(hmx_call_block_t), HMX_CALL_BLOCK_ALIGN);
  auto* blocks = b.at<hmx_call_block_t>(list);
  blocks[0] = hmx_call_block_t{HMX_OP_FETCH, 0, 0, {b.put(x0), 0, 0, 0}};
  blocks[1] = hmx_call_block_t{HMX_OP_FETCH, 0, 0, {b.put(x1), 0, 0, 0}};
  EXPECT_EQ(b.call(HMX_OP_BATCH, list, 2, 0), 1);
  EXPECT_EQ(blocks[0].result, kChunk);
  EXPECT_EQ(blocks[1].result, E(HMX_EAGAIN));
  // The stopped entry consumed nothing: 7 uses remain.
  for (int i = 0; i < 7; ++i) EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), 16);
  EXPECT_EQ(fetch(b, a.id, h, 0, dst, 16), E(HMX_ENOENT));
  EXPECT_LE(core.stats().max_call_bytes, uint64_t{HMX_CALL_BYTE_BUDGET});
}

// covers: HMX-XPOSE-034
TEST_F(ExposeTest, DestroyingThePeerEndsItsExposuresAndAReusedIdInheritsNothing) {
  const uint64_t r = filled(a, 4096, 12);
  auto peer = std::make_unique<Guest>(core, 7, "delta");
  const int64_t h = expose(a, r, 4096, 7, HMX_EXPOSE_READ, 100);
  ASSERT_GT(h, 0);
  EXPECT_EQ(live(a.id), 1u);
  peer.reset();  // destroy_domain(7)
  EXPECT_EQ(live(a.id), 0u);
  Guest impostor(core, 7, "epsilon");
  EXPECT_EQ(fetch(impostor, a.id, h, 0, impostor.alloc(64), 64), E(HMX_ENOENT));
  EXPECT_EQ(revoke(a, h), E(HMX_ENOENT));
  // Destroying the owner ends its exposures with it: the peer's copies find no owner.
  const int64_t hb = expose(b, b.alloc(4096, 4096), 4096, impostor.id, HMX_EXPOSE_WRITE, 5);
  ASSERT_GT(hb, 0);
  ASSERT_EQ(core.destroy_domain(b.id), 0);
  EXPECT_EQ(deposit(impostor, b.id, hb, 0, impostor.alloc(64), 64), E(HMX_ESRCH));
  EXPECT_FALSE(core.exposure_stats(b.id).has_value());
  ASSERT_EQ(core.create_domain(b.id, "beta", b.mem, 2, b.notifier), 0);  // for Guest's destructor
}

// covers: HMX-XPOSE-017 HMX-XPOSE-034
// Found by the core fuzzer (expose_respawn seed): a domain destroyed and created again with the
// same id started its table over, so its first expose returned its predecessor's first handle and
// the peer's stale handle named the new exposure.
TEST_F(ExposeTest, AnOwnerCreatedAgainWithTheSameIdNeverAcceptsItsPredecessorsHandles) {
  auto owner = std::make_unique<Guest>(core, 7, "delta");
  const int64_t old_handle = expose(*owner, owner->alloc(4096, 4096), 4096, a.id, HMX_EXPOSE_READ, 5);
  ASSERT_GT(old_handle, 0);
  owner.reset();  // destroy_domain(7): its exposures end with it
  Guest again(core, 7, "delta");
  const uint64_t r = filled(again, 4096, 13);
  const uint64_t dst = a.alloc(64);
  // Whatever the new domain exposes, in whichever slot, the old handle stays dead.
  for (int i = 0; i < 4; ++i) {
    const int64_t h = expose(again, r, 4096, a.id, HMX_EXPOSE_READ, 5);
    ASSERT_GT(h, 0);
    EXPECT_NE(h, old_handle);
    EXPECT_EQ(fetch(a, again.id, old_handle, 0, dst, 16), E(HMX_ENOENT));
    EXPECT_EQ(fetch(a, again.id, h, 0, dst, 16), 16);
  }
  EXPECT_EQ(revoke(again, old_handle), E(HMX_ENOENT));
}

// covers: HMX-XPOSE-035
TEST_F(ExposeTest, BytesAreCountedForBothDomains) {
  const uint64_t r = filled(a, 4096, 13);
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE, 2);
  const uint64_t buf = b.alloc(4096, 4096);
  EXPECT_EQ(fetch(b, a.id, h, 0, buf, 1000), 1000);
  EXPECT_EQ(deposit(b, a.id, h, 0, buf, 300), 300);
  const ExposureStats sa = *core.exposure_stats(a.id), sb = *core.exposure_stats(b.id);
  EXPECT_EQ(sa.exposes, 1u);
  EXPECT_EQ(sa.bytes_fetched_from, 1000u);
  EXPECT_EQ(sa.bytes_deposited_into, 300u);
  EXPECT_EQ(sb.bytes_fetched, 1000u);
  EXPECT_EQ(sb.bytes_deposited, 300u);
  EXPECT_EQ(sb.exposes, 0u);
  EXPECT_EQ(sa.live, 0u);
}

// A call block of one thread, in `g`'s memory, run directly (Guest::call allocates per call).
struct RawCaller {
  Guest& g;
  uint64_t block;
  uint64_t arg;
  RawCaller(Guest& guest, uint64_t arg_size) : g(guest), block(g.alloc(64, 64)), arg(g.alloc(arg_size, 64)) {}
  int64_t run(uint32_t op, uint64_t a1) {
    hmx_call_block_t blk{op, 0, 0, {a1, 0, 0, 0}};
    g.mem.write(block, blk);
    return g.core.call(g.id, 1, block);
  }
};

// covers: HMX-XPOSE-032
TEST_F(ExposeTest, AfterRevokeReturnsNoDepositLandsInTheRange) {
  // beta deposits 0xAA into alpha's range as fast as it can; alpha revokes, then paints the range
  // 0x55. A deposit that ran after revoke returned would leave 0xAA behind.
  constexpr uint32_t kLen = 16 << 10;
  const uint64_t range = a.alloc(kLen, 4096);
  const uint64_t src = b.alloc(kLen, 4096);
  std::memset(b.host(src), 0xAA, kLen);
  RawCaller owner(a, sizeof(hmx_expose_t));
  RawCaller peer(b, sizeof(hmx_expose_copy_t));
  std::atomic<uint64_t> handle{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> landed{0};
  std::thread depositor([&] {
    while (!stop.load()) {
      const uint64_t h = handle.load();
      if (h == 0) continue;
      hmx_expose_copy_t x{h, 0, src, kLen, a.id, 0};
      b.mem.write(peer.arg, x);
      if (peer.run(HMX_OP_DEPOSIT, peer.arg) == kLen) landed.fetch_add(1);
    }
  });
  int leaked = 0;
  for (int round = 0; round < 100; ++round) {
    // Uses enough that the depositor never spends them (a starved owner thread may see a million
    // deposits between two of its steps).
    hmx_expose_t x{range, kLen, b.id, HMX_EXPOSE_WRITE, UINT32_MAX, 0};
    a.mem.write(owner.arg, x);
    const int64_t h = owner.run(HMX_OP_EXPOSE, owner.arg);
    EXPECT_GT(h, 0);
    if (h <= 0) break;
    handle.store(static_cast<uint64_t>(h));
    for (int spin = 0; spin < 200; ++spin) std::this_thread::yield();
    EXPECT_EQ(owner.run(HMX_OP_REVOKE, static_cast<uint64_t>(h)), 0);
    handle.store(0);
    std::memset(a.host(range), 0x55, kLen);  // ordered after every copy by revoke (the slot lock)
    for (int spin = 0; spin < 50; ++spin) std::this_thread::yield();
    if (!std::all_of(a.host(range), a.host(range) + kLen, [](std::byte x) { return x == std::byte{0x55}; })) ++leaked;
  }
  stop.store(true);
  depositor.join();
  EXPECT_EQ(leaked, 0);
  EXPECT_GT(landed.load(), 0u) << "the race never happened: no deposit ran while exposed";
}

// covers: HMX-XPOSE-038
TEST_F(ExposeTest, ARewrittenArgumentNeverTakesACopyOutOfBounds) {
  // beta flips its expose_copy between a valid request and one far out of bounds while its other
  // vCPU calls fetch: every result is either the whole copy or EINVAL, never a copy past the range.
  const uint64_t r = filled(a, 4096, 14);
  const int64_t h = expose(a, r, 4096, b.id, HMX_EXPOSE_READ, 1000000);
  ASSERT_GT(h, 0);
  RawCaller peer(b, sizeof(hmx_expose_copy_t));
  const uint64_t dst = b.alloc(8192, 4096);
  hmx_expose_copy_t good{static_cast<uint64_t>(h), 0, dst, 4096, a.id, 0};
  hmx_expose_copy_t bad{static_cast<uint64_t>(h), 4096, dst, 4096, a.id, 0};
  b.mem.write(peer.arg, good);
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    bool g = false;
    while (!stop.load()) {
      g = !g;
      std::atomic_ref<uint64_t>(b.at<hmx_expose_copy_t>(peer.arg)->offset).store(g ? good.offset : bad.offset, std::memory_order_relaxed);
    }
  });
  int ok = 0, inval = 0;
  for (int i = 0; i < 2000; ++i) {
    const int64_t rc = peer.run(HMX_OP_FETCH, peer.arg);
    if (rc == 4096) {
      ++ok;
    } else if (rc == E(HMX_EINVAL)) {
      ++inval;
    } else {
      ADD_FAILURE() << rc;
    }
  }
  stop.store(true);
  flipper.join();
  EXPECT_EQ(ok + inval, 2000);
}

}  // namespace
}  // namespace hmx::ref::test
