// SPDX-License-Identifier: Apache-2.0
// --target arm: the aarch64 tester and peer images as EL1 domains of the HMX EL2 monitor
// (adapters/arm-smccc) under qemu-system-aarch64 (TCG, virtualization=on, GICv3). The monitor
// serves HMX over SMCCC (spec 4.4, mechanism arm_smccc_hvc) with the reference core built
// freestanding; its console and its domain results are hmx-kvm's ("[NAME] text", "[NAME]
// result: exited with status N"), so run_vm_target reads it as it reads hmx-kvm's.
#include <cmath>

#include "targets.h"

namespace conformance::runner {

namespace {
constexpr const char* kTesterA64 = "hmx-conformance-tester-a64.img";
constexpr const char* kPeerA64 = "hmx-conformance-peer-a64.img";
}  // namespace

std::vector<std::string> arm_command(const target_options& o) {
  const std::string dir = o.image_dir + "/";
  // Each vCPU of the monitor runs on a CPU of its own: 2 (tester) + 1 (peer) + 1 (denied). The
  // tester holds a MAX_RING_LEN ring (16 MiB) in its limits test: 128 MiB, as on hmx-kvm.
  const long secs = std::lround(std::ceil(o.timeout_s));
  return {o.qemu_aarch64, "-M", "virt,virtualization=on,gic-version=3", "-cpu", "max", "-smp", "4", "-m", "1024",
          "-display", "none", "-serial", "stdio", "-monitor", "none", "-semihosting",
          "-kernel", o.arm_monitor,
          "-append", "--domain tester=" + dir + kTesterA64 + ",vcpus=2,mem=128M" +
                     " --domain peer=" + dir + kPeerA64 + ",mem=32M" +
                     " --domain denied=" + dir + kPeerA64 + ",mem=32M" +
                     " --policy " + o.arm_policy + " --timeout " + std::to_string(secs)};
}

}  // namespace conformance::runner
