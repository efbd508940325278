// SPDX-License-Identifier: Apache-2.0
// virtio-blk over virtio-argo in real VMs: the real hmx-kvm binary runs the driver image
// (guests/blk_e2e.cpp, at CPL3 over the MSR conduit) and hosts the device domain
// (`--service NAME=virtio-blk,file=...`, a domain of its reference core with its own memory). The
// backing file is checked here, on the host, after the run. Run with --require-kvm (ctest
// vta.kvm.*, label kvm): without /dev/kvm the binary exits 77 and says SKIPPED.
//
// Paths: HMX_KVM (hmx-kvm) and HMX_VTA_GUEST_DIR (vta_blk_e2e.elf) from the environment, else
// the build tree's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "hmx/host/process.h"
#include "hmx/virtio_argo/workload/blk_pattern.h"
#include "support/over_core.h"
#include "vm_test_support.h"

namespace hmx::virtio_argo::overcore {
namespace {

namespace wl = workload;
using namespace hmx::vm_test;

class OverKvm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "SKIPPED: /dev/kvm not available";
    char name[] = "/tmp/hmx-vta-policy-XXXXXX";
    const int fd = ::mkstemp(name);
    ASSERT_GE(fd, 0);
    ::close(fd);
    policy_ = name;
    std::ofstream(policy_) << kDriverDevicePolicy;  // the intruder has no rule
  }
  void TearDown() override {
    if (!policy_.empty()) ::unlink(policy_.c_str());
  }

  // hmx-kvm with the policy, a time limit, the service and the given domains.
  hmx::host::process_result hmx_kvm(const std::string& service, const std::vector<std::string>& domains) {
    std::vector<std::string> argv{hmx_kvm_path_, "--policy", policy_, "--stats", "--timeout", "60", "--service",
                                  service};
    for (const auto& d : domains) {
      argv.push_back("--domain");
      argv.push_back(d);
    }
    hmx::host::process_options run;
    run.argv = std::move(argv);
    run.timeout_s = 100;
    hmx::host::process_result r = hmx::host::run_process(run);
    std::printf("%s", r.output.c_str());  // the whole run, for whoever reads the test log
    return r;
  }
  std::string driver(const std::string& name, const std::string& args = "") const {
    return name + "=" + image_ + ",vcpus=1,arg=dev=vta-blk,arg=mib=4,arg=queues=2,arg=depth=8,arg=seed=7" + args;
  }

  std::string hmx_kvm_path_ = setting("HMX_KVM", HMX_VTA_HMX_KVM);
  std::string image_ = setting("HMX_VTA_GUEST_DIR", HMX_VTA_GUEST_DIR) + "/vta_blk_e2e.elf";
  std::string policy_;
  scratch_disk disk{8ull << 20};
};

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-105 HMX-VTA-106 HMX-VTA-107 HMX-VTA-108 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048 HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052 HMX-VTA-066 HMX-VTA-067 HMX-VTA-023 HMX-VTA-026 HMX-VTA-088 HMX-VTA-089
// hmx-kvm offers EXPOSE, so the driver image takes the exposure path (spec transport "Requests
// with exposures"): every request exposed, no USED carries data, the device fetched and deposited,
// every request through the image's exposure window: one expose, none per request.
// covers: HMX-VTA-160 HMX-VTA-166 HMX-VTA-167
TEST_F(OverKvm, BlkWrittenAndReadBackThroughTheServiceDomain) {
  const auto r = hmx_kvm("vta-blk=virtio-blk,file=" + disk.path() + ",queues=2", {driver("drv")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: connected to device 1 of domain 2: .*, exposures$)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[vta-blk\] domain 1 connected to device 1 \(.*, exposures\))"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: exposures: 128 of 128 requests exposed, 0 fallbacks, 0 errors, [0-9]+ revoked live; USED copied 0 bytes \(0 for reads of 4194304 bytes\))"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: window: 128 of 128 requests named the exposure window; 1 window calls \(expose, revoke\), 0 per-request calls)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: write: 64 of 64 requests of 65536 bytes acknowledged on 2 queues \(depth 8\), 0 failed)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: read back: 64 of 64 requests ok, 0 differed)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] result: exited with status 0)"));
  // The guest's checksum of what it wrote equals the backing file's, computed here.
  const std::string sum = capture(r.output, R"(vta-e2e: drv: PASS: 4 MiB written and read back over virtio-argo, checksum ([0-9a-f]{16}))");
  ASSERT_FALSE(sum.empty());
  const std::vector<uint8_t> file = disk.read(0, 4u << 20);
  EXPECT_EQ(sum, hex16(hmx::checksum::fnv1a64(file.data(), file.size())));
  EXPECT_TRUE(wl::matches(file.data(), 4u << 20, 7, 0));
}

