// SPDX-License-Identifier: Apache-2.0
// The virtio-argo driver image in a real VM, its disk served by the real qemu-storage-daemon
// over vhost-user through a device domain of hmx-kvm (`--service NAME=vhost-user-blk,socket=...`):
// the daemon maps only the device domain's memory, the driver's bytes reach it only as
// hypervisor copies. The test starts the daemon itself on an image made by qemu-img, with time
// limits everywhere, checks the image on the host afterwards, and kills the daemon mid-stream.
// Exits 77 ("SKIPPED: ...") without /dev/kvm, qemu-storage-daemon or qemu-img (ctest
// vta.kvm.vhost_*, label kvm).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "hmx/host/process.h"
#include "hmx/vhost_user/backend_process.h"
#include "hmx/virtio_argo/workload/blk_pattern.h"
#include "vm_test_support.h"

namespace {

namespace wl = hmx::virtio_argo::workload;
using hmx::vhost_user::backend_process;
using namespace hmx::vm_test;

bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::vector<uint8_t> read_file(const std::string& path, uint64_t offset, uint64_t len) {
  std::vector<uint8_t> b(len);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const ssize_t n = ::pread(fd, b.data(), len, static_cast<off_t>(offset));
  ::close(fd);
  if (n != static_cast<ssize_t>(len)) return {};
  return b;
}

// hmx-kvm running while the test watches the disk: hostlib's run_process on its own thread, with
// its time limit (the process group is killed at it) and its output collected. Leaving the scope
// early (a failed assertion) stops it at once.
class background {
 public:
  background(std::vector<std::string> argv, double limit_s) {
    options_.argv = std::move(argv);
    options_.timeout_s = limit_s;
    options_.stop_now = [this] { return stop_.load(); };
    thread_ = std::thread([this] { result_ = hmx::host::run_process(options_); });
  }
  ~background() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const hmx::host::process_result& wait() {
    if (thread_.joinable()) thread_.join();
    return result_;
  }

