// SPDX-License-Identifier: Apache-2.0
// The dom0less device tree: the fragment's text, module placement, and (with dtc) a tree that
// dtc accepts and that decompiles to what Xen reads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hmx/xen/device_tree.h"
#include "hmx/host/process.h"

namespace hmx::xen {
namespace {

dom0less_domain domain(const char* name, uint64_t at) {
  dom0less_domain d;
  d.node_name = name;
  d.module_address = at;
  d.module_size = 0x3000;
  d.memory_kib = 65536;
  d.vcpus = 1;
  d.bootargs = "hmxc.role=tester hmxc.peer=2";
  return d;
}

TEST(DeviceTree, FragmentHasChosenAndOneNodePerDomain) {
  const std::string f = dom0less_fragment("console=dtuart argo=1", {domain("tester", 0x50000000), domain("peer", 0x50200000)});
  EXPECT_NE(f.find("xen,xen-bootargs = \"console=dtuart argo=1\";"), std::string::npos);
  EXPECT_NE(f.find("tester {"), std::string::npos);
  EXPECT_NE(f.find("peer {"), std::string::npos);
  EXPECT_NE(f.find("compatible = \"xen,domain\";"), std::string::npos);
  EXPECT_NE(f.find("memory = <0x0 0x10000>;"), std::string::npos);
  EXPECT_NE(f.find("module@50200000 {"), std::string::npos);
  EXPECT_NE(f.find("reg = <0x0 0x50000000 0x0 0x3000>;"), std::string::npos);
  EXPECT_NE(f.find("compatible = \"multiboot,kernel\", \"multiboot,module\";"), std::string::npos);
  EXPECT_NE(f.find("bootargs = \"hmxc.role=tester hmxc.peer=2\";"), std::string::npos);
  EXPECT_NE(f.find("vpl011;"), std::string::npos);
  EXPECT_NE(f.find("xen,enhanced = \"no-xenstore\";"), std::string::npos);
}

TEST(DeviceTree, RejectsBadNodesAndEscapesStrings) {
  EXPECT_THROW(dom0less_fragment("", {domain("bad name", 0x50000000)}), std::invalid_argument);
  EXPECT_THROW(dom0less_fragment("", {domain("", 0x50000000)}), std::invalid_argument);
  dom0less_domain no_module = domain("x", 0x50000000);
  no_module.module_size = 0;
  EXPECT_THROW(dom0less_fragment("", {no_module}), std::invalid_argument);
  EXPECT_EQ(dts_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(DeviceTree, PlacesModulesAligned) {
  const auto at = place_modules({0x1000, 0x300000, 0x10}, 0x50000000, 0xc0000000);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0], 0x50000000u);
  EXPECT_EQ(at[1], 0x50200000u);
  EXPECT_EQ(at[2], 0x50600000u);
  EXPECT_THROW(place_modules({0x100000}, 0x50000000, 0x50080000), std::invalid_argument);
  EXPECT_THROW(place_modules({~uint64_t{0}}, 0x50000000, 0xc0000000), std::invalid_argument);
}

// dtc compiles the fragment merged into a minimal tree, and the result decompiles to the nodes
// Xen's dom0less code looks for (dtc is a dependency: scripts/deps.sh).
TEST(DeviceTree, DtcAcceptsTheMergedTree) {
  const std::string dir = ::testing::TempDir();
  const std::string dts = dir + "/merged.dts", dtb = dir + "/merged.dtb", back = dir + "/back.dts";
  {
    std::ofstream out(dts);
    out << "/dts-v1/;\n/ {\n\t#address-cells = <0x2>;\n\t#size-cells = <0x2>;\n\tchosen {\n\t\tstdout-path = \"/pl011@9000000\";\n\t};\n};\n"
        << dom0less_fragment("console=dtuart", {domain("tester", 0x50000000), domain("peer", 0x50200000)});
  }
  for (const auto& argv : std::vector<std::vector<std::string>>{{"dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts},
                                                                 {"dtc", "-q", "-I", "dtb", "-O", "dts", "-o", back, dtb}}) {
    hmx::host::process_options s;
    s.argv = argv;
    s.timeout_s = 20;
    const hmx::host::process_result r = hmx::host::run_process(s);
    ASSERT_TRUE(r.exited) << r.describe();
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::ifstream in(back);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("stdout-path"), std::string::npos);  // the machine part survives
  EXPECT_NE(text.str().find("xen,xen-bootargs"), std::string::npos);
  EXPECT_NE(text.str().find("module@50200000"), std::string::npos);
}

}  // namespace
}  // namespace hmx::xen
