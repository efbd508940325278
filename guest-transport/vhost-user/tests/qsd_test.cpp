// SPDX-License-Identifier: Apache-2.0
// The vhost-user front-end and the virtio-blk bridge against the real qemu-storage-daemon
// (Debian qemu-system-common), which each test starts itself on a fresh image (qemu-img from
// qemu-utils) and stops at the end; every wait has a time limit. Exits 77 ("SKIPPED: ...") when
// either program is missing.
#include <fcntl.h>
#include <signal.h>

#include <fstream>

#include "support.h"

namespace hmx::vhost_user::test {
namespace {

constexpr uint64_t kDisk = 32ull << 20;
constexpr uint32_t kReq = 65536;

class Qsd : public ::testing::Test {
 public:
  void start(const std::string& format, unsigned queues = 2) {
    image_ = dir_.file("disk." + format);
    socket_ = dir_.file("qsd.sock");
    ASSERT_EQ(std::system(("qemu-img create -q -f " + format + " " + image_ + " 32M").c_str()), 0);
    qsd_ = std::make_unique<backend_process>(qsd_command(image_, format, socket_, queues));
  }
  std::unique_ptr<frontend> connect() {
    frontend_options o;
    o.reply_timeout = std::chrono::milliseconds(3000);
    return std::make_unique<frontend>(socket_, std::chrono::milliseconds(10000), o);
  }
  std::unique_ptr<blk_bridge> bridge(uint16_t queues) {
    blk_bridge_options o;
    o.queues = queues;
    o.ring_size = 128;
    std::string error;
    auto b = blk_bridge::connect(connect(), mem_, &pool_, o, error);
    EXPECT_NE(b, nullptr) << error;
    return b;
  }
  // Runs requests with up to `depth` in flight, spread over the queues; true when all are done.
  bool run(blk_bridge& b, std::vector<std::unique_ptr<test_request>>& reqs, size_t depth) {
    size_t next = 0, finished = 0;
    std::vector<test_request*> live;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (finished < reqs.size()) {
      while (next < reqs.size() && live.size() < depth) {
        b.process(*reqs[next]);
        live.push_back(reqs[next++].get());
      }
      (void)b.pump();
      std::erase_if(live, [&](test_request* r) { return r->done() ? (++finished, true) : false; });
      if (std::chrono::steady_clock::now() > end) return false;
    }
    return true;
  }

  scratch_dir dir_;
  std::string image_, socket_;
  std::unique_ptr<backend_process> qsd_;
  shared_memory mem_{64ull << 20, "hmx-vhost-test"};
  // Shadow rings and buffers carved from the shared memory (GPA 0 page left out).
  std::pmr::monotonic_buffer_resource pool_{mem_.data() + 4096, mem_.size() - 4096, std::pmr::null_memory_resource()};
};

TEST_F(Qsd, HandshakeNegotiatesAndReadsTheConfigSpace) {
  start("raw");
  auto fe = connect();
  ASSERT_TRUE(fe->ok()) << fe->error();
  ASSERT_TRUE(fe->handshake()) << fe->error();
  EXPECT_TRUE(fe->features() & v::bit(v::F_VERSION_1));
  EXPECT_TRUE((fe->features() >> kFProtocolFeatures) & 1);
  EXPECT_TRUE(fe->has_protocol_feature(kPfConfig));
  EXPECT_TRUE(fe->has_protocol_feature(kPfReplyAck));
  EXPECT_GE(fe->queue_num(), 2u);
  std::vector<uint8_t> cfg(v::BLK_CFG_SIZE);
  ASSERT_TRUE(fe->get_config(0, cfg)) << fe->error();
  EXPECT_EQ(virtio_argo::wire::load_le64(cfg.data() + v::BLK_CFG_CAPACITY), kDisk / 512);
  EXPECT_EQ(virtio_argo::wire::load_le16(cfg.data() + v::BLK_CFG_NUM_QUEUES), 2);
}

// 16 MiB written through two shadow queues, read back, flushed; the image checked on the host
// with qemu-img compare against a raw file of the expected bytes.
void write_read_flush(Qsd& t, blk_bridge& b, std::vector<uint8_t>& expected) {
  (void)t;
  const uint32_t n = (16u << 20) / kReq;
  std::vector<std::unique_ptr<test_request>> w, r;
  expected.assign(16u << 20, 0);
  for (uint32_t i = 0; i < n; ++i) {
    const auto data = pattern(kReq, i + 1);
    std::memcpy(expected.data() + uint64_t{i} * kReq, data.data(), kReq);
    w.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_OUT, uint64_t{i} * kReq / 512, data), 1));
    r.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_IN, uint64_t{i} * kReq / 512), kReq + 1));
  }
  ASSERT_TRUE(t.run(b, w, 16));
  for (const auto& q : w) ASSERT_EQ(q->status(), v::BLK_S_OK);
  ASSERT_TRUE(t.run(b, r, 16));
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_EQ(r[i]->status(), v::BLK_S_OK);
    ASSERT_EQ(r[i]->written(), kReq + 1);
    ASSERT_EQ(std::memcmp(r[i]->out().data(), expected.data() + uint64_t{i} * kReq, kReq), 0) << "request " << i;
  }
  std::vector<std::unique_ptr<test_request>> f;
  f.push_back(std::make_unique<test_request>(1, blk_header(v::BLK_T_FLUSH, 0), 1));
  ASSERT_TRUE(t.run(b, f, 1));
  EXPECT_EQ(f[0]->status(), v::BLK_S_OK);
}

