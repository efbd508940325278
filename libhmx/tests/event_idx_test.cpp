// SPDX-License-Identifier: MIT
// hmx/event_idx.h on hand-built rings: arming, suppressing, and the flag only when offered.
#include <gtest/gtest.h>

#include <cstring>

#include <hmx/event_idx.h>

namespace {

constexpr uint32_t kLen = 256;

struct Ring {
  alignas(64) unsigned char bytes[HMX_RING_HEADER_SIZE + kLen] = {};
  hmx_ring_t* h() { return reinterpret_cast<hmx_ring_t*>(bytes); }
};

// covers: HMX-EVENT-053
TEST(EventIdx, TheFlagIsAskedForOnlyWhenOffered) {
  EXPECT_EQ(hmx::event_idx_register_flag(0), 0u);
  EXPECT_EQ(hmx::event_idx_register_flag(~HMX_FEATURE_EVENT_IDX_BIT), 0u);
  EXPECT_EQ(hmx::event_idx_register_flag(HMX_FEATURE_EVENT_IDX_BIT), HMX_REGISTER_FLAG_EVENT_IDX);
}

// covers: HMX-EVENT-054 HMX-EVENT-056
TEST(EventIdx, ArmingStoresRxPtrAndReportsAMessageThatArrived) {
  Ring r;
  r.h()->rx_ptr = 96;
  r.h()->tx_ptr = 96;
  r.h()->rx_event = 7;
  EXPECT_TRUE(hmx::arm_rx_event(r.h()));
  EXPECT_EQ(r.h()->rx_event, 96u);
  r.h()->tx_ptr = 128;  // a message arrived
  r.h()->rx_event = 0;
  EXPECT_FALSE(hmx::arm_rx_event(hmx::ring_reader(r.bytes, kLen)));
  EXPECT_EQ(r.h()->rx_event, 96u);
  // Arming never touches the hypervisor's or the reader's pointers.
  EXPECT_EQ(r.h()->rx_ptr, 96u);
  EXPECT_EQ(r.h()->tx_ptr, 128u);
}

// covers: HMX-EVENT-057
TEST(EventIdx, SuppressingNamesTheSlotBeforeRxPtr) {
  Ring r;
  const hmx::ring_reader reader(r.bytes, kLen);
  r.h()->rx_ptr = 0;
  hmx::suppress_rx_event(reader);
  EXPECT_EQ(r.h()->rx_event, kLen - HMX_MSG_SLOT_SIZE);
  r.h()->rx_ptr = 64;
  hmx::suppress_rx_event(reader);
  EXPECT_EQ(r.h()->rx_event, 48u);
  hmx::rx_event_every_message(r.h());
  EXPECT_GE(r.h()->rx_event, kLen);
}

}  // namespace
