// SPDX-License-Identifier: Apache-2.0
// Reading Xen's console: who wrote a line, vpl011 pieces, exit lines, the banner, module loads.
#include <gtest/gtest.h>

#include "hmx/xen/console.h"

namespace hmx::xen {
namespace {

TEST(Console, ClassifiesXenDomainsAndGuests) {
  console_line c = classify_console_line("(XEN) DOM2: hello from domU");
  EXPECT_EQ(c.domain, 2);
  EXPECT_EQ(c.text, "hello from domU");
  c = classify_console_line("(XEN) DOM12: ");
  EXPECT_EQ(c.domain, 12);
  EXPECT_EQ(c.text, "");
  c = classify_console_line("(XEN) Xen dom0less mode detected");
  EXPECT_EQ(c.domain, console_line::xen);
  EXPECT_EQ(c.text, "Xen dom0less mode detected");
  c = classify_console_line("(d0) printk from dom0");
  EXPECT_EQ(c.domain, 0);
  EXPECT_EQ(c.text, "printk from dom0");
  // Not a domain prefix: "DOMx", a missing colon, a negative id.
  EXPECT_EQ(classify_console_line("(XEN) DOMx: a").domain, console_line::xen);
  EXPECT_EQ(classify_console_line("(XEN) DOM3 a").domain, console_line::xen);
  EXPECT_EQ(classify_console_line("(XEN) DOM-1: a").domain, console_line::xen);
  EXPECT_EQ(classify_console_line("plain line").domain, console_line::xen);
}

TEST(Console, ExitLine) {
  EXPECT_EQ(parse_exit_line("exit status=0"), 0);
  EXPECT_EQ(parse_exit_line("exit status=77"), 77);
  EXPECT_FALSE(parse_exit_line("exit status="));
  EXPECT_FALSE(parse_exit_line("exit status=1 extra"));
  EXPECT_FALSE(parse_exit_line("exit status=-1"));
  EXPECT_FALSE(parse_exit_line("echo exit status=0"));
}

TEST(Console, JoinsVpl011Pieces) {
  vpl011_line_joiner j;
  const std::string piece(vpl011_piece_length, 'a');
  EXPECT_FALSE(j.add(piece));
  EXPECT_FALSE(j.add(piece));
  EXPECT_EQ(j.add("tail"), piece + piece + "tail");
  EXPECT_EQ(j.add("short line"), "short line");
  // A guest line of exactly 126 characters: the piece, then an empty one for its newline.
  EXPECT_FALSE(j.add(piece));
  EXPECT_EQ(j.add(""), piece);
  EXPECT_FALSE(j.finish());
  EXPECT_FALSE(j.add(piece));
  EXPECT_EQ(j.finish(), piece);
}

TEST(Console, VersionBannerAndModuleLoads) {
  EXPECT_EQ(parse_xen_version_banner("(XEN) Xen version 4.17.5 (Debian ) (@) (gcc) debug=n"), "4.17.5");
  EXPECT_EQ(parse_xen_version_banner("(XEN) Xen version 4.17.5"), "4.17.5");
  EXPECT_EQ(parse_xen_version_banner("(XEN) Xen dom0less mode detected"), "");
  const auto m = parse_module_load("(XEN) Loading d2 kernel from boot module @ 000000004b000000");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->domain, 2);
  EXPECT_EQ(m->address, 0x4b000000ull);
  EXPECT_FALSE(parse_module_load("(XEN) Loading d2 DTB to 0x0000000043e00000-0x0000000043e0049d"));
  EXPECT_FALSE(parse_module_load("(XEN) Loading d2 kernel from boot module @ zz"));
}

TEST(Console, FatalLines) {
  EXPECT_TRUE(is_fatal_xen_line("(XEN) Panic on CPU 0:"));
  EXPECT_TRUE(is_fatal_xen_line("(XEN) Hardware Dom0 crashed: 'noreboot' set - not rebooting."));
  EXPECT_TRUE(is_fatal_xen_line("(XEN) Hardware Dom0 shutdown: rebooting machine"));
  EXPECT_FALSE(is_fatal_xen_line("(XEN) DOM1: Panic on CPU 0:"));
  EXPECT_FALSE(is_fatal_xen_line("Panic on CPU 0"));
}

}  // namespace
}  // namespace hmx::xen
