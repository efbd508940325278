// SPDX-License-Identifier: Apache-2.0
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

TEST(DomainConfigTest, PinNamesTheFirstHostCpu) {
  EXPECT_FALSE(parse_domain_spec("a=x").pin_cpu.has_value());
  EXPECT_EQ(parse_domain_spec("a=x,pin=1").pin_cpu, 1u);
  EXPECT_THROW(parse_domain_spec("a=x,pin=-1"), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,pin=9999"), std::invalid_argument);
}

TEST(DomainConfigTest, AbiChoosesWhatTheGuestSeesOfItsHypervisor) {
  EXPECT_EQ(parse_domain_spec("a=x").abi, guest_abi::hmx);
  EXPECT_EQ(parse_domain_spec("a=x,abi=hmx").abi, guest_abi::hmx);
  EXPECT_EQ(parse_domain_spec("a=x,abi=xen").abi, guest_abi::xen);
  EXPECT_EQ(parse_domain_spec("a=x,abi=both,vcpus=1").abi, guest_abi::both);
  EXPECT_THROW(parse_domain_spec("a=x,abi=v4v"), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,abi="), std::invalid_argument);
}

TEST(DomainConfigTest, InjectChoosesHowInterruptsReachTheVcpus) {
  EXPECT_EQ(parse_domain_spec("a=x").inject, interrupt_injection::thread);
  EXPECT_EQ(parse_domain_spec("a=x,inject=irqfd").inject, interrupt_injection::irqfd);
  EXPECT_EQ(parse_domain_spec("a=x,inject=msi").inject, interrupt_injection::signal_msi);
  EXPECT_EQ(parse_domain_spec("a=x,inject=thread").inject, interrupt_injection::thread);
  EXPECT_THROW(parse_domain_spec("a=x,inject=posted"), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,inject="), std::invalid_argument);
}

TEST(DomainConfigTest, SqpollTurnsOnTheSubmissionQueueWorkerWithItsIdleTime) {
  EXPECT_FALSE(parse_domain_spec("a=x").sqpoll_idle_us.has_value());
  EXPECT_EQ(parse_domain_spec("a=x,sqpoll=200").sqpoll_idle_us, 200u);
  EXPECT_EQ(parse_domain_spec("a=x,sqpoll=1000000").sqpoll_idle_us, 1000000u);
  EXPECT_THROW(parse_domain_spec("a=x,sqpoll=0"), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,sqpoll=1000001"), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,sqpoll="), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,sqpoll=fast"), std::invalid_argument);
}

TEST(DomainConfigTest, ArgsAreAppendedToTheGuestCommandLineInOrder) {
  auto c = parse_domain_spec("ping=demo.elf,arg=role=ping,vcpus=1,arg=peer=pong");
  EXPECT_EQ(c.image, "demo.elf");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0], "role=ping");
  EXPECT_EQ(c.args[1], "peer=pong");
  EXPECT_EQ(guest_cmdline(c), "cpus=1 role=ping peer=pong");
  c.service_params = "domid=1 name=ping domains=ping:1,pong:2";
  EXPECT_EQ(guest_cmdline(c), "cpus=1 domid=1 name=ping domains=ping:1,pong:2 role=ping peer=pong");
  EXPECT_EQ(guest_cmdline(parse_domain_spec("a=x")), "cpus=2");
  EXPECT_THROW(parse_domain_spec("a=x,arg="), std::invalid_argument);
  EXPECT_THROW(parse_domain_spec("a=x,arg=tab\there"), std::invalid_argument);
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
