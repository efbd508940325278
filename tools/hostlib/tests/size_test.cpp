// SPDX-License-Identifier: Apache-2.0
// parse_size (size.h): the units CLI11's AsSizeValue knows, a bare number in the caller's unit,
// and everything else refused with a message.
#include <gtest/gtest.h>

#include <stdexcept>

#include "hmx/host/size.h"

namespace hmx::host {
namespace {

TEST(Size, UnitsAreBinaryAndCaseInsensitive) {
  EXPECT_EQ(parse_size("64M"), 64 * kMiB);
  EXPECT_EQ(parse_size("64m"), 64 * kMiB);
  EXPECT_EQ(parse_size("64MiB"), 64 * kMiB);
  EXPECT_EQ(parse_size("64mb"), 64 * kMiB);
  EXPECT_EQ(parse_size("1G"), uint64_t{1} << 30);
  EXPECT_EQ(parse_size("16384K"), 16 * kMiB);
  EXPECT_EQ(parse_size("1k"), 1024u);
  EXPECT_EQ(parse_size("512b"), 512u);
  EXPECT_EQ(parse_size("2T"), uint64_t{2} << 40);
}

TEST(Size, ABareNumberCountsInTheCallersUnit) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("128", kMiB), 128 * kMiB);
  EXPECT_EQ(parse_size("0", kMiB), 0u);
  EXPECT_EQ(parse_size("010", kMiB), 10 * kMiB);  // decimal, never octal
  EXPECT_EQ(parse_size("010M"), 10 * kMiB);
  EXPECT_EQ(parse_size("00000000000000000000000001K"), 1024u);
}

TEST(Size, EverythingElseIsRefusedWithAMessage) {
  for (const char* bad : {"", "M", "-1", "+1", "-1M", "0x10", "0x10M", "1.5G", "12Q", "64 M", " 64M", "64M ", "1e3",
                          "99999999999999999999", "17179869184G", "16E", "64M,"}) {
    EXPECT_THROW(parse_size(bad, kMiB), std::invalid_argument) << bad;
  }
  try {
    parse_size("12Q");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bad size '12Q'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_size("17179869184", kMiB * kMiB), std::invalid_argument);  // 2^34 * 2^40
}

}  // namespace
}  // namespace hmx::host
