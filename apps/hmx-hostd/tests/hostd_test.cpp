// SPDX-License-Identifier: Apache-2.0
// hmx-hostd's parts without a UML kernel: command-line specs, the guest memory view, the UML
// conduit over a real socket with a fake guest (HELLO, calls, refusals, notifications), and the
// switch's forwarding.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <span>
#include <filesystem>
#include <vector>

#include <hmx/abi/hmx.h>
#include <hmx/reference/core.h>
#include <hmx/reference/policy.h>
#include <hmx/uml_conduit.h>

#include "../src/device_domain.h"
#include "../src/guest_spec.h"
#include "../src/net_switch.h"
#include "../src/uml_domain.h"
#include "../src/uml_memory.h"

namespace hmx::hostd {
namespace {

TEST(GuestSpec, ParsesEveryOption) {
  const guest_spec g = parse_guest_spec("uml-1=/k/linux,initrd=/i.cpio,mem=128M,arg=quiet,arg=x=y");
  EXPECT_EQ(g.name, "uml-1");
  EXPECT_EQ(g.kernel, "/k/linux");
  EXPECT_EQ(g.initrd, "/i.cpio");
  EXPECT_EQ(g.mem, "128M");
  EXPECT_EQ(g.args, (std::vector<std::string>{"quiet", "x=y"}));
}

TEST(GuestSpec, RefusesWhatItCannotRun) {
  EXPECT_THROW(parse_guest_spec("uml-1=/k/linux"), std::invalid_argument);              // no initrd
  EXPECT_THROW(parse_guest_spec("=/k/linux,initrd=/i"), std::invalid_argument);         // no name
  EXPECT_THROW(parse_guest_spec("a/b=/k/linux,initrd=/i"), std::invalid_argument);      // bad name
  EXPECT_THROW(parse_guest_spec("a=/k,initrd=/i,mem=lots"), std::invalid_argument);     // bad mem
  EXPECT_THROW(parse_guest_spec("a=/k,initrd=/i,frob=1"), std::invalid_argument);       // unknown
}

TEST(DeviceDomainSpec, KnowsItsKinds) {
  EXPECT_TRUE(is_device_domain_spec("c=virtio-console,input=hi"));
  EXPECT_TRUE(is_device_domain_spec("n=virtio-net"));
  EXPECT_FALSE(is_device_domain_spec("b=virtio-blk,file=/x"));
  const device_domain_spec c = parse_device_domain_spec("con=virtio-console,input=hello there");
  EXPECT_EQ(c.kind, "virtio-console");
  EXPECT_EQ(c.input, "hello there");
  EXPECT_THROW(parse_device_domain_spec("n=virtio-net,input=x"), std::invalid_argument);
  EXPECT_THROW(parse_device_domain_spec("n=virtio-gpu"), std::invalid_argument);
}

int memfd_of(size_t size) {
  const int fd = memfd_create("hostd-test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
  return fd;
}

TEST(UmlMemory, MapsOnlyTheServedRange) {
  uml_memory m(memfd_of(1 << 20), 4096, 1 << 20);
  EXPECT_TRUE(m.map(0, 16).empty());               // below the served range
  EXPECT_EQ(m.map(4096, 16).size(), 16u);
  EXPECT_EQ(m.map((1 << 20) - 16, 16).size(), 16u);
  EXPECT_TRUE(m.map((1 << 20) - 8, 16).empty());   // runs off the end
  EXPECT_TRUE(m.map(~0ull - 4, 16).empty());       // wraps
  EXPECT_TRUE(m.map(4096, 0).empty());
}

TEST(UmlMemory, RefusesAFileShorterThanAnnounced) {
  EXPECT_THROW(uml_memory(memfd_of(4096), 0, 1 << 20), std::runtime_error);
  EXPECT_THROW(uml_memory(memfd_of(4096), 4096, 4096), std::runtime_error);  // start >= size
}

// A guest truncating its memory file under hmx-hostd's mapping (sigbus_guard.h): the host's
// copies finish on zero pages instead of dying of SIGBUS, and the memory is revoked.
TEST(UmlMemory, ATruncatedFileRevokesTheMemoryInsteadOfKillingTheHost) {
  const int fd = memfd_of(1 << 20);
  const int guest_fd = dup(fd);  // the guest keeps its own descriptor of the file
  uml_memory m(fd, 0, 1 << 20);
  std::span<std::byte> page = m.map(0x2000, 4096);
  ASSERT_EQ(page.size(), 4096u);
  std::memset(page.data(), 0x5a, page.size());
  EXPECT_FALSE(m.revoked());

  ASSERT_EQ(ftruncate(guest_fd, 0), 0);
  std::array<std::byte, 4096> copy{};
  std::memcpy(copy.data(), page.data(), copy.size());  // SIGBUS without the guard
  EXPECT_TRUE(m.revoked());
  EXPECT_EQ(copy[0], std::byte{0});   // the guest's bytes are out of reach: zero pages
  std::memset(page.data(), 0x11, 64);  // writes land in private memory, not in the file
  EXPECT_EQ(page[0], std::byte{0x11});
  EXPECT_TRUE(m.map(0x2000, 16).empty());  // the core is refused from now on
  close(guest_fd);
}

// The guard is no blanket: a SIGBUS outside every guest mapping still ends the process.
TEST(UmlMemoryDeathTest, ASigbusOutsideGuestMemoryStillKills) {
  uml_memory guarded(memfd_of(1 << 20), 0, 1 << 20);  // the handler is installed
  EXPECT_EXIT(
      {
        const int fd = memfd_of(1 << 16);
        auto* p = static_cast<volatile char*>(mmap(nullptr, 1 << 16, PROT_READ, MAP_SHARED, fd, 0));
        (void)ftruncate(fd, 0);
        (void)p[100];
        _exit(0);
      },
      ::testing::KilledBySignal(SIGBUS), "");
}

// A fake UML guest: its memory is a memfd, it speaks the conduit protocol on a socket.
class FakeGuest {
 public:
  explicit FakeGuest(size_t mem) : size_(mem), memfd_(memfd_of(mem)) {
    base_ = static_cast<uint8_t*>(mmap(nullptr, mem, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_, 0));
  }
  ~FakeGuest() {
    munmap(base_, size_);
    for (int fd : {memfd_, sock_, events_})
      if (fd >= 0) close(fd);
  }
  bool connect_to(const std::string& path) {
    sock_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    for (int i = 0; i < 100; ++i) {
      if (connect(sock_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return true;
      usleep(10000);
    }
    return false;
  }
  hmx_uml_welcome hello(uint32_t magic = HMX_UML_MAGIC) {
    int pair[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    events_ = pair[0];
    hmx_uml_hello h{magic, HMX_UML_PROTOCOL_VERSION, 0, size_, 1, 0};
    iovec iov{&h, sizeof h};
    alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    const int fds[2] = {memfd_, pair[1]};
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    EXPECT_EQ(sendmsg(sock_, &msg, 0), static_cast<ssize_t>(sizeof h));
    close(pair[1]);
    hmx_uml_welcome w{};
    EXPECT_EQ(recv(sock_, &w, sizeof w, MSG_WAITALL), static_cast<ssize_t>(sizeof w));
    return w;
  }
  void truncate_memory() { EXPECT_EQ(ftruncate(memfd_, 0), 0); }
  // After the reply, the conduit closed (recv sees the end of the stream).
  bool conduit_closed() {
    char b;
    return recv(sock_, &b, 1, 0) == 0;
  }
  int64_t call(uint64_t gpa) {
    hmx_uml_call c{gpa};
    EXPECT_EQ(send(sock_, &c, sizeof c, 0), static_cast<ssize_t>(sizeof c));
    hmx_uml_reply r{};
    EXPECT_EQ(recv(sock_, &r, sizeof r, MSG_WAITALL), static_cast<ssize_t>(sizeof r));
    return r.status;
  }
  hmx_call_block_t* block(uint64_t gpa) { return reinterpret_cast<hmx_call_block_t*>(base_ + gpa); }
  int events() const { return events_; }

 private:
  uint64_t size_;
  int memfd_;
  int sock_ = -1;
  int events_ = -1;
  uint8_t* base_ = nullptr;
};

struct ConduitFixture : ::testing::Test {
  ConduitFixture() : core(policy) {
    path = (std::filesystem::temp_directory_path() / ("hostd-test-" + std::to_string(getpid()) + ".sock")).string();
  }
  ref::Policy policy;
  ref::Core core;
  std::string path;
};

// The UML conduit runs each call block once from the guest's memory and writes its result before
// the reply (the MSR conduit's contract over a socket).
// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023
TEST_F(ConduitFixture, HelloCreatesTheDomainAndCallsRunInItsMemory) {
  uml_domain d(core, 7, "uml-test", path, [](const std::string&) {});
  d.start();
  FakeGuest g(1 << 20);
  ASSERT_TRUE(g.connect_to(path));
  const hmx_uml_welcome w = g.hello();
  EXPECT_EQ(w.status, 0);
  EXPECT_EQ(w.domain_id, 7);
  EXPECT_EQ(w.features, core.features());
  EXPECT_TRUE(core.has_domain(7));

  // The null operation, run from the guest's memory: result 0 in the block.
  *g.block(0x1000) = hmx_call_block_t{HMX_OP_NULL, 0, -1, {0, 0, 0, 0}};
  EXPECT_EQ(g.call(0x1000), 0);
  EXPECT_EQ(g.block(0x1000)->result, 0);
  // An unknown operation runs and fails in the block; the conduit itself succeeds.
  *g.block(0x1040) = hmx_call_block_t{0x7777, 0, 0, {0, 0, 0, 0}};
  EXPECT_EQ(g.call(0x1040), 0);
  EXPECT_EQ(g.block(0x1040)->result, -HMX_EOPNOTSUPP);
  // The conduit's own refusals: nothing runs (MSR conduit's #GP cases).
  EXPECT_EQ(g.call(0x1008), -HMX_EINVAL);
  EXPECT_EQ(g.call(1 << 20), -HMX_EFAULT);
  EXPECT_EQ(g.call(~0ull & ~15ull), -HMX_EFAULT);

  // The core's notification for the domain is a byte on the event socket.
  d.raise(7, 0, HMX_VECTOR_MIN);
  char b = 0;
  EXPECT_EQ(recv(g.events(), &b, 1, 0), 1);
  EXPECT_EQ(d.stats().calls, 2u);
  EXPECT_EQ(d.stats().refused_calls, 3u);
}

TEST_F(ConduitFixture, AGuestThatLeavesTakesItsDomainAlong) {
  uml_domain d(core, 3, "uml-gone", path, [](const std::string&) {});
  d.start();
  {
    FakeGuest g(1 << 20);
    ASSERT_TRUE(g.connect_to(path));
    ASSERT_EQ(g.hello().status, 0);
    EXPECT_TRUE(core.has_domain(3));
  }
  for (int i = 0; i < 100 && core.has_domain(3); ++i) usleep(10000);
  EXPECT_FALSE(core.has_domain(3));
  EXPECT_TRUE(d.stats().ended);
}

// A hostile guest truncates its memory file and then calls: hmx-hostd survives, the call is
// answered -EFAULT, the conduit closes and the domain leaves the core.
TEST_F(ConduitFixture, AGuestThatTruncatesItsMemoryLosesItsDomainNotTheHost) {
  uml_domain d(core, 5, "uml-trunc", path, [](const std::string&) {});
  d.start();
  FakeGuest g(1 << 20);
  ASSERT_TRUE(g.connect_to(path));
  ASSERT_EQ(g.hello().status, 0);
  *g.block(0x1000) = hmx_call_block_t{HMX_OP_NULL, 0, -1, {0, 0, 0, 0}};
  ASSERT_EQ(g.call(0x1000), 0);

  g.truncate_memory();
  EXPECT_EQ(g.call(0x1000), -HMX_EFAULT);  // the core's read of the block faulted on the host
  EXPECT_TRUE(g.conduit_closed());
  for (int i = 0; i < 100 && core.has_domain(5); ++i) usleep(10000);
  EXPECT_FALSE(core.has_domain(5));
  EXPECT_TRUE(d.stats().memory_revoked);
}

TEST_F(ConduitFixture, AMalformedHelloIsRefused) {
  uml_domain d(core, 4, "uml-bad", path, [](const std::string&) {});
  d.start();
  FakeGuest g(1 << 20);
  ASSERT_TRUE(g.connect_to(path));
  EXPECT_EQ(g.hello(0x12345678).status, -HMX_EINVAL);
  EXPECT_FALSE(core.has_domain(4));
}

TEST(NetSwitch, FloodsUntilItLearnsThenForwards) {
  net_switch sw;
  net_port a(sw, 1), b(sw, 2), c(sw, 3);
  std::vector<uint8_t> frame(60, 0);
  auto address = [&](const std::array<uint8_t, 6>& dst, const std::array<uint8_t, 6>& src) {
    std::memcpy(frame.data(), dst.data(), 6);
    std::memcpy(frame.data() + 6, src.data(), 6);
  };
  address(b.mac(), a.mac());
  sw.forward(&a, frame);  // b unknown yet: flooded
  EXPECT_EQ(sw.flooded(), 1u);
  address(a.mac(), b.mac());
  sw.forward(&b, frame);  // a was learned from its frame
  EXPECT_EQ(sw.forwarded(), 1u);
  address({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, c.mac());
  sw.forward(&c, frame);  // broadcast: always flooded
  EXPECT_EQ(sw.flooded(), 2u);
  sw.forward(&c, std::vector<uint8_t>(10, 0));  // a runt: dropped
  EXPECT_EQ(sw.flooded() + sw.forwarded(), 3u);
}

}  // namespace
}  // namespace hmx::hostd
