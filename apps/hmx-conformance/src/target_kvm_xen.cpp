// SPDX-License-Identifier: Apache-2.0
// --target kvm-xen (issue 11): the tester image as an abi=xen domain of hmx-kvm, which presents
// Xen 4.17's CPUID leaves, hypercall page and Argo (adapters/xen guest_abi.h) on the reference
// core. The domain is what --target xen boots on real Xen: the same image, 2 vCPUs, 256 MiB,
// "cpus=2", no peer (Xen 4.17 has no dom0less on x86), and wildcard rings refused (the MAC
// policy here has no REGISTER_ANY_SOURCE rule for it, as Argo without mac-permissive). Real Xen's
// documented deviations apply (the Xen profile): where Xen deviates, hmx-kvm answers as Xen does.
// The console and the result lines are hmx-kvm's, so run_vm_target runs and reads it.
#include <cmath>

#include "targets.h"

namespace conformance::runner {

std::vector<std::string> kvm_xen_command(const target_options& o) {
  const long secs = std::lround(std::ceil(o.timeout_s));
  return {o.hmx_kvm,
          "--domain", "tester=" + o.image_dir + "/hmx-conformance-tester.elf,abi=xen,vcpus=2,mem=256M",
          "--timeout", std::to_string(secs)};
}

}  // namespace conformance::runner
