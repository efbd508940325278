// SPDX-License-Identifier: MIT
// hmx::ring_reader on hand-built rings (spec struct ring; Xen docs/designs/argo.pandoc, ring protocol): wrap-around, corrupt
// lengths and pointers, and a concurrent producer that follows the protocol.
#include <atomic>
#include <thread>

#include "test_support.h"

namespace hmx {
namespace {

// A ring of `len` data bytes in its own memory, plus a hand "hypervisor" that writes messages.
struct hand_ring {
  explicit hand_ring(uint32_t len) : len(len), mem(ring_bytes(len) + 4096) {}
  uint32_t len;
  test::host_memory mem;
  hmx_ring_t* hdr() { return reinterpret_cast<hmx_ring_t*>(mem.data()); }
  unsigned char* data() { return mem.data() + HMX_RING_HEADER_SIZE; }

  void write_wrapped(uint32_t off, const void* src, uint32_t n) {
    const auto* s = static_cast<const unsigned char*>(src);
    for (uint32_t i = 0; i < n; ++i) data()[(off + i) % len] = s[i];
  }
  // Write a message at tx (header + payload, header.len = payload + 16) and publish tx.
  void put(const std::string& payload, uint32_t type = 0x11, uint32_t aport = 5,
           uint16_t dom = 3) {
    uint32_t tx = hdr()->tx_ptr;
    hmx_ring_message_header_t h{};
    h.len = static_cast<uint32_t>(payload.size()) + 16;
    h.source = make_addr(aport, dom);
    h.message_type = type;
    write_wrapped(tx, &h, sizeof h);
    write_wrapped((tx + 16) % len, payload.data(), static_cast<uint32_t>(payload.size()));
    tx = static_cast<uint32_t>((tx + roundup_slot(h.len)) % len);
    __atomic_store_n(&hdr()->tx_ptr, tx, __ATOMIC_RELEASE);
  }
  void set_ptrs(uint32_t rx, uint32_t tx) {
    hdr()->rx_ptr = rx;
    hdr()->tx_ptr = tx;
  }
  std::string read_all(ring_reader& r) {
    std::string out(len, '\0');
    const result<uint32_t> n = r.read(out.data(), out.size());
    if (!n.ok()) return std::string("!") + n.error().name();
    out.resize(*n);
    return out;
  }
};

// covers: HMX-LIB-026 HMX-LIB-027
TEST(RingReader, EmptyRingIsEagain) {
  hand_ring h(256);
  ring_reader r(h.mem.data(), h.len);
  ASSERT_TRUE(r.geometry().ok());
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.peek().error(), errc::again);
  unsigned char b[4];
  EXPECT_EQ(r.read(b, 4).error(), errc::again);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, ReadsOneMessageAndAdvancesRxBySlots) {
  hand_ring h(256);
  h.put("hello, ring", 0xabcd, 77, 9);
  ring_reader r(h.mem.data(), h.len);
  EXPECT_EQ(r.pending_bytes(), 32u);
  const result<message_view> m = r.peek();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size, 11u);
  EXPECT_EQ(m->message_type, 0xabcdu);
  EXPECT_EQ(m->source.aport, 77u);
  EXPECT_EQ(m->source.domain_id, 9);
  EXPECT_FALSE(m->wraps());
  EXPECT_EQ(m->offset, 0u);
  EXPECT_EQ(m->next, 32u);  // roundup16(11 + 16)
  EXPECT_EQ(h.read_all(r), "hello, ring");
  EXPECT_EQ(h.hdr()->rx_ptr, 32u);
  EXPECT_TRUE(r.empty());
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, ZeroLengthPayload) {
  hand_ring h(64);
  h.put("");
  ring_reader r(h.mem.data(), h.len);
  EXPECT_EQ(h.read_all(r), "");
  EXPECT_EQ(h.hdr()->rx_ptr, 16u);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, ForEachConsumesInOrder) {
  hand_ring h(512);
  for (int i = 0; i < 5; ++i) h.put(std::string(static_cast<size_t>(i * 7), 'a' + i), i);
  ring_reader r(h.mem.data(), h.len);
  std::vector<std::string> got;
  const result<uint32_t> n = r.for_each([&](const message_view& m) {
    std::string s(m.size, '\0');
    m.copy_to(s.data());
    got.push_back(s);
    EXPECT_EQ(m.message_type, got.size() - 1);
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3], std::string(21, 'd'));
  EXPECT_TRUE(r.empty());
}

