// SPDX-License-Identifier: Apache-2.0
// Concurrency: many senders into one ring, register/unregister/notify races. Checksummed payloads
// prove nothing is lost, duplicated, torn or corrupted.
#include <chrono>
#include <thread>

#include <hmx/checksum/fnv1a.h>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

using Clock = std::chrono::steady_clock;

uint32_t checksum(const std::byte* p, size_t n) { return hmx::checksum::fnv1a32(p, n); }

// Payload layout: u32 sender, u32 seq, u32 checksum of the rest, then filler.
struct Stamp {
  uint32_t sender;
  uint32_t seq;
  uint32_t sum;
};

// A sender vCPU thread: its buffers live at fixed GPAs in its own domain; it rewrites its payload
// between calls (it is the only writer) and batches every 4th round.
class SenderThread {
 public:
  SenderThread(Guest& g, DomainId dst, uint32_t aport, uint32_t index)
      : g_(g), index_(index) {
    buf_ = g.alloc(4096, 4096);
    hmx_send_addr_t addr{{index, HMX_DOMID_ANY, 0}, {aport, dst, 0}};
    addr_ = g.put(addr);
    list_ = g.alloc(kBatch * sizeof(hmx_call_block_t), 64);
    iovs_ = g.alloc(kBatch * 2 * sizeof(hmx_iov_t), 16);
    block_ = g.alloc(sizeof(hmx_call_block_t), 64);
    bufs_ = g.alloc(kBatch * 4096, 4096);
  }

  void run(const std::atomic<bool>& stop) {
    uint32_t round = 0;
    while (!stop) {
      const bool batch = (round++ % 4) == 3;
      if (batch) {
        send_batch();
      } else {
        send_one();
      }
    }
  }

  uint32_t sent() const { return seq_; }
  uint64_t eagain = 0;

 private:
  static constexpr uint32_t kBatch = 4;

  // Fill buffer `slot` with message seq_ and describe it with two iovs (header part, rest).
  uint32_t fill(uint32_t slot, uint64_t iov_gpa) {
    const uint32_t len = 12 + (seq_ * 7919u + index_ * 31u) % 1500;
    std::byte* p = g_.host(bufs_ + slot * 4096);
    for (uint32_t i = 12; i < len; ++i) p[i] = static_cast<std::byte>(seq_ * 13 + i + index_);
    Stamp s{index_, seq_, checksum(p + 12, len - 12)};
    std::memcpy(p, &s, sizeof(s));
    hmx_iov_t iov[2] = {{bufs_ + slot * 4096, 5, 0}, {bufs_ + slot * 4096 + 5, len - 5, 0}};
    std::memcpy(g_.host(iov_gpa), iov, sizeof(iov));
    return len;
  }

  void wait_for_space() {
    ++eagain;
    // The space-available event (set by the receiver's notify); a bounded wait covers a wake-up
    // that raced with our own retry.
    auto* status = &g_.at<hmx_event_page_t>(g_.event_page_gpa)->status;
    const auto until = Clock::now() + std::chrono::milliseconds(2);
    while (Clock::now() < until) {
      if (std::atomic_ref<uint64_t>(*status).exchange(0) & HMX_EVENT_SPACE_AVAILABLE) return;
      std::this_thread::yield();
    }
  }

  void send_one() {
    const uint32_t len = fill(0, iovs_);
    hmx_call_block_t blk{};
    blk.op = HMX_OP_SENDV;
    blk.arg[0] = addr_;
    blk.arg[1] = iovs_;
    blk.arg[2] = 2;
    blk.arg[3] = seq_;
    std::memcpy(g_.host(block_), &blk, sizeof(blk));
    const int64_t rc = g_.core.call(g_.id, index_ % 2, block_);
    if (rc == static_cast<int64_t>(len)) {
      ++seq_;
    } else if (rc == E(HMX_EAGAIN)) {
      wait_for_space();
    } else {
      ADD_FAILURE() << "sendv: " << rc;
    }
  }

