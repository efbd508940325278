// SPDX-License-Identifier: MIT OR GPL-2.0-only
// abi.xen: the HMX ABI is byte- and value-compatible with Xen's <xen/argo.h> (docs/ARCHITECTURE.md decision
// 1). The pairs to compare come from the spec data (every xen_name), listed by
// `hmx-specgen --xen-checks-out` as X-macros in hmx_xen_checks.inc.
#include <stddef.h>
#include <stdint.h>  // <xen/xen.h> uses the fixed-width types without including them
#include <xen/xen.h>
#include <xen/argo.h>

#include <hmx/abi/hmx.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace {

#define HMX_MEMBER_SIZE(type, member) sizeof(((type*)nullptr)->member)

TEST(XenAbi, StructLayoutsMatch) {
  int checked = 0;
#define HMX_XEN_STRUCT(h, x)                                  \
  EXPECT_EQ(sizeof(h), sizeof(x)) << #h " vs " #x;            \
  EXPECT_EQ(alignof(h), alignof(x)) << #h " vs " #x;          \
  ++checked;
#define HMX_XEN_FIELD(h, f, x, g)                                                              \
  EXPECT_EQ(offsetof(h, f), offsetof(x, g)) << #h "." #f " vs " #x "." #g;                     \
  EXPECT_EQ(HMX_MEMBER_SIZE(h, f), HMX_MEMBER_SIZE(x, g)) << #h "." #f " vs " #x "." #g;       \
  ++checked;
#define HMX_XEN_FIELD_AT(h, f, x, g)                                          \
  EXPECT_EQ(offsetof(h, f), offsetof(x, g)) << #h "." #f " vs " #x "." #g;    \
  ++checked;
#define HMX_XEN_FLEX(h, f, x, g) HMX_XEN_FIELD_AT(h, f, x, g)
#define HMX_XEN_CONST(h, x)
#include "hmx_xen_checks.inc"
#undef HMX_XEN_STRUCT
#undef HMX_XEN_FIELD
#undef HMX_XEN_FIELD_AT
#undef HMX_XEN_FLEX
#undef HMX_XEN_CONST
  EXPECT_GT(checked, 0);
}

TEST(XenAbi, ValuesMatch) {
  int checked = 0;
#define HMX_XEN_STRUCT(h, x)
#define HMX_XEN_FIELD(h, f, x, g)
#define HMX_XEN_FIELD_AT(h, f, x, g)
#define HMX_XEN_FLEX(h, f, x, g)
#define HMX_XEN_CONST(h, x)                                                           \
  EXPECT_EQ(static_cast<uint64_t>(h), static_cast<uint64_t>(x)) << #h " vs " #x;      \
  ++checked;
#include "hmx_xen_checks.inc"
#undef HMX_XEN_STRUCT
#undef HMX_XEN_FIELD
#undef HMX_XEN_FIELD_AT
#undef HMX_XEN_FLEX
#undef HMX_XEN_CONST
  EXPECT_GT(checked, 0);
}

// Every Argo item the data plane shares with Xen must carry a xen_name in the data, so that the
// checks above cover it; this catches a xen_name dropped from the spec.
TEST(XenAbi, EveryArgoItemIsCovered) {
  std::set<std::string> named;
#define HMX_XEN_STRUCT(h, x) named.insert(#x);
#define HMX_XEN_FIELD(h, f, x, g)
#define HMX_XEN_FIELD_AT(h, f, x, g)
#define HMX_XEN_FLEX(h, f, x, g)
#define HMX_XEN_CONST(h, x) named.insert(#x);
#include "hmx_xen_checks.inc"
#undef HMX_XEN_STRUCT
#undef HMX_XEN_FIELD
#undef HMX_XEN_FIELD_AT
#undef HMX_XEN_FLEX
#undef HMX_XEN_CONST
  for (const char* x :
       {"xen_argo_addr_t", "xen_argo_send_addr_t", "xen_argo_iov_t", "xen_argo_ring_t",
        "xen_argo_register_ring_t", "xen_argo_unregister_ring_t", "xen_argo_ring_data_ent_t",
        "xen_argo_ring_data_t", "struct xen_argo_ring_message_header", "XEN_ARGO_DOMID_ANY",
        "XEN_ARGO_MAX_RING_SIZE", "XEN_ARGO_MAXIOV", "XEN_ARGO_MSG_SLOT_SIZE",
        "XEN_ARGO_REGISTER_FLAG_FAIL_EXIST", "XEN_ARGO_RING_EXISTS", "XEN_ARGO_RING_SHARED",
        "XEN_ARGO_RING_EMPTY", "XEN_ARGO_RING_SUFFICIENT", "XEN_ARGO_RING_EMSGSIZE",
        "XEN_ARGO_RING_EBUSY", "XEN_ARGO_OP_register_ring", "XEN_ARGO_OP_unregister_ring",
        "XEN_ARGO_OP_sendv", "XEN_ARGO_OP_notify"})
    EXPECT_TRUE(named.count(x)) << x << " has no xen_name counterpart in the spec data";
}

}  // namespace
