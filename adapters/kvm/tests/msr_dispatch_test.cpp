// SPDX-License-Identifier: Apache-2.0
// The HMX MSR conduit (msr_dispatch.h) against a fake core: what reaches the core, and what the
// guest gets #GP for.
#include <gtest/gtest.h>

#include <vector>

#include <hmx/reference/guest_memory.h>

#include "hmx/kvm/msr_dispatch.h"

namespace hmx::kvm {
namespace {

constexpr uint32_t kBase = HMX_MSR_DEFAULT_BASE;
constexpr uint32_t kAllFeatures = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT | HMX_FEATURE_VECTOR_BIT |
                                  HMX_FEATURE_RING_VCPU_BIT | HMX_FEATURE_NULL_OP_BIT;

struct fake_core final : hmx_msr_target {
  struct call_record {
    ref::DomainId dom;
    uint32_t vcpu;
    uint64_t gpa;
  };
  std::vector<call_record> calls;
  int64_t call_result = 0;
  int set_result = 0;
  uint64_t vector[4] = {HMX_MSR_VECTOR_RESET, HMX_MSR_VECTOR_RESET, HMX_MSR_VECTOR_RESET, HMX_MSR_VECTOR_RESET};
  uint64_t event_page = 0;
  ref::DomainId last_dom = 0;

