// SPDX-License-Identifier: MIT OR GPL-2.0-only
// abi.freestanding: the ABI headers in a freestanding C++20 translation unit built with
// -fno-exceptions -fno-rtti -nostdlib (docs/ARCHITECTURE.md decision 7), as libhmx and guest images use them.
#include <hmx/abi/hmx.h>
#include <hmx/abi/hmx.h>  // include guards

static_assert(HMX_VERSION == ((HMX_VERSION_MAJOR << 16) | HMX_VERSION_MINOR));
static_assert(-HMX_EINVAL < 0, "errors are plain ints, returned negated");
static_assert(sizeof(HMX_MAX_RING_SIZE) == 8);
static_assert(HMX_MECH_X86_MSR_BIT == (1u << HMX_MECH_X86_MSR));
static_assert(HMX_MSR_DEFAULT_BASE % HMX_MSR_ALIGNMENT == 0);
static_assert(((HMX_SMCCC_FN_CALL >> 24) & 0x3fu) == HMX_SMCCC_OWNER);
static_assert(alignof(hmx_call_block_t) == 8);

// constexpr use: the types are literal and usable at compile time in C++.
constexpr hmx_addr_t kAny{0, static_cast<uint16_t>(HMX_DOMID_ANY), 0};
static_assert(kAny.domain_id == HMX_DOMID_ANY);

extern "C" int64_t hmx_abi_freestanding_cxx(hmx_call_block_t* cb) {
  cb->op = HMX_OP_REGISTER_RING;
  return cb->result;
}
