// SPDX-License-Identifier: Apache-2.0
// The vhost-user front-end against a scripted fake back-end on a socketpair: the handshake it
// drives, the messages and file descriptors it sends, and every kind of bad reply a back-end
// can give (wrong request, flags, size, stray file descriptors, silence, a closed socket, values
// out of range). A bad reply breaks the connection for good and nothing waits past the limit.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hmx/vhost_user/frontend.h"
#include "hmx/vhost_user/shared_memory.h"

namespace hmx::vhost_user {
namespace {

constexpr uint64_t kFeatures = (uint64_t{1} << 32) | (uint64_t{1} << kFProtocolFeatures) | (1u << 9);
constexpr uint64_t kProtocol = (1u << kPfMq) | (1u << kPfReplyAck) | (1u << kPfConfig) | (1u << 5);

struct received {
  header h;
  std::vector<uint8_t> payload;
  size_t nfds;
};

// How the fake answers one message: the default is a well-behaved back-end; `tamper` may
// rewrite the reply (header, payload, an fd to attach) or return false to stay silent.
struct reply {
  header h;
  std::vector<uint8_t> payload;
  int attach_fd = -1;
  bool close_instead = false;
};

class fake_backend {
 public:
  explicit fake_backend(std::function<bool(const received&, reply&)> tamper = {}) : tamper_(std::move(tamper)) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    front_ = sv[0];
    back_ = sv[1];
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_backend() {
    ::shutdown(back_, SHUT_RDWR);
    thread_.join();
    ::close(back_);
  }
  int front_fd() const { return front_; }  // handed to the frontend, which closes it
  std::vector<received> log() {
    std::lock_guard l(mu_);
    return log_;
  }

 private:
  void serve() {
    for (;;) {
      received m{};
      iovec iov{&m.h, sizeof m.h};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
      msghdr mh{};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = control;
      mh.msg_controllen = sizeof control;
      if (::recvmsg(back_, &mh, MSG_WAITALL) != sizeof m.h) return;
      for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
        m.nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < m.nfds; ++i) {
          int fd;
          std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
          ::close(fd);
        }
      }
      m.payload.resize(m.h.size);
      if (m.h.size != 0 && ::recv(back_, m.payload.data(), m.h.size, MSG_WAITALL) != static_cast<ssize_t>(m.h.size)) return;
      {
        std::lock_guard l(mu_);
        log_.push_back(m);
      }
      reply r;
      if (!answer(m, r)) continue;
      if (tamper_ && !tamper_(m, r)) continue;
      if (r.close_instead) {
        ::shutdown(back_, SHUT_RDWR);
        return;
      }
      send(r);
    }
  }
  bool answer(const received& m, reply& r) {
    r.h = {m.h.request, kVersion | kFlagReply, 0};
    auto u64 = [&](uint64_t v) {
      r.payload.resize(8);
      std::memcpy(r.payload.data(), &v, 8);
    };
    switch (static_cast<request>(m.h.request)) {
      case request::get_features: u64(kFeatures); break;
      case request::get_protocol_features: u64(kProtocol); break;
      case request::get_queue_num: u64(2); break;
      case request::get_vring_base: r.payload.assign(m.payload.begin(), m.payload.end()); break;
      case request::get_config: {
        r.payload = m.payload;
        for (size_t i = sizeof(config_header); i < r.payload.size(); ++i) r.payload[i] = static_cast<uint8_t>(i);
        break;
      }
      default:
        if ((m.h.flags & kFlagNeedReply) == 0) return false;
        u64(0);
    }
    r.h.size = static_cast<uint32_t>(r.payload.size());
    return true;
  }
  void send(const reply& r) {
    iovec iov[2] = {{const_cast<header*>(&r.h), sizeof r.h}, {const_cast<uint8_t*>(r.payload.data()), r.payload.size()}};
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = r.payload.empty() ? 1 : 2;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    if (r.attach_fd >= 0) {
      mh.msg_control = control;
      mh.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &r.attach_fd, sizeof(int));
    }
    (void)::sendmsg(back_, &mh, MSG_NOSIGNAL);
  }

  std::function<bool(const received&, reply&)> tamper_;
  int front_ = -1, back_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<received> log_;
};