  void send_batch() {
    hmx_call_block_t list[kBatch];
    uint32_t lens[kBatch];
    const uint32_t first = seq_;
    for (uint32_t k = 0; k < kBatch; ++k) {
      seq_ = first + k;
      lens[k] = fill(k, iovs_ + k * 2 * sizeof(hmx_iov_t));
      list[k] = {};
      list[k].op = HMX_OP_SENDV;
      list[k].arg[0] = addr_;
      list[k].arg[1] = iovs_ + k * 2 * sizeof(hmx_iov_t);
      list[k].arg[2] = 2;
      list[k].arg[3] = seq_;
    }
    seq_ = first;
    std::memcpy(g_.host(list_), list, sizeof(list));
    hmx_call_block_t blk{};
    blk.op = HMX_OP_BATCH;
    blk.arg[0] = list_;
    blk.arg[1] = kBatch;
    blk.arg[2] = HMX_BATCH_FLAG_STOP_ON_ERROR;  // keeps the sequence gap-free
    std::memcpy(g_.host(block_), &blk, sizeof(blk));
    const int64_t ran = g_.core.call(g_.id, index_ % 2, block_);
    ASSERT_GE(ran, 1);
    for (int64_t k = 0; k < ran; ++k) {
      const int64_t r = g_.at<hmx_call_block_t>(list_ + k * sizeof(hmx_call_block_t))->result;
      if (r == static_cast<int64_t>(lens[k])) {
        ++seq_;
      } else {
        ASSERT_EQ(r, E(HMX_EAGAIN)) << "batched sendv";
        ASSERT_EQ(k, ran - 1);
        wait_for_space();
      }
    }
  }

  Guest& g_;
  const uint32_t index_;
  uint64_t buf_, addr_, list_, iovs_, block_, bufs_;
  uint32_t seq_ = 0;
};

// covers: HMX-SEND-006 HMX-SEND-015 HMX-SEND-016 HMX-NOTIFY-001 HMX-EVENT-007 HMX-BATCH-019 HMX-BATCH-020
TEST(Concurrency, ConcurrentSendersNothingLostDuplicatedOrCorrupted) {
  TestPolicy policy;
  Core core(policy);
  Guest rx(core, 1, "rx", 4 << 20);
  constexpr uint32_t kSenders = 4;
  std::vector<std::unique_ptr<Guest>> guests;
  std::vector<std::unique_ptr<SenderThread>> senders;
  for (uint32_t i = 0; i < kSenders; ++i) {
    guests.push_back(std::make_unique<Guest>(core, 10 + i, "tx" + std::to_string(i)));
    guests.back()->enable_event_page();
    senders.push_back(std::make_unique<SenderThread>(*guests.back(), rx.id, 7, i));
  }
  GuestRing ring;
  ASSERT_EQ(rx.register_ring(ring, 7, HMX_DOMID_ANY, 16 * 4096 - 64, 0, /*scatter=*/true), 0);

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& s : senders) threads.emplace_back([&s, &stop] { s->run(stop); });

  std::vector<uint32_t> next(kSenders, 0);
  uint64_t received = 0;
  auto consume_all = [&] {
    const uint64_t m = rx.mark();
    while (auto msg = rx.receive(ring)) {
      ASSERT_GE(msg->payload.size(), sizeof(Stamp));
      Stamp s;
      std::memcpy(&s, msg->payload.data(), sizeof(s));
      ASSERT_LT(s.sender, kSenders);
      ASSERT_EQ(msg->source, 10 + s.sender);
      ASSERT_EQ(msg->aport, s.sender);
      ASSERT_EQ(s.seq, next[s.sender]) << "lost or duplicated message from " << s.sender;
      ASSERT_EQ(msg->message_type, s.seq);
      ASSERT_EQ(s.sum, checksum(msg->payload.data() + 12, msg->payload.size() - 12)) << "corrupt";
      ++next[s.sender];
      ++received;
    }
    rx.notify_null();  // wake senders waiting for space
    rx.reset(m);
  };
  const auto until = Clock::now() + std::chrono::milliseconds(1200);
  while (Clock::now() < until && !::testing::Test::HasFatalFailure()) consume_all();
  stop = true;
  for (auto& t : threads) t.join();
  consume_all();
  uint64_t sent = 0, eagain = 0;
  for (uint32_t i = 0; i < kSenders; ++i) {
    EXPECT_EQ(next[i], senders[i]->sent()) << "sender " << i;
    sent += senders[i]->sent();
    eagain += senders[i]->eagain;
  }
  EXPECT_EQ(received, sent);
  EXPECT_GT(sent, 1000u);
  EXPECT_EQ(core.stats().messages, sent);
  std::printf("[ info     ] %llu messages, %llu EAGAIN, %llu wake-ups\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(eagain),
              static_cast<unsigned long long>(core.stats().wakeups));
}

