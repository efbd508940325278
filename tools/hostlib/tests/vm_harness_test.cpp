// SPDX-License-Identifier: Apache-2.0
// The benchmark VM harness (vm_harness.h) around a stand-in monitor that writes what hmx-kvm's
// console writes: timing, the TSC rate, and the guests' result lines by domain.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "hmx/host/vm_harness.h"

namespace hmx::host {
namespace {

TEST(VmHarness, TimesTheRunAndTypesTheGuestsLines) {
  vm_harness h;
  const int code = h.run([&] {
    h.guest_stream() << "[bench-tx] bench: result name=null ops=10 cycles=1000\n"
                     << "[bench-rx] bench: receiver messages=5 bytes=320\n"
                     << "[bench-rx] bench: result name=from_rx ops=1 cycles=1\n"
                     << "[bench-tx] bench: sender done, timer_retries=0\n"
                     << "[bench-tx] bench: result name=sendv_64 ops=20 cycles=4000\n"
                     << "bench: result name=unprefixed ops=1 cycles=1\n";
    h.monitor_stream() << "[bench-tx] result: exited with status 0 (1.0 ms after start)\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return 3;
  });
  EXPECT_EQ(code, 3);
  EXPECT_GE(h.seconds(), 0.05);
  EXPECT_LT(h.seconds(), 5.0);
  EXPECT_GT(h.tsc_hz(), 1e6);  // any real counter ticks faster than 1 MHz

  const auto tx = h.results("bench", "bench-tx");
  ASSERT_EQ(tx.size(), 2u);
  EXPECT_EQ(*tx[0].find("name"), "null");
  EXPECT_EQ(tx[1].number("cycles"), 4000u);
  EXPECT_EQ(h.results("bench").size(), 3u);  // every domain, never an unprefixed line
  EXPECT_TRUE(h.results("vta-bench").empty());

  EXPECT_EQ(h.last_line_with("bench: sender done"), "[bench-tx] bench: sender done, timer_retries=0");
  EXPECT_EQ(h.last_line_with("no such text"), "");
  EXPECT_EQ(h.guest_lines().size(), 6u);
  const std::string out = h.output();
  EXPECT_LT(out.find("unprefixed"), out.find("result: exited"));  // guest lines first
}

TEST(VmHarness, TheCounterMovesForward) {
  const uint64_t a = read_timestamp_counter();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(read_timestamp_counter(), a);
}

}  // namespace
}  // namespace hmx::host
