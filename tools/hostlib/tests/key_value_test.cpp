// SPDX-License-Identifier: Apache-2.0
// KEY=VALUE lists (key_value.h): the shapes the tree uses, and hostile input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "hmx/host/key_value.h"

namespace hmx::host {
namespace {

using namespace std::string_literals;

TEST(KeyValue, CommaSeparatedKeepsOrderRepeatsAndEqualsInValues) {
  const auto items = split_key_values("vcpus=1,arg=role=ping,arg=peer=pong,flag", ',');
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].key, "vcpus");
  EXPECT_EQ(items[0].value, "1");
  EXPECT_EQ(items[1].key, "arg");
  EXPECT_EQ(items[1].value, "role=ping");
  EXPECT_EQ(items[2].value, "peer=pong");
  EXPECT_EQ(items[3].key, "flag");
  EXPECT_FALSE(items[3].has_value);
  EXPECT_EQ(items[3].item, "flag");
  EXPECT_EQ(find_value(items, "arg"), "role=ping");
  EXPECT_EQ(find_value(items, "flag"), std::nullopt);
}

TEST(KeyValue, EmptyItemsAreKeptOnlyWhenAsked) {
  EXPECT_EQ(split_key_values(",a=1,,b=,", ',').size(), 2u);
  const auto strict = split_key_values(",a=1,,b=,", ',', true);
  ASSERT_EQ(strict.size(), 5u);
  EXPECT_EQ(strict[0].item, "");
  EXPECT_EQ(strict[3].key, "b");
  EXPECT_TRUE(strict[3].has_value);
  EXPECT_EQ(strict[3].value, "");
  EXPECT_TRUE(split_key_values("", ',').empty());
  EXPECT_EQ(split_key_values("", ',', true).size(), 1u);
}

TEST(KeyValue, FieldsWithARestKeyTakeTheRestOfTheLine) {
  const auto f = split_fields("  cp=3  req=HMX-RING-001 FAIL msg=got EINVAL (-22), want x=1 ", {"msg"});
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].key, "cp");
  EXPECT_EQ(f[1].value, "HMX-RING-001");
  EXPECT_FALSE(f[2].has_value);
  EXPECT_EQ(f[2].key, "FAIL");
  EXPECT_EQ(f[3].value, "got EINVAL (-22), want x=1 ");
  // Without the rest key the same text splits at every space.
  EXPECT_EQ(split_fields("msg=a b=c").size(), 2u);
  // A bare word whose '=' belongs to the next word.
  const auto g = split_fields("word key=v");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_FALSE(g[0].has_value);
  EXPECT_TRUE(split_fields("   ").empty());
}

TEST(KeyValue, NamedSpecs) {
  auto s = split_named_spec("vta-blk=virtio-blk,file=/tmp/d.img,queues=2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "vta-blk");
  EXPECT_EQ(s->head, "virtio-blk");
  ASSERT_EQ(s->options.size(), 2u);
  EXPECT_EQ(s->options[1].value, "2");
  s = split_named_spec("a=x.elf");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->options.empty());
  s = split_named_spec("=x,");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "");
  ASSERT_EQ(s->options.size(), 1u);  // the empty option is kept for the caller to refuse
  EXPECT_EQ(s->options[0].item, "");
  // A rest key takes the rest of the spec, commas included.
  s = split_named_spec("b=vhost-user-blk,socket=/s,exec=qsd --export a,b=c,queues=2", {"exec"});
  ASSERT_TRUE(s);
  ASSERT_EQ(s->options.size(), 2u);
  EXPECT_EQ(s->options[1].key, "exec");
  EXPECT_EQ(s->options[1].value, "qsd --export a,b=c,queues=2");
  EXPECT_EQ(split_named_spec("b=k,exec=", {"exec"})->options[0].value, "");
  EXPECT_EQ(split_named_spec("b=k,executable=x,y", {"exec"})->options.size(), 2u);
  EXPECT_FALSE(split_named_spec("noequals"));
  EXPECT_FALSE(split_named_spec(""));
}

TEST(KeyValue, DecimalNumbersOnly) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), ~0ull);
  EXPECT_EQ(parse_decimal("4096", 4096), 4096u);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "18446744073709551616", "١"})
    EXPECT_EQ(parse_decimal(bad), std::nullopt) << bad;
  EXPECT_EQ(parse_decimal("4097", 4096), std::nullopt);
}

// Random bytes: no crash, and every view lies inside the text it came from.
TEST(KeyValue, RandomInputStaysInsideItsText) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab=, \t\0\xff"s;
  for (int round = 0; round < 5000; ++round) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    const auto inside = [&](std::string_view v) {
      return v.empty() || (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size());
    };
    for (const auto& kv : split_key_values(text, ',', round % 2 == 0))
      ASSERT_TRUE(inside(kv.item) && inside(kv.key) && inside(kv.value));
    for (const auto& kv : split_fields(text, {"a"})) {
      ASSERT_TRUE(inside(kv.item) && inside(kv.key) && inside(kv.value));
      ASSERT_FALSE(kv.item.empty());
    }
    if (const auto s = split_named_spec(text)) {
      for (const auto& kv : s->options) ASSERT_TRUE(inside(kv.item));
    }
  }
}

}  // namespace
}  // namespace hmx::host