// covers: HMX-RING-035 HMX-RING-036 HMX-SEC-009 HMX-SEC-010
TEST(Concurrency, RegisterUnregisterNotifyAndSendRace) {
  TestPolicy policy;
  Core core(policy);
  Guest a(core, 1, "a", 8 << 20), b(core, 2, "b", 8 << 20);
  constexpr uint32_t kPorts = 8;
  // Frames and register arguments prepared once per port and per vCPU thread.
  struct Port {
    uint64_t reg, unreg, gfns;
  };
  std::vector<Port> ports;
  for (uint32_t p = 0; p < kPorts; ++p) {
    const uint64_t frame = a.alloc(4096, 4096);
    hmx_register_ring_t reg{p, b.id, 0, 1024};
    hmx_unregister_ring_t unreg{p, b.id, 0};
    ports.push_back({a.put(reg), a.put(unreg), a.put(frame >> 12)});
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  // Two vCPUs of a register and unregister rings in a loop.
  for (uint32_t v = 0; v < 2; ++v) {
    threads.emplace_back([&, v] {
      const uint64_t blk_gpa = a.alloc(sizeof(hmx_call_block_t), 64);
      auto* blk = a.at<hmx_call_block_t>(blk_gpa);
      uint32_t x = v + 1;
      while (!stop) {
        x = x * 1103515245u + 12345u;
        const Port& p = ports[(x >> 8) % kPorts];
        *blk = {};
        if ((x >> 20) & 1) {
          blk->op = HMX_OP_REGISTER_RING;
          blk->arg[0] = p.reg;
          blk->arg[1] = p.gfns;
          blk->arg[2] = 1;
          const int64_t rc = core.call(a.id, v, blk_gpa);
          EXPECT_TRUE(rc == 0) << rc;  // re-registration of the same frames is fine
        } else {
          blk->op = HMX_OP_UNREGISTER_RING;
          blk->arg[0] = p.unreg;
          const int64_t rc = core.call(a.id, v, blk_gpa);
          EXPECT_TRUE(rc == 0 || rc == E(HMX_ENOENT)) << rc;
        }
      }
    });
  }
  // b sends to every port and queries them with notify.
  std::atomic<uint64_t> delivered{0};
  threads.emplace_back([&] {
    const uint64_t m0 = b.mark();
    std::vector<hmx_ring_data_ent_t> q;
    for (uint32_t p = 0; p < kPorts; ++p) q.push_back(ent(a.id, p, 32));
    for (uint32_t i = 0; !stop; ++i) {
      const uint64_t m = b.mark();
      const int64_t rc = b.send(a.id, i % kPorts, {"racing"});
      EXPECT_TRUE(rc == 6 || rc == E(HMX_ECONNREFUSED) || rc == E(HMX_EAGAIN)) << rc;
      if (rc == 6) ++delivered;
      std::vector<hmx_ring_data_ent_t> out;
      EXPECT_EQ(b.notify(q, &out), 0);
      for (const auto& e : out) EXPECT_TRUE(e.flags == 0 || (e.flags & HMX_RING_EXISTS));
      b.reset(m);
    }
    b.reset(m0);
  });
  // a's receiver side drains whatever is registered and calls notify.
  threads.emplace_back([&] {
    while (!stop) {
      const uint64_t m = a.mark();
      a.notify_null(1);
      a.reset(m);
      std::this_thread::yield();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_LE(core.ring_count(a.id), kPorts);
  EXPECT_GT(delivered.load(), 0u);
}

}  // namespace
}  // namespace hmx::ref::test
