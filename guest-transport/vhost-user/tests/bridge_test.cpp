// SPDX-License-Identifier: Apache-2.0
// The virtio-blk bridge against a fake back-end that maps the shared memory and plays the
// device on the shadow rings: what the bridge offers (one readable, one writable descriptor in
// the shared region), and what it does with a back-end that lies in its used ring (an id naming
// no chain, a length beyond the writable area) or closes its socket with requests in flight.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "hmx/virtio_argo/split_ring.h"
#include "support.h"

namespace hmx::vhost_user::test {
namespace {

constexpr uint64_t kBlkFeatures = v::bit(v::F_VERSION_1) | (uint64_t{1} << kFProtocolFeatures) |
                                  v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_BLK_SIZE);
constexpr uint64_t kProtocol = (1u << kPfReplyAck) | (1u << kPfConfig);

// Answers the control plane well, keeps the memory table and the rings it was given.
class ring_backend {
 public:
  ring_backend() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    front_ = sv[0];
    back_ = sv[1];
    thread_ = std::thread([this] { serve(); });
  }
  ~ring_backend() {
    close_socket();
    thread_.join();
    if (map_ != nullptr) ::munmap(map_, map_size_);
    if (call_ >= 0) ::close(call_);
  }
  int front_fd() const { return front_; }
  void close_socket() { ::shutdown(back_, SHUT_RDWR); }
  bool ready() const { return ready_.load(); }

  // The device's view of queue 0 through its own mapping.
  virtio_argo::split_ring ring() {
    std::lock_guard l(mu_);
    virtio_argo::split_ring r;
    r.desc = user_to_map(addr_.desc_user_addr);
    r.avail = user_to_map(addr_.avail_user_addr);
    r.used = user_to_map(addr_.used_user_addr);
    r.size = static_cast<uint16_t>(num_);
    return r;
  }
  uint8_t* gpa(uint64_t a) { return static_cast<uint8_t*>(map_) + a; }  // region at GPA 0
  void call() {
    const uint64_t one = 1;
    (void)!::write(call_, &one, sizeof one);
  }

 private:
  uint8_t* user_to_map(uint64_t a) { return static_cast<uint8_t*>(map_) + (a - user_base_); }
  void serve() {
    for (;;) {
      header h{};
      iovec iov{&h, sizeof h};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
      msghdr mh{};
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = control;
      mh.msg_controllen = sizeof control;
      if (::recvmsg(back_, &mh, MSG_WAITALL) != sizeof h) return;
      int fd = -1;
      if (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr) std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      std::vector<uint8_t> p(h.size);
      if (h.size != 0 && ::recv(back_, p.data(), h.size, MSG_WAITALL) != static_cast<ssize_t>(h.size)) return;
      std::vector<uint8_t> reply;
      auto u64 = [&](uint64_t x) {
        reply.resize(8);
        std::memcpy(reply.data(), &x, 8);
      };
      bool keep_fd = false;
      {
        std::lock_guard l(mu_);
        switch (static_cast<request>(h.request)) {
          case request::get_features: u64(kBlkFeatures); break;
          case request::get_protocol_features: u64(kProtocol); break;
          case request::get_config: {
            reply = p;
            virtio_argo::wire::store_le64(reply.data() + sizeof(config_header), 2048);  // capacity
            break;
          }
          case request::get_vring_base: reply = p; break;
          case request::set_mem_table: {
            mem_region r{};
            std::memcpy(&r, p.data() + 8, sizeof r);
            map_size_ = r.memory_size;
            user_base_ = r.userspace_addr;
            map_ = ::mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            break;
          }
          case request::set_vring_num: {
            vring_state s{};
            std::memcpy(&s, p.data(), sizeof s);
            if (s.index == 0) num_ = s.num;
            break;
          }
          case request::set_vring_addr: {
            vring_addr a{};
            std::memcpy(&a, p.data(), sizeof a);
            if (a.index == 0) addr_ = a;
            break;
          }
          case request::set_vring_call:
            if (p[0] == 0) call_ = fd, keep_fd = true;
            break;
          case request::set_vring_enable: ready_ = true; break;
          default: break;
        }
      }
      if (fd >= 0 && !keep_fd) ::close(fd);
      if (reply.empty()) {
        if ((h.flags & kFlagNeedReply) == 0) continue;
        u64(0);
      }
      header r{h.request, kVersion | kFlagReply, static_cast<uint32_t>(reply.size())};
      iovec out[2] = {{&r, sizeof r}, {reply.data(), reply.size()}};
      msghdr m{};
      m.msg_iov = out;
      m.msg_iovlen = 2;
      (void)::sendmsg(back_, &m, MSG_NOSIGNAL);
    }
  }

  int front_ = -1, back_ = -1;
  std::thread thread_;
  std::mutex mu_;
  void* map_ = nullptr;
  uint64_t map_size_ = 0, user_base_ = 0;
  uint32_t num_ = 0;
  vring_addr addr_{};
  int call_ = -1;
  std::atomic<bool> ready_{false};
};

