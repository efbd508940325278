// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * abi.freestanding: the ABI headers in a freestanding C11 translation unit (docs/ARCHITECTURE.md decision
 * 7). It also names a few items of the header naming contract, so a renamed macro or type fails
 * here and not in some consumer. Values are the spec's; these only check names and types.
 */
#include <hmx/abi/hmx.h>
#include <hmx/abi/hmx.h> /* include guards */

HMX_ABI_STATIC_ASSERT(HMX_VERSION == ((HMX_VERSION_MAJOR << 16) | HMX_VERSION_MINOR), "version");
HMX_ABI_STATIC_ASSERT(-HMX_EINVAL < 0, "errors are plain ints, returned negated");
HMX_ABI_STATIC_ASSERT(HMX_MAX_RING_SIZE > 0xffffu && sizeof(HMX_MAX_RING_SIZE) == 8, "u64 limit");
HMX_ABI_STATIC_ASSERT(HMX_OP_REGISTER_RING != HMX_OP_SENDV, "ops");
HMX_ABI_STATIC_ASSERT(HMX_MECH_X86_MSR_BIT == (1u << HMX_MECH_X86_MSR), "mechanism bit");
HMX_ABI_STATIC_ASSERT(sizeof(HMX_CPUID_SIGNATURE) == 13, "12-byte signature");
HMX_ABI_STATIC_ASSERT(HMX_MSR_DEFAULT_BASE % HMX_MSR_ALIGNMENT == 0, "MSR base");
HMX_ABI_STATIC_ASSERT((HMX_SMCCC_FN_CALL >> 24 & 0x3fu) == HMX_SMCCC_OWNER, "SMCCC owner");
HMX_ABI_STATIC_ASSERT(HMX_SMCCC_UID_W0 != 0xffffffffu, "SMCCC UID");

/* A function using the types, so the compiler lays them out for the target. */
int64_t hmx_abi_freestanding_c(hmx_call_block_t* cb, const hmx_ring_t* ring) {
  cb->op = HMX_OP_SENDV;
  cb->flags = 0;
  cb->arg[0] = (uint64_t)(uintptr_t)ring;
  return cb->result + (int64_t)ring->rx_ptr + (int64_t)offsetof(hmx_ring_message_header_t, data);
}
