// SPDX-License-Identifier: Apache-2.0
// The natural-layout checker on its own.
#include "layout.h"

#include <gtest/gtest.h>

namespace hmx::specgen {
namespace {

hmx::spec::Struct make(uint32_t size, uint32_t align,
                       std::vector<std::tuple<const char*, const char*, uint32_t, uint32_t, bool>> fields) {
  hmx::spec::Struct s;
  s.set_name("s");
  s.set_size(size);
  s.set_align(align);
  for (const auto& [name, type, offset, count, flex] : fields) {
    auto* f = s.add_fields();
    f->set_name(name);
    f->set_type(type);
    f->set_offset(offset);
    f->set_count(count);
    f->set_flexible(flex);
  }
  return s;
}

TEST(Layout, NaturalLayoutHasNoIssues) {
  std::vector<LayoutIssue> issues;
  auto l = check_layout(make(48, 8, {{"op", "u32", 0, 0, false},
                                     {"flags", "u32", 4, 0, false},
                                     {"result", "i64", 8, 0, false},
                                     {"arg", "u64", 16, 4, false}}),
                        {}, issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(l.size, 48u);
  EXPECT_EQ(l.align, 8u);
}

TEST(Layout, TailPaddingRoundsSizeUp) {
  std::vector<LayoutIssue> issues;
  auto l = check_layout(make(16, 8, {{"a", "u64", 0, 0, false}, {"b", "u32", 8, 0, false}}), {}, issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(l.size, 16u);
}

TEST(Layout, HoleOverlapMisalignmentAreReported) {
  std::vector<LayoutIssue> issues;
  check_layout(make(24, 8, {{"a", "u16", 0, 0, false},
                            {"b", "u32", 8, 0, false},    // hole 2..7 (natural 4)
                            {"c", "u16", 10, 0, false},   // overlaps b (ends at 12)
                            {"d", "u64", 13, 0, false}}),  // misaligned
               {}, issues);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].field_index, 1);
  EXPECT_NE(issues[0].message.find("hole"), std::string::npos);
  EXPECT_EQ(issues[1].field_index, 2);
  EXPECT_NE(issues[1].message.find("overlaps"), std::string::npos);
  EXPECT_EQ(issues[2].field_index, 3);
  EXPECT_NE(issues[2].message.find("not aligned"), std::string::npos);
}

TEST(Layout, SizeAndAlignMustMatch) {
  std::vector<LayoutIssue> issues;
  check_layout(make(12, 4, {{"a", "u64", 0, 0, false}, {"b", "u32", 8, 0, false}}), {}, issues);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].field, "size");
  EXPECT_EQ(issues[1].field, "align");
}

TEST(Layout, NestedStructsAndFlexibleArrays) {
  std::map<std::string, TypeLayout> known{{"addr", {8, 4, false}}, {"ring", {64, 4, true}}};
  std::vector<LayoutIssue> issues;
  auto l = check_layout(make(8, 4, {{"n", "u32", 0, 0, false},
                                    {"pad", "u32", 4, 0, false},
                                    {"items", "addr", 8, 0, true}}),
                        known, issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_TRUE(l.has_flexible);
  EXPECT_EQ(l.size, 8u);

  issues.clear();
  check_layout(make(68, 4, {{"r", "ring", 0, 0, false}, {"x", "u32", 64, 0, false}}), known, issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "type");  // a struct ending in a flexible array can't be embedded

  issues.clear();
  check_layout(make(8, 4, {{"a", "u8", 0, 0, true}, {"b", "u32", 4, 0, false}}), known, issues);
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].field, "flexible");  // only last
}

TEST(Layout, UnknownTypeIsReported) {
  std::vector<LayoutIssue> issues;
  check_layout(make(4, 4, {{"a", "u24", 0, 0, false}}), {}, issues);
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].field, "type");
}

}  // namespace
}  // namespace hmx::specgen