// The same with arg=exposures=0: the data path (every byte an HMX message, USED data copied into
// the buffers), as a driver that does not accept VTA_TRANSPORT_F_EXPOSURES is served.
// covers: HMX-VTA-049 HMX-VTA-050 HMX-VTA-051 HMX-VTA-052 HMX-VTA-153
TEST_F(OverKvm, BlkOverTheDataPathWhenTheDriverKeepsIt) {
  const auto r = hmx_kvm("vta-blk=virtio-blk,file=" + disk.path() + ",queues=2", {driver("drv", ",arg=exposures=0")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: connected to device 1 of domain 2: .*, data path$)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: exposures: 0 of 128 requests exposed, 0 fallbacks, 0 errors, 0 revoked live; USED copied [0-9]+ bytes \([0-9]+ for reads of 4194304 bytes\))"));
  const std::string read_copied = capture(r.output, R"(USED copied [0-9]+ bytes \(([0-9]+) for reads)");
  ASSERT_FALSE(read_copied.empty());
  EXPECT_GE(std::stoull(read_copied), 4ull << 20);
  const std::string sum = capture(r.output, R"(vta-e2e: drv: PASS: 4 MiB written and read back over virtio-argo, checksum ([0-9a-f]{16}))");
  ASSERT_FALSE(sum.empty());
  const std::vector<uint8_t> file = disk.read(0, 4u << 20);
  EXPECT_EQ(sum, hex16(hmx::checksum::fnv1a64(file.data(), file.size())));
  // Every byte crossed as an HMX message: the core delivered at least 8 MiB.
  const std::string bytes = capture(r.output, R"(stats: core: .* ([0-9]+) bytes,)");
  ASSERT_FALSE(bytes.empty());
  EXPECT_GE(std::stoull(bytes), 8ull << 20);
}

// covers: HMX-VTA-042 HMX-VTA-043 HMX-VTA-046 HMX-VTA-047 HMX-VTA-048
TEST_F(OverKvm, ADomainThePolicyDoesNotAllowCannotReachTheDevice) {
  const auto r = hmx_kvm("vta-blk=virtio-blk,file=" + disk.path() + ",queues=2",
                         {driver("drv"), driver("intruder")});
  EXPECT_EQ(r.exit_code, 1);  // some domain exited non-zero: the intruder, as expected
  EXPECT_TRUE(has_line(r.output, R"(^\[intruder\] vta-e2e: intruder: cannot reach the device domain \(id 3\): bus ring: EACCES \(denied by the policy\))"));
  EXPECT_TRUE(has_line(r.output, R"(^\[intruder\] result: exited with status 13)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[vta-blk\] not serving domain 2: bus ring refused: EACCES)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] vta-e2e: drv: PASS)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] result: exited with status 0)"));
}

// covers: HMX-VTA-100 HMX-VTA-101 HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST_F(OverKvm, DeviceDomainKilledMidRequest) {
  const auto r = hmx_kvm("vta-blk=virtio-blk,file=" + disk.path() + ",queues=2,die-after=21", {driver("drv")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has_line(r.output, R"(^\[vta-blk\] dying on purpose at request 21)"));
  EXPECT_TRUE(has_line(r.output, R"(^\[drv\] result: exited with status 19)"));
  const std::string acked = capture(r.output, R"(vta-e2e: acked: ([0-9a-f]+))");
  const std::string counts = capture(r.output, R"(device gone during the writes: ([0-9]+ acknowledged, [0-9]+) failed)");
  ASSERT_FALSE(acked.empty());
  ASSERT_FALSE(counts.empty());
  const uint32_t n_acked = static_cast<uint32_t>(std::stoul(counts));
  const uint32_t n_failed = static_cast<uint32_t>(std::stoul(counts.substr(counts.find(", ") + 2)));
  EXPECT_GT(n_failed, 0u);  // the requests in flight came back failed
  EXPECT_LE(n_acked, 20u);  // request 21 was never served
  // Every acknowledged write is on the disk, byte for byte (hex digit d: requests 4d..4d+3).
  uint32_t seen = 0;
  for (size_t d = 0; d < acked.size(); ++d) {
    const uint32_t bits = static_cast<uint32_t>(std::stoul(acked.substr(d, 1), nullptr, 16));
    for (uint32_t b = 0; b < 4; ++b) {
      if ((bits & (1u << b)) == 0) continue;
      const uint64_t i = d * 4 + b;
      const std::vector<uint8_t> got = disk.read(i * 65536, 65536);
      EXPECT_TRUE(wl::matches(got.data(), 65536, 7, i * 128)) << "acknowledged write " << i;
      ++seen;
    }
  }
  EXPECT_EQ(seen, n_acked);
}

}  // namespace
}  // namespace hmx::virtio_argo::overcore
