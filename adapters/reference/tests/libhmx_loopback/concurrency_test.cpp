// SPDX-License-Identifier: Apache-2.0
// Concurrent senders: several threads in two domains (each its own vCPU and client) send
// checksummed, sequence-numbered messages to one wildcard ring for a few seconds while a reader
// in the receiving domain consumes them and calls notify() to wake waiting senders. Nothing may
// be lost, duplicated, reordered per sender or corrupted. One sender uses batches.
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <hmx/checksum/fnv1a.h>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

struct wire {
  uint32_t sender;
  uint32_t size;  // whole message, this header included
  uint64_t seq;
  uint64_t checksum;  // FNV-1a over the payload after this header
};

// Fill buf with message `seq` of `sender`; returns its size.
uint32_t make_message(unsigned char* buf, uint32_t sender, uint64_t seq) {
  const uint32_t size = static_cast<uint32_t>(sizeof(wire) + (seq * 7919 + sender * 31) % 1500);
  uint64_t x = seq * 0x9E3779B97F4A7C15ull + sender;
  for (uint32_t i = sizeof(wire); i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = static_cast<unsigned char>(x);
  }
  wire w{sender, size, seq, checksum::fnv1a64(buf + sizeof(wire), size - sizeof(wire))};
  std::memcpy(buf, &w, sizeof w);
  return size;
}

struct sender_stats {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> eagain{0};
  std::atomic<uint64_t> errors{0};
};

class ConcurrencyTest : public LoopbackTest {};