TEST_F(Qsd, BridgeWritesReadsAndFlushes16MiBOnTwoQueuesRaw) {
  start("raw");
  auto b = bridge(2);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->num_queues(), 2);
  EXPECT_TRUE(b->device_features() & v::bit(v::BLK_F_FLUSH));
  b->activate(v::bit(v::F_VERSION_1) | v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_MQ));
  ASSERT_TRUE(b->alive()) << b->failure();
  std::vector<uint8_t> expected;
  write_read_flush(*this, *b, expected);
  EXPECT_GT(b->stats().kicks, 0u);
  EXPECT_EQ(b->stats().failed, 0u);
  // The raw image holds exactly what was written.
  std::vector<uint8_t> got(expected.size());
  std::ifstream(image_, std::ios::binary).read(reinterpret_cast<char*>(got.data()), static_cast<std::streamsize>(got.size()));
  EXPECT_TRUE(got == expected);
  b.reset();  // GET_VRING_BASE on the way out
}

TEST_F(Qsd, BridgeWritesReadsAndFlushes16MiBOnTwoQueuesQcow2) {
  start("qcow2");
  auto b = bridge(2);
  ASSERT_NE(b, nullptr);
  b->activate(v::bit(v::F_VERSION_1) | v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_MQ));
  std::vector<uint8_t> expected;
  write_read_flush(*this, *b, expected);
  b.reset();
  qsd_->stop();
  expected.resize(kDisk, 0);
  const std::string ref = dir_.file("expected.raw");
  std::ofstream(ref, std::ios::binary).write(reinterpret_cast<const char*>(expected.data()), static_cast<std::streamsize>(expected.size()));
  EXPECT_EQ(std::system(("qemu-img compare -q -f qcow2 -F raw " + image_ + " " + ref).c_str()), 0);
}