 private:
  hmx::host::process_options options_;
  hmx::host::process_result result_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class OverKvmVhost : public ::testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/hmx-vta-vhost-XXXXXX";
    dir_ = ::mkdtemp(t);
    std::ofstream(dir_ + "/policy") << kDriverDevicePolicy;
    socket_ = dir_ + "/qsd.sock";
  }
  void TearDown() override {
    qsd_.reset();
    (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  void start_qsd(const std::string& format) {
    image_ = dir_ + "/disk." + format;
    ASSERT_EQ(std::system(("qemu-img create -q -f " + format + " " + image_ + " 64M").c_str()), 0);
    const std::string node = format == "raw" ? "file0" : "fmt0";
    const std::string fmt = format == "raw" ? "" : " --blockdev driver=" + format + ",node-name=fmt0,file=file0";
    qsd_ = std::make_unique<backend_process>(
        "qemu-storage-daemon --blockdev driver=file,node-name=file0,filename=" + image_ + fmt +
        " --export type=vhost-user-blk,id=exp0,node-name=" + node + ",addr.type=unix,addr.path=" + socket_ +
        ",writable=on,num-queues=2");
  }
  std::vector<std::string> hmx_kvm(uint32_t mib) const {
    return {hmx_kvm_path_, "--policy", dir_ + "/policy", "--stats", "--timeout", "60", "--service",
            "vta-blk=vhost-user-blk,socket=" + socket_ + ",queues=2", "--domain",
            "drv=" + image_dir_ + "/vta_blk_e2e.elf,vcpus=1,arg=dev=vta-blk,arg=mib=" + std::to_string(mib) +
                ",arg=queues=2,arg=depth=8,arg=seed=7,arg=flush=1"};
  }

  std::string hmx_kvm_path_ = setting("HMX_KVM", HMX_VTA_HMX_KVM);
  std::string image_dir_ = setting("HMX_VTA_GUEST_DIR", HMX_VTA_GUEST_DIR);
  std::string dir_, socket_, image_;
  std::unique_ptr<backend_process> qsd_;
};

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052 HMX-VTA-023
TEST_F(OverKvmVhost, QsdServesTheDriverImage16MiBOnTwoQueues) {
  start_qsd("qcow2");
  background run(hmx_kvm(16), 100);
  const hmx::host::process_result& r = run.wait();
  const int rc = r.exited ? r.exit_code : -1;
  const std::string& out = r.output;
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(has_line(out, R"(^\[vta-blk\] vhost-user back-end at .*qsd\.sock: features 0x[0-9a-f]+, 2 queue\(s\))"));
  EXPECT_TRUE(has_line(out, R"(^\[drv\] vta-e2e: drv: write: 256 of 256 requests of 65536 bytes acknowledged on 2 queues \(depth 8\), 0 failed)"));
  EXPECT_TRUE(has_line(out, R"(^\[drv\] vta-e2e: drv: read back: 256 of 256 requests ok, 0 differed)"));
  EXPECT_TRUE(has_line(out, R"(^\[drv\] vta-e2e: drv: flush: ok)"));
  EXPECT_TRUE(has_line(out, R"(^\[drv\] result: exited with status 0)"));
  EXPECT_TRUE(has_line(out, R"(stats: service vta-blk .*vhost-user-blk at .*\(256 writes, 256 reads, 16777216 bytes written)"));
  const std::string sum = capture(out, R"(vta-e2e: drv: PASS: 16 MiB written and read back over virtio-argo, checksum ([0-9a-f]{16}))");
  ASSERT_FALSE(sum.empty());
  // Every byte crossed the isolation boundary as an HMX copy: hmx-kvm offers EXPOSE, so each
  // request went exposed and the device fetched or deposited its bytes (no USED carried data).
  EXPECT_TRUE(has_line(out, R"(^\[drv\] vta-e2e: drv: exposures: 513 of 513 requests exposed, 0 fallbacks, 0 errors, [0-9]+ revoked live; USED copied 0 bytes)"));
  // The image, read on the host through qemu-img, holds what the guest wrote.
  qsd_->stop();
  const std::string raw = dir_ + "/check.raw";
  ASSERT_EQ(std::system(("qemu-img convert -f qcow2 -O raw " + image_ + " " + raw).c_str()), 0);
  const std::vector<uint8_t> file = read_file(raw, 0, 16u << 20);
  ASSERT_EQ(file.size(), 16u << 20);
  EXPECT_EQ(sum, hex16(hmx::checksum::fnv1a64(file.data(), file.size())));
  EXPECT_TRUE(wl::matches(file.data(), 16u << 20, 7, 0));
}

// covers: HMX-VTA-100 HMX-VTA-101
TEST_F(OverKvmVhost, DaemonKilledMidStream) {
  start_qsd("raw");
  background run(hmx_kvm(64), 160);  // up to 60 s watching the disk, then as long as the first test
  // Kill the daemon once request 128 (8 MiB in) is in the image: the stream is under way.
  constexpr uint64_t kReq = 65536;
  bool killed = false;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    const std::vector<uint8_t> b = read_file(image_, 128 * kReq, kReq);
    if (!b.empty() && wl::matches(b.data(), kReq, 7, 128 * kReq / 512)) {
      ::kill(-qsd_->pid(), SIGKILL);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const hmx::host::process_result& r = run.wait();
  const int rc = r.exited ? r.exit_code : -1;
  const std::string& out = r.output;
  std::printf("%s", out.c_str());
  ASSERT_TRUE(killed) << "the stream never reached 8 MiB";
  EXPECT_EQ(rc, 1);  // the driver domain exited non-zero; nothing hung, hmx-kvm ended on its own
  EXPECT_TRUE(has_line(out, R"(^\[vta-blk\] removing the device: vhost-user back-end: )"));
  EXPECT_TRUE(has_line(out, R"(^\[drv\] result: exited with status (19|5) )"));
  EXPECT_TRUE(has_line(out, R"(stats: service vta-blk .*, back-end failed)"));
  const std::string acked = capture(out, R"(vta-e2e: acked: ([0-9a-f]+))");
  const std::string counts = capture(out, R"(vta-e2e: drv: write: ([0-9]+) of 1024 requests)");
  const std::string failed = capture(out, R"(vta-e2e: drv: write: [0-9]+ of 1024 requests .*, ([0-9]+) failed)");
  ASSERT_FALSE(acked.empty());
  ASSERT_FALSE(counts.empty());
  ASSERT_FALSE(failed.empty());
  const uint32_t n_acked = static_cast<uint32_t>(std::stoul(counts));
  EXPECT_GT(n_acked, 0u);
  EXPECT_LT(n_acked, 1024u);
  EXPECT_GT(std::stoul(failed), 0u);  // the writes in flight came back failed, none left hanging
  // Every acknowledged write is in the image, byte for byte (hex digit d: requests 4d..4d+3).
  uint32_t seen = 0;
  for (size_t d = 0; d < acked.size(); ++d) {
    const uint32_t bits = static_cast<uint32_t>(std::stoul(acked.substr(d, 1), nullptr, 16));
    for (uint32_t bit = 0; bit < 4; ++bit) {
      if ((bits & (1u << bit)) == 0) continue;
      const uint64_t i = d * 4 + bit;
      const std::vector<uint8_t> got = read_file(image_, i * kReq, kReq);
      ASSERT_FALSE(got.empty());
      EXPECT_TRUE(wl::matches(got.data(), kReq, 7, i * kReq / 512)) << "acknowledged write " << i;
      ++seen;
    }
  }
  EXPECT_EQ(seen, n_acked);
}

}  // namespace

int main(int argc, char** argv) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) {
    std::printf("SKIPPED: /dev/kvm not available\n");
    return 77;
  }
  for (const char* p : {"qemu-storage-daemon", "qemu-img"}) {
    if (!have_program(p)) {
      std::printf("SKIPPED: %s not found (Debian qemu-system-common / qemu-utils; scripts/deps.sh)\n", p);
      return 77;
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