// covers: HMX-SEND-015 HMX-SEND-016 HMX-SEND-011 HMX-LIB-026 HMX-LIB-027
TEST_F(ConcurrencyTest, SendersLoseDuplicateOrCorruptNothing) {
  constexpr auto kDuration = std::chrono::seconds(3);
  constexpr uint32_t kSenders = 4;  // alpha vCPU 0,1 (one batching), gamma vCPU 0,1
  ring r(beta, 0x5E0, HMX_DOMID_ANY, 64 * 1024);
  {
    bound_client b(beta);
    ASSERT_TRUE(b->register_ring(r.reg).ok());
  }
  std::atomic<bool> stop{false}, senders_done{false};
  sender_stats stats[kSenders];

  // Each sending domain has an event page; a sender that meets a full ring waits for
  // EVENT_SPACE_AVAILABLE (its failed sendv queued a space wait) instead of retrying sendv in a
  // loop (HMX-SEND-011). Two vCPUs share the domain's status bit, so a waiter that may have lost
  // it to its sibling asks the ring itself now and then (notify with space_required).
  hmx_event_page_t* pages[2] = {reinterpret_cast<hmx_event_page_t*>(alpha.pages(1)),
                                reinterpret_cast<hmx_event_page_t*>(gamma.pages(1))};
  {
    bound_client ca(alpha), cg(gamma);
    ASSERT_TRUE(ca->set_event_page(pages[0]).ok());
    ASSERT_TRUE(cg->set_event_page(pages[1]).ok());
  }
  auto wait_for_space = [&](client_t& c, hmx_event_page_t* page, uint32_t size) {
    for (uint32_t spin = 1; !stop; ++spin) {
      if (test_and_clear_status(page, HMX_EVENT_SPACE_AVAILABLE) != 0) return;
      if (spin % 256 == 0) {
        const result<hmx_ring_data_ent_t> q = c.query(make_addr(0x5E0, beta.id), size);
        if (q.ok() && (q->flags & HMX_RING_SUFFICIENT) != 0) return;
      }
      std::this_thread::yield();
    }
  };
  auto plain_sender = [&](domain& d, uint32_t vcpu, uint32_t id) {
    bound_client c(d, vcpu);
    hmx_event_page_t* page = pages[&d == &alpha ? 0 : 1];
    unsigned char* buf = d.pages(1);
    for (uint64_t seq = 0; !stop;) {
      const uint32_t size = make_message(buf, id, seq);
      const result<uint32_t> s = c->send(make_addr(0x5E0, beta.id), buf, size, id);
      if (s.ok()) {
        ++seq;
        stats[id].sent = seq;
      } else if (s.error() == errc::again) {
        ++stats[id].eagain;
        wait_for_space(c.c, page, size);
      } else {
        ++stats[id].errors;
      }
    }
  };
  // Batches of 8 sendv with STOP_ON_ERROR: an entry that meets a full ring ends the batch, and
  // the sender resends from there, so its order is kept.
  auto batch_sender = [&](domain& d, uint32_t vcpu, uint32_t id) {
    bound_client c(d, vcpu);
    batch_t b(d.env, 8, 1);
    unsigned char* bufs = d.pages(4);
    for (uint64_t seq = 0; !stop;) {
      b.clear();
      for (uint32_t k = 0; k < 8; ++k) {
        unsigned char* m = bufs + k * 2048;
        const buffer one[] = {{m, make_message(m, id, seq + k)}};
        ASSERT_TRUE(b.add_sendv(make_addr(0x5E0, beta.id), one, 1, id).ok());
      }
      const result<uint32_t> ran = c->run(b, HMX_BATCH_FLAG_STOP_ON_ERROR);
      if (!ran.ok()) {
        ++stats[id].errors;
        continue;
      }
      uint32_t done = 0;
      while (done < *ran && b.entry_result(done) >= 0) ++done;
      seq += done;
      stats[id].sent = seq;
      if (done < 8) {
        if (b.entry_status(done) == errc::again) {
          ++stats[id].eagain;
          wait_for_space(c.c, pages[0], 2048);
        } else {
          ++stats[id].errors;
        }
      }
    }
  };

  // The receiver: checks every message and wakes waiters after each burst.
  std::atomic<uint64_t> received{0}, bad{0};
  uint64_t expect_seq[kSenders] = {};
  std::thread reader([&] {
    bound_client b(beta);
    std::vector<unsigned char> buf(4096);
    for (;;) {
      const bool stopping = senders_done.load();
      uint32_t burst = 0;
      for (;;) {
        message_view m;
        const result<uint32_t> n = r.reader.read(buf.data(), buf.size(), &m);
        if (n.error() == errc::again) break;
        if (!n.ok() || *n < sizeof(wire)) {
          ++bad;
          (void)r.reader.discard_all();
          break;
        }
        wire w;
        std::memcpy(&w, buf.data(), sizeof w);
        const bool ok = w.sender < kSenders && w.size == *n && w.sender == m.message_type &&
                        w.seq == expect_seq[w.sender] &&
                        w.checksum == checksum::fnv1a64(buf.data() + sizeof w, *n - sizeof w) &&
                        m.source.domain_id == (w.sender < 2 ? alpha.id : gamma.id);
        if (!ok) ++bad;
        if (w.sender < kSenders) expect_seq[w.sender] = w.seq + 1;
        ++received;
        ++burst;
      }
      if (burst != 0) (void)b->notify();  // "I consumed": wake waiting senders
      if (stopping && burst == 0) break;
      if (burst == 0) std::this_thread::yield();
    }
  });

  std::vector<std::thread> senders;
  senders.emplace_back(plain_sender, std::ref(alpha), 0, 0);
  senders.emplace_back(batch_sender, std::ref(alpha), 1, 1);
  senders.emplace_back(plain_sender, std::ref(gamma), 0, 2);
  senders.emplace_back(plain_sender, std::ref(gamma), 1, 3);
  std::this_thread::sleep_for(kDuration);
  stop = true;
  for (auto& t : senders) t.join();
  senders_done = true;  // the reader drains what is left, then stops
  reader.join();

  uint64_t total = 0;
  for (uint32_t i = 0; i < kSenders; ++i) {
    std::printf("sender %u: %llu sent, %llu EAGAIN\n", i,
                static_cast<unsigned long long>(stats[i].sent.load()),
                static_cast<unsigned long long>(stats[i].eagain.load()));
    EXPECT_EQ(stats[i].errors.load(), 0u) << "sender " << i;
    EXPECT_EQ(expect_seq[i], stats[i].sent.load()) << "sender " << i << ": lost or extra";
    // Every sender makes progress; how much is the scheduler's business (two cores, five
    // threads) and HMX promises no fairness between senders.
    EXPECT_GT(stats[i].sent.load(), 0u) << "sender " << i << " never got a message through";
    total += stats[i].sent.load();
  }
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(received.load(), total);
  std::printf("%llu messages from %u senders in %lld s (%llu EAGAIN); core saw %llu wakeups\n",
              static_cast<unsigned long long>(total), kSenders,
              static_cast<long long>(kDuration.count()),
              static_cast<unsigned long long>(stats[0].eagain + stats[1].eagain +
                                              stats[2].eagain + stats[3].eagain),
              static_cast<unsigned long long>(core.stats().wakeups));
}

}  // namespace
}  // namespace hmx::loopback