// The daemon dies with writes in flight: every request comes back (acknowledged or IOERR),
// every acknowledged write is in the image, later requests fail at once, pump() says so.
TEST_F(Qsd, DaemonKilledMidStreamFailsCleanly) {
  start("raw");
  auto b = bridge(2);
  ASSERT_NE(b, nullptr);
  b->activate(v::bit(v::F_VERSION_1) | v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_MQ));
  const uint32_t n = 256;
  std::vector<std::unique_ptr<test_request>> w;
  for (uint32_t i = 0; i < n; ++i)
    w.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_OUT, uint64_t{i} * kReq / 512, pattern(kReq, i + 1)), 1));
  size_t next = 0;
  bool killed = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto done = [&] { return std::count_if(w.begin(), w.begin() + static_cast<long>(next), [](auto& r) { return r->done(); }); };
  while (next < n || done() < static_cast<long>(n)) {
    while (next < n && next - static_cast<size_t>(done()) < 32) b->process(*w[next++]);
    (void)b->pump();
    if (!killed && done() >= 40) {
      ::kill(-qsd_->pid(), SIGKILL);
      killed = true;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), end) << "requests left hanging";
  }
  ASSERT_TRUE(killed);
  EXPECT_FALSE(b->pump());
  EXPECT_FALSE(b->alive());
  uint32_t ok = 0, failed = 0;
  const int fd = ::open(image_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (w[i]->status() == v::BLK_S_OK) {
      ++ok;
      std::vector<uint8_t> got(kReq);
      ASSERT_EQ(::pread(fd, got.data(), kReq, static_cast<off_t>(uint64_t{i} * kReq)), static_cast<ssize_t>(kReq));
      EXPECT_TRUE(got == pattern(kReq, i + 1)) << "acknowledged write " << i << " is not in the image";
    } else {
      EXPECT_EQ(w[i]->status(), v::BLK_S_IOERR);
      ++failed;
    }
  }
  ::close(fd);
  std::printf("daemon killed after %u acknowledged writes; %u failed with IOERR\n", ok, failed);
  EXPECT_GE(ok, 40u);
  EXPECT_GT(failed, 0u);
  test_request late(0, blk_header(v::BLK_T_OUT, 0, pattern(512, 9)), 1);
  b->process(late);
  EXPECT_TRUE(late.done());
  EXPECT_EQ(late.status(), v::BLK_S_IOERR);
}

// The driver resets the device with writes in flight (virtio 1.2 2.1.2): the bridge stops the
// daemon's rings (GET_VRING_BASE), forgets the requests (the host fails them), and after the next
// DRIVER_OK serves again on fresh shadow rings.
TEST_F(Qsd, ResetWithRequestsInFlightThenServesAgain) {
  start("raw");
  auto b = bridge(2);
  ASSERT_NE(b, nullptr);
  const uint64_t features = v::bit(v::F_VERSION_1) | v::bit(v::BLK_F_FLUSH) | v::bit(v::BLK_F_MQ);
  b->activate(features);
  std::vector<std::unique_ptr<test_request>> first;
  for (uint32_t i = 0; i < 32; ++i) {
    first.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_OUT, uint64_t{i} * 128, pattern(kReq, i)), 1));
    b->process(*first.back());
  }
  (void)b->pump();
  b->reset();
  ASSERT_TRUE(b->alive()) << b->failure();
  std::vector<bool> done_at_reset;
  for (const auto& q : first) done_at_reset.push_back(q->done());
  b->activate(features);
  ASSERT_TRUE(b->alive()) << b->failure();
  std::vector<std::unique_ptr<test_request>> w, r;
  for (uint32_t i = 0; i < 64; ++i) {
    w.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_OUT, 4096 + uint64_t{i} * 128, pattern(kReq, 100 + i)), 1));
    r.push_back(std::make_unique<test_request>(i % 2, blk_header(v::BLK_T_IN, 4096 + uint64_t{i} * 128), kReq + 1));
  }
  ASSERT_TRUE(run(*b, w, 16));
  ASSERT_TRUE(run(*b, r, 16));
  for (uint32_t i = 0; i < 64; ++i) {
    EXPECT_EQ(w[i]->status(), v::BLK_S_OK);
    ASSERT_EQ(r[i]->status(), v::BLK_S_OK);
    EXPECT_TRUE(std::equal(r[i]->out().begin(), r[i]->out().end() - 1, pattern(kReq, 100 + i).begin())) << i;
  }
  // Requests forgotten at the reset are never completed afterwards (the host failed them).
  for (int k = 0; k < 50; ++k) (void)b->pump();
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i]->done(), done_at_reset[i]) << "request " << i;
}

}  // namespace
}  // namespace hmx::vhost_user::test

int main(int argc, char** argv) {
  for (const char* p : {"qemu-storage-daemon", "qemu-img"}) {
    if (!hmx::vhost_user::test::have_program(p)) {
      std::printf("SKIPPED: %s not found (Debian qemu-system-common / qemu-utils; scripts/deps.sh)\n", p);
      return 77;
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