class Bridge : public ::testing::Test {
 protected:
  void SetUp() override {
    frontend_options fo;
    fo.reply_timeout = std::chrono::milliseconds(1000);
    blk_bridge_options o;
    o.ring_size = 16;
    std::string error;
    bridge_ = blk_bridge::connect(std::make_unique<frontend>(be_.front_fd(), fo), mem_, &pool_, o, error);
    ASSERT_NE(bridge_, nullptr) << error;
    bridge_->activate(v::bit(v::F_VERSION_1) | v::bit(v::BLK_F_FLUSH));
    ASSERT_TRUE(be_.ready());
  }
  // Waits for the bridge to offer `n` chains in total; returns the avail ring's entries.
  std::vector<uint16_t> offered(uint16_t n) {
    for (int i = 0; i < 2000; ++i) {
      (void)bridge_->pump();
      auto r = be_.ring();
      if (r.avail_idx() >= n) {
        std::vector<uint16_t> heads;
        for (uint16_t k = 0; k < n; ++k) heads.push_back(r.avail_entry(k));
        return heads;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  }
  void use(uint16_t slot, uint32_t id, uint32_t len) {
    auto r = be_.ring();
    r.set_used_elem(slot, {id, len});
    r.publish_used_idx(static_cast<uint16_t>(slot + 1));
    be_.call();
  }

  ring_backend be_;
  shared_memory mem_{4ull << 20, "hmx-bridge-test"};
  std::pmr::monotonic_buffer_resource pool_{mem_.data() + 4096, mem_.size() - 4096, std::pmr::null_memory_resource()};
  std::unique_ptr<blk_bridge> bridge_;
};

TEST_F(Bridge, OffersOneReadableAndOneWritableDescriptorInTheSharedMemory) {
  test_request r(0, blk_header(v::BLK_T_IN, 3), 4096 + 1);
  bridge_->process(r);
  const auto heads = offered(1);
  ASSERT_EQ(heads.size(), 1u);
  auto ring = be_.ring();
  const virtio_argo::vring_desc d0 = ring.read_desc(heads[0]);
  ASSERT_TRUE(d0.flags & v::DESC_F_NEXT);
  EXPECT_EQ(d0.flags & v::DESC_F_WRITE, 0);
  EXPECT_EQ(d0.len, v::BLK_REQ_HEADER);
  const virtio_argo::vring_desc d1 = ring.read_desc(d0.next);
  EXPECT_EQ(d1.flags, v::DESC_F_WRITE);
  EXPECT_EQ(d1.len, 4097u);
  ASSERT_LT(d1.addr + d1.len, mem_.size());  // GPAs inside the one region
  EXPECT_EQ(virtio_argo::wire::load_le64(be_.gpa(d0.addr) + 8), 3u);
  // The device writes data and status; only the used length goes back.
  std::memset(be_.gpa(d1.addr), 0x5a, 4096);
  be_.gpa(d1.addr)[4096] = v::BLK_S_OK;
  use(0, heads[0], 4097);
  ASSERT_TRUE(pump_until(*bridge_, [&] { return r.done(); }));
  EXPECT_EQ(r.written(), 4097u);
  EXPECT_EQ(r.out()[0], 0x5a);
  EXPECT_EQ(r.status(), v::BLK_S_OK);
}

TEST_F(Bridge, ClampsAUsedLengthBeyondTheWritableArea) {
  test_request r(0, blk_header(v::BLK_T_IN, 0), 513);
  bridge_->process(r);
  const auto heads = offered(1);
  ASSERT_EQ(heads.size(), 1u);
  use(0, heads[0], 1u << 30);
  ASSERT_TRUE(pump_until(*bridge_, [&] { return r.done(); }));
  EXPECT_EQ(r.written(), 513u);
  EXPECT_EQ(bridge_->stats().clamped_lengths, 1u);
  EXPECT_TRUE(bridge_->alive());
}

TEST_F(Bridge, AUsedIdNamingNoChainFailsEveryRequestAndTheDevice) {
  test_request a(0, blk_header(v::BLK_T_OUT, 0, pattern(512, 1)), 1);
  test_request b(0, blk_header(v::BLK_T_OUT, 1, pattern(512, 2)), 1);
  bridge_->process(a);
  bridge_->process(b);
  ASSERT_EQ(offered(2).size(), 2u);
  use(0, 15, 1);  // slot 15 holds no chain
  ASSERT_TRUE(pump_until(*bridge_, [&] { return a.done() && b.done(); }));
  EXPECT_EQ(a.status(), v::BLK_S_IOERR);
  EXPECT_EQ(b.status(), v::BLK_S_IOERR);
  EXPECT_FALSE(bridge_->pump());
  EXPECT_NE(bridge_->failure().find("names no outstanding chain"), std::string::npos) << bridge_->failure();
  test_request late(0, blk_header(v::BLK_T_FLUSH, 0), 1);
  bridge_->process(late);
  EXPECT_TRUE(late.done());
  EXPECT_EQ(late.status(), v::BLK_S_IOERR);
}

TEST_F(Bridge, ABackendThatClosesItsSocketFailsWhatItHeld) {
  test_request a(0, blk_header(v::BLK_T_OUT, 0, pattern(512, 1)), 1);
  bridge_->process(a);
  ASSERT_EQ(offered(1).size(), 1u);
  be_.close_socket();
  ASSERT_TRUE(pump_until(*bridge_, [&] { return a.done(); }));
  EXPECT_EQ(a.status(), v::BLK_S_IOERR);
  EXPECT_FALSE(bridge_->alive());
  EXPECT_NE(bridge_->failure().find("closed its socket"), std::string::npos) << bridge_->failure();
}

}  // namespace
}  // namespace hmx::vhost_user::test
