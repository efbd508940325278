// SPDX-License-Identifier: Apache-2.0
// FNV-1a (hmx/checksum/fnv1a.h) against FNV's published test values, in pieces as the guests
// compute it over a message split across the end of a ring, and over every byte type in use.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include <hmx/checksum/fnv1a.h>

namespace hmx::checksum {
namespace {

uint64_t of64(const std::string& s) { return fnv1a64(s.data(), s.size()); }
uint32_t of32(const std::string& s) { return fnv1a32(s.data(), s.size()); }

TEST(Checksum, PublishedValues) {
  EXPECT_EQ(of64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(of64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(of64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(of32(""), 0x811c9dc5u);
  EXPECT_EQ(of32("a"), 0xe40c292cu);
  EXPECT_EQ(of32("foobar"), 0xbf9cf968u);
  static_assert(fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull, "usable at compile time");
}

TEST(Checksum, PiecesChainToTheWhole) {
  const std::string whole = "a message that wraps around the end of the ring";
  for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
    const uint64_t first = fnv1a64(whole.data(), cut);
    EXPECT_EQ(fnv1a64(whole.data() + cut, whole.size() - cut, first), of64(whole));
    EXPECT_EQ(fnv1a32(whole.data() + cut, whole.size() - cut, fnv1a32(whole.data(), cut)), of32(whole));
  }
}

TEST(Checksum, EveryByteTypeGivesTheSameSum) {
  std::vector<unsigned char> u = {0x00, 0x7f, 0x80, 0xff, 0x41};
  std::vector<std::byte> b(u.size());
  std::vector<char> c(u.size());
  std::memcpy(b.data(), u.data(), u.size());
  std::memcpy(c.data(), u.data(), u.size());
  EXPECT_EQ(fnv1a64(u.data(), u.size()), fnv1a64(b.data(), b.size()));
  EXPECT_EQ(fnv1a64(u.data(), u.size()), fnv1a64(c.data(), c.size()));  // signed char widens as a byte
  EXPECT_EQ(fnv1a32(u.data(), u.size()), fnv1a32(b.data(), b.size()));
}

}  // namespace
}  // namespace hmx::checksum