TEST(RingReader, ForEachHonoursItsLimit) {
  hand_ring h(512);
  for (int i = 0; i < 4; ++i) h.put("x");
  ring_reader r(h.mem.data(), h.len);
  EXPECT_EQ(*r.for_each([](const message_view&) {}, 3), 3u);
  EXPECT_EQ(r.pending_bytes(), 32u);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, PayloadWrapsAtTheEndOfTheRing) {
  hand_ring h(128);
  h.set_ptrs(96, 96);  // header at 96..111, payload from 112 wraps at 128
  const std::string payload = "0123456789abcdefXYZ-wrapped";  // 27 bytes: 16 before the end
  h.put(payload);
  ring_reader r(h.mem.data(), h.len);
  const result<message_view> m = r.peek();
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->wraps());
  EXPECT_EQ(m->first_size, 16u);
  EXPECT_EQ(m->second_size, 11u);
  EXPECT_EQ(m->second, h.data());
  EXPECT_EQ(m->next, (96u + 48u) % 128u);
  EXPECT_EQ(h.read_all(r), payload);
  EXPECT_EQ(h.hdr()->rx_ptr, 16u);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, HeaderInTheLastSlotPayloadAtZero) {
  hand_ring h(128);
  h.set_ptrs(112, 112);
  h.put("starts at zero");
  ring_reader r(h.mem.data(), h.len);
  const result<message_view> m = r.peek();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->first, h.data());
  EXPECT_FALSE(m->wraps());
  EXPECT_EQ(h.read_all(r), "starts at zero");
  EXPECT_EQ(h.hdr()->rx_ptr, 16u);  // (112 + roundup16(14 + 16)) % 128
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReader, RxWrapsToZeroExactly) {
  hand_ring h(64);
  h.set_ptrs(32, 32);
  h.put("sixteen bytes!!!");  // 16 + 16 = 32: ends exactly at len
  ring_reader r(h.mem.data(), h.len);
  EXPECT_EQ(h.read_all(r), "sixteen bytes!!!");
  EXPECT_EQ(h.hdr()->rx_ptr, 0u);
}

TEST(RingReader, SmallBufferLeavesTheMessage) {
  hand_ring h(256);
  h.put("twelve bytes");
  ring_reader r(h.mem.data(), h.len);
  unsigned char small[4];
  message_view info;
  EXPECT_EQ(r.read(small, sizeof small, &info).error(), errc::msgsize);
  EXPECT_EQ(info.size, 12u);
  EXPECT_EQ(h.hdr()->rx_ptr, 0u);
  EXPECT_EQ(h.read_all(r), "twelve bytes");
}

// --- corrupt rings: -EINVAL, nothing read beyond the ring, nothing consumed -------------------

void expect_corrupt(hand_ring& h, const char* what) {
  ring_reader r(h.mem.data(), h.len);
  const uint32_t rx = h.hdr()->rx_ptr;
  EXPECT_EQ(r.peek().error(), errc::inval) << what;
  unsigned char buf[64];
  EXPECT_EQ(r.read(buf, sizeof buf).error(), errc::inval) << what;
  EXPECT_EQ(r.for_each([](const message_view&) { ADD_FAILURE(); }).error(), errc::inval) << what;
  EXPECT_EQ(h.hdr()->rx_ptr, rx) << what;
}

void set_header_len(hand_ring& h, uint32_t at, uint32_t len) {
  std::memcpy(h.data() + at, &len, 4);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, HeaderLenShorterThanAHeader) {
  for (uint32_t bad : {0u, 1u, 15u}) {
    hand_ring h(128);
    h.put("abc");
    set_header_len(h, 0, bad);
    expect_corrupt(h, "len < 16");
  }
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, HeaderLenBeyondWhatTxPublished) {
  hand_ring h(128);
  h.put("abc");  // tx = 32
  set_header_len(h, 0, 33);  // would need 48 bytes
  expect_corrupt(h, "len > available");
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, HeaderLenLargerThanTheRing) {
  for (uint32_t bad : {129u, 4096u, 0x7FFFFFFFu, 0xFFFFFFF1u, 0xFFFFFFFFu}) {
    hand_ring h(128);
    h.put("abc");
    set_header_len(h, 0, bad);
    expect_corrupt(h, "len > ring");
  }
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, TxOutOfRangeOrUnaligned) {
  for (uint32_t tx : {128u, 129u, 0xFFFFFFF0u, 8u, 33u}) {
    hand_ring h(128);
    h.put("abc");
    h.hdr()->tx_ptr = tx;
    expect_corrupt(h, "tx");
    ring_reader r(h.mem.data(), h.len);
    EXPECT_EQ(r.pending_bytes(), 0u);
    EXPECT_EQ(r.discard_all(), errc::inval);  // tx itself cannot be trusted
  }
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, RxBeyondTheRing) {
  for (uint32_t rx : {128u, 4096u, 0xFFFFFFFFu, 4u}) {
    hand_ring h(128);
    h.put("abc");
    h.hdr()->rx_ptr = rx;
    expect_corrupt(h, "rx");
  }
}

