// SPDX-License-Identifier: Apache-2.0
// sendv's return is a happens-before edge: a sender on one vCPU publishes "message N sent" right
// after sendv returns, and a reader on another vCPU of the receiving domain that sees N must find
// message N already in the ring, tx_ptr included.
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

using VisibilityTest = LoopbackTest;

// covers: HMX-MECH-028
TEST_F(VisibilityTest, AMessageIsInTheRingWhenSendvReturns) {
  constexpr uint64_t kMessages = 20000;
  ring r(beta, 0x7E0, alpha.id, 16 * 1024);
  {
    bound_client b(beta);
    ASSERT_TRUE(b->register_ring(r.reg).ok());
  }
  std::atomic<uint64_t> sent{0};  // messages whose sendv returned success
  std::atomic<bool> failed{false};

  std::thread sender([&] {
    bound_client c(alpha, 1);
    unsigned char* buf = alpha.pages(1);
    for (uint64_t seq = 1; seq <= kMessages && !failed;) {
      std::memcpy(buf, &seq, sizeof seq);
      const result<uint32_t> s = c->send(make_addr(0x7E0, beta.id), buf, sizeof seq, 0);
      if (s.ok()) {
        sent.store(seq, std::memory_order_release);
        ++seq;
      } else if (s.error() == errc::again) {
        std::this_thread::yield();
      } else {
        ADD_FAILURE() << "sendv " << s.error().code();
        failed = true;
      }
    }
  });

  // The reader (beta, another vCPU): whenever it learns that message N was sent, every message
  // up to N must be readable at once, without waiting.
  bound_client b(beta, 2);
  uint64_t received = 0, checks = 0, late = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (received < kMessages && !failed && std::chrono::steady_clock::now() < deadline) {
    const uint64_t known = sent.load(std::memory_order_acquire);
    for (;;) {
      message_view info{};
      const std::optional<std::string> m = receive(r.reader, &info);
      if (!m) break;
      uint64_t seq = 0;
      if (m->size() == sizeof seq) std::memcpy(&seq, m->data(), sizeof seq);
      if (seq != received + 1) {  // in order, none lost (no ASSERT: the sender must be joined)
        ADD_FAILURE() << "message " << seq << " (" << m->size() << " bytes) after " << received;
        failed = true;
        break;
      }
      received = seq;
    }
    ++checks;
    if (received < known) ++late;  // sendv of `known` had returned, yet its message was not there
    if (received % 64 == 0) (void)b->notify(nullptr, 0);
  }
  failed = true;
  sender.join();
  EXPECT_EQ(received, kMessages);
  EXPECT_EQ(late, 0u) << "of " << checks << " checks, a message announced by sendv's return was missing";
}

}  // namespace
}  // namespace hmx::loopback
