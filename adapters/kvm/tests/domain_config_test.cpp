// --domain NAME=IMAGE[,vcpus=N][,mem=SIZE] parsing.
#include <gtest/gtest.h>

#include <stdexcept>

#include "hmx/kvm/domain_config.h"

namespace hmx::kvm {
namespace {

TEST(DomainConfigTest, ParsesDefaultsAndOptions) {
  auto c = parse_domain_spec("hello=build/guests/hello.elf");
  EXPECT_EQ(c.name, "hello");
  EXPECT_EQ(c.image, "build/guests/hello.elf");
  EXPECT_EQ(c.vcpus, 2u);
  EXPECT_EQ(c.memory, 64ull << 20);
  c = parse_domain_spec("a-1=x.elf,vcpus=4,mem=128");
  EXPECT_EQ(c.vcpus, 4u);
  EXPECT_EQ(c.memory, 128ull << 20);
  EXPECT_EQ(parse_domain_spec("a=x,mem=1G").memory, 1ull << 30);
  EXPECT_EQ(parse_domain_spec("a=x,mem=16384K").memory, 16ull << 20);
  EXPECT_EQ(parse_domain_spec("a=x,mem=32M,vcpus=1").vcpus, 1u);
}

TEST(DomainConfigTest, RejectsBadSpecsWithAMessage) {
  for (const char* bad : {"noequals", "=x.elf", "a=", "a b=x", "a=x,vcpus=0", "a=x,vcpus=65", "a=x,vcpus=two",
                          "a=x,mem=4", "a=x,mem=4G", "a=x,mem=99999999999999999999", "a=x,mem=12Q", "a=x,cpus=2",
                          "a=x,vcpus=2x"}) {
    EXPECT_THROW(parse_domain_spec(bad), std::invalid_argument) << bad;
  }
  try {
    parse_domain_spec("a=x,frob=1");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option 'frob=1'"), std::string::npos);
  }
}

}  // namespace
}  // namespace hmx::kvm