TEST(RingReaderCorrupt, DiscardAllResynchronises) {
  hand_ring h(128);
  h.put("abc");
  set_header_len(h, 0, 2);
  h.put("next");
  ring_reader r(h.mem.data(), h.len);
  EXPECT_EQ(r.peek().error(), errc::inval);
  EXPECT_TRUE(r.discard_all().ok());
  EXPECT_TRUE(r.empty());
  h.put("after");
  EXPECT_EQ(h.read_all(r), "after");
}

TEST(RingReaderCorrupt, InvalidGeometryIsRefused) {
  hand_ring h(128);
  h.put("abc");
  for (uint32_t len : {0u, 16u, 40u, 100u, HMX_MAX_RING_LEN + 16}) {
    ring_reader r(h.mem.data(), len);
    EXPECT_EQ(r.geometry(), errc::inval) << len;
    EXPECT_EQ(r.peek().error(), errc::inval) << len;
  }
  ring_reader none;
  EXPECT_EQ(none.peek().error(), errc::inval);
  EXPECT_EQ(none.pending_bytes(), 0u);
}

// covers: HMX-LIB-028 HMX-LIB-029
TEST(RingReaderCorrupt, StaleViewIsNotConsumed) {
  hand_ring h(256);
  h.put("one");
  h.put("two");
  ring_reader r(h.mem.data(), h.len);
  const message_view first = *r.peek();
  EXPECT_TRUE(r.consume(first).ok());
  EXPECT_EQ(r.consume(first), errc::inval);  // rx moved on
  message_view forged = *r.peek();
  forged.next = 999;
  EXPECT_EQ(r.consume(forged), errc::inval);
  EXPECT_EQ(h.read_all(r), "two");
}

// covers: HMX-LIB-030 HMX-LIB-031
TEST(RingReader, PrepareZeroesTheHeader) {
  hand_ring h(128);
  std::memset(h.mem.data(), 0xAB, 64);
  ring_reader::prepare(h.mem.data());
  EXPECT_EQ(h.hdr()->rx_ptr, 0u);
  EXPECT_EQ(h.hdr()->tx_ptr, 0u);
  EXPECT_EQ(h.hdr()->event_index, 0u);
}

// A producer thread plays the hypervisor (write, then release tx; never overtake rx, keep a slot
// free) while the reader consumes with acquire/release: every message arrives intact and in
// order. Under TSan this also checks the barriers.
// covers: HMX-LIB-026 HMX-LIB-027 HMX-LIB-028 HMX-LIB-029
TEST(RingReader, ConcurrentProducerAndReader) {
  hand_ring h(1024);
  ring_reader r(h.mem.data(), h.len);
  constexpr uint32_t kMessages = 20000;
  std::atomic<bool> failed{false};

  std::thread producer([&] {
    uint32_t tx = 0;
    for (uint32_t i = 0; i < kMessages; ++i) {
      const uint32_t size = 1 + (i * 37) % 200;
      const uint32_t need = static_cast<uint32_t>(roundup_slot(size + 16));
      for (;;) {  // wait for space: free = (rx - tx - 1 slot) mod len
        const uint32_t rx = __atomic_load_n(&h.hdr()->rx_ptr, __ATOMIC_ACQUIRE);
        const uint32_t used = tx >= rx ? tx - rx : h.len - rx + tx;
        if (h.len - used > need) break;
        std::this_thread::yield();
      }
      hmx_ring_message_header_t hd{};
      hd.len = size + 16;
      hd.message_type = i;
      h.write_wrapped(tx, &hd, 16);
      for (uint32_t k = 0; k < size; ++k) {
        const auto b = static_cast<unsigned char>(i * 131 + k);
        h.data()[(tx + 16 + k) % h.len] = b;
      }
      tx = (tx + need) % h.len;
      __atomic_store_n(&h.hdr()->tx_ptr, tx, __ATOMIC_RELEASE);
    }
  });

  uint32_t next = 0;
  unsigned char buf[256];
  while (next < kMessages && !failed) {
    message_view m;
    const result<uint32_t> n = r.read(buf, sizeof buf, &m);
    if (n.error() == errc::again) {
      std::this_thread::yield();
      continue;
    }
    if (!n.ok() || m.message_type != next || *n != 1 + (next * 37) % 200) {
      failed = true;
      break;
    }
    for (uint32_t k = 0; k < *n; ++k)
      if (buf[k] != static_cast<unsigned char>(next * 131 + k)) failed = true;
    ++next;
  }
  producer.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(next, kMessages);
}

}  // namespace
}  // namespace hmx
