// SPDX-License-Identifier: Apache-2.0
// --target kvm-xen (target_kvm_xen.cpp): the hmx-kvm command line it runs.
#include <gtest/gtest.h>

#include <algorithm>

#include "targets.h"

namespace conformance::runner {
namespace {

TEST(KvmXen, CommandRunsTheTesterAsAnAbiXenDomainLikeXensDom0) {
  target_options o;
  o.kind = target_kind::kvm_xen;
  o.hmx_kvm = "/bin/hmx-kvm";
  o.image_dir = "/img";
  o.timeout_s = 99.5;
  const auto cmd = kvm_xen_command(o);
  ASSERT_FALSE(cmd.empty());
  EXPECT_EQ(cmd[0], "/bin/hmx-kvm");
  // The --target xen domain: the same image, 2 vCPUs, 256 MiB; no peer, no policy file (no
  // wildcard rule: Argo without mac-permissive).
  EXPECT_NE(std::find(cmd.begin(), cmd.end(), "tester=/img/hmx-conformance-tester.elf,abi=xen,vcpus=2,mem=256M"),
            cmd.end());
  EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "--domain"), 1);
  EXPECT_EQ(std::find(cmd.begin(), cmd.end(), "--policy"), cmd.end());
  const auto t = std::find(cmd.begin(), cmd.end(), "--timeout");
  ASSERT_NE(t, cmd.end());
  EXPECT_EQ(*(t + 1), "100");
  EXPECT_STREQ(to_string(target_kind::kvm_xen), "kvm-xen");
}

}  // namespace
}  // namespace conformance::runner
