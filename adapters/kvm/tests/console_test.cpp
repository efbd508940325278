// SPDX-License-Identifier: Apache-2.0
// Per-vCPU line buffering and prefixes of the serial console; the exit-code precedence.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "hmx/kvm/console.h"
#include "hmx/kvm/monitor.h"

namespace hmx::kvm {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ConsoleTest, BuffersLinesPerVcpuAndPrefixesTheDomain) {
  std::ostringstream guest, mon;
  console out(guest, mon);
  serial_lines serial(out, "d1", 2);
  serial.write(0, bytes("hello "));
  serial.write(1, bytes("from one\n"));
  serial.write(0, bytes("from zero\r\nnext"));
  EXPECT_EQ(guest.str(), "[d1] from one\n[d1] hello from zero\n");
  serial.flush_all();
  EXPECT_EQ(guest.str(), "[d1] from one\n[d1] hello from zero\n[d1] next\n");
  serial.write(7, bytes("ignored\n"));  // no such vCPU
  EXPECT_EQ(guest.str(), "[d1] from one\n[d1] hello from zero\n[d1] next\n");
}

TEST(ConsoleTest, EscapesNonPrintableBytesAndSplitsOverlongLines) {
  std::ostringstream guest, mon;
  console out(guest, mon);
  serial_lines serial(out, "d", 1);
  serial.write(0, bytes(std::string("a\x01\xff" "b\n", 5)));
  EXPECT_EQ(guest.str(), "[d] a\\x01\\xffb\n");
  guest.str("");
  serial.write(0, bytes(std::string(serial_lines::kMaxLine + 10, 'x')));
  serial.flush_all();
  EXPECT_EQ(guest.str(), "[d] " + std::string(serial_lines::kMaxLine, 'x') + "\n[d] " + std::string(10, 'x') + "\n");
}

TEST(ConsoleTest, MonitorMessagesArePrefixedPerLine) {
  std::ostringstream guest, mon;
  console out(guest, mon);
  out.monitor_message("x", "one\n  two");
  EXPECT_EQ(mon.str(), "[x] one\n[x]   two\n");
}

TEST(ExitCodeTest, FollowsTheDocumentedPrecedence) {
  using s = domain_state;
  EXPECT_EQ(exit_code_for({{s::exited, 0, ""}, {s::exited, 0, ""}}), 0);
  EXPECT_EQ(exit_code_for({{s::exited, 0, ""}, {s::exited, 3, ""}}), 1);
  EXPECT_EQ(exit_code_for({{s::exited, 3, ""}, {s::timed_out, 0, ""}}), 3);
  EXPECT_EQ(exit_code_for({{s::timed_out, 0, ""}, {s::crashed, 0, ""}}), 2);
  EXPECT_EQ(exit_code_for({{s::crashed, 0, ""}, {s::failed, 0, ""}}), 4);
  EXPECT_EQ(exit_code_for({}), 0);
}

}  // namespace
}  // namespace hmx::kvm
