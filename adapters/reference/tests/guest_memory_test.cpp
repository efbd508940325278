// SPDX-License-Identifier: Apache-2.0
// GuestMemory bounds checks, ArenaGuestMemory, and an adapter that maps only page by page.
#include "test_support.h"

namespace hmx::ref::test {
namespace {

// covers: HMX-SEC-007 HMX-SEC-008
TEST(GuestMemory, ArenaMapIsBoundsCheckedAndOverflowSafe) {
  ArenaGuestMemory mem(10000);
  EXPECT_EQ(mem.size(), 12288u);  // rounded up to pages
  EXPECT_EQ(reinterpret_cast<uintptr_t>(mem.data()) % 4096, 0u);
  EXPECT_EQ(mem.map(0, 12288).size(), 12288u);
  EXPECT_EQ(mem.map(12287, 1).size(), 1u);
  EXPECT_TRUE(mem.map(12287, 2).empty());
  EXPECT_TRUE(mem.map(12288, 1).empty());
  EXPECT_TRUE(mem.map(0, 0).empty());
  EXPECT_TRUE(mem.map(~0ull, 2).empty());
  EXPECT_TRUE(mem.map(16, ~0ull).empty());
  EXPECT_TRUE(mem.map(~0ull - 4095, 4096).empty());
  EXPECT_EQ(mem.host(12288), nullptr);
}

// covers: HMX-SEC-007 HMX-SEC-008
TEST(GuestMemory, Helpers) {
  ArenaGuestMemory mem(8192);
  uint64_t v = 0x1122334455667788ull;
  EXPECT_TRUE(mem.write(100, v));
  uint64_t back = 0;
  EXPECT_TRUE(mem.read_once(100, back));
  EXPECT_EQ(back, v);
  EXPECT_FALSE(mem.write(8190, v));  // all or nothing
  EXPECT_EQ(*mem.host(8190), std::byte{0});
  EXPECT_FALSE(mem.read_once(8190, back));
  EXPECT_FALSE(mem.read_once(~0ull - 3, back));
  EXPECT_TRUE(mem.contains(0, 8192));
  EXPECT_TRUE(mem.contains(8192, 0));
  EXPECT_FALSE(mem.contains(1, 8192));
  EXPECT_FALSE(mem.contains(~0ull, 1));
}

// Guest RAM made of separately mapped pages, with a hole: map() refuses any range that crosses a
// page boundary or touches the hole, like an adapter whose memory slots are not adjacent.
class PagedGuestMemory final : public GuestMemory {
 public:
  PagedGuestMemory(uint64_t pages, uint64_t hole_page) : arena_(pages * 4096), hole_(hole_page) {}
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    if (len == 0 || gpa / 4096 == hole_) return {};
    if (gpa / 4096 != (gpa + len - 1) / 4096 || gpa + len < gpa) return {};
    return arena_.map(gpa, len);
  }
  ArenaGuestMemory arena_;
  uint64_t hole_;
};

// covers: HMX-SEC-007 HMX-SEC-008
TEST(GuestMemory, HelpersFallBackToPages) {
  PagedGuestMemory mem(8, 5);
  std::vector<std::byte> data = pattern(3 * 4096);
  EXPECT_TRUE(mem.write_bytes(100, data.data(), data.size()));  // pages 0..3
  std::vector<std::byte> back(data.size());
  EXPECT_TRUE(mem.read_bytes(100, back.data(), back.size()));
  EXPECT_EQ(back, data);
  EXPECT_FALSE(mem.contains(4 * 4096, 2 * 4096));  // crosses the hole
  EXPECT_TRUE(mem.contains(6 * 4096, 2 * 4096));
}

// covers: HMX-SEC-007 HMX-SEC-008 HMX-RING-037 HMX-RING-038
TEST(GuestMemory, CoreWorksOnPageByPageMemory) {
  TestPolicy policy;
  Core core(policy);
  PagedGuestMemory ma(64, 40), mb(64, 40);
  NullNotifier n;
  ASSERT_EQ(core.create_domain(1, "a", ma, 1, n), 0);
  ASSERT_EQ(core.create_domain(2, "b", mb, 1, n), 0);
  // A 3-frame ring on frames 10, 20, 30 of a.
  hmx_register_ring_t reg{1, 2, 0, 3 * 4096 - 64};
  uint64_t gfns[3] = {10, 20, 30};
  ma.write(0x1000, reg);
  ma.write_bytes(0x1100, gfns, sizeof(gfns));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_REGISTER_RING;
  blk.arg[0] = 0x1000;
  blk.arg[1] = 0x1100;
  blk.arg[2] = 3;
  ma.write(0x2000, blk);
  ASSERT_EQ(core.call(1, 0, 0x2000), 0);
  // b sends 9000 bytes from pages 1..3 (crossing two page boundaries).
  std::vector<std::byte> payload = pattern(9000);
  ASSERT_TRUE(mb.write_bytes(0x1000 + 7, payload.data(), payload.size()));
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {1, 1, 0}};
  hmx_iov_t iov{0x1000 + 7, 9000, 0};
  mb.write(0x8000, addr);
  mb.write(0x8100, iov);
  blk = {};
  blk.op = HMX_OP_SENDV;
  blk.arg[0] = 0x8000;
  blk.arg[1] = 0x8100;
  blk.arg[2] = 1;
  mb.write(0x9000, blk);
  ASSERT_EQ(core.call(2, 0, 0x9000), 9000);
  // Read it back through the frames.
  std::vector<std::byte> ring(3 * 4096);
  for (int i = 0; i < 3; ++i) ma.read_bytes(gfns[i] * 4096, ring.data() + i * 4096, 4096);
  EXPECT_EQ(std::memcmp(ring.data() + 64 + 16, payload.data(), payload.size()), 0);
  // An iov that touches the hole is EFAULT (once the ring has room: EAGAIN comes first).
  const uint32_t tx = static_cast<uint32_t>((16 + 9008) % (3 * 4096 - 64));
  ma.write(gfns[0] * 4096, tx);  // rx_ptr = tx_ptr: consumed
  iov = {39 * 4096, 8192, 0};
  mb.write(0x8100, iov);
  EXPECT_EQ(core.call(2, 0, 0x9000), E(HMX_EFAULT));
  core.destroy_domain(1);
  core.destroy_domain(2);
}

}  // namespace
}  // namespace hmx::ref::test
