// SPDX-License-Identifier: Apache-2.0
// The guest console as hmx-kvm prints it (console.h): domain prefixes, the monitor's result
// lines, the benchmark guests' result lines, and garbage.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "hmx/host/console.h"

namespace hmx::host::console {
namespace {

TEST(Console, DomainPrefixes) {
  auto d = split_domain("[bench-tx] bench: result name=null");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->domain, "bench-tx");
  EXPECT_EQ(d->text, "bench: result name=null");
  d = split_domain("[hmx] ");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->text, "");
  for (const char* bad : {"", "bench: result", "[] x", "[a]x", "[a b] x", "[[a] x", " [a] x", "[a"})
    EXPECT_FALSE(split_domain(bad)) << bad;
  EXPECT_EQ(text_of("[tester] HMXC DONE", "tester"), "HMXC DONE");
  EXPECT_EQ(text_of("[peer] HMXC DONE", "tester"), std::nullopt);
  EXPECT_EQ(text_of("[tester]HMXC DONE", "tester"), std::nullopt);
  EXPECT_EQ(text_of("HMXC DONE", ""), "HMXC DONE");
  EXPECT_EQ(text_of("[tester] HMXC DONE", ""), "[tester] HMXC DONE");
}

TEST(Console, TheMonitorsResultLines) {
  auto r = parse_domain_result("result: exited with status 77 (12.0 ms after start)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, domain_end::exited);
  EXPECT_EQ(r->status, 77);
  EXPECT_EQ(r->state, "exited");
  r = parse_domain_result("result: timed out (5000.0 ms after start)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, domain_end::timed_out);
  EXPECT_EQ(r->state, "timed out");
  EXPECT_EQ(parse_domain_result("result: crashed (3.1 ms after start)")->end, domain_end::crashed);
  EXPECT_EQ(parse_domain_result("result: failed")->end, domain_end::failed);
  r = parse_domain_result("result: created (0.0 ms after start)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, domain_end::other);
  EXPECT_EQ(r->state, "created");
  for (const char* bad : {"", "result:", "HMXC DONE", "result: exited with status x", "result: exited with status -1",
                          "result: exited with status 99999999999", "Result: crashed"})
    EXPECT_FALSE(parse_domain_result(bad) && parse_domain_result(bad)->end == domain_end::exited) << bad;
  EXPECT_FALSE(parse_domain_result("HMXC DONE"));
}

TEST(Console, BenchmarkResultLines) {
  auto r = parse_result_line("bench: result name=sendv_64 ops=4000 cycles=123456 msgs=1 bytes=64 cpl0=500 eagain=0",
                             "bench");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->fields.size(), 7u);
  EXPECT_EQ(*r->find("name"), "sendv_64");
  EXPECT_EQ(r->number("cycles"), 123456u);
  EXPECT_EQ(r->number("name"), std::nullopt);
  EXPECT_EQ(r->number("missing"), std::nullopt);
  r = parse_result_line("vta-bench: result path=argo op=write size=65536 bytes=16777216 cycles=99", "vta-bench");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->as_map().at("op"), "write");
  // Another tag, the tag not at the start, no "result", words without '=' (ignored).
  EXPECT_FALSE(parse_result_line("vta-bench: result op=write", "bench"));
  EXPECT_FALSE(parse_result_line("x bench: result op=write", "bench"));
  EXPECT_FALSE(parse_result_line("bench: sender done, timer_retries=0", "bench"));
  EXPECT_FALSE(parse_result_line("bench: resultname=x", "bench"));
  r = parse_result_line("bench: result junk name=x  ops=1", "bench");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fields.size(), 2u);
}

TEST(Console, RandomBytesDoNotCrashAnyParser) {
  std::mt19937 rng(11);
  const std::string seeds[] = {"[a] ", "result: ", "exited with status ", "bench: result ", "=", " ", "]", "["};
  for (int round = 0; round < 20000; ++round) {
    std::string line;
    while (line.size() < rng() % 60) {
      if (rng() % 3 == 0) line += seeds[rng() % std::size(seeds)];
      else line += static_cast<char>(rng() & 0xff);
    }
    (void)split_domain(line);
    (void)text_of(line, "a");
    if (auto r = parse_domain_result(line); r && r->end == domain_end::exited) {
      ASSERT_GE(r->status, 0);
    }
    (void)parse_result_line(line, "bench");
  }
}

}  // namespace
}  // namespace hmx::host::console