frontend_options quick() {
  frontend_options o;
  o.reply_timeout = std::chrono::milliseconds(300);
  return o;
}

TEST(Frontend, HandshakeNegotiatesWhatBothSidesOffer) {
  fake_backend be;
  frontend fe(be.front_fd(), quick());
  ASSERT_TRUE(fe.handshake()) << fe.error();
  EXPECT_EQ(fe.features(), kFeatures);
  // BACKEND_REQ (bit 5) is offered but not wanted: never negotiated.
  EXPECT_EQ(fe.protocol_features(), (1u << kPfMq) | (1u << kPfReplyAck) | (1u << kPfConfig));
  EXPECT_EQ(fe.queue_num(), 2u);
  const auto log = be.log();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].h.request, uint32_t(request::get_features));
  EXPECT_EQ(log[2].h.request, uint32_t(request::set_protocol_features));
  EXPECT_EQ(log[2].h.flags, kVersion);  // never acknowledged: REPLY_ACK starts after it
  EXPECT_EQ(log[4].h.request, uint32_t(request::set_owner));
  EXPECT_EQ(log[4].h.flags, kVersion | kFlagNeedReply);
}

TEST(Frontend, SetsUpARingWithItsFileDescriptors) {
  fake_backend be;
  frontend fe(be.front_fd(), quick());
  ASSERT_TRUE(fe.handshake());
  shared_memory mem(1 << 20, "fake");
  const mem_region region{0, mem.size(), reinterpret_cast<uintptr_t>(mem.data()), 0};
  const int fds[1] = {mem.fd()};
  ASSERT_TRUE(fe.set_mem_table({&region, 1}, fds)) << fe.error();
  const int kick = ::eventfd(0, EFD_CLOEXEC), call = ::eventfd(0, EFD_CLOEXEC);
  EXPECT_TRUE(fe.set_features(kFeatures));
  EXPECT_TRUE(fe.set_vring_num(1, 128));
  EXPECT_TRUE(fe.set_vring_base(1, 0));
  EXPECT_TRUE(fe.set_vring_addr({1, 0, 0x1000, 0x3000, 0x2000, 0}));
  EXPECT_TRUE(fe.set_vring_kick(1, kick));
  EXPECT_TRUE(fe.set_vring_call(1, call));
  EXPECT_TRUE(fe.set_vring_enable(1, true));
  uint32_t base = 99;
  EXPECT_TRUE(fe.get_vring_base(1, base));
  EXPECT_EQ(base, 0u);
  std::vector<uint8_t> cfg(36);
  ASSERT_TRUE(fe.get_config(0, cfg)) << fe.error();
  EXPECT_EQ(cfg[0], sizeof(config_header));
  ::close(kick);
  ::close(call);
  const auto log = be.log();
  ASSERT_GE(log.size(), 13u);
  const received& mt = log[5];
  EXPECT_EQ(mt.h.request, uint32_t(request::set_mem_table));
  EXPECT_EQ(mt.h.size, mem_table_size(1));
  EXPECT_EQ(mt.nfds, 1u);
  mem_region got{};
  std::memcpy(&got, mt.payload.data() + 8, sizeof got);
  EXPECT_EQ(got.memory_size, mem.size());
  EXPECT_EQ(got.userspace_addr, reinterpret_cast<uintptr_t>(mem.data()));
  EXPECT_EQ(log[10].h.request, uint32_t(request::set_vring_kick));
  EXPECT_EQ(log[10].nfds, 1u);
  EXPECT_EQ(log[11].nfds, 1u);
}

TEST(Frontend, NeverOffersBitsTheBackendDidNotOffer) {
  fake_backend be;
  frontend fe(be.front_fd(), quick());
  ASSERT_TRUE(fe.handshake());
  EXPECT_FALSE(fe.set_features(kFeatures | (uint64_t{1} << 29)));
  EXPECT_FALSE(fe.ok());
}

// One hostile reply to GET_FEATURES (or another request) per case; each must break the
// connection with a reason, within the time limit, and later calls must fail at once.
struct hostile_case {
  const char* name;
  request target;
  std::function<bool(reply&)> tamper;
  const char* reason;
};