  int64_t call(ref::DomainId dom, uint32_t vcpu, uint64_t gpa) override {
    calls.push_back({dom, vcpu, gpa});
    return call_result;
  }
  int set_vector(ref::DomainId dom, uint32_t vcpu, uint64_t v) override {
    last_dom = dom;
    if (set_result == 0) vector[vcpu] = v;
    return set_result;
  }
  int get_vector(ref::DomainId dom, uint32_t vcpu, uint64_t* v) override {
    last_dom = dom;
    *v = vector[vcpu];
    return 0;
  }
  int set_event_page(ref::DomainId dom, uint64_t v) override {
    last_dom = dom;
    if (set_result == 0) event_page = v;
    return set_result;
  }
  int get_event_page(ref::DomainId dom, uint64_t* v) override {
    last_dom = dom;
    *v = event_page;
    return 0;
  }
};

class MsrDispatchTest : public testing::Test {
 protected:
  msr_outcome access(uint32_t offset, bool write, uint64_t value = 0, unsigned vcpu = 0,
                     uint32_t features = kAllFeatures) {
    last = msr_access{vcpu, write, kBase + offset, value};
    return dispatch_hmx_msr(core, hmx_msr_block{kBase, features}, 7, ram, last);
  }
  fake_core core;
  ref::ArenaGuestMemory ram{1 << 20};
  msr_access last;
};

// covers: HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016
TEST_F(MsrDispatchTest, CallWriteRunsExactlyOneCallOnTheCallersVcpu) {
  core.call_result = -HMX_EINVAL;  // an operation's error is the block's business, not a #GP
  EXPECT_EQ(access(HMX_MSR_CALL, true, 0x2000, 1), msr_outcome::done);
  ASSERT_EQ(core.calls.size(), 1u);
  EXPECT_EQ(core.calls[0].dom, 7);
  EXPECT_EQ(core.calls[0].vcpu, 1u);
  EXPECT_EQ(core.calls[0].gpa, 0x2000u);
  // The last call block that fits in RAM.
  EXPECT_EQ(access(HMX_MSR_CALL, true, (1 << 20) - sizeof(hmx_call_block_t)), msr_outcome::done);
  EXPECT_EQ(core.calls.size(), 2u);
}

// covers: HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016
TEST_F(MsrDispatchTest, UnusableCallBlockRaisesGpAndRunsNothing) {
  for (uint64_t gpa : {uint64_t{0x2008}, uint64_t{0x2001}, uint64_t{1 << 20}, uint64_t{(1 << 20) - 32},
                       ~uint64_t{0} - 15, uint64_t{0xfee00000}}) {
    EXPECT_EQ(access(HMX_MSR_CALL, true, gpa), msr_outcome::gp) << std::hex << gpa;
  }
  EXPECT_TRUE(core.calls.empty());
}

// covers: HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016
TEST_F(MsrDispatchTest, ReadingCallAndTouchingReservedIndicesRaiseGp) {
  EXPECT_EQ(access(HMX_MSR_CALL, false), msr_outcome::gp);
  for (uint32_t offset = 3; offset < HMX_MSR_COUNT; ++offset) {
    EXPECT_EQ(access(offset, false), msr_outcome::gp) << offset;
    EXPECT_EQ(access(offset, true, 0), msr_outcome::gp) << offset;
  }
  EXPECT_TRUE(core.calls.empty());
}

TEST_F(MsrDispatchTest, IndicesOutsideTheBlockAreNotHmx) {
  last = msr_access{0, true, kBase - 1, 0};
  EXPECT_EQ(dispatch_hmx_msr(core, {kBase, kAllFeatures}, 7, ram, last), msr_outcome::not_hmx);
  last = msr_access{0, true, kBase + HMX_MSR_COUNT, 0};
  EXPECT_EQ(dispatch_hmx_msr(core, {kBase, kAllFeatures}, 7, ram, last), msr_outcome::not_hmx);
}

// covers: HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013
TEST_F(MsrDispatchTest, VectorIsPerVcpuAndInvalidValuesRaiseGp) {
  EXPECT_EQ(access(HMX_MSR_VECTOR, false, 0, 1), msr_outcome::done);
  EXPECT_EQ(last.value, HMX_MSR_VECTOR_RESET);
  EXPECT_EQ(access(HMX_MSR_VECTOR, true, 0x40, 1), msr_outcome::done);
  EXPECT_EQ(core.vector[1], 0x40u);
  EXPECT_EQ(core.vector[0], HMX_MSR_VECTOR_RESET);
  EXPECT_EQ(core.last_dom, 7);
  EXPECT_EQ(access(HMX_MSR_VECTOR, false, 0, 1), msr_outcome::done);
  EXPECT_EQ(last.value, 0x40u);
  core.set_result = -HMX_EINVAL;  // the core refuses the value (reserved bits, vector < 16)
  EXPECT_EQ(access(HMX_MSR_VECTOR, true, 0x5, 1), msr_outcome::gp);
  EXPECT_EQ(core.vector[1], 0x40u);
}

// covers: HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019
TEST_F(MsrDispatchTest, EventPageIsPerDomainAndInvalidValuesRaiseGp) {
  EXPECT_EQ(access(HMX_MSR_EVENT_PAGE, true, 0x5001, 1), msr_outcome::done);
  EXPECT_EQ(core.event_page, 0x5001u);
  EXPECT_EQ(access(HMX_MSR_EVENT_PAGE, false, 0, 0), msr_outcome::done);
  EXPECT_EQ(last.value, 0x5001u);
  core.set_result = -HMX_EFAULT;
  EXPECT_EQ(access(HMX_MSR_EVENT_PAGE, true, 0x7fff0001), msr_outcome::gp);
  EXPECT_EQ(core.event_page, 0x5001u);
}

// covers: HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016
TEST_F(MsrDispatchTest, RegistersOfFeaturesNotOfferedRaiseGp) {
  EXPECT_EQ(access(HMX_MSR_VECTOR, false, 0, 0, kAllFeatures & ~HMX_FEATURE_VECTOR_BIT), msr_outcome::gp);
  EXPECT_EQ(access(HMX_MSR_EVENT_PAGE, true, 0, 0, kAllFeatures & ~HMX_FEATURE_EVENT_PAGE_BIT), msr_outcome::gp);
  EXPECT_EQ(core.last_dom, 0);  // the core was not asked
}

}  // namespace
}  // namespace hmx::kvm
