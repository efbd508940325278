// SPDX-License-Identifier: Apache-2.0
// The ring engine rejects every malformed chain (virtio 1.2 2.7.4.2, 2.7.5.3) instead of
// following it: it is what stands between a buggy driver ring and the device.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "hmx/virtio_argo/vring_engine.h"

namespace hmx::virtio_argo {
namespace {

namespace v = virtio;

struct VringEngine : ::testing::Test {
  static constexpr uint16_t kSize = 4;
  void SetUp() override {
    mem = std::aligned_alloc(16, (split_ring::bytes(kSize) + 15) & ~size_t{15});
    ring = split_ring::place(mem, kSize);
  }
  void TearDown() override { std::free(mem); }
  void engine(bool indirect, address_space as = address_space::identity()) {
    e.init(ring, indirect, false, as);
  }
  uint64_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }
  result walk(uint16_t head) {
    return e.walk(head, [](const chain_segment&) { return true; });
  }

  void* mem = nullptr;
  split_ring ring;
  vring_engine e;
  uint8_t buf[64];
};

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(VringEngine, LoopsAndBadIndicesAreRejected) {
  engine(false);
  ring.write_desc(0, {addr(buf), 1, v::DESC_F_NEXT, 1});
  ring.write_desc(1, {addr(buf), 1, v::DESC_F_NEXT, 0});  // 0 -> 1 -> 0 -> ...
  EXPECT_EQ(walk(0), result::protocol);
  ring.write_desc(1, {addr(buf), 1, v::DESC_F_NEXT, kSize});  // next out of range
  EXPECT_EQ(walk(0), result::protocol);
  EXPECT_EQ(walk(kSize), result::protocol);  // head out of range
  ring.write_desc(1, {addr(buf), 1, 0, 0});
  EXPECT_EQ(walk(0), result::ok);
}

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(VringEngine, ReadableAfterWritableIsRejected) {
  engine(false);
  ring.write_desc(0, {addr(buf), 1, v::DESC_F_NEXT | v::DESC_F_WRITE, 1});
  ring.write_desc(1, {addr(buf), 1, 0, 0});
  EXPECT_EQ(walk(0), result::protocol);
}

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(VringEngine, IndirectRulesAreEnforced) {
  vring_desc table[3] = {};
  ring.write_desc(0, {addr(table), sizeof table, v::DESC_F_INDIRECT, 0});
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 0, {addr(buf), 4, v::DESC_F_NEXT, 1});
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 1, {addr(buf), 4, v::DESC_F_NEXT, 2});
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 2, {addr(buf), 4, v::DESC_F_WRITE, 0});
  engine(false);
  EXPECT_EQ(walk(0), result::protocol) << "INDIRECT_DESC not negotiated";
  engine(true);
  chain_info info;
  ASSERT_EQ(e.measure(0, info), result::ok);
  EXPECT_EQ(info.readable, 8u);
  EXPECT_EQ(info.writable, 4u);

  ring.write_desc(0, {addr(table), sizeof table, v::DESC_F_INDIRECT | v::DESC_F_NEXT, 1});
  EXPECT_EQ(walk(0), result::protocol) << "INDIRECT with NEXT";
  ring.write_desc(0, {addr(table), 24, v::DESC_F_INDIRECT, 0});
  EXPECT_EQ(walk(0), result::protocol) << "table length not a multiple of 16";
  ring.write_desc(0, {addr(table), 0, v::DESC_F_INDIRECT, 0});
  EXPECT_EQ(walk(0), result::protocol) << "empty table";
  ring.write_desc(0, {addr(table), sizeof table, v::DESC_F_INDIRECT, 0});
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 1, {addr(table), 16, v::DESC_F_INDIRECT, 0});
  EXPECT_EQ(walk(0), result::protocol) << "nested indirect";
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 1, {addr(buf), 4, v::DESC_F_NEXT, 0});
  EXPECT_EQ(walk(0), result::protocol) << "loop inside the table";
  split_ring::write_desc(reinterpret_cast<uint8_t*>(table), 1, {addr(buf), 4, v::DESC_F_NEXT, 3});
  EXPECT_EQ(walk(0), result::protocol) << "next beyond the table";
}

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(VringEngine, UnmappedMemoryAndOverflowAreRejected) {
  // An address space that maps only `buf`.
  struct ctx_t {
    uint8_t* base;
    size_t len;
  } ctx{buf, sizeof buf};
  address_space only_buf;
  only_buf.ctx = &ctx;
  only_buf.to_addr = [](void*, const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); };
  only_buf.to_ptr = [](void* c, uint64_t a, uint32_t len) -> void* {
    auto* x = static_cast<ctx_t*>(c);
    const auto base = reinterpret_cast<uintptr_t>(x->base);
    if (a < base || a - base > x->len || len > x->len - (a - base)) return nullptr;
    return reinterpret_cast<void*>(static_cast<uintptr_t>(a));
  };
  engine(false, only_buf);
  ring.write_desc(0, {addr(buf) + 60, 8, 0, 0});
  EXPECT_EQ(walk(0), result::protocol) << "runs past the mapped range";
  ring.write_desc(0, {addr(buf) + 56, 8, 0, 0});
  EXPECT_EQ(walk(0), result::ok);
  ring.write_desc(0, {0, 0, 0, 0});
  EXPECT_EQ(walk(0), result::ok) << "a zero-length buffer needs no memory";

  engine(false);
  ring.write_desc(0, {addr(buf), 0xFFFFFFFF, v::DESC_F_NEXT, 1});
  ring.write_desc(1, {addr(buf), 0xFFFFFFFF, 0, 0});
  chain_info info;
  EXPECT_EQ(e.measure(0, info), result::protocol) << "readable bytes overflow 32 bits";
}

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(VringEngine, AvailIndexBeyondTheQueueIsRejected) {
  engine(false);
  uint16_t head = 0;
  EXPECT_EQ(e.peek(head), result::again);
  ring.publish_avail_idx(kSize + 1);
  EXPECT_EQ(e.peek(head), result::protocol);
  ring.publish_avail_idx(kSize);
  EXPECT_EQ(e.peek(head), result::ok);
}

}  // namespace
}  // namespace hmx::virtio_argo