void PrintTo(const hostile_case& c, std::ostream* os) { *os << c.name; }

class Hostile : public ::testing::TestWithParam<hostile_case> {};

TEST_P(Hostile, BreaksTheConnection) {
  const hostile_case& c = GetParam();
  int stray = ::eventfd(0, EFD_CLOEXEC);
  fake_backend be([&](const received& m, reply& r) {
    if (m.h.request != uint32_t(c.target)) return true;
    if (std::string(c.name) == "stray_fd") r.attach_fd = stray;
    return c.tamper(r);
  });
  frontend fe(be.front_fd(), quick());
  const auto t0 = std::chrono::steady_clock::now();
  bool ok = fe.handshake();
  if (ok) {
    std::vector<uint8_t> cfg(36);
    uint32_t base = 0;
    ok = c.target == request::get_config ? fe.get_config(0, cfg)
         : c.target == request::get_vring_base ? fe.get_vring_base(0, base)
                                               : fe.set_vring_num(0, 64);
  }
  EXPECT_FALSE(ok);
  EXPECT_FALSE(fe.ok());
  EXPECT_NE(fe.error().find(c.reason), std::string::npos) << fe.error();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_FALSE(fe.set_vring_num(0, 64));  // sticky
  ::close(stray);
}

INSTANTIATE_TEST_SUITE_P(
    Replies, Hostile,
    ::testing::Values(
        hostile_case{"wrong_request", request::get_features, [](reply& r) { r.h.request = 2; return true; }, "answers request"},
        hostile_case{"no_reply_flag", request::get_features, [](reply& r) { r.h.flags = kVersion; return true; }, "bad flags"},
        hostile_case{"bad_version", request::get_features, [](reply& r) { r.h.flags = 2 | kFlagReply; return true; }, "bad flags"},
        hostile_case{"short", request::get_features, [](reply& r) { r.h.size = 4; r.payload.resize(4); return true; }, "size 4"},
        hostile_case{"long", request::get_features, [](reply& r) { r.h.size = 16; r.payload.resize(16); return true; }, "size 16"},
        hostile_case{"huge", request::get_features, [](reply& r) { r.h.size = 0xffffff; return true; }, "size"},
        hostile_case{"stray_fd", request::get_features, [](reply&) { return true; }, "file descriptors"},
        hostile_case{"silent", request::get_features, [](reply&) { return false; }, "no answer within"},
        hostile_case{"closed", request::get_features, [](reply& r) { r.close_instead = true; return true; }, "back-end gone"},
        hostile_case{"queue_num_zero", request::get_queue_num, [](reply& r) { std::memset(r.payload.data(), 0, 8); return true; }, "out of range"},
        hostile_case{"queue_num_huge", request::get_queue_num, [](reply& r) { const uint64_t n = 100000; std::memcpy(r.payload.data(), &n, 8); return true; }, "out of range"},
        hostile_case{"ack_refused", request::set_owner, [](reply& r) { r.payload[0] = 1; return true; }, "refused by the back-end"},
        hostile_case{"ack_silent", request::set_vring_num, [](reply&) { return false; }, "no answer within"},
        hostile_case{"config_other_range", request::get_config, [](reply& r) { r.payload[0] = 4; return true; }, "another range"},
        hostile_case{"vring_base_other_queue", request::get_vring_base, [](reply& r) { r.payload[0] = 3; return true; }, "GET_VRING_BASE reply"},
        hostile_case{"vring_base_out_of_range", request::get_vring_base, [](reply& r) { r.payload[6] = 1; return true; }, "GET_VRING_BASE reply"}),
    [](const ::testing::TestParamInfo<hostile_case>& i) { return std::string(i.param.name); });

TEST(Frontend, ConnectGivesUpAfterItsTimeLimit) {
  const auto t0 = std::chrono::steady_clock::now();
  frontend fe("/tmp/hmx-vhost-no-such-socket", std::chrono::milliseconds(200));
  EXPECT_FALSE(fe.ok());
  EXPECT_NE(fe.error().find("cannot connect"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

}  // namespace
}  // namespace hmx::vhost_user
